package dev.osrun.it;

import dev.osrun.cli.ListeningSockets;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code bin/osrun} into the image, with its settings written as the README shows them: {@code OSRUN_DEBUG_PORTS=1}
 * runs the command and publishes the debugging ports on this host's loopback only, while the QEMU monitor inside
 * the container listens where Docker's publishing reaches it.
 */
@RequiresOsrunImage
@SharedCache
class BinOsrunIT {

    private static final Path BIN_OSRUN = Path.of("..", "bin", "osrun").toAbsolutePath().normalize();
    private static final int MONITOR = 55556;
    /** The first run of a fresh cache volume provisions the tiny guest first. */
    private static final Duration FIRST_RUN_TIMEOUT = Duration.ofMinutes(10);

    @Test
    void osrunDebugPortsOneRunsTheCommandAndPublishesTheMonitorOnLoopbackOnly(CacheVolume cache) throws Exception {
        Process osrun = start(Map.of("OSRUN_DEBUG_PORTS", "1", "OSRUN_CACHE_VOLUME", cache.name()),
                ProcessBuilder.Redirect.INHERIT, "--guest", "tiny", "echo ready; sleep 600");
        try {
            List<String> stdout = follow(osrun.getInputStream());
            await("the guest command to start").atMost(FIRST_RUN_TIMEOUT)
                    .failFast("bin/osrun exited", () -> !osrun.isAlive())
                    .until(() -> stdout.contains("ready"));

            assertThat(ListeningSockets.addresses(MONITOR)).as("where the monitor is published").containsOnly("127.0.0.1");
            assertThat(talk(MONITOR, "info status\n", "VM status: running")).contains("VM status: running");

            osrun.destroy(); // SIGTERM: docker run passes it on, osrun stops the VM, the container (--rm) goes
            assertThat(osrun.waitFor(60, TimeUnit.SECONDS)).as("bin/osrun ends after SIGTERM").isTrue();
        } finally {
            // SIGKILL would end only the docker client and leave the container running: SIGTERM first.
            osrun.destroy();
            if (!osrun.waitFor(60, TimeUnit.SECONDS)) {
                osrun.destroyForcibly();
            }
        }
    }

    @Test
    void aValueThatIsNotYesOrNoIsRefusedNamingTheVariable() throws Exception {
        Process osrun = start(Map.of("OSRUN_DEBUG_PORTS", "maybe"), ProcessBuilder.Redirect.PIPE, "--guest", "tiny", "true");

        assertThat(osrun.waitFor(2, TimeUnit.MINUTES)).isTrue();
        assertThat(osrun.exitValue()).isEqualTo(2);
        assertThat(new String(osrun.getErrorStream().readAllBytes(), StandardCharsets.UTF_8))
                .contains("OSRUN_DEBUG_PORTS takes 1/0, true/false or yes/no; it is 'maybe'");
    }

    private static Process start(Map<String, String> environment, ProcessBuilder.Redirect stderr, String... args)
            throws IOException {
        List<String> command = new ArrayList<>(List.of(BIN_OSRUN.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(stderr);
        builder.environment().putAll(Map.of("OSRUN_ENGINE", "docker", "OSRUN_IMAGE", OsrunImage.name()));
        builder.environment().putAll(environment);
        Process process = builder.start();
        process.getOutputStream().close();
        return process;
    }

    private static List<String> follow(InputStream stream) {
        List<String> lines = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                in.lines().forEach(lines::add);
            } catch (IOException | java.io.UncheckedIOException e) {
                // the process went away
            }
        }, "bin-osrun-stdout");
        reader.setDaemon(true);
        reader.start();
        return lines;
    }

    /** Sends {@code request} to a port of this host's loopback and returns what comes back, up to {@code until}. */
    private static String talk(int port, String request, String until) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout((int) Duration.ofSeconds(10).toMillis());
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            while (!received.toString(StandardCharsets.ISO_8859_1).contains(until)) {
                int b = in.read();
                if (b < 0) {
                    break;
                }
                received.write(b);
            }
            return received.toString(StandardCharsets.ISO_8859_1);
        }
    }
}
