package dev.osrun.qmp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The QMP client against a real QEMU ({@code qemu-system-x86_64 -S}, no guest). */
class QmpClientQemuTest {

    private static final Duration CONNECT = Duration.ofSeconds(20);
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    @TempDir
    Path dir;

    private TestQemu qemu;
    private QmpClient qmp;

    @BeforeEach
    void startQemu() throws Exception {
        qemu = TestQemu.start(dir, "-device", "VGA");
        qmp = QmpClient.connect(qemu.qmpSocket(), CONNECT);
    }

    @AfterEach
    void stopQemu() throws Exception {
        if (qmp != null) {
            qmp.close();
        }
        if (qemu != null) {
            qemu.close();
        }
    }

    @Test
    void greetingCarriesQemusVersion() throws Exception {
        Process version = new ProcessBuilder("qemu-system-x86_64", "--version").start();
        String printed = new String(version.getInputStream().readAllBytes());

        assertThat(qmp.greeting().path("QMP").path("version").path("qemu").path("major").isInt()).isTrue();
        assertThat(qmp.qemuVersion()).matches("\\d+\\.\\d+\\.\\d+");
        assertThat(printed).contains("version " + qmp.qemuVersion());
        assertThat(qmp.isOpen()).isTrue();
    }

    @Test
    void queryStatusReportsAPausedVmAsPrelaunch() {
        assertThat(qmp.queryStatus()).isEqualTo("prelaunch");
    }

    @Test
    void anUnknownCommandFailsWithCommandNotFound() {
        assertThatThrownBy(() -> qmp.execute("no-such-command", null))
                .isInstanceOfSatisfying(QmpCommandException.class, e -> {
                    assertThat(e.command()).isEqualTo("no-such-command");
                    assertThat(e.errorClass()).isEqualTo("CommandNotFound");
                    assertThat(e.description()).contains("no-such-command");
                })
                .hasMessageContaining("QMP command 'no-such-command' (no arguments) failed: CommandNotFound");
    }

    @Test
    void aFailedCommandKeepsTheArgumentsItWasSent() {
        JsonNode arguments = JSON.objectNode().put("id", "no-such-device");

        assertThatThrownBy(() -> qmp.execute("device_del", arguments))
                .isInstanceOfSatisfying(QmpCommandException.class, e -> {
                    assertThat(e.arguments()).isEqualTo(arguments);
                    assertThat(e.errorClass()).isEqualTo("DeviceNotFound");
                })
                .hasMessageContaining("with arguments {\"id\":\"no-such-device\"}");
    }

    @Test
    void eventsReachListenersRegisteredBeforeTheCommandThatTriggersThem() {
        QmpEvent resumed = qmp.awaitEvent("RESUME", Duration.ofSeconds(10), () -> qmp.execute("cont", null));
        assertThat(qmp.queryStatus()).isEqualTo("running");

        QmpEvent stopped = qmp.awaitEvent(e -> e.is("STOP"), Duration.ofSeconds(10),
                () -> qmp.execute("stop", null));

        assertThat(qmp.queryStatus()).isEqualTo("paused");
        assertThat(resumed.name()).isEqualTo("RESUME");
        assertThat(stopped.timestamp()).isAfterOrEqualTo(resumed.timestamp());
        assertThat(stopped.data().isObject()).isTrue();
    }

    @Test
    void anEventListenerSeesEveryEventUntilItsSubscriptionIsClosed() {
        List<String> seen = new CopyOnWriteArrayList<>();
        try (Subscription subscription = qmp.addEventListener(event -> seen.add(event.name()))) {
            qmp.execute("cont", null);
            qmp.execute("stop", null);
            await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() == 2);
        }
        qmp.execute("cont", null);
        qmp.queryStatus(); // the RESUME event precedes this reply, so it has been dispatched by now

