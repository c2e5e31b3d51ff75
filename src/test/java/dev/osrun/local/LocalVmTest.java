package dev.osrun.local;

import dev.osrun.ExecOptions;
import dev.osrun.ExecResult;
import dev.osrun.ExecTimeoutException;
import dev.osrun.GuestKind;
import dev.osrun.GuestNotRespondingException;
import dev.osrun.SnapshotInfo;
import dev.osrun.SnapshotNotFoundException;
import dev.osrun.testing.RequiresTinyGuest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The local engine against the real tiny guest: one VM, reset to the "clean" snapshot before each test. */
@RequiresTinyGuest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LocalVmTest {

    private LocalVm vm;

    @BeforeAll
    void start() {
        vm = LocalVm.builder(GuestKind.TINY).start();
        vm.saveSnapshot("clean");
    }

    @BeforeEach
    void reset() {
        vm.restoreSnapshot("clean");
    }

    @AfterAll
    void stop() {
        if (vm != null) {
            vm.close();
        }
    }

    @Test
    void exitCodesComeBackAsTheCommandLeftThem() {
        assertThat(vm.shell("exit 0").exitCode()).isZero();
        assertThat(vm.shell("exit 1").exitCode()).isEqualTo(1);
        assertThat(vm.shell("exit 255").exitCode()).isEqualTo(255);
        assertThat(vm.exec("false").succeeded()).isFalse();
    }

    @Test
    void stdoutAndStderrStayApart() {
        ExecResult result = vm.shell("echo to-out; echo to-err >&2; echo more-out");

        assertThat(result.stdout()).isEqualTo("to-out\nmore-out\n");
        assertThat(result.stderr()).isEqualTo("to-err\n");
    }

    @Test
    void stdinReachesTheCommand() {
        ExecResult result = vm.exec(List.of("sort"), ExecOptions.defaults().withStdin("pear\napple\nfig\n"));

        assertThat(result.stdout()).isEqualTo("apple\nfig\npear\n");
    }

    @Test
    void nonAsciiTextSurvivesBothWays() {
        String text = "Grüße, 世界, ✓ — ½";

        assertThat(vm.exec("echo", text).stdout()).isEqualTo(text + "\n");
        assertThat(vm.exec(List.of("cat"), ExecOptions.defaults().withStdin(text)).stdout()).isEqualTo(text);
        assertThat(vm.shell("printf '%s' '" + text + "' >&2").stderr()).isEqualTo(text);
    }

    @Test
    void environmentAndWorkingDirectoryApply() {
        ExecResult result = vm.exec(List.of("sh", "-c", "echo \"$GREETING\"; pwd"),
                ExecOptions.defaults().withEnv("GREETING", "hello there").withWorkingDirectory("/tmp"));

        assertThat(result.stdout()).isEqualTo("hello there\n/tmp\n");
    }

    @Test
    void fiftyMegabytesOfOutputArriveWhole() {
        int block = 1024 * 1024;
        // Fifty numbered 1 MiB blocks: busybox tr over 50 MiB takes half a minute under TCG, cat does not.
        ExecResult result = vm.shell("head -c " + (block - 9) + " /dev/zero | tr '\\0' x > /tmp/block; echo >> /tmp/block; "
                + "for i in $(seq 1 50); do printf '%08d' $i; cat /tmp/block; done; echo done >&2",
                ExecOptions.defaults().withOutputLimit(64 * block)); // the default keeps the last 16 Mi

        String out = result.stdout();
        assertThat(result.truncated()).isFalse();
        assertThat(out).hasSize(50 * block);
        for (int i = 0; i < 50; i++) {
            assertThat(out.substring(i * block, i * block + 8)).isEqualTo(String.format("%08d", i + 1));
            assertThat(out.charAt(i * block + block - 1)).isEqualTo('\n');
        }
        assertThat(out.chars().filter(c -> c == 'x').count()).isEqualTo(50L * (block - 9));
        assertThat(result.stderr()).isEqualTo("done\n");
    }

    @Test
    void outputStreamsWhileTheCommandRuns() {
        // The command waits until the host has seen its first line: without streaming it would never end.
        Path go = vm.machine().spec().shareDir().resolve("go");
        StringBuilder seen = new StringBuilder();
        ExecOptions options = ExecOptions.defaults()
                .withTimeout(Duration.ofSeconds(60))
                .withStdoutConsumer(text -> {
                    seen.append(text);
                    if (seen.toString().contains("first")) {
                        touch(go);
                    }
                });

        ExecResult result = vm.shell("echo first; while [ ! -e /mnt/qemu/go ]; do sleep 0.1; done; echo second", options);

        assertThat(result.stdout()).isEqualTo("first\nsecond\n");
        assertThat(seen.toString()).isEqualTo(result.stdout());
    }

    @Test
    void aTimeoutKillsTheWholeProcessTreeAndKeepsThePartialOutput() {
        ExecOptions options = ExecOptions.defaults().withTimeout(Duration.ofSeconds(3));

        assertThatThrownBy(() -> vm.shell("echo started; sleep 1000 & sleep 1001; echo never", options))
                .isInstanceOfSatisfying(ExecTimeoutException.class, e -> {
                    assertThat(e.partialStdout()).isEqualTo("started\n");
                    assertThat(e.timeout()).isEqualTo(Duration.ofSeconds(3));
                });
        assertThat(vm.shell("ps | grep -c '[s]leep 100'").stdout().strip()).isEqualTo("0");
    }

    @Test
    void aHundredMegabyteFileGoesUpAndDownByteForByte(@TempDir Path tmp) throws IOException {
        Path original = tmp.resolve("random.bin");
        byte[] bytes = new byte[100 * 1024 * 1024];
        new Random(42).nextBytes(bytes);
        Files.write(original, bytes);

        vm.upload(original, "/mnt/disk/random.bin");
        assertThat(vm.exec("stat", "-c", "%s", "/mnt/disk/random.bin").stdout().strip()).isEqualTo(Integer.toString(bytes.length));
        Path back = tmp.resolve("back.bin");
        vm.download("/mnt/disk/random.bin", back);

        assertThat(Files.mismatch(original, back)).isEqualTo(-1L);
    }

    @Test
    void aTreeOfTwoHundredFilesWithSpacesAndNonAsciiNamesRoundTrips(@TempDir Path tmp) throws IOException {
        Path tree = tmp.resolve("tree");
        for (int i = 0; i < 200; i++) {
            Path file = tree.resolve("dir " + (i % 10) + " ä").resolve("file " + i + " ü.txt");
            Files.createDirectories(file.getParent());
            Files.writeString(file, "content of file " + i + " — ✓\n");
        }

        vm.upload(tree, "/root/my tree");
        assertThat(vm.shell("find '/root/my tree' -type f | wc -l").stdout().strip()).isEqualTo("200");
        assertThat(vm.exec("cat", "/root/my tree/dir 3 ä/file 13 ü.txt").stdout()).isEqualTo("content of file 13 — ✓\n");
        Path back = tmp.resolve("back");
        vm.download("/root/my tree", back);

        try (var files = Files.walk(tree)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                assertThat(Files.mismatch(file, back.resolve(tree.relativize(file).toString()))).isEqualTo(-1L);
            }
        }
        try (var files = Files.walk(back)) {
            assertThat(files.filter(Files::isRegularFile).count()).isEqualTo(200);
        }
    }

    @Test
    void aRestoreBringsBackDiskAndMemoryExactlyAsSaved() {
        vm.shell("echo one > /mnt/disk/marker; echo one > /tmp/marker");
        vm.restoreSnapshot("clean");
        assertThat(vm.shell("cat /mnt/disk/marker /tmp/marker").exitCode()).isNotZero();

        vm.shell("echo two > /mnt/disk/marker; echo two > /tmp/marker");
        vm.saveSnapshot("second");
        vm.restoreSnapshot("clean");
        assertThat(vm.shell("ls /mnt/disk/marker /tmp/marker").exitCode()).isNotZero();

        vm.restoreSnapshot("second");
        assertThat(vm.shell("cat /mnt/disk/marker /tmp/marker").stdout()).isEqualTo("two\ntwo\n");
        vm.deleteSnapshot("second");
    }

    @Test
    void snapshotsAreListedAndDeleted() {
        SnapshotInfo saved = vm.saveSnapshot("listed");
        assertThat(saved.name()).isEqualTo("listed");
        assertThat(saved.vmStateBytes()).isPositive();
        assertThat(vm.snapshots()).extracting(SnapshotInfo::name).contains("provisioned", "clean", "listed");

        vm.deleteSnapshot("listed");

        assertThat(vm.snapshots()).extracting(SnapshotInfo::name).doesNotContain("listed");
    }

    @Test
    void anUnknownSnapshotNameListsTheOnesThatExist() {
        assertThatThrownBy(() -> vm.restoreSnapshot("no-such-snapshot"))
                .isInstanceOf(SnapshotNotFoundException.class)
                .hasMessageContaining("No snapshot named 'no-such-snapshot'")
                .hasMessageContaining("provisioned")
                .hasMessageContaining("clean");
        assertThatThrownBy(() -> vm.restoreSnapshot("bad name; quit")).isInstanceOf(dev.osrun.InvalidInputException.class)
                .hasCauseInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theGuestClockFollowsTheHostAfterRestoringAnOldSnapshot() {
        vm.shell("date -s @$(( $(date +%s) - 3600 ))");
        assertThat(guestClockOffsetSeconds()).isGreaterThan(3000);
        vm.saveSnapshot("an-hour-ago");

        vm.restoreSnapshot("an-hour-ago");

        assertThat(guestClockOffsetSeconds()).isLessThanOrEqualTo(2);
        vm.deleteSnapshot("an-hour-ago");
    }

    private long guestClockOffsetSeconds() {
        long guest = Long.parseLong(vm.exec("date", "+%s").stdout().strip());
        return Math.abs(System.currentTimeMillis() / 1000 - guest);
    }

    @Test
    void aScreenshotIsAPng() {
        byte[] png = vm.screenshotPng();

        assertThat(png).startsWith(0x89, 'P', 'N', 'G');
    }

    @Test
    void anAgentThatStopsAnsweringGivesATimeoutErrorNotAHang() {
        vm.machine().setAgentTimeout(Duration.ofSeconds(3));
        vm.machine().qmp().execute("stop", null);
        try {
            assertThatThrownBy(() -> vm.shell("echo hi"))
                    .isInstanceOf(GuestNotRespondingException.class)
                    .hasMessageContaining("did not answer");
        } finally {
            vm.machine().qmp().execute("cont", null);
            vm.machine().setAgentTimeout(Duration.ofSeconds(30));
        }
        assertThat(vm.shell("echo back").stdout()).isEqualTo("back\n");
    }

    @Test
    void fiftyRestoreAndExecCyclesLeakNoThreadsOrFiles() throws IOException {
        for (int i = 0; i < 5; i++) {
            vm.restoreSnapshot("clean");
            vm.exec("true");
        }
        int threadsBefore = Thread.activeCount();
        long filesBefore = openFiles();

        for (int i = 0; i < 50; i++) {
            vm.restoreSnapshot("clean");
            assertThat(vm.shell("echo " + i).stdout()).isEqualTo(i + "\n");
        }

        assertThat(Thread.activeCount()).isLessThanOrEqualTo(threadsBefore + 1);
        assertThat(openFiles()).isLessThanOrEqualTo(filesBefore + 2);
    }

    private static long openFiles() throws IOException {
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    private static void touch(Path file) {
        try {
            Files.writeString(file, "", StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

}
