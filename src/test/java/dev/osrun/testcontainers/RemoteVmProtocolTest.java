package dev.osrun.testcontainers;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.osrun.ExecOptions;
import dev.osrun.ExecTimeoutException;
import dev.osrun.FileTransferException;
import dev.osrun.GuestOs;
import dev.osrun.OsrunException;
import dev.osrun.Vm;
import dev.osrun.VmCrashedException;
import dev.osrun.server.TestBodies;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link RemoteVm} against answers the real server never gives (a hostile guest's zip, a stream cut short) and
 * against today's and tomorrow's forms of an error frame: a small fake server, one canned answer per test. The
 * real server is the peer of the contract suite ({@code RemoteVmContractIT}).
 */
class RemoteVmProtocolTest {

    private HttpServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    @Test
    void aZipFromTheGuestThatClimbsOutOfTheTargetIsRefusedAndWritesNothing(@TempDir Path tmp) throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("fine.txt", "ok".getBytes(StandardCharsets.UTF_8));
        entries.put("../escaped.txt", "evil".getBytes(StandardCharsets.UTF_8));
        byte[] zip = TestBodies.zip(entries);
        Vm vm = serve(exchange -> {
            if (exchange.getRequestURI().getRawQuery().contains("format=zip")) {
                send(exchange, 200, "application/zip", zip);
            } else {
                send(exchange, 409, "application/json",
                        "{\"error\":\"/root/tree is a directory: ask with format=zip for a zip of its tree\"}".getBytes(StandardCharsets.UTF_8));
            }
        });
        Path target = tmp.resolve("dir").resolve("tree");
        Files.createDirectories(target);
        Files.writeString(target.resolve("mine.txt"), "mine");

        assertThatThrownBy(() -> vm.download("/root/tree", target))
                .isInstanceOf(FileTransferException.class)
                .hasMessageContaining("'../escaped.txt'")
                .hasMessageContaining("Nothing was written");
        assertThat(tmp.resolve("dir").resolve("escaped.txt")).doesNotExist();
        assertThat(target.resolve("mine.txt")).hasContent("mine");
        try (var left = Files.list(tmp.resolve("dir"))) {
            assertThat(left).containsExactly(target);
        }
    }

    @Test
    void anExecStreamThatEndsWithoutAnExitFrameIsAnError() {
        Vm vm = serve(exchange -> send(exchange, 200, "application/x-ndjson",
                "{\"stdout\":\"partial\"}\n".getBytes(StandardCharsets.UTF_8)));

        assertThatThrownBy(() -> vm.shell("echo partial"))
                .isInstanceOf(OsrunException.class)
                .hasMessageContaining("ended without the command's exit code");
    }

    @Test
    void aTimeoutFrameGivesThePartialOutputOfTheFramesOrOfTheFrameItself() {
        Vm withoutRepeat = serve(exchange -> send(exchange, 200, "application/x-ndjson", ("{\"stdout\":\"one \"}\n"
                + "{\"stderr\":\"err\"}\n{\"stdout\":\"two\"}\n"
                + "{\"error\":{\"type\":\"timeout\",\"message\":\"timed out\"}}\n").getBytes(StandardCharsets.UTF_8)));
        ExecOptions options = ExecOptions.defaults().withTimeout(Duration.ofSeconds(3));

        assertThatThrownBy(() -> withoutRepeat.shell("slow", options))
                .isInstanceOfSatisfying(ExecTimeoutException.class, e -> {
                    assertThat(e.partialStdout()).isEqualTo("one two");
                    assertThat(e.partialStderr()).isEqualTo("err");
                    assertThat(e.timeout()).isEqualTo(Duration.ofSeconds(3));
                });
        stop();

        Vm withRepeat = serve(exchange -> send(exchange, 200, "application/x-ndjson", ("{\"stdout\":\"one \"}\n"
                + "{\"error\":{\"type\":\"timeout\",\"message\":\"timed out\"},\"stdout\":\"one two\",\"stderr\":\"\"}\n")
                .getBytes(StandardCharsets.UTF_8)));
        assertThatThrownBy(() -> withRepeat.shell("slow", options))
                .isInstanceOfSatisfying(ExecTimeoutException.class, e -> assertThat(e.partialStdout()).isEqualTo("one two"));
    }

    @Test
    void aCrashReportKeepsTheSerialTail() {
        String crash = "QEMU exited with code 1\\nLast lines of the serial log:\\nKernel panic - not syncing";
        Vm vm = serve(exchange -> send(exchange, 503, "application/json",
                ("{\"error\":\"The VM is not available: " + crash + "\"}").getBytes(StandardCharsets.UTF_8)));

        assertThatThrownBy(vm::snapshots)
                .isInstanceOfSatisfying(VmCrashedException.class, e ->
                        assertThat(e.serialTail()).isEqualTo("Kernel panic - not syncing"));
    }

    @Test
    void aBusyVmIsAnErrorThatSaysSo() {
        Vm vm = serve(exchange -> send(exchange, 409, "application/json",
                "{\"error\":\"The VM is busy: exec 'sleep 100'\"}".getBytes(StandardCharsets.UTF_8)));

        assertThatThrownBy(vm::screenshotPng)
                .isInstanceOf(OsrunException.class)
                .hasMessageContaining("HTTP 409")
                .hasMessageContaining("The VM is busy: exec 'sleep 100'");
    }

    @Test
    void connectTypesTheVmByTheGuestThatHealthNamesAndPowershellTravelsAsSuch() throws Exception {
        StringBuilder execBody = new StringBuilder();
        serve(exchange -> {
            if (exchange.getRequestURI().getPath().equals("/v1/health")) {
                send(exchange, 503, "application/json",
                        "{\"status\":\"starting\",\"guest\":\"windows11\",\"message\":\"provisioning\"}".getBytes(StandardCharsets.UTF_8));
            } else {
                send(exchange, 200, "application/x-ndjson", "{\"exit\":0,\"durationMs\":5}\n".getBytes(StandardCharsets.UTF_8));
            }
        }, execBody);
        URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort());

        RemoteVm vm = RemoteVm.connect(uri, "token");

        assertThat(vm).isInstanceOf(dev.osrun.WindowsVm.class);
        assertThat(((RemoteWindowsVm) vm).powershell("Get-Date").exitCode()).isZero();
        assertThat(ControlApi.JSON.readTree(execBody.toString()).path("powershell").asText()).isEqualTo("Get-Date");
    }

    /** A handler that answers every request. */
    private interface Answer {
        void handle(HttpExchange exchange) throws IOException;
    }

    private Vm serve(Answer answer) {
        return serve(answer, new StringBuilder());
    }

    /** Serves {@code answer}; the body of the last request lands in {@code lastBody}. */
    private Vm serve(Answer answer, StringBuilder lastBody) {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        server.createContext("/", exchange -> {
            try (exchange) {
                byte[] body = exchange.getRequestBody().readAllBytes();
                if (body.length > 0) {
                    lastBody.setLength(0);
                    lastBody.append(new String(body, StandardCharsets.UTF_8));
                }
                answer.handle(exchange);
            }
        });
        server.start();
        return RemoteVm.connect(URI.create("http://127.0.0.1:" + server.getAddress().getPort()), "token", GuestOs.LINUX);
    }

    private static void send(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }
}
