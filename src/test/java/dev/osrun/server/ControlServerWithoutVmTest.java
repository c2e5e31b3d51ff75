package dev.osrun.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.osrun.GuestKind;
import dev.osrun.OsrunException;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** What the server says before it has a VM and when its VM will not start; no QEMU needed. */
class ControlServerWithoutVmTest {

    private static final String TOKEN = Auth.randomToken();

    @Test
    void beforeItsVmIsUpTheServerAnswersStartingAndStillWantsTheToken() throws Exception {
        try (ControlServer server = ControlServer.builder(GuestKind.TINY).token(TOKEN).port(0).start()) {
            ApiClient api = new ApiClient(server.port(), TOKEN);

            assertThat(new ApiClient(server.port(), null).get("/v1/health").statusCode()).isEqualTo(401);
            assertThat(new ApiClient(server.port(), "wrong").get("/v1/events").statusCode()).isEqualTo(401);
            HttpResponse<byte[]> health = api.get("/v1/health");
            assertThat(health.statusCode()).isEqualTo(503);
            assertThat(ApiClient.parse(health.body()).get("status").asText()).isEqualTo("starting");
            assertThat(api.postJson("/v1/exec", "{\"shell\":\"true\"}").statusCode()).isEqualTo(503);
            assertThat(api.get("/v1/snapshots").statusCode()).isEqualTo(503);
            assertThat(api.get("/v1/screenshot").statusCode()).isEqualTo(503);
            try (ApiClient.Events events = api.events()) {
                events.await("status", "starting", Duration.ofSeconds(5));
            }
        }
    }

    @Test
    void aVmThatWillNotStartMakesHealthSayFailedWithTheReason() throws Exception {
        try (ControlServer server = ControlServer.builder(GuestKind.TINY).token(TOKEN).port(0).start();
             ApiClient.Events events = new ApiClient(server.port(), TOKEN).events()) {
            ApiClient api = new ApiClient(server.port(), TOKEN);

            server.launch(() -> {
                throw new OsrunException("No QEMU here: install qemu-system-x86");
            });

            events.await("status", "failed", Duration.ofSeconds(5));
            await().atMost(Duration.ofSeconds(5)).until(() -> api.get("/v1/health").statusCode() == 503
                    && ApiClient.parse(api.get("/v1/health").body()).get("status").asText().equals("failed"));
            JsonNode body = ApiClient.parse(api.get("/v1/health").body());
            assertThat(body.get("message").asText()).contains("No QEMU here");
            assertThatThrownBy(() -> server.launch(() -> null)).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void closingDoesNotWaitForOpenEventStreams() throws Exception {
        ControlServer server = ControlServer.builder(GuestKind.TINY).token(TOKEN).port(0).start();
        ApiClient api = new ApiClient(server.port(), TOKEN);
        try (ApiClient.Events events = api.events()) {
            events.await("status", "starting", Duration.ofSeconds(5));
            long before = System.nanoTime();

            server.close();

            assertThat(Duration.ofNanos(System.nanoTime() - before)).isLessThan(Duration.ofSeconds(3));
            assertThat(events.awaitEnd(Duration.ofSeconds(3))).isTrue();
        }
    }

    @Test
    void aServerNeedsAToken() {
        assertThatThrownBy(() -> ControlServer.builder(GuestKind.TINY).port(0).start())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("token");
        assertThatThrownBy(() -> new Auth(" ")).isInstanceOf(IllegalArgumentException.class);
        assertThat(Auth.randomToken()).matches("[A-Za-z0-9_-]{43}").isNotEqualTo(Auth.randomToken());
    }
}
