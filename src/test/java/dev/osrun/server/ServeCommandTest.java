package dev.osrun.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.osrun.provision.TinyGuest;
import dev.osrun.testing.RequiresTinyGuest;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** {@code osrun serve} as a separate process, as the osrun image runs it: token on stdout, health, SIGTERM. */
@RequiresTinyGuest
class ServeCommandTest {

    private static final Pattern LISTENING = Pattern.compile("Control API listening on [^:]+:(\\d+)");

    @Test
    void printsAGeneratedTokenOnceServesTheVmAndStopsItOnSigterm() throws Exception {
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "dev.osrun.cli.OsrunCommand",
                "serve", "--guest", "tiny", "--port", "0", "--bind", "127.0.0.1");
        builder.environment().remove(Auth.TOKEN_ENV);
        String tinyDir = System.getProperty(TinyGuest.PROPERTY);
        if (tinyDir != null) {
            builder.environment().put(TinyGuest.ENV, tinyDir);
        }
        Process serve = builder.start();
        serve.getOutputStream().close();
        List<String> stdout = new CopyOnWriteArrayList<>();
        List<String> stderr = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> out = follow(serve.getInputStream(), stdout);
        CompletableFuture<Void> err = follow(serve.getErrorStream(), stderr);
        try {
            await("the token and the port").atMost(Duration.ofSeconds(30))
                    .until(() -> !stdout.isEmpty() && stderr.stream().anyMatch(l -> LISTENING.matcher(l).find()));
            assertThat(stdout.get(0)).matches("OSRUN_TOKEN=[A-Za-z0-9_-]{43}");
            String token = stdout.get(0).substring("OSRUN_TOKEN=".length());
            Matcher port = stderr.stream().map(LISTENING::matcher).filter(Matcher::find).findFirst().orElseThrow();
            ApiClient api = new ApiClient(Integer.parseInt(port.group(1)), token);

            await("the VM to be ready").atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(250))
                    .until(() -> api.get("/v1/health").statusCode() == 200);
            List<JsonNode> frames = api.exec("{\"argv\":[\"echo\",\"served\"]}");
            assertThat(ApiClient.Frames.of(frames).stdout()).isEqualTo("served\n");
            List<ProcessHandle> qemu = serve.descendants()
                    .filter(p -> p.info().command().orElse("").contains("qemu-system")).toList();
            // The VM, and possibly its next clone, started ahead so that a reset is a hand-over.
            assertThat(qemu).hasSizeBetween(1, 2);

            serve.toHandle().destroy(); // SIGTERM (Process.destroy() would also close our end of its pipes)

            assertThat(serve.waitFor(30, TimeUnit.SECONDS)).as("osrun serve exits after SIGTERM").isTrue();
            out.get(5, TimeUnit.SECONDS);
            err.get(5, TimeUnit.SECONDS);
            await("QEMU to be gone").atMost(Duration.ofSeconds(10)).until(() -> qemu.stream().noneMatch(ProcessHandle::isAlive));
            assertThat(serve.descendants().filter(p -> p.info().command().orElse("").contains("qemu-system"))).isEmpty();
            assertThat(stdout).containsExactly("OSRUN_TOKEN=" + token);
            assertThat(String.join("\n", stderr)).doesNotContain(token).contains("Stopping the VM");
        } finally {
            serve.destroyForcibly();
        }
    }

    private static CompletableFuture<Void> follow(InputStream stream, List<String> lines) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                for (String line; (line = reader.readLine()) != null; ) {
                    lines.add(line);
                }
            } catch (IOException e) {
                lines.add("(read failed: " + e + ")");
            }
            done.complete(null);
        }, "test-serve-output");
        thread.setDaemon(true);
        thread.start();
        return done;
    }
}
