package dev.osrun.qmp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Protocol errors a real QEMU cannot be made to produce, against a scripted peer. Everything else is tested against
 * a real QEMU in {@link QmpClientQemuTest}.
 */
class QmpClientProtocolTest {

    private static final String GREETING = "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 3, \"minor\": 2, "
            + "\"major\": 8}, \"package\": \"\"}, \"capabilities\": [\"oob\"]}}\r\n";

    @TempDir
    Path dir;

    private FakeSocketServer server;
    private FakeSocketServer.Peer qemu;
    private QmpClient client;

    @BeforeEach
    void connect() throws Exception {
        server = FakeSocketServer.listen(dir.resolve("qmp.sock"));
        CompletableFuture<QmpClient> connecting = CompletableFuture.supplyAsync(
                () -> QmpClient.connect(dir.resolve("qmp.sock"), Duration.ofSeconds(5)));
        qemu = server.accept();
        qemu.send(GREETING);
        JsonNode capabilities = qemu.receive();
        assertThat(capabilities.path("execute").asText()).isEqualTo("qmp_capabilities");
        qemu.send("{\"return\": {}, \"id\": \"" + capabilities.path("id").asText() + "\"}\r\n");
        client = connecting.get(5, TimeUnit.SECONDS);
    }

    @AfterEach
    void close() throws Exception {
        client.close();
        qemu.close();
        server.close();
    }

    @Test
    void repliesArrivingOutOfOrderAreMatchedById() throws Exception {
        CompletableFuture<JsonNode> first = CompletableFuture.supplyAsync(() -> client.execute("first", null));
        JsonNode firstRequest = qemu.receive();
        CompletableFuture<JsonNode> second = CompletableFuture.supplyAsync(() -> client.execute("second", null));
        JsonNode secondRequest = qemu.receive();

        qemu.send("{\"return\": \"for second\", \"id\": \"" + secondRequest.path("id").asText() + "\"}\n");
        qemu.send("{\"return\": \"for first\", \"id\": \"" + firstRequest.path("id").asText() + "\"}\n");

        assertThat(first.get(5, TimeUnit.SECONDS).asText()).isEqualTo("for first");
        assertThat(second.get(5, TimeUnit.SECONDS).asText()).isEqualTo("for second");
        assertThat(firstRequest.path("id").asText()).startsWith("osrun-");
    }

    @Test
    void replyWithAnUnknownIdIsDropped() throws Exception {
        CompletableFuture<JsonNode> call = CompletableFuture.supplyAsync(() -> client.execute("query-status", null));
        JsonNode request = qemu.receive();

        qemu.send("{\"return\": {\"status\": \"wrong\"}, \"id\": \"osrun-999\"}\n");
        qemu.send("{\"return\": {\"status\": \"running\"}, \"id\": \"" + request.path("id").asText() + "\"}\n");

        assertThat(call.get(5, TimeUnit.SECONDS).path("status").asText()).isEqualTo("running");
    }

    @Test
    void malformedJsonFailsTheWaitingCallAndKeepsTheRawText() throws Exception {
        CompletableFuture<JsonNode> call = CompletableFuture.supplyAsync(() -> client.execute("query-status", null));
        qemu.receive();

        qemu.send("{\"return\": nonsense}\n");

        assertThat(call).failsWithin(Duration.ofSeconds(5)).withThrowableThat()
                .havingCause()
                .isInstanceOf(QmpProtocolException.class)
                .withMessageContaining("query-status")
                .withMessageContaining("{\"return\": nonsense}")
                .matches(e -> ((QmpProtocolException) e).rawMessage().equals("{\"return\": nonsense}"));
        assertStillWorks();
    }

    @Test
    void replyWithNeitherReturnNorErrorIsAProtocolError() throws Exception {
        CompletableFuture<JsonNode> call = CompletableFuture.supplyAsync(() -> client.execute("query-status", null));
        JsonNode request = qemu.receive();

        qemu.send("{\"id\": \"" + request.path("id").asText() + "\", \"surprise\": 1}\n");

        assertThat(call).failsWithin(Duration.ofSeconds(5)).withThrowableThat()
                .havingCause()
                .isInstanceOf(QmpProtocolException.class)
                .withMessageContaining("neither 'return' nor 'error'")
                .withMessageContaining("\"surprise\":1");
    }

    @Test
    void errorWithoutIdFailsTheWaitingCalls() throws Exception {
        CompletableFuture<JsonNode> call = CompletableFuture.supplyAsync(() -> client.execute("query-status", null));
        qemu.receive();

        qemu.send("{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, invalid keyword\"}}\n");

        assertThat(call).failsWithin(Duration.ofSeconds(5)).withThrowableThat()
                .havingCause()
                .isInstanceOf(QmpProtocolException.class)
                .withMessageContaining("no id")
                .withMessageContaining("JSON parse error, invalid keyword");
        assertStillWorks();
    }

    @Test
    void aSentinelByteIsAProtocolErrorInQmp() throws Exception {
        CompletableFuture<JsonNode> call = CompletableFuture.supplyAsync(() -> client.execute("query-status", null));
        qemu.receive();

        qemu.sendBytes(new byte[] {(byte) 0xFF});

        assertThat(call).failsWithin(Duration.ofSeconds(5)).withThrowableThat()
                .havingCause()
                .isInstanceOf(QmpProtocolException.class)
                .withMessageContaining("0xFF");
    }

    private void assertStillWorks() throws Exception {
        CompletableFuture<JsonNode> call = CompletableFuture.supplyAsync(() -> client.execute("query-status", null));
        JsonNode request = qemu.receive();
        qemu.send("{\"return\": {\"status\": \"running\"}, \"id\": \"" + request.path("id").asText() + "\"}\n");
        assertThat(call.get(5, TimeUnit.SECONDS).path("status").asText()).isEqualTo("running");
    }
}
