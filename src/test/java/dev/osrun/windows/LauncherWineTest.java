package dev.osrun.windows;

import dev.osrun.engine.AgentExec;
import dev.osrun.engine.Command;
import dev.osrun.engine.ExecFiles;
import dev.osrun.engine.GuestProfile;
import dev.osrun.engine.WindowsProfile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The real launcher ({@code docker/launcher/osrun-exec.c}, cross-compiled with mingw-w64) under Wine, driven by the
 * arguments the Windows profile builds. A small child program ({@code test-child.c}) reports what it received.
 * Wine's cmd.exe is not Windows' cmd, so nothing here runs cmd: cmd lines are checked against cmd's documented
 * rules in {@code WindowsProfileTest}.
 */
class LauncherWineTest {

    private static final GuestProfile WINDOWS = new WindowsProfile();
    private static String child;

    @TempDir
    Path job;

    @BeforeAll
    static void buildAndStartWine() {
        Wine.prepare();
        child = Wine.windowsPath(Path.of(Wine.exe("test-child.exe")));
    }

    /** The profile's guest-exec arguments for {@code command} with its streams in {@link #job}. */
    private List<String> launcherArgs(Command command, Map<String, String> environment) throws IOException {
        if (!Files.exists(job.resolve("in"))) {
            Files.write(job.resolve("in"), new byte[0]);
        }
        AgentExec exec = WINDOWS.build(command, environment, Optional.empty(), files(List.of()));
        assertThat(exec.path()).isEqualTo(WindowsProfile.LAUNCHER);
        return exec.args();
    }

    /** The command's files in {@link #job}, as the engine names them in the guest ({@code in} as stdin). */
    private ExecFiles files(List<String> remove) {
        return new ExecFiles("t", Wine.windowsPath(job.resolve("out")), Wine.windowsPath(job.resolve("err")),
                Optional.of(Wine.windowsPath(job.resolve("in"))), remove);
    }

    private Wine.Run runChild(Map<String, String> environment, String... args) throws IOException {
        List<String> argv = new ArrayList<>(List.of(child));
        argv.addAll(Arrays.asList(args));
        return Wine.launcher(launcherArgs(new Command.Argv(argv), environment), 60);
    }

    private byte[] out() throws IOException {
        return Files.readAllBytes(job.resolve("out"));
    }

