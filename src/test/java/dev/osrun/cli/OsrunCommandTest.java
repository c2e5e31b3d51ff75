package dev.osrun.cli;

import dev.osrun.testing.RequiresTinyGuest;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The {@code osrun} command line on the local engine, run as a separate process as a user would run it. */
@RequiresTinyGuest
class OsrunCommandTest {

    record Run(int exitCode, String stdout, String stderr) {
    }

    static Run osrun(String... args) throws IOException, InterruptedException {
        return osrun(java.util.Map.of(), args);
    }

    static Run osrun(java.util.Map<String, String> env, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), OsrunCommand.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().putAll(env);
        Process process = builder.start();
        process.getOutputStream().close();
        CompletableFuture<byte[]> stdout = CompletableFuture.supplyAsync(() -> readAll(process.getInputStream()));
        CompletableFuture<byte[]> stderr = CompletableFuture.supplyAsync(() -> readAll(process.getErrorStream()));
        if (!process.waitFor(3, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError("osrun did not finish within 3 minutes");
        }
        return new Run(process.exitValue(), new String(stdout.join(), StandardCharsets.UTF_8),
                new String(stderr.join(), StandardCharsets.UTF_8));
    }

    private static byte[] readAll(java.io.InputStream in) {
        try {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void printsTheOutputKeepsStderrApartAndExitsWithTheCommandsCode() throws Exception {
        Run run = osrun("--guest", "tiny", "echo hi; echo oops >&2; exit 3");

        assertThat(run.exitCode()).isEqualTo(3);
        assertThat(run.stdout()).isEqualTo("hi\n");
        assertThat(run.stderr()).contains("oops\n");
    }

    @Test
    void theCommandLineReachesTheGuestShellUnchanged() throws Exception {
        String weird = "quotes ' \" `x` % %PATH% ^ & | ; $HOME ${X} \\ \\\\n \t tab\r\nsecond line ü 世界 ✓";

        Run run = osrun("--guest", "tiny", "cat <<'OSRUN_END'\n" + weird + "\nOSRUN_END");

        assertThat(run.exitCode()).isZero();
        assertThat(run.stdout()).isEqualTo(weird + "\n");
    }

    @Test
    void theSeedsSnapshotExampleWorks() throws Exception {
        assertThat(osrun("--guest", "tiny", "--new-snapshot", "greeted", "mkdir -p /root/hello").exitCode()).isZero();

        assertThat(osrun("--guest", "tiny", "--use-snapshot", "greeted", "ls /root").stdout()).contains("hello");
        assertThat(osrun("--guest", "tiny", "ls /root").stdout()).doesNotContain("hello");
    }

    @Test
    void twoRunsOnOneCacheRunSideBySideAndLeaveTheCachedDiskAlone() throws Exception {
        osrun("--guest", "tiny", "true"); // provisions the cache and makes the template, if this is the first run
        java.nio.file.Path cached = dev.osrun.provision.TinyGuestRecipe.provision(dev.osrun.provision.CacheDir.fromEnvironment(),
                dev.osrun.provision.TinyGuest.locate(), dev.osrun.provision.Hardware.of(dev.osrun.Accel.AUTO, 512, 1));
        byte[] before = java.nio.file.Files.readAllBytes(cached);
        String line = "date +%s; sleep 5; date +%s; echo mine > /root/mine";
        CompletableFuture<Run> first = CompletableFuture.supplyAsync(() -> unchecked(() -> osrun("--guest", "tiny", line)));
        CompletableFuture<Run> second = CompletableFuture.supplyAsync(() -> unchecked(() -> osrun("--guest", "tiny", line)));
        Run a = first.join();
        Run b = second.join();
        assertThat(a.exitCode()).as(a.stderr()).isZero();
        assertThat(b.exitCode()).as(b.stderr()).isZero();
        double[] spanA = a.stdout().lines().mapToDouble(Double::parseDouble).toArray();
        double[] spanB = b.stdout().lines().mapToDouble(Double::parseDouble).toArray();
        // Each command ran its 5 s while the other ran its own: the runs overlapped rather than queued (whole seconds
        // of the guests' clocks, which osrun sets from this host's).
        assertThat(Math.min(spanA[1], spanB[1]) - Math.max(spanA[0], spanB[0])).as("seconds both commands ran at once")
                .isGreaterThanOrEqualTo(2.0);
        assertThat(osrun("--guest", "tiny", "cat /root/mine 2>/dev/null || echo none").stdout()).isEqualTo("none\n");
        assertThat(java.nio.file.Files.readAllBytes(cached)).as("the cached disk after three runs").isEqualTo(before);
    }

    interface IoCall<T> {
        T call() throws Exception;
    }

    private static <T> T unchecked(IoCall<T> call) {
        try {
            return call.call();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void theGuestsStatusLogIsEchoedOnStderr() throws Exception {
        Run run = osrun("--guest", "tiny", "echo 'step 1: done' >> /mnt/qemu/status.txt; echo out");

        assertThat(run.exitCode()).isZero();
        assertThat(run.stdout()).isEqualTo("out\n");
        assertThat(run.stderr()).contains("osrun: status: step 1: done\n");
    }

    @Test
    void anUnknownSnapshotListsTheExistingOnes() throws Exception {
        Run run = osrun("--guest", "tiny", "-s", "does-not-exist", "true");

        assertThat(run.exitCode()).isEqualTo(OsrunCommand.EXIT_OSRUN_FAILED);
        assertThat(run.stderr()).contains("No snapshot named 'does-not-exist'", "provisioned");
    }

    @Test
    void sigtermStopsTheVmAndExitsPromptly() throws Exception {
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), OsrunCommand.class.getName(),
                "--guest", "tiny", "echo ready; sleep 600").start();
        try {
            java.io.BufferedReader out = new java.io.BufferedReader(
                    new java.io.InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            assertThat(CompletableFuture.supplyAsync(() -> {
                try {
                    return out.readLine();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).get(3, TimeUnit.MINUTES)).isEqualTo("ready");
            List<ProcessHandle> qemu = process.descendants()
                    .filter(p -> p.info().command().orElse("").contains("qemu-system")).toList();
            assertThat(qemu).hasSize(1);

            long start = System.nanoTime();
            process.toHandle().destroy(); // SIGTERM

            assertThat(process.waitFor(10, TimeUnit.SECONDS)).as("osrun exits within 10 s of SIGTERM").isTrue();
            assertThat(process.exitValue()).isEqualTo(143);
            assertThat(new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8))
                    .contains("osrun: interrupted; stopping the VM").doesNotContain("has been closed");
            assertThat(qemu.get(0).onExit().get(5, TimeUnit.SECONDS).isAlive()).isFalse();
            assertThat(java.time.Duration.ofNanos(System.nanoTime() - start)).isLessThan(java.time.Duration.ofSeconds(10));
        } finally {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
    }

    @Test
    void windowsWithoutInternetSaysAtOnceWhatItCouldNotReachAndHowToBringAnIso(@org.junit.jupiter.api.io.TempDir Path dir)
            throws Exception {
        Path init = java.nio.file.Files.createDirectories(dir.resolve("win11-init"));
        for (String name : List.of("autounattend.xml", "pe.cmd", "pe-defender.cmd", "specialize.ps1", "common.ps1", "osrun-exec.exe", "first-logon.ps1")) {
            java.nio.file.Files.writeString(init.resolve(name), "placeholder");
        }
        int closedPort;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        Run run = osrun(java.util.Map.of("OSRUN_CACHE", dir.resolve("cache").toString(), "OSRUN_WIN11_INIT", init.toString(),
                "OSRUN_UUPDUMP_URL", "http://127.0.0.1:" + closedPort, "OSRUN_ACCEL", "tcg"), "--guest", "windows11", "dir \"C:\\Program Files\"");

        assertThat(run.exitCode()).isEqualTo(OsrunCommand.EXIT_OSRUN_FAILED);
        assertThat(run.stderr()).contains("Could not reach UUP dump at http://127.0.0.1:" + closedPort, "--iso PATH", "OSRUN_ISO");
        assertThat(dir.resolve("cache")).isDirectoryNotContaining("glob:**.qcow2");
    }

    @Test
    void anIsoThatIsNotThereIsNamedAndAMissingRecipeDirectoryToo(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path init = java.nio.file.Files.createDirectories(dir.resolve("win11-init"));
        for (String name : List.of("autounattend.xml", "pe.cmd", "pe-defender.cmd", "specialize.ps1", "common.ps1", "osrun-exec.exe", "first-logon.ps1")) {
            java.nio.file.Files.writeString(init.resolve(name), "placeholder");
        }
        Path iso = dir.resolve("no-such.iso");

        Run run = osrun(java.util.Map.of("OSRUN_CACHE", dir.resolve("cache").toString(), "OSRUN_WIN11_INIT", init.toString()),
                "--guest", "windows11", "--iso", iso.toString(), "dir");
        assertThat(run.exitCode()).isEqualTo(OsrunCommand.EXIT_OSRUN_FAILED);
        assertThat(run.stderr()).contains("Expected a Windows 11 ISO at " + iso + ", but there is no such file");

        Run noRecipe = osrun(java.util.Map.of("OSRUN_CACHE", dir.resolve("cache").toString(),
                "OSRUN_WIN11_INIT", dir.resolve("elsewhere").toString()), "--guest", "windows11", "dir");
        assertThat(noRecipe.exitCode()).isEqualTo(OsrunCommand.EXIT_OSRUN_FAILED);
        assertThat(noRecipe.stderr()).contains("needs autounattend.xml, pe.cmd, pe-defender.cmd, specialize.ps1, common.ps1, osrun-exec.exe, first-logon.ps1 in "
                + dir.resolve("elsewhere"));
    }

    @Test
    void aBadFlagPrintsUsageAndExitsTwo() throws Exception {
        Run run = osrun("--no-such-flag", "true");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.stderr()).contains("Unknown option", "Usage: osrun");
    }
}
