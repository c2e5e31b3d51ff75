package dev.osrun.it.windows;

import dev.osrun.Accel;
import dev.osrun.ExecResult;
import dev.osrun.GuestKind;
import dev.osrun.WindowsVm;
import dev.osrun.testcontainers.OsrunContainer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.containers.BindMode;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Windows 11 through the Testcontainers module: {@code OsrunContainer.withGuest(WINDOWS11)} and its {@link WindowsVm}. */
@WindowsSuite
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WindowsContainerIT {

    private OsrunContainer container;
    private WindowsVm vm;

    @BeforeAll
    void start() {
        container = new OsrunContainer(WindowsCli.image())
                .withGuest(GuestKind.WINDOWS11)
                .withAccel(Accel.KVM)
                .withKvmDevice(true)
                .withCacheVolume(WindowsCli.CACHE_VOLUME)
                .withStartupTimeout(WindowsCli.FIRST_RUN);
        String iso = System.getenv("OSRUN_ISO");
        if (iso != null && !iso.isBlank()) {
            container.withFileSystemBind(iso, "/iso/win11.iso", BindMode.READ_ONLY).withEnv("OSRUN_ISO", "/iso/win11.iso");
        }
        container.start();
        vm = container.getWindowsVm();
        vm.saveSnapshot("windows-it-clean");
    }

    @BeforeEach
    void reset() {
        vm.restoreSnapshot("windows-it-clean");
    }

    @AfterAll
    void stop() {
        if (container != null) {
            container.stop();
        }
    }

    @Test
    void dirOfProgramFilesListsCommonFiles() {
        ExecResult result = vm.shell("dir \"C:\\Program Files\"");

        assertThat(result.exitCode()).as("%s", result).isZero();
        assertThat(result.stdout()).contains("Common Files");
    }

    @Test
    void exitCodesAndStderrComeBackApart() {
        ExecResult result = vm.shell("echo out & echo err 1>&2 & exit /b 3");

        assertThat(result.exitCode()).as("%s", result).isEqualTo(3);
        assertThat(result.stdout()).contains("out").doesNotContain("err");
        assertThat(result.stderr()).contains("err");
    }

    @Test
    void powershellRunsWithItsExitCode() {
        ExecResult result = vm.powershell("Write-Output ('{0}-{1}' -f 'ps', $PSVersionTable.PSVersion.Major); exit 4");

        assertThat(result.exitCode()).as("%s", result).isEqualTo(4);
        assertThat(result.stdout().strip()).isEqualTo("ps-5");
    }

    @Test
    void nonAsciiOutputArrivesIntact() {
        ExecResult result = vm.shell("echo grüße 世界 ✓");

        assertThat(result.stdout().strip()).as("%s", result).isEqualTo("grüße 世界 ✓");
    }

    @Test
    void aFileMakesTheRoundTripThroughTheShare(@TempDir Path dir) throws Exception {
        Path in = Files.writeString(dir.resolve("in.txt"), "grüße aus Windows\r\n", StandardCharsets.UTF_8);
        vm.upload(in, "C:\\osrun-it\\in.txt");
        assertThat(vm.shell("copy /y C:\\osrun-it\\in.txt C:\\osrun-it\\out.txt").exitCode()).isZero();

        vm.download("C:\\osrun-it\\out.txt", dir.resolve("out.txt"));

        assertThat(Files.readAllBytes(dir.resolve("out.txt"))).isEqualTo(Files.readAllBytes(in));
    }

    @Test
    void aCommandThatLeavesAChildRunningReturnsAtOnce() {
        ExecResult result = vm.shell("start \"\" /b ping -n 600 127.0.0.1 >nul & echo started");

        assertThat(result.exitCode()).as("%s", result).isZero();
        assertThat(result.stdout()).contains("started");
        assertThat(result.duration()).as("returns without waiting for ping's 10 minutes").isLessThan(java.time.Duration.ofMinutes(5));
    }
}
