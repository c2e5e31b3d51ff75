package dev.osrun.engine;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LinuxProfileTest {

    private final LinuxProfile linux = new LinuxProfile();

    private ExecFiles files(String id, List<String> remove) {
        String prefix = linux.execFilePrefix(id);
        return new ExecFiles(id, prefix + ".out", prefix + ".err", Optional.empty(), remove);
    }

    @Test
    void userWordsTravelAsPositionalParametersNeverInsideTheWrapper() {
        AgentExec exec = linux.build(new Command.Shell("echo '$HOME' \"%\" ^ & \\"), Map.of(), Optional.of("/tmp"),
                files("c1", List.of("/run/osrun/c0.out", "/run/osrun/c0.err")));

        assertThat(exec.path()).isEqualTo("/bin/sh");
        assertThat(exec.args().subList(2, exec.args().size())).containsExactly("osrun-exec", "/run/osrun/c1", "",
                "/tmp", "/run/osrun/c0.out /run/osrun/c0.err", "s", "echo '$HOME' \"%\" ^ & \\");
    }

    @Test
    void argvFollowsTheModeWordForWord() {
        AgentExec exec = linux.build(new Command.Argv(List.of("printf", "%s", "two words")), Map.of(), Optional.empty(),
                files("c2", List.of()));

        assertThat(exec.args().subList(2, exec.args().size()))
                .containsExactly("osrun-exec", "/run/osrun/c2", "", "", "", "a", "printf", "%s", "two words");
    }

    @Test
    void everyCommandCarriesItsIdInABaseEnvironmentBecauseGuestExecReplacesIt() {
        AgentExec exec = linux.build(new Command.Argv(List.of("env")), Map.of("LANG", "de_DE.UTF-8", "X", "1"),
                Optional.empty(), files("c3", List.of()));

        assertThat(exec.env()).contains("PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=de_DE.UTF-8", "X=1",
                        "OSRUN_EXEC_ID=c3")
                .doesNotContain("LANG=C.UTF-8");
        assertThat(linux.build(new Command.Argv(List.of("env")), Map.of(), Optional.empty(), files("c4", List.of())).env())
                .containsExactly("PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root", "LANG=C.UTF-8", "OSRUN_EXEC_ID=c4");
    }

    @Test
    void theKillerGetsThePidAndTheIdAsArguments() {
        assertThat(linux.killTree(42, "c5").args().subList(2, 6)).containsExactly("osrun-kill", "42", "OSRUN_EXEC_ID", "c5");
    }

    @Test
    void powershellIsRefusedWithAPointerToWhatWorks() {
        assertThatThrownBy(() -> linux.build(new Command.PowerShell("Get-Date"), Map.of(), Optional.empty(), files("c6", List.of())))
                .hasMessage("PowerShell is not supported on Linux guests. Use shell() or exec() instead.");
    }
}
