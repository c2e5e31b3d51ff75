package dev.osrun.qga;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.osrun.qmp.FakeSocketServer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a real agent cannot be made to do on demand (send garbage, interleave a late reply with a resync, stay
 * silent after guest-shutdown without shutting this machine down), against a scripted peer. The rest is tested
 * against a real qemu-ga in {@link GuestAgentClientQgaTest}.
 */
class GuestAgentClientProtocolTest {

    private static final byte SENTINEL = (byte) 0xFF;

    @TempDir
    Path dir;

    private FakeSocketServer server;
    private FakeSocketServer.Peer agent;
    private GuestAgentClient client;

    @BeforeEach
    void connect() throws Exception {
        server = FakeSocketServer.listen(dir.resolve("qga.sock"));
        client = GuestAgentClient.connect(dir.resolve("qga.sock"), Duration.ofSeconds(5));
        agent = server.accept();
    }

    @AfterEach
    void close() throws Exception {
        client.close();
        agent.close();
        server.close();
    }

    @Test
    void syncSendsASentinelFirstAndDiscardsStaleGarbageBeforeTheAgentsSentinel() throws Exception {
        CompletableFuture<Void> sync = CompletableFuture.runAsync(() -> client.sync(Duration.ofSeconds(5)));

        byte[] raw = agent.receiveRaw(Duration.ofSeconds(5));
        assertThat(raw[0]).as("a 0xFF first, so that the agent drops any partial request").isEqualTo(SENTINEL);
        JsonNode request = parse(raw);
        assertThat(request.path("execute").asText()).isEqualTo("guest-sync-delimited");
        long id = request.path("arguments").path("id").asLong();

        ByteArrayOutputStream reply = new ByteArrayOutputStream();
        reply.writeBytes(("{\"return\": {\"pid\": 12}}\n" // a stale reply to an earlier call
                + "garbage \n{\"return\": " + id + "}\n" // the right id, but before the sentinel
                + "{\"return\": {\"unfinished").getBytes(StandardCharsets.UTF_8)); // cut short by a restart
        reply.write(SENTINEL);
        reply.writeBytes(("{\"return\": " + id + "}\n").getBytes(StandardCharsets.UTF_8));
        agent.sendBytes(reply.toByteArray());

        sync.get(5, TimeUnit.SECONDS);
        assertNextCallIsAnsweredInStep();
    }

    @Test
    void syncIgnoresRepliesWithAnotherIdAndRetriesUntilTheAgentAnswers() throws Exception {
        CompletableFuture<Void> sync = CompletableFuture.runAsync(() -> client.sync(Duration.ofSeconds(10)));

        JsonNode first = agent.receive();
        agent.sendBytes(delimited("{\"return\": 1}\n")); // an id we never sent
        JsonNode second = agent.receive(); // no matching answer within the first window: a new attempt, a new id
        long secondId = second.path("arguments").path("id").asLong();
        assertThat(secondId).isNotEqualTo(first.path("arguments").path("id").asLong());
        agent.sendBytes(delimited("{\"return\": " + first.path("arguments").path("id").asLong() + "}\n"));
        agent.sendBytes(delimited("{\"return\": " + secondId + "}\n"));

        sync.get(5, TimeUnit.SECONDS);
        assertNextCallIsAnsweredInStep();
    }

    @Test
    void syncGivesUpAfterItsTimeoutSayingWhatItWaitedFor() {
        assertThatThrownBy(() -> client.sync(Duration.ofMillis(700)))
                .isInstanceOfSatisfying(GuestAgentTimeoutException.class,
                        e -> assertThat(e.command()).isEqualTo("guest-sync-delimited"))
                .hasMessageContaining("did not answer guest-sync-delimited within PT0.7S")
                .hasMessageContaining("attempts")
                .hasMessageContaining("Has the guest booted");
    }

    @Test
    void aLateReplyArrivingDuringTheResyncIsNotTakenAsTheNextAnswer() throws Exception {
        syncNow();
        assertThatThrownBy(() -> client.ping(Duration.ofMillis(200)))
                .isInstanceOf(GuestAgentTimeoutException.class);
        assertThat(agent.receive().path("execute").asText()).isEqualTo("guest-ping");

        CompletableFuture<List<String>> next = CompletableFuture.supplyAsync(client::supportedCommands);
        JsonNode resync = agent.receive();
        assertThat(resync.path("execute").asText()).isEqualTo("guest-sync-delimited");
        agent.send("{\"return\": {}}\n"); // the ping's late reply
        agent.sendBytes(delimited("{\"return\": " + resync.path("arguments").path("id").asLong() + "}\n"));
        assertThat(agent.receive().path("execute").asText()).isEqualTo("guest-info");
        agent.send("{\"return\": {\"version\": \"9\", \"supported_commands\": [{\"name\": \"guest-ping\", "
                + "\"enabled\": true}, {\"name\": \"guest-shutdown\", \"enabled\": false}]}}\n");

        assertThat(next.get(5, TimeUnit.SECONDS)).containsExactly("guest-ping");
    }

