package dev.osrun.cli;

import dev.osrun.engine.AgentPort;
import dev.osrun.local.LocalVm;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The seed's debugging ports, opened only when asked for: {@code --debug-ports} (or {@code OSRUN_DEBUG_PORTS=1})
 * opens VNC on 5950, the QEMU monitor (HMP) on 55556, the guest agent on 44444 and noVNC on 8000; {@code --vnc}
 * opens only noVNC on 8000 (its VNC then listens on loopback). They listen on the bind address (loopback unless
 * asked otherwise; every interface in a container, where {@code docker -p 127.0.0.1:...} publishes them on the host's
 * loopback). None of them asks for a password: whoever reaches them controls the VM, and the QEMU monitor runs
 * commands on the machine that runs QEMU. In {@link dev.osrun.NetworkMode#NAT} that includes code in the guest,
 * which reaches this machine's loopback at {@code 10.0.2.2}. That is why they are off by default.
 */
final class DebugPorts implements AutoCloseable {

    static final int NOVNC = 8000;
    static final int VNC = 5950;
    static final int MONITOR = 55556;
    static final int AGENT = 44444;
    /** Where the image (and Debian's {@code novnc} package) keep noVNC's web page. */
    static final Path NOVNC_WEB = Path.of(System.getenv().getOrDefault("OSRUN_NOVNC_WEB", "/usr/share/novnc"));

    private static final Logger log = LoggerFactory.getLogger(DebugPorts.class);
    private static final Duration NOVNC_START = Duration.ofSeconds(15);

    private final boolean all;
    private final boolean novnc;
    private final String address;
    private final List<AutoCloseable> opened = new ArrayList<>();

    DebugPorts(boolean debugPorts, boolean vnc, String bindAddress) {
        this.all = debugPorts;
        this.novnc = debugPorts || vnc;
        this.address = bindAddress;
    }

    /** Whether any port is asked for. */
    boolean any() {
        return novnc;
    }

    /** Adds what QEMU itself serves (VNC, the monitor) to the VM's configuration. */
    void configure(LocalVm.Builder builder) {
        if (novnc) {
            builder.vnc((all ? address : "127.0.0.1") + ":" + (VNC - 5900));
        }
        if (all) {
            builder.qemuArgs(List.of("-monitor", "tcp:" + address + ":" + MONITOR + ",server=on,wait=off"));
        }
    }

    /**
     * Starts noVNC before the VM does, so that a first run's provisioning (Windows Setup, whose QEMU serves the
     * same VNC display) can be watched too; noVNC connects to VNC per browser session.
     */
    void openNoVnc() {
        if (novnc) {
            startNoVnc();
        }
    }

    /** Opens what osrun serves beside QEMU (the agent relay) once the VM runs. */
    void open(LocalVm vm) {
        if (all) {
            opened.add(AgentPort.open(new InetSocketAddress(address, AGENT), vm.machine().agent()));
        }
    }

    private void startNoVnc() {
        if (!Files.isRegularFile(NOVNC_WEB.resolve("vnc.html"))) {
            log.warn("noVNC is not installed here ({} has no vnc.html; Debian: apt-get install novnc python3-websockify); "
                    + "VNC alone is on port {}", NOVNC_WEB, VNC);
            return;
        }
        List<String> command = List.of("websockify", "--web", NOVNC_WEB.toString(),
                address + ":" + NOVNC, "127.0.0.1:" + VNC);
        try {
            Path log = Files.createTempFile("osrun-websockify", ".log");
            Process websockify = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            opened.add(websockify::destroy);
            awaitListening(websockify, log, address.equals("0.0.0.0") ? "127.0.0.1" : address);
        } catch (IOException e) {
            log.warn("Cannot start noVNC ({}): {}", String.join(" ", command), e.getMessage());
        }
    }

    /** Waits (boundedly) until websockify accepts connections, so that the address osrun prints works at once. */
    private static void awaitListening(Process websockify, Path output, String host) throws IOException {
        long deadline = System.nanoTime() + NOVNC_START.toNanos();
        while (System.nanoTime() < deadline && websockify.isAlive()) {
            try (Socket probe = new Socket(host, NOVNC)) {
                log.info("noVNC on port {} (pid {})", NOVNC, websockify.pid());
                return;
            } catch (ConnectException notYet) {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
        log.warn("noVNC did not start listening on port {} within {} s{}: {}", NOVNC, NOVNC_START.toSeconds(),
                websockify.isAlive() ? "" : " (websockify exited)", Files.readString(output).strip());
    }

    /** What to tell the user about the open ports. */
    String describe() {
        if (!novnc) {
            return "";
        }
        String host = address.equals("0.0.0.0") || address.equals("127.0.0.1") ? "localhost" : address;
        return "Its screen: noVNC at http://" + host + ":" + NOVNC + "/vnc.html"
                + (all ? "; VNC at port " + VNC + ", QEMU monitor at port " + MONITOR + ", guest agent at port " + AGENT : "")
                + ". ";
    }

    @Override
    public void close() {
        for (AutoCloseable port : opened) {
            try {
                port.close();
            } catch (Exception e) {
                log.debug("Closing a debugging port", e);
            }
        }
        opened.clear();
    }
}
