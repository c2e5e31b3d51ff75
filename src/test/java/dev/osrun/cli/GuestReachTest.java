package dev.osrun.cli;

import dev.osrun.ExecOptions;
import dev.osrun.ExecResult;
import dev.osrun.GuestKind;
import dev.osrun.NetworkMode;
import dev.osrun.local.LocalVm;
import dev.osrun.server.Auth;
import dev.osrun.server.ControlServer;
import dev.osrun.testing.RequiresTinyGuest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What code in the guest can reach on the host, in each network mode: from inside the tiny guest, busybox {@code nc}
 * tries {@code 10.0.2.2} (QEMU's alias for the host's loopback) on a service of the host bound to 127.0.0.1, on the
 * control API and on the debugging ports.
 */
@RequiresTinyGuest
class GuestReachTest {

    private static final String TOKEN = Auth.randomToken();
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(60);

    private ServerSocket hostService;
    private Thread hostServiceThread;
    private DebugPorts debugPorts;
    private LocalVm vm;
    private ControlServer server;

    @AfterEach
    void stop() throws Exception {
        try (ServerSocket service = hostService; DebugPorts ports = debugPorts; LocalVm closing = vm; ControlServer api = server) {
            if (hostServiceThread != null) {
                hostServiceThread.interrupt();
            }
        }
    }

    @Test
    void inNatModeTheGuestReachesTheHostsLoopbackButTheControlApiStillWantsTheToken() throws IOException {
        start(NetworkMode.NAT);

        assertThat(probe(hostService.getLocalPort(), "hello\n").stdout()).isEqualTo("host-service\n");
        String api = probe(server.port(), unauthenticatedExec()).stdout();
        assertThat(api).startsWith("HTTP/1.1 401");
        assertThat(vm.exec("test", "-e", "/root/pwned").exitCode()).as("the unauthenticated command did not run").isOne();
        // --debug-ports hands the VM to anyone who can connect, the guest included: that is what the README says.
        assertThat(probe(DebugPorts.MONITOR, "info status\n").stdout()).contains("VM status: running");
        assertThat(probe(DebugPorts.AGENT, "{\"execute\":\"guest-info\"}\n").stdout()).contains("\"return\"");
        assertThat(probe(DebugPorts.VNC, "").stdout()).startsWith("RFB 003.");
    }

    @Test
    void inIsolatedModeTheGuestReachesNothingOnTheHostAndTheShareStillWorks(@TempDir Path tmp) throws IOException {
        start(NetworkMode.ISOLATED);

        for (int port : List.of(hostService.getLocalPort(), server.port(), DebugPorts.MONITOR, DebugPorts.AGENT, DebugPorts.VNC)) {
            ExecResult probe = probe(port, "hello\n");
            assertThat(probe.stdout()).as("what port %d answered the guest", port).isEmpty();
            assertThat(probe.exitCode()).as("nc's exit code for port %d", port).isNotZero();
        }
        // The share (and with it exec's streamed output and file transfers) still works.
        Files.writeString(tmp.resolve("in.txt"), "through the share\n");
        vm.upload(tmp.resolve("in.txt"), "/root/in.txt");
        assertThat(vm.exec("cat", "/root/in.txt").stdout()).isEqualTo("through the share\n");
        // The debugging ports still answer on this machine's loopback.
        try (Socket monitor = new Socket(InetAddress.getLoopbackAddress(), DebugPorts.MONITOR)) {
            assertThat(monitor.isConnected()).isTrue();
        }
    }

    private void start(NetworkMode mode) throws IOException {
        hostService = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        hostServiceThread = new Thread(this::serveHost, "host-service");
        hostServiceThread.setDaemon(true);
        hostServiceThread.start();

        debugPorts = new DebugPorts(true, false, "127.0.0.1");
        LocalVm.Builder builder = LocalVm.builder(GuestKind.TINY).network(mode);
        debugPorts.configure(builder);
        vm = builder.start();
        debugPorts.open(vm);
        server = ControlServer.builder(GuestKind.TINY).token(TOKEN).bindAddress("127.0.0.1").port(0).start();
        server.attach(vm);
    }

    /** A service on the host's loopback, as a user's database or dev server would be: says who it is, then hangs up. */
    private void serveHost() {
        while (!hostService.isClosed()) {
            try (Socket client = hostService.accept(); OutputStream out = client.getOutputStream()) {
                out.write("host-service\n".getBytes(StandardCharsets.US_ASCII));
            } catch (SocketException closed) {
                return;
            } catch (IOException e) {
                // one failed client; keep serving
            }
        }
    }

    /** Connects from inside the guest to 10.0.2.2:port, sends {@code request}, and returns what came back. */
    private ExecResult probe(int port, String request) {
        return vm.exec(List.of("timeout", "15", "nc", "-w", "3", "10.0.2.2", Integer.toString(port)),
                ExecOptions.defaults().withStdin(request).withTimeout(PROBE_TIMEOUT));
    }

    private static String unauthenticatedExec() {
        String body = "{\"shell\":\"touch /root/pwned\"}";
        return "POST /v1/exec HTTP/1.1\r\nHost: 10.0.2.2\r\nContent-Type: application/json\r\nConnection: close\r\n"
                + "Content-Length: " + body.length() + "\r\n\r\n" + body;
    }
}
