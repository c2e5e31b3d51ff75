package dev.osrun.qga;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The guest agent client against a real qemu-ga running on this host (see {@link TestGuestAgent} for what is
 * blocked so that nothing acts on the host).
 */
class GuestAgentClientQgaTest {

    private static final Duration CONNECT = Duration.ofSeconds(10);
    private static final Duration SYNC = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private TestGuestAgent agent;
    private GuestAgentClient client;

    @BeforeEach
    void startAgent() throws Exception {
        agent = TestGuestAgent.start(dir);
        client = GuestAgentClient.connect(agent.socket(), CONNECT);
        client.sync(SYNC);
    }

    @AfterEach
    void stopAgent() throws Exception {
        if (client != null) {
            client.close();
        }
        if (agent != null) {
            agent.close();
        }
    }

    @Test
    void pingAndGuestInfoWorkAfterSync() {
        client.ping(Duration.ofSeconds(5));

        assertThat(client.supportedCommands())
                .contains("guest-sync-delimited", "guest-ping", "guest-exec", "guest-exec-status", "guest-file-open")
                .doesNotContainAnyElementsOf(TestGuestAgent.BLOCKED);
        assertThat(client.isOpen()).isTrue();
    }

    @Test
    void execReportsExitCodeAndSeparateStdoutAndStderr() {
        long pid = client.exec(GuestExecRequest.capturing("/bin/sh", "-c", "echo out; echo err >&2; exit 3"));

        GuestExecStatus status = awaitExit(pid);

        assertThat(status.exitCode()).isEqualTo(3);
        assertThat(status.signal()).isNull();
        assertThat(new String(status.stdout(), StandardCharsets.UTF_8)).isEqualTo("out\n");
        assertThat(new String(status.stderr(), StandardCharsets.UTF_8)).isEqualTo("err\n");
        assertThat(status.stdoutTruncated()).isFalse();
    }

    @Test
    void inputDataBecomesTheProcesssStandardInputByteForByte() {
        ByteArrayOutputStream input = new ByteArrayOutputStream();
        input.writeBytes("héllo ✓ 日本\n".getBytes(StandardCharsets.UTF_8));
        for (int b = 0; b < 256; b++) {
            input.write(b);
        }

        long pid = client.exec(GuestExecRequest.capturing("/bin/cat").withInput(input.toByteArray()));

        GuestExecStatus status = awaitExit(pid);
        assertThat(status.exitCode()).isZero();
        assertThat(status.stdout()).isEqualTo(input.toByteArray());
    }

    @Test
    void execPassesTheEnvironment() {
        long pid = client.exec(GuestExecRequest.capturing("/bin/sh", "-c", "echo \"$OSRUN_GREETING\"")
                .withEnv(List.of("OSRUN_GREETING=bonjour", "PATH=/usr/bin:/bin")));

        assertThat(new String(awaitExit(pid).stdout(), StandardCharsets.UTF_8)).isEqualTo("bonjour\n");
    }

    @Test
    void aProgramThatDoesNotExistFailsWithTheAgentsErrorAndNoSecretsInTheMessage() {
        String secret = "hunter2-password";
        GuestExecRequest request = new GuestExecRequest("/nonexistent/program", List.of("a"),
                List.of("TOKEN=" + secret), secret.getBytes(StandardCharsets.UTF_8), true);

        assertThatThrownBy(() -> client.exec(request))
                .isInstanceOfSatisfying(GuestAgentCommandException.class, e -> {
                    assertThat(e.command()).isEqualTo("guest-exec");
                    assertThat(e.errorClass()).isEqualTo("GenericError");
                    assertThat(e.description()).contains("/nonexistent/program");
                    assertThat(e.arguments().path("input-data").asText()).isEqualTo("<redacted: 24 chars>");
                    assertThat(e.arguments().path("env").asText()).isEqualTo("<redacted: 1 entries>");
                })
                .hasMessageContaining("'guest-exec'")
                .hasMessageContaining("/nonexistent/program")
                .hasMessageNotContaining(secret)
                .hasMessageNotContaining(Base64.getEncoder().encodeToString(secret.getBytes(StandardCharsets.UTF_8)));
        assertThat(request.toString()).doesNotContain(secret);
    }

    @Test
    void filesRoundTripThroughOpenWriteReadClose() throws Exception {
        Path file = dir.resolve("round-trip.bin");
        byte[] content = new byte[300_000];
        for (int i = 0; i < content.length; i++) {
            content[i] = (byte) (i * 31);
        }

        long writeHandle = client.fileOpen(file.toString(), "w");
        assertThat(client.fileWrite(writeHandle, content)).isEqualTo(content.length);
        client.fileClose(writeHandle);
        assertThat(Files.readAllBytes(file)).isEqualTo(content);

        long readHandle = client.fileOpen(file.toString(), null);
        ByteArrayOutputStream read = new ByteArrayOutputStream();
        FileChunk chunk;
        do {
            chunk = client.fileRead(readHandle, 65536);
            read.writeBytes(chunk.data());
        } while (!chunk.eof());
        client.fileClose(readHandle);

        assertThat(read.toByteArray()).isEqualTo(content);
    }