    @Test
    void shutdownWithoutAReplyIsSuccessAndTheNextCallResyncs() throws Exception {
        syncNow();

        client.shutdown("powerdown", Duration.ofMillis(300));

        JsonNode request = agent.receive();
        assertThat(request.path("execute").asText()).isEqualTo("guest-shutdown");
        assertThat(request.path("arguments").path("mode").asText()).isEqualTo("powerdown");
        CompletableFuture<Void> ping = CompletableFuture.runAsync(() -> client.ping(Duration.ofSeconds(5)));
        JsonNode resync = agent.receive();
        assertThat(resync.path("execute").asText()).isEqualTo("guest-sync-delimited");
        agent.sendBytes(delimited("{\"return\": " + resync.path("arguments").path("id").asLong() + "}\n"));
        assertThat(agent.receive().path("execute").asText()).isEqualTo("guest-ping");
        agent.send("{\"return\": {}}\n");
        ping.get(5, TimeUnit.SECONDS);
    }

    @Test
    void shutdownIsSuccessWhenTheConnectionClosesAfterTheCommand() throws Exception {
        syncNow();
        CompletableFuture<Void> shutdown = CompletableFuture.runAsync(
                () -> client.shutdown("halt", Duration.ofSeconds(30)));

        assertThat(agent.receive().path("execute").asText()).isEqualTo("guest-shutdown");
        agent.close();

        shutdown.get(5, TimeUnit.SECONDS);
        assertThat(client.isOpen()).isFalse();
    }

    @Test
    void shutdownRejectsAnUnknownModeWithoutSendingAnything() {
        assertThatThrownBy(() -> client.shutdown("poweroff"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'poweroff'")
                .hasMessageContaining("powerdown");
    }

    @Test
    void aMalformedReplyIsAProtocolErrorThatKeepsTheRawText() throws Exception {
        syncNow();
        CompletableFuture<Void> ping = CompletableFuture.runAsync(() -> client.ping(Duration.ofSeconds(5)));
        agent.receive();

        agent.send("{\"return\": oops}\n");

        assertThat(ping).failsWithin(Duration.ofSeconds(5)).withThrowableThat()
                .havingCause()
                .isInstanceOf(GuestAgentProtocolException.class)
                .withMessageContaining("guest-ping")
                .withMessageContaining("{\"return\": oops}")
                .matches(e -> ((GuestAgentProtocolException) e).rawMessage().equals("{\"return\": oops}"));
    }

    @Test
    void setTimeSendsNanosecondsSinceTheEpoch() throws Exception {
        syncNow();
        Instant time = Instant.parse("2025-01-02T03:04:05.123456789Z");
        CompletableFuture<Void> set = CompletableFuture.runAsync(() -> client.setTime(time));

        JsonNode request = agent.receive();
        agent.send("{\"return\": {}}\n");

        set.get(5, TimeUnit.SECONDS);
        assertThat(request.path("execute").asText()).isEqualTo("guest-set-time");
        assertThat(request.path("arguments").path("time").asLong()).isEqualTo(1_735_787_045_123_456_789L);
    }

    @Test
    void aCallWaitingBehindAnotherTimesOutNamingTheCallInProgress() throws Exception {
        syncNow();
        CompletableFuture<Void> slow = CompletableFuture.runAsync(() -> client.ping(Duration.ofSeconds(5)));
        agent.receive();

        assertThatThrownBy(() -> client.execute("guest-info", null, Duration.ofMillis(200)))
                .isInstanceOf(GuestAgentTimeoutException.class)
                .hasMessageContaining("'guest-info'")
                .hasMessageContaining("the previous call ('guest-ping') did not finish");
        agent.send("{\"return\": {}}\n");
        slow.get(5, TimeUnit.SECONDS);
    }

    private void syncNow() throws Exception {
        CompletableFuture<Void> sync = CompletableFuture.runAsync(() -> client.sync(Duration.ofSeconds(5)));
        JsonNode request = agent.receive();
        agent.sendBytes(delimited("{\"return\": " + request.path("arguments").path("id").asLong() + "}\n"));
        sync.get(5, TimeUnit.SECONDS);
    }

    private void assertNextCallIsAnsweredInStep() throws Exception {
        CompletableFuture<JsonNode> call = CompletableFuture.supplyAsync(
                () -> client.execute("guest-get-host-name", null, Duration.ofSeconds(5)));
        assertThat(agent.receive().path("execute").asText()).isEqualTo("guest-get-host-name");
        agent.send("{\"return\": {\"host-name\": \"tiny\"}}\n");
        assertThat(call.get(5, TimeUnit.SECONDS).path("host-name").asText()).isEqualTo("tiny");
    }

    private static byte[] delimited(String json) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.write(SENTINEL);
        bytes.writeBytes(json.getBytes(StandardCharsets.UTF_8));
        return bytes.toByteArray();
    }

    private static JsonNode parse(byte[] line) throws Exception {
        int start = line.length > 0 && line[0] == SENTINEL ? 1 : 0;
        return dev.osrun.transport.JsonSocket.parse(new String(line, start, line.length - start, StandardCharsets.UTF_8));
    }
}