        assertThat(seen).containsExactly("RESUME", "STOP");
    }

    @Test
    void waitingForAnEventThatDoesNotComeTimesOutListingTheEventsSeen() {
        assertThatThrownBy(() -> qmp.awaitEvent("SHUTDOWN", Duration.ofMillis(500), () -> qmp.execute("cont", null)))
                .isInstanceOf(QmpTimeoutException.class)
                .hasMessageContaining("No QMP event named SHUTDOWN")
                .hasMessageContaining("PT0.5S")
                .hasMessageContaining("events seen meanwhile: [RESUME]");
    }

    @Test
    void executingFromAListenerIsRefusedInsteadOfDeadlocking() {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        try (Subscription subscription = qmp.addEventListener(event -> {
            try {
                qmp.execute("query-status", null);
            } catch (Throwable e) {
                failure.set(e);
            }
        })) {
            qmp.awaitEvent("RESUME", Duration.ofSeconds(10), () -> qmp.execute("cont", null));
        }

        assertThat(failure.get())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("QMP reader thread");
    }

    @Test
    void humanMonitorCommandReturnsTheText() {
        String text = qmp.humanMonitorCommand("info version", Duration.ofSeconds(10));

        assertThat(text).startsWith(qmp.qemuVersion());
    }

    @Test
    void screendumpWritesAPng() throws Exception {
        Path png = dir.resolve("screen.png");

        qmp.screendumpPng(png);

        byte[] header = new byte[8];
        System.arraycopy(Files.readAllBytes(png), 0, header, 0, 8);
        assertThat(header).containsExactly(0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n');
    }

    @Test
    void severalThreadsCanExecuteAtOnce() throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(8);
        try {
            List<Future<String>> results = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                String name = "probe-" + i;
                results.add(threads.submit(() -> qmp.execute("qom-get",
                        JSON.objectNode().put("path", "/machine").put("property", "type")).asText() + name));
            }
            for (int i = 0; i < results.size(); i++) {
                assertThat(results.get(i).get(30, TimeUnit.SECONDS)).isEqualTo("pc-q35-" + machineVersion()
                        + "-machine" + "probe-" + i);
            }
        } finally {
            threads.shutdownNow();
        }
    }

    private String machineVersion() {
        String type = qmp.execute("qom-get", JSON.objectNode().put("path", "/machine").put("property", "type"))
                .asText();
        return type.substring("pc-q35-".length(), type.length() - "-machine".length());
    }

    @Test
    void aTimeoutNamesTheCommandAndTheClientStillWorksAfterTheLateReply() throws Exception {
        qemu.process().suspend();
        try {
            assertThatThrownBy(() -> qmp.execute("query-status", null, Duration.ofMillis(300)))
                    .isInstanceOfSatisfying(QmpTimeoutException.class, e -> {
                        assertThat(e.command()).isEqualTo("query-status");
                        assertThat(e.timeout()).isEqualTo(Duration.ofMillis(300));
                    })
                    .hasMessageContaining("'query-status'")
                    .hasMessageContaining("PT0.3S");
        } finally {
            qemu.process().resume();
        }

        // the late reply to the first query-status arrives first and is dropped by its id
        assertThat(qmp.execute("query-name", null).isObject()).isTrue();
        assertThat(qmp.queryStatus()).isEqualTo("prelaunch");
    }

    @Test
    void whenQemuDiesAWaitingCallFailsAtOnceAndCloseListenersRun() throws Exception {
        CountDownLatch closed = new CountDownLatch(1);
        qmp.addCloseListener(closed::countDown);
        qemu.process().suspend();
        CompletableFuture<JsonNode> pending = CompletableFuture.supplyAsync(
                () -> qmp.execute("query-status", null, Duration.ofSeconds(60)));
        Thread.sleep(200); // let the call be sent

        long start = System.nanoTime();
        qemu.process().kill();

        assertThat(pending).failsWithin(Duration.ofSeconds(5)).withThrowableThat()
                .havingCause()
                .isInstanceOf(QmpConnectionClosedException.class)
                .withMessageContaining("query-status");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        assertThat(closed.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(qmp.isOpen()).isFalse();
    }

    @Test
    void quitEndsQemuFiresCloseListenersAndLaterCallsFailAtOnce() throws Exception {
        CountDownLatch closed = new CountDownLatch(1);
        qmp.addCloseListener(closed::countDown);

        qmp.quit();

        assertThat(closed.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(qemu.process().awaitExit(Duration.ofSeconds(10))).isTrue();
        assertThat(qmp.isOpen()).isFalse();
        long start = System.nanoTime();
        assertThatThrownBy(() -> qmp.execute("query-status", null, Duration.ofSeconds(30)))
                .isInstanceOf(QmpConnectionClosedException.class)
                .hasMessageContaining("query-status");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));

        AtomicReference<Boolean> ranAtOnce = new AtomicReference<>(false);
        qmp.addCloseListener(() -> ranAtOnce.set(true));
        assertThat(ranAtOnce.get()).as("a close listener added after the end runs at once").isTrue();
    }

    @Test
    void closeFailsAWaitingCallAtOnce() throws Exception {
        qemu.process().suspend();
        try {
            CompletableFuture<JsonNode> pending = CompletableFuture.supplyAsync(
                    () -> qmp.execute("query-status", null, Duration.ofSeconds(60)));
            Thread.sleep(200); // let the call be sent before the peer goes away

            qmp.close();

            assertThat(pending).failsWithin(Duration.ofSeconds(5)).withThrowableThat()
                    .havingCause()
                    .isInstanceOf(QmpConnectionClosedException.class)
                    .withMessageContaining("closed by this client");
        } finally {
            qemu.process().resume();
        }
    }

    @Test
    void connectingAndClosingFiftyTimesLeavesNoThreadBehind() {
        qmp.close();
        int before = countReaderThreads();

        for (int i = 0; i < 50; i++) {
            try (QmpClient client = QmpClient.connect(qemu.qmpSocket(), CONNECT)) {
                assertThat(client.queryStatus()).isEqualTo("prelaunch");
            }
        }

        assertThat(countReaderThreads()).isEqualTo(before).isZero();
    }

    private static int countReaderThreads() {
        return (int) Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.getName().startsWith("qmp-reader-") && thread.isAlive())
                .count();
    }
}