    @Test
    void osInfoDescribesTheOperatingSystem() {
        JsonNode info = client.osInfo();

        assertThat(info.path("id").asText()).isNotEmpty();
        assertThat(info.path("kernel-release").asText()).isEqualTo(System.getProperty("os.version"));
    }

    @Test
    void aShutdownErrorReplyIsAFailure() {
        assertThatThrownBy(() -> client.shutdown("powerdown"))
                .isInstanceOfSatisfying(GuestAgentCommandException.class, e -> {
                    assertThat(e.command()).isEqualTo("guest-shutdown");
                    assertThat(e.errorClass()).isEqualTo("CommandNotFound");
                    assertThat(e.description()).contains("disabled");
                });
    }

    @Test
    void aLateReplyAfterATimeoutIsNotTakenAsTheAnswerToTheNextCall() throws Exception {
        agent.process().suspend();
        try {
            assertThatThrownBy(() -> client.ping(Duration.ofMillis(300)))
                    .isInstanceOfSatisfying(GuestAgentTimeoutException.class, e -> {
                        assertThat(e.command()).isEqualTo("guest-ping");
                        assertThat(e.timeout()).isEqualTo(Duration.ofMillis(300));
                    })
                    .hasMessageContaining("'guest-ping'")
                    .hasMessageContaining("resynchronises");
        } finally {
            agent.process().resume();
        }

        // the ping's late reply is {"return": {}}; taken as guest-info's answer it would list no commands
        assertThat(client.supportedCommands()).contains("guest-ping");
        assertThat(client.osInfo().has("kernel-release")).isTrue();
    }

    @Test
    void whenTheAgentDiesAWaitingCallFailsAtOnce() throws Exception {
        agent.process().suspend();
        CompletableFuture<Void> pending = CompletableFuture.runAsync(() -> client.ping(Duration.ofSeconds(60)));
        Thread.sleep(200); // let the call be sent before the peer goes away

        long start = System.nanoTime();
        agent.process().kill();

        assertThat(pending).failsWithin(Duration.ofSeconds(5)).withThrowableThat()
                .havingCause()
                .isInstanceOf(GuestAgentConnectionClosedException.class)
                .withMessageContaining("guest-ping");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        assertThat(client.isOpen()).isFalse();
        assertThatThrownBy(() -> client.ping(Duration.ofSeconds(30)))
                .isInstanceOf(GuestAgentConnectionClosedException.class);
    }

    @Test
    void callsFromSeveralThreadsAreSerialisedAndEachGetsItsOwnAnswer() throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(6);
        try {
            List<Future<String>> results = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                String word = "word" + i;
                results.add(threads.submit(() -> new String(
                        awaitExit(client.exec(GuestExecRequest.capturing("/bin/echo", word))).stdout(),
                        StandardCharsets.UTF_8)));
            }
            for (int i = 0; i < results.size(); i++) {
                assertThat(results.get(i).get(60, TimeUnit.SECONDS)).isEqualTo("word" + i + "\n");
            }
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void connectWaitsForTheAgentsSocketToAppear() throws Exception {
        client.close();
        agent.close();
        Files.deleteIfExists(agent.socket());

        CompletableFuture<GuestAgentClient> connecting = CompletableFuture.supplyAsync(
                () -> GuestAgentClient.connect(agent.socket(), CONNECT));
        Thread.sleep(300); // the agent starts after the client began connecting
        agent = TestGuestAgent.start(dir);
        client = connecting.get(15, TimeUnit.SECONDS);

        client.sync(SYNC);
        client.ping(Duration.ofSeconds(5));
    }

    @Test
    void connectingSyncingAndClosingFiftyTimesLeavesNoThreadBehind() {
        client.close();

        for (int i = 0; i < 50; i++) {
            try (GuestAgentClient cycle = GuestAgentClient.connect(agent.socket(), CONNECT)) {
                cycle.sync(SYNC);
            }
        }

        assertThat(Thread.getAllStackTraces().keySet())
                .noneMatch(thread -> thread.getName().startsWith("qga-reader-") && thread.isAlive());
    }

    private GuestExecStatus awaitExit(long pid) {
        AtomicReference<GuestExecStatus> last = new AtomicReference<>();
        await("process " + pid + " to exit").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(10))
                .until(() -> {
                    last.set(client.execStatus(pid));
                    return last.get().exited();
                });
        return last.get();
    }
}
