package dev.osrun.contract;

import dev.osrun.ExecCancelledException;
import dev.osrun.ExecOptions;
import dev.osrun.ExecResult;
import dev.osrun.ExecTimeoutException;
import dev.osrun.FileTransferException;
import dev.osrun.InvalidInputException;
import dev.osrun.SnapshotInfo;
import dev.osrun.SnapshotNotFoundException;
import dev.osrun.Vm;
import dev.osrun.server.TestBodies;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * What every {@link Vm} does, whichever implementation: the local engine ({@code LocalVm}) and the control API's
 * client ({@code RemoteVm}, through a real container) pass the same tests, so the two cannot drift apart.
 *
 * <p>A subclass starts one tiny-guest VM for the class, with the guest's TCP port {@link #handshakeGuestPort()}
 * forwarded to {@link #handshakeAddress()} on this host, and saves nothing: the suite saves {@value #CLEAN} in its
 * first test and restores it before each one.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class VmContract {

    /** The snapshot every test starts from. */
    protected static final String CLEAN = "contract-clean";

    /** The VM under test (started once for the class). */
    protected abstract Vm vm();

    /** The guest port the streaming test listens on; a subclass forwards it to {@link #handshakeAddress()}. */
    protected abstract int handshakeGuestPort();

    /** Where this JVM reaches {@link #handshakeGuestPort()} of the guest. */
    protected abstract InetSocketAddress handshakeAddress();

    private boolean saved;

    @BeforeEach
    void startClean() {
        if (!saved) {
            vm().saveSnapshot(CLEAN);
            saved = true;
        }
        vm().restoreSnapshot(CLEAN);
    }

    @Test
    void exitCodesComeBackAsTheCommandLeftThem() {
        assertThat(vm().shell("exit 0").exitCode()).isZero();
        assertThat(vm().shell("exit 3").exitCode()).isEqualTo(3);
        assertThat(vm().shell("exit 255").exitCode()).isEqualTo(255);
        assertThat(vm().exec("false").succeeded()).isFalse();
    }

    @Test
    void stdoutAndStderrStayApart() {
        ExecResult result = vm().shell("echo to-out; echo to-err >&2; echo more-out");

        assertThat(result.stdout()).isEqualTo("to-out\nmore-out\n");
        assertThat(result.stderr()).isEqualTo("to-err\n");
        assertThat(result.truncated()).isFalse();
    }

    @Test
    void argvReachesTheProgramWordForWord() {
        ExecResult result = vm().exec("printf", "[%s]\\n", "two words", "$HOME", "'quoted'", "");

        assertThat(result.stdout()).isEqualTo("[two words]\n[$HOME]\n['quoted']\n[]\n");
    }

    @Test
    void stdinReachesTheCommand() {
        ExecResult result = vm().exec(List.of("sort"), ExecOptions.defaults().withStdin("pear\napple\nfig\n"));

        assertThat(result.stdout()).isEqualTo("apple\nfig\npear\n");
    }

    @Test
    void binaryStdinArrivesByteForByte() {
        byte[] bytes = TestBodies.randomBytes(256 * 1024);

        ExecResult result = vm().exec(List.of("wc", "-c"), ExecOptions.defaults().withStdin(bytes));

        assertThat(result.stdout().strip()).isEqualTo(Integer.toString(bytes.length));
    }

    @Test
    void environmentAndWorkingDirectoryApply() {
        ExecResult result = vm().exec(List.of("sh", "-c", "echo \"$GREETING\"; pwd"),
                ExecOptions.defaults().withEnv("GREETING", "hello there").withWorkingDirectory("/tmp"));

        assertThat(result.stdout()).isEqualTo("hello there\n/tmp\n");
    }

    @Test
    void nonAsciiTextSurvivesBothWays() {
        String text = "Grüße, 世界, ✓ — ½ 😀";

        assertThat(vm().exec("echo", text).stdout()).isEqualTo(text + "\n");
        assertThat(vm().exec(List.of("cat"), ExecOptions.defaults().withStdin(text)).stdout()).isEqualTo(text);
        assertThat(vm().shell("printf '%s' '" + text + "' >&2").stderr()).isEqualTo(text);
        assertThat(vm().exec(List.of("sh", "-c", "printf '%s' \"$TEXT\""), ExecOptions.defaults().withEnv("TEXT", text))
                .stdout()).isEqualTo(text);
    }

    @Test
    void outputReachesTheConsumersWhileTheCommandRuns() {
        // The command prints "first", then waits for a TCP connection from this JVM, which makes it only once its
        // consumer has seen "first": without streaming, the command would wait until its timeout.
        AtomicBoolean done = new AtomicBoolean();
        StringBuilder seen = new StringBuilder();
        StringBuilder seenErr = new StringBuilder();
        CompletableFuture<Void> knocking = new CompletableFuture<>();
        ExecOptions options = ExecOptions.defaults()
                .withTimeout(Duration.ofSeconds(90))
                .withStderrConsumer(seenErr::append)
                .withStdoutConsumer(text -> {
                    seen.append(text);
                    if (seen.toString().contains("first") && !knocking.isDone()) {
                        knocking.complete(null);
                        Thread knocker = new Thread(() -> knockUntil(done), "contract-knock");
                        knocker.setDaemon(true);
                        knocker.start();
                    }
                });
        try {
            ExecResult result = vm().shell("echo first; echo on-stderr >&2; nc -l -p " + handshakeGuestPort()
                    + " > /tmp/knock; echo second; cat /tmp/knock", options);

            assertThat(result.stdout()).isEqualTo("first\nsecond\nknock\n");
            assertThat(seen.toString()).isEqualTo(result.stdout());
            assertThat(seenErr.toString()).isEqualTo("on-stderr\n");
        } finally {
            done.set(true);
        }
    }

    /**
     * Connects to the guest's port and says "knock", again and again until the command is over: QEMU accepts the
     * connection even before the guest listens, and then drops it.
     */
    private void knockUntil(AtomicBoolean done) {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (!done.get() && System.nanoTime() - deadline < 0) {
            try (Socket socket = new Socket()) {
                socket.connect(handshakeAddress(), 5000);
                OutputStream out = socket.getOutputStream();
                out.write("knock\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
            } catch (IOException e) {
                // the forwarded port is not open yet: knock again
            }
            sleepQuietly(Duration.ofMillis(300));
        }
    }

    @Test
    void aTimeoutKillsTheCommandAndKeepsThePartialOutput() {
        ExecOptions options = ExecOptions.defaults().withTimeout(Duration.ofSeconds(3));

        assertThatThrownBy(() -> vm().shell("echo started; echo oops >&2; sleep 1000 & sleep 1001; echo never", options))
                .isInstanceOfSatisfying(ExecTimeoutException.class, e -> {
                    assertThat(e.partialStdout()).isEqualTo("started\n");
                    assertThat(e.partialStderr()).isEqualTo("oops\n");
                    assertThat(e.timeout()).isEqualTo(Duration.ofSeconds(3));
                });
        assertThat(vm().shell("ps | grep -c '[s]leep 100'").stdout().strip()).isEqualTo("0");
    }

    @Test
    void aCancelledCommandIsKilledInTheGuest() {
        StringBuilder seen = new StringBuilder();
        ExecOptions options = ExecOptions.defaults()
                .withTimeout(Duration.ofSeconds(90))
                .withStdoutConsumer(seen::append)
                .withCancellation(() -> seen.toString().contains("started"));

        assertThatThrownBy(() -> vm().shell("echo started; sleep 1002", options))
                .isInstanceOf(ExecCancelledException.class)
                .hasMessageContaining("sleep 1002");
        await("the cancelled command's process gone from the guest").atMost(Duration.ofSeconds(30))
                .until(() -> vm().shell("ps | grep -c '[s]leep 1002'").stdout().strip().equals("0"));
    }

    @Test
    void theResultKeepsTheTailWithinTheOutputLimitAndSaysSo() {
        StringBuilder all = new StringBuilder();
        ExecOptions options = ExecOptions.defaults().withOutputLimit(10).withStdoutConsumer(all::append);

        ExecResult result = vm().shell("seq 1 1000", options);

        assertThat(result.truncated()).isTrue();
        assertThat(result.stdout()).isEqualTo("\n999\n1000\n");
        assertThat(all.toString()).startsWith("1\n2\n3\n").endsWith("999\n1000\n");
        assertThat(vm().shell("seq 1 3", ExecOptions.defaults().withOutputLimit(6)).truncated()).isFalse();
    }

    @Test
    void aFileGoesUpAndDownByteForByte(@TempDir Path tmp) throws IOException {
        Path original = tmp.resolve("random.bin");
        byte[] bytes = TestBodies.randomBytes(3 * 1024 * 1024 + 17);
        Files.write(original, bytes);

        vm().upload(original, "/root/random file.bin");
        assertThat(vm().exec("stat", "-c", "%s", "/root/random file.bin").stdout().strip())
                .isEqualTo(Integer.toString(bytes.length));
        Path back = tmp.resolve("back.bin");
        Files.writeString(back, "replaced by the download");
        vm().download("/root/random file.bin", back);

        assertThat(Files.mismatch(original, back)).isEqualTo(-1L);
    }

    @Test
    void aTreeWithSpacesAndNonAsciiNamesRoundTrips(@TempDir Path tmp) throws IOException {
        Path tree = tmp.resolve("tree");
        for (int i = 0; i < 30; i++) {
            Path file = tree.resolve("dir " + (i % 3) + " ä").resolve("file " + i + " ü.txt");
            Files.createDirectories(file.getParent());
            Files.writeString(file, "content of file " + i + " — ✓\n");
        }
        Files.createDirectories(tree.resolve("empty dir"));

        vm().upload(tree, "/root/my tree");
        assertThat(vm().shell("find '/root/my tree' -type f | wc -l").stdout().strip()).isEqualTo("30");
        assertThat(vm().exec("cat", "/root/my tree/dir 1 ä/file 13 ü.txt").stdout()).isEqualTo("content of file 13 — ✓\n");
        Path back = tmp.resolve("back");
        vm().download("/root/my tree", back);

        try (Stream<Path> files = Files.walk(tree)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                assertThat(Files.mismatch(file, back.resolve(tree.relativize(file).toString()))).isEqualTo(-1L);
            }
        }
        try (Stream<Path> files = Files.walk(back)) {
            assertThat(files.filter(Files::isRegularFile).count()).isEqualTo(30);
        }
        assertThat(back.resolve("empty dir")).isEmptyDirectory();
    }

    @Test
    void intoAnExistingDirectoryFilesAndTreesGoUnderTheirOwnNameAndNothingElseIsDeleted(@TempDir Path tmp) throws IOException {
        Path notes = Files.writeString(tmp.resolve("notes.txt"), "n\n");
        Path pack = Files.createDirectories(tmp.resolve("pack"));
        Files.writeString(pack.resolve("a.txt"), "a\n");
        assertThat(vm().shell("mkdir -p /root/into && echo theirs > /root/into/other.txt").exitCode()).isZero();

        vm().upload(notes, "/root/into");
        vm().upload(pack, "/root/into");

        assertThat(vm().exec("cat", "/root/into/notes.txt", "/root/into/pack/a.txt", "/root/into/other.txt").stdout())
                .isEqualTo("n\na\ntheirs\n");
        Path here = Files.createDirectories(tmp.resolve("here"));
        Files.writeString(here.resolve("mine.txt"), "kept");

        vm().download("/root/into", here);

        assertThat(here.resolve("into/notes.txt")).hasContent("n");
        assertThat(here.resolve("into/pack/a.txt")).hasContent("a");
        assertThat(here.resolve("mine.txt")).as("not replaced by the download, so still there").hasContent("kept");
        vm().download("/root/into/notes.txt", here);
        assertThat(here.resolve("notes.txt")).hasContent("n");
    }

    @Test
    void uploadingWhatDoesNotExistFailsAndSaysWhat(@TempDir Path tmp) {
        Path missing = tmp.resolve("missing.txt");

        assertThatThrownBy(() -> vm().upload(missing, "/root/missing.txt"))
                .isInstanceOf(FileTransferException.class)
                .hasMessageContaining(missing.toString());
    }

    @Test
    void downloadingWhatDoesNotExistFailsAndKeepsTheHostFile(@TempDir Path tmp) throws IOException {
        Path kept = tmp.resolve("kept.txt");
        Files.writeString(kept, "mine");

        assertThatThrownBy(() -> vm().download("/root/no-such-file", kept))
                .isInstanceOf(FileTransferException.class)
                .hasMessageContaining("/root/no-such-file");
        assertThat(kept).hasContent("mine");
    }

    @Test
    void aRestoreBringsBackDiskAndMemoryAsSaved() {
        vm().shell("echo two > /root/marker; echo two > /tmp/marker");
        vm().saveSnapshot("contract-second");
        vm().restoreSnapshot(CLEAN);
        assertThat(vm().shell("ls /root/marker /tmp/marker").exitCode()).isNotZero();

        vm().restoreSnapshot("contract-second");

        assertThat(vm().shell("cat /root/marker /tmp/marker").stdout()).isEqualTo("two\ntwo\n");
        vm().deleteSnapshot("contract-second");
    }

    @Test
    void snapshotsAreListedAndDeleted() {
        SnapshotInfo saved = vm().saveSnapshot("contract-listed");
        assertThat(saved.name()).isEqualTo("contract-listed");
        assertThat(saved.vmStateBytes()).isPositive();
        assertThat(vm().snapshots()).extracting(SnapshotInfo::name).contains(CLEAN, "contract-listed");

        vm().deleteSnapshot("contract-listed");

        assertThat(vm().snapshots()).extracting(SnapshotInfo::name).contains(CLEAN).doesNotContain("contract-listed");
    }

    @Test
    void anUnknownSnapshotNameListsTheOnesThatExist() {
        assertThatThrownBy(() -> vm().restoreSnapshot("no-such-snapshot"))
                .isInstanceOfSatisfying(SnapshotNotFoundException.class, e -> {
                    assertThat(e.name()).isEqualTo("no-such-snapshot");
                    assertThat(e.existing()).contains(CLEAN);
                })
                .hasMessageContaining("No snapshot named 'no-such-snapshot'")
                .hasMessageContaining(CLEAN);
        assertThatThrownBy(() -> vm().deleteSnapshot("no-such-snapshot")).isInstanceOf(SnapshotNotFoundException.class);
    }

    @Test
    void aSnapshotNameQemuCannotTakeIsRefusedAsInvalidInput() {
        assertThatThrownBy(() -> vm().saveSnapshot("bad name; quit"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("bad name; quit");
        assertThat(vm().snapshots()).extracting(SnapshotInfo::name).doesNotContain("bad name; quit");
    }

    @Test
    void aScreenshotIsAPng() {
        byte[] png = vm().screenshotPng();

        assertThat(png).startsWith(0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n');
    }

    private static void sleepQuietly(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
