package dev.osrun.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.osrun.GuestKind;
import dev.osrun.local.LocalVm;
import dev.osrun.testing.RequiresTinyGuest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The server's life around its VM: starting before it, reporting a crash, stopping with clients connected. */
@RequiresTinyGuest
class ControlServerLifecycleTest {

    private static final String TOKEN = Auth.randomToken();

    @Test
    void healthSaysStartingUntilTheVmIsUpThenEventsReportProvisioningReadyAndACrash(@TempDir Path freshCache) throws Exception {
        CountDownLatch mayStart = new CountDownLatch(1);
        AtomicReference<LocalVm> started = new AtomicReference<>();
        try (ControlServer server = ControlServer.builder(GuestKind.TINY).token(TOKEN).port(0).start()) {
            ApiClient api = new ApiClient(server.port(), TOKEN);
            server.launch(() -> {
                awaitQuietly(mayStart);
                // A cache of its own, so that the start provisions and the events show it.
                started.set(LocalVm.builder(GuestKind.TINY).cache(freshCache).progress(server::progress).start());
                return started.get();
            });

            HttpResponse<byte[]> starting = api.get("/v1/health");
            assertThat(starting.statusCode()).isEqualTo(503);
            assertThat(ApiClient.parse(starting.body()).get("status").asText()).isEqualTo("starting");
            assertThat(api.postJson("/v1/exec", "{\"shell\":\"true\"}").statusCode()).isEqualTo(503);

            try (ApiClient.Events events = api.events()) {
                events.await("status", "launching", Duration.ofSeconds(10));
                mayStart.countDown();
                events.await("status", "provisioning", Duration.ofSeconds(30));
                events.await("status", "provisioned", Duration.ofMinutes(3));
                events.await("status", "ready", Duration.ofMinutes(3));
                assertThat(api.get("/v1/health").statusCode()).isEqualTo(200);

                ProcessHandle.of(started.get().machine().pid()).orElseThrow().destroyForcibly();

                JsonNode crashed = events.await("crashed", null, Duration.ofSeconds(15));
                assertThat(crashed.get("message").asText()).contains("QEMU exited unexpectedly");
            }
            HttpResponse<byte[]> health = api.get("/v1/health");
            assertThat(health.statusCode()).isEqualTo(503);
            assertThat(ApiClient.parse(health.body()).get("status").asText()).isEqualTo("failed");
            HttpResponse<byte[]> exec = api.postJson("/v1/exec", "{\"shell\":\"true\"}");
            assertThat(exec.statusCode()).isEqualTo(503);
            assertThat(ApiClient.parse(exec.body()).get("error").asText()).contains("QEMU exited unexpectedly");
        } finally {
            mayStart.countDown();
        }
    }

    @Test
    void closingEndsOpenEventStreamsAtOnceAndStopsTheVmItStarted() throws Exception {
        AtomicReference<LocalVm> started = new AtomicReference<>();
        ControlServer server = ControlServer.builder(GuestKind.TINY).token(TOKEN).port(0).start();
        ApiClient api = new ApiClient(server.port(), TOKEN);
        server.launch(() -> {
            started.set(LocalVm.builder(GuestKind.TINY).start());
            return started.get();
        });
        await("the VM to be ready").atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(200))
                .until(() -> api.get("/v1/health").statusCode() == 200);
        ProcessHandle qemu = ProcessHandle.of(started.get().machine().pid()).orElseThrow();

        try (ApiClient.Events first = api.events(); ApiClient.Events second = api.events()) {
            first.await("status", "ready", Duration.ofSeconds(10));
            second.await("status", "ready", Duration.ofSeconds(10));
            long before = System.nanoTime();

            server.close();

            assertThat(Duration.ofNanos(System.nanoTime() - before)).isLessThan(Duration.ofSeconds(15));
            assertThat(first.awaitEnd(Duration.ofSeconds(5))).isTrue();
            assertThat(second.awaitEnd(Duration.ofSeconds(5))).isTrue();
        }
        assertThat(qemu.onExit().get(10, TimeUnit.SECONDS).isAlive()).isFalse();
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            if (!latch.await(2, TimeUnit.MINUTES)) {
                throw new IllegalStateException("The test never let the VM start");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
