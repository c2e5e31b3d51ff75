package dev.osrun.engine;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LinuxProfileTest {

    private final LinuxProfile linux = new LinuxProfile();

    @Test
    void userWordsTravelAsPositionalParametersNeverInsideTheWrapper() {
        AgentExec exec = linux.build(new Command.Shell("echo '$HOME' \"%\" ^ & \\"), Map.of(), Optional.of("/tmp"),
                Optional.of("/mnt/qemu/.osrun-job-1"));

        assertThat(exec.path()).isEqualTo("/bin/sh");
        assertThat(exec.args().subList(2, exec.args().size()))
                .containsExactly("osrun-exec", "/mnt/qemu/.osrun-job-1", "/tmp", "/bin/sh", "-c", "echo '$HOME' \"%\" ^ & \\");
        assertThat(exec.env()).isNull();
    }

    @Test
    void extraEnvironmentIsAddedToABaseBecauseGuestExecReplacesIt() {
        AgentExec exec = linux.build(new Command.Argv(List.of("env")), Map.of("LANG", "de_DE.UTF-8", "X", "1"),
                Optional.empty(), Optional.empty());

        assertThat(exec.env()).contains("PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=de_DE.UTF-8", "X=1")
                .doesNotContain("LANG=C.UTF-8");
    }

    @Test
    void powershellIsRefusedWithAPointerToWhatWorks() {
        assertThatThrownBy(() -> linux.build(new Command.PowerShell("Get-Date"), Map.of(), Optional.empty(), Optional.empty()))
                .hasMessage("PowerShell is not supported on Linux guests. Use shell() or exec() instead.");
    }
}