    private static String base64Utf16(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_16LE));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 255})
    void theLauncherExitsWithTheCommandsCode(int code) throws IOException {
        Wine.Run run = runChild(Map.of("OSRUN_CHILD", "exit", "OSRUN_CHILD_CODE", Integer.toString(code)));

        assertThat(run.exitCode()).as("exit code; launcher stderr: %s", run.stderr()).isEqualTo(code);
    }

    @Test
    void aLargeRawCommandLineReachesTheChildByteForByte() throws IOException {
        StringBuilder tail = new StringBuilder();
        while (tail.length() < 11_000) {
            tail.append("  \"unbalanced \\\\\" ^&|<>%PATH%!x! \tü日😀 trailing\\ ");
        }
        String raw = child + tail;
        List<String> args = List.of("--job-dir", Wine.windowsPath(job), "--env", base64Utf16("OSRUN_CHILD=cmdline"),
                "--", base64Utf16(raw));
        Files.write(job.resolve("in"), new byte[0]);

        Wine.Run run = Wine.launcher(args, 60);

        assertThat(run.exitCode()).as("launcher stderr: %s", run.stderr()).isZero();
        assertThat(new String(out(), StandardCharsets.UTF_16LE)).hasSize(raw.length()).isEqualTo(raw);
    }

    @Test
    void argvSplitsBackIntoTheSameArgumentsWithCommandLineToArgvW() throws IOException {
        List<String> expected = HostileArguments.ARGUMENTS;

        Wine.Run run = runChild(Map.of("OSRUN_CHILD", "argv"), expected.toArray(String[]::new));

        assertThat(run.exitCode()).as("launcher stderr: %s", run.stderr()).isZero();
        String echoed = new String(out(), StandardCharsets.UTF_16LE);
        assertThat(echoed).endsWith("\0");
        assertThat(echoed.substring(0, echoed.length() - 1).split("\0", -1)).containsExactlyElementsOf(expected);
    }

    @Test
    void stdinComesFromTheJobFileAndStderrGoesToItsOwn() throws IOException {
        byte[] input = new byte[1 << 20];
        new Random(42).nextBytes(input);
        Files.write(job.resolve("in"), input);

        Wine.Run run = runChild(Map.of("OSRUN_CHILD", "cat"));

        assertThat(run.exitCode()).as("launcher stderr: %s", run.stderr()).isZero();
        assertThat(out()).isEqualTo(input);
        assertThat(Files.readString(job.resolve("err"))).isEqualTo("done");
    }

    @Test
    void theLauncherDeletesTheEarlierFilesItIsGivenAndCreatesAMissingOutputDirectory() throws IOException {
        Path earlierOut = Files.writeString(job.resolve("c0.out"), "already read");
        Path earlierErr = Files.writeString(job.resolve("c0.err"), "");
        Path dir = job.resolve("osrun tmp");
        Files.writeString(job.resolve("in"), "to stdout");
        ExecFiles files = new ExecFiles("c1", Wine.windowsPath(dir.resolve("c1.out")), Wine.windowsPath(dir.resolve("c1.err")),
                Optional.of(Wine.windowsPath(job.resolve("in"))),
                List.of(Wine.windowsPath(earlierOut), Wine.windowsPath(earlierErr), Wine.windowsPath(job.resolve("never"))));
        AgentExec exec = WINDOWS.build(new Command.Argv(List.of(child)), Map.of("OSRUN_CHILD", "cat"), Optional.empty(), files);

        Wine.Run run = Wine.launcher(exec.args(), 60);

        assertThat(run.exitCode()).as("launcher stderr: %s", run.stderr()).isZero();
        assertThat(run.stderr()).as("a file that is already gone is no error").isEmpty();
        assertThat(earlierOut).doesNotExist();
        assertThat(earlierErr).doesNotExist();
        assertThat(dir.resolve("c1.out")).hasContent("to stdout");
        assertThat(dir.resolve("c1.err")).hasContent("done");
    }

    @Test
    void stdoutAndStderrGivenTheSamePathShareOneFileInOrder() throws IOException {
        Files.writeString(job.resolve("input.txt"), "hello ");
        String merged = Wine.windowsPath(job.resolve("merged.txt"));
        List<String> args = List.of("--stdin", Wine.windowsPath(job.resolve("input.txt")), "--stdout", merged,
                "--stderr", merged, "--env", base64Utf16("OSRUN_CHILD=cat"), "--", base64Utf16(child));

        Wine.Run run = Wine.launcher(args, 60);

        assertThat(run.exitCode()).as("launcher stderr: %s", run.stderr()).isZero();
        assertThat(job.resolve("merged.txt")).hasContent("hello done");
    }

    @Test
    void twentyMegabytesOfOutputArriveWhole() throws IOException {
        int size = 20_000_000;

        Wine.Run run = runChild(Map.of("OSRUN_CHILD", "spew", "OSRUN_CHILD_BYTES", Integer.toString(size)));

        assertThat(run.exitCode()).as("launcher stderr: %s", run.stderr()).isZero();
        byte[] out = out();
        assertThat(out).hasSize(size);
        for (int i = 0; i < size; i += 65_536 + 7) {
            assertThat(out[i]).as("byte %d", i).isEqualTo((byte) ('a' + i % 65_536 % 26));
        }
    }

    @Test
    void theEnvironmentReachesTheChildAndTheNonAsciiValueSurvives() throws IOException {
        Map<String, String> environment = new LinkedHashMap<>();
        environment.put("OSRUN_CHILD", "exit");
        environment.put("OSRUN_CHILD_CODE", "7");
        environment.put("OSRUN_UNUSED", "ü \"quoted\" 😀");

        assertThat(runChild(environment).exitCode()).isEqualTo(7);
    }

    @Test
    void theCommandStartsInTheWorkingDirectoryGiven() throws IOException {
        Path dir = Files.createDirectories(job.resolve("work dir ü"));
        Files.write(job.resolve("in"), new byte[0]);
        AgentExec exec = WINDOWS.build(new Command.Argv(List.of(child)), Map.of("OSRUN_CHILD", "cwd"),
                Optional.of(Wine.windowsPath(dir)), files(List.of()));

        Wine.Run run = Wine.launcher(exec.args(), 60);

        assertThat(run.exitCode()).as("launcher stderr: %s", run.stderr()).isZero();
        assertThat(new String(out(), StandardCharsets.UTF_16LE)).isEqualToIgnoringCase(Wine.windowsPath(dir));
    }

    @Test
    void aTimeoutKillsTheWholeTreeOfThreeProcesses() throws IOException, InterruptedException {
        Map<String, String> environment = Map.of("OSRUN_CHILD", "tree", "OSRUN_CHILD_DEPTH", "3",
                "OSRUN_CHILD_DIR", Wine.windowsPath(job));
        List<String> args = new ArrayList<>(List.of("--timeout-ms", "8000"));
        args.addAll(launcherArgs(new Command.Argv(List.of(child)), environment));

        Wine.Run run = Wine.launcher(args, 90);

        assertThat(run.exitCode()).isEqualTo(124);
        assertThat(Files.readString(job.resolve("err"))).contains("osrun-exec: timeout after 8000 ms");
        List<Path> beats = List.of(job.resolve("beat-1"), job.resolve("beat-2"), job.resolve("beat-3"));
        assertThat(beats).as("each of the three processes wrote its heartbeat file").allMatch(Files::exists);
        // A live process appends every 50 ms. Wine ends killed processes asynchronously (about a second after
        // TerminateJobObject returns), so wait until the heartbeats stop, then check that they stay stopped.
        await("the heartbeats of the killed tree to stop").atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofSeconds(1)).until(new Stable(beats)::check);
        long[] after = sizes(beats);
        Thread.sleep(2_000);
        assertThat(sizes(beats)).as("heartbeats 2 s after they stopped").containsExactly(after);
    }

    /** True once the files kept their sizes since the previous check. */
    private static final class Stable {
        private final List<Path> files;
        private long[] last;

        Stable(List<Path> files) {
            this.files = files;
        }

        boolean check() throws IOException {
            long[] now = sizes(files);
            boolean stable = Arrays.equals(now, last);
            last = now;
            return stable;
        }
    }

    @Test
    void aProcessTheCommandLeavesBehindNeitherDelaysTheExitNorDiesWithTheLauncher() throws IOException {
        Wine.Run run = runChild(Map.of("OSRUN_CHILD", "detach", "OSRUN_CHILD_DIR", Wine.windowsPath(job)));

        assertThat(run.exitCode()).as("launcher stderr: %s", run.stderr()).isZero();
        // The child lives 15 s: its heartbeat grows after the launcher has returned.
        Path beat = job.resolve("beat-1");
        await("the detached child's heartbeat").atMost(Duration.ofSeconds(12)).until(() -> Files.exists(beat));
        long before = Files.size(beat);
        await("the detached child's heartbeat to grow after the launcher exited").atMost(Duration.ofSeconds(10))
                .until(() -> Files.size(beat) > before);
    }

    private static long[] sizes(List<Path> files) throws IOException {
        long[] sizes = new long[files.size()];
        for (int i = 0; i < sizes.length; i++) {
            sizes[i] = Files.size(files.get(i));
        }
        return sizes;
    }

    @Test
    void aMissingProgramExits127AndSaysSo() throws IOException {
        Wine.Run run = Wine.launcher(launcherArgs(new Command.Argv(List.of("Z:\\no\\such\\program.exe")), Map.of()), 60);

        assertThat(run.exitCode()).isEqualTo(127);
        assertThat(Files.readString(job.resolve("err"))).startsWith("osrun-exec: cannot start the command");
    }

    @Test
    void aCommandLineThatIsNotBase64Exits125WithUsage() {
        Wine.Run run = Wine.launcher(List.of("--", "not base64!"), 60);

        assertThat(run.exitCode()).isEqualTo(125);
        assertThat(run.stderr()).contains("osrun-exec: the command line is not base64").contains("Usage:");
    }

    private static Wine.Run copy(Path from, Path to) {
        AgentExec copy = WINDOWS.copy(Wine.windowsPath(from), Wine.windowsPath(to));
        assertThat(copy.path()).isEqualTo(WindowsProfile.LAUNCHER);
        return Wine.launcher(copy.args(), 60);
    }

    @Test
    void copyPutsATreeUnderParentsItCreatesThenIntoTheDirectoryAsCpDoes() throws IOException {
        Path from = job.resolve("from ü");
        Files.createDirectories(from.resolve("sub dir/empty"));
        Files.writeString(from.resolve("a.txt"), "A");
        byte[] payload = new byte[300_000];
        new Random(7).nextBytes(payload);
        Files.write(from.resolve("sub dir/b 日本.bin"), payload);
        Path to = job.resolve("new parent/deeper/to");

        Wine.Run first = copy(from, to);

        assertThat(first.exitCode()).as("launcher stderr: %s", first.stderr()).isZero();
        assertThat(to.resolve("a.txt")).hasContent("A");
        assertThat(to.resolve("sub dir/b 日本.bin")).hasBinaryContent(payload);
        assertThat(to.resolve("sub dir/empty")).isEmptyDirectory();

        Files.writeString(to.resolve("stale.txt"), "from before");
        Files.writeString(from.resolve("a.txt"), "A2");
        Wine.Run second = copy(from, to);

        assertThat(second.exitCode()).as("launcher stderr: %s", second.stderr()).isZero();
        assertThat(to.resolve("from ü/a.txt")).as("into the existing directory, under its own name").hasContent("A2");
        assertThat(to.resolve("a.txt")).hasContent("A");
        assertThat(to.resolve("stale.txt")).as("not replaced, so not deleted").hasContent("from before");

        Files.writeString(from.resolve("a.txt"), "A3");
        Wine.Run third = copy(from, to);
        assertThat(third.exitCode()).as("launcher stderr: %s", third.stderr()).isZero();
        assertThat(to.resolve("from ü/a.txt")).as("a file replaces a file").hasContent("A3");
        assertThat(to.resolve("from ü/sub dir/b 日本.bin")).hasBinaryContent(payload);
    }

    @Test
    void copyOfAFileReplacesTheFile() throws IOException {
        Path from = Files.writeString(job.resolve("source.txt"), "new");
        Path to = Files.writeString(job.resolve("target.txt"), "old and longer");

        Wine.Run run = copy(from, to);

        assertThat(run.exitCode()).as("launcher stderr: %s", run.stderr()).isZero();
        assertThat(to).hasContent("new");
    }

    @Test
    void copyFromAMissingSourceFailsSayingSoAndLeavesTheTargetAlone() throws IOException {
        Path to = Files.writeString(job.resolve("keep.txt"), "keep me");

        Wine.Run run = copy(job.resolve("missing"), to);

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.stderr()).contains("osrun-exec: copy: cannot read").contains("missing");
        assertThat(to).hasContent("keep me");
    }
}
