package dev.osrun.qmp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How connecting fails when there is no QEMU, or when the peer is not a QMP server. */
class QmpConnectTest {

    @TempDir
    Path dir;

    @Test
    void connectingToAMissingSocketFailsAfterTheTimeoutSayingWhatItWaitedFor() {
        Path socket = dir.resolve("absent.sock");
        long start = System.nanoTime();

        assertThatThrownBy(() -> QmpClient.connect(socket, Duration.ofMillis(300)))
                .isInstanceOf(QmpConnectionException.class)
                .hasMessageContaining(socket.toString())
                .hasMessageContaining("PT0.3S")
                .hasMessageContaining("No such file or directory")
                .hasMessageContaining("-qmp unix:" + socket + ",server=on,wait=off");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(250),
                Duration.ofSeconds(3));
    }

    @Test
    void aTooLongSocketPathIsRejectedAtOnce() {
        Path socket = dir.resolve("x".repeat(120));

        assertThatThrownBy(() -> QmpClient.connect(socket, Duration.ofSeconds(5)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at most 107");
    }

    @Test
    void aPeerThatSendsNoGreetingFailsTheConnection() throws Exception {
        try (FakeSocketServer server = FakeSocketServer.listen(dir.resolve("silent.sock"))) {
            CompletableFuture<QmpClient> connecting = CompletableFuture.supplyAsync(
                    () -> QmpClient.connect(dir.resolve("silent.sock"), Duration.ofMillis(1500)));
            try (FakeSocketServer.Peer peer = server.accept()) {
                assertThat(connecting).failsWithin(Duration.ofSeconds(5)).withThrowableThat()
                        .havingCause()
                        .isInstanceOf(QmpConnectionException.class)
                        .withMessageContaining("no QMP greeting arrived")
                        .withMessageContaining("another client");
            }
        }
    }

    @Test
    void aPeerThatSendsSomethingElseThanAGreetingFailsTheConnection() throws Exception {
        try (FakeSocketServer server = FakeSocketServer.listen(dir.resolve("other.sock"))) {
            CompletableFuture<QmpClient> connecting = CompletableFuture.supplyAsync(
                    () -> QmpClient.connect(dir.resolve("other.sock"), Duration.ofSeconds(5)));
            try (FakeSocketServer.Peer peer = server.accept()) {
                peer.send("{\"hello\": \"I am not QEMU\"}\n");

                assertThat(connecting).failsWithin(Duration.ofSeconds(5)).withThrowableThat()
                        .havingCause()
                        .isInstanceOf(QmpConnectionException.class)
                        .withMessageContaining("expected the QMP greeting")
                        .withMessageContaining("I am not QEMU");
            }
        }
    }

    @Test
    void capabilityNegotiationErrorsFailTheConnection() throws Exception {
        try (FakeSocketServer server = FakeSocketServer.listen(dir.resolve("refusing.sock"))) {
            CompletableFuture<QmpClient> connecting = CompletableFuture.supplyAsync(
                    () -> QmpClient.connect(dir.resolve("refusing.sock"), Duration.ofSeconds(5)));
            try (FakeSocketServer.Peer peer = server.accept()) {
                peer.send("{\"QMP\": {\"version\": {}, \"capabilities\": []}}\n");
                JsonNode request = peer.receive();
                peer.send("{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"nope\"}, \"id\": \""
                        + request.path("id").asText() + "\"}\n");

                assertThat(connecting).failsWithin(Duration.ofSeconds(5)).withThrowableThat()
                        .havingCause()
                        .isInstanceOf(QmpConnectionException.class)
                        .withMessageContaining("capability negotiation failed")
                        .withMessageContaining("CommandNotFound: nope");
            }
        }
    }

    @Test
    void connectWaitsForTheSocketToAppear() throws Exception {
        Path socket = dir.resolve("late.sock");
        CompletableFuture<QmpClient> connecting = CompletableFuture.supplyAsync(
                () -> QmpClient.connect(socket, Duration.ofSeconds(10)));
        Thread.sleep(300); // QEMU creates its socket a little after it starts; so does this fake

        try (FakeSocketServer server = FakeSocketServer.listen(socket); FakeSocketServer.Peer peer = server.accept()) {
            peer.send("{\"QMP\": {\"version\": {\"qemu\": {\"major\": 7, \"minor\": 2, \"micro\": 22}}}}\n");
            JsonNode request = peer.receive();
            peer.send("{\"return\": {}, \"id\": \"" + request.path("id").asText() + "\"}\n");

            try (QmpClient client = connecting.get(5, TimeUnit.SECONDS)) {
                assertThat(client.qemuVersion()).isEqualTo("7.2.22");
            }
        }
    }
}
