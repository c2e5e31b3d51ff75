package dev.osrun.it.junit;

import dev.osrun.ExecResult;
import dev.osrun.WindowsVm;
import dev.osrun.junit.Osrun;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

// The README's test class for Windows 11. Compiled here to keep the README honest; not run (no Windows on these
// machines, and its name matches neither *Test nor *IT): windows11 needs KVM and a download from Microsoft.
@Osrun   // guest windows11, the default
class ReadmeWindowsExample {

    @Test
    void installsTheMsi(WindowsVm vm) {
        vm.upload(Path.of("target/app.msi"), "C:\\app.msi");

        ExecResult install = vm.shell("msiexec /i C:\\app.msi /qn /l*v C:\\install.log");
        assertThat(install.exitCode()).as(install.stdout()).isZero();

        ExecResult version = vm.powershell("(Get-Item 'C:\\Program Files\\App\\app.exe').VersionInfo.FileVersion");
        assertThat(version.stdout().strip()).isEqualTo("1.2.3");
    }
}
