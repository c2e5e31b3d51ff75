package dev.osrun.it.windows;

import dev.osrun.WindowsVm;
import dev.osrun.junit.Osrun;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Windows 11 through the JUnit extension, as a user's test reads: a {@link WindowsVm} parameter, reset to
 * {@code provisioned} before each test. The suite's command sets {@code OSRUN_CACHE_VOLUME=osrun-windows-cache}, the
 * volume the other classes of the suite use too, so Windows is installed once.
 */
@WindowsSuite
@Osrun(guest = "windows11", accel = "kvm")
class WindowsExtensionIT {

    @Test
    void aDirectoryMadeInOneTestIsGoneInTheNext1(WindowsVm vm) {
        assertThat(vm.shell("if exist C:\\hello (exit /b 1) else (mkdir C:\\hello)").exitCode()).isZero();
    }

    @Test
    void aDirectoryMadeInOneTestIsGoneInTheNext2(WindowsVm vm) {
        assertThat(vm.shell("if exist C:\\hello (exit /b 1) else (mkdir C:\\hello)").exitCode()).isZero();
    }

    @Test
    void powershellSeesUtf8AsTheCodePage(WindowsVm vm) {
        assertThat(vm.powershell("[System.Text.Encoding]::Default.CodePage").stdout().strip()).isEqualTo("65001");
    }
}
