package dev.osrun.engine;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class WindowsProfileTest {

    private final WindowsProfile windows = new WindowsProfile();

    private static String decodedScript(AgentExec exec) {
        assertThat(exec.path()).isEqualTo("powershell.exe");
        assertThat(exec.args()).startsWith("-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-EncodedCommand");
        String encoded = exec.args().get(exec.args().size() - 1);
        return new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_16LE);
    }

    @Test
    void aShellLineReachesCmdVerbatimWhateverItHolds() {
        String line = "echo \"100%\" ^& dir \"C:\\Program Files\" | findstr x & set A=$B\t'ü'";

        String script = decodedScript(windows.build(new Command.Shell(line), Map.of(), Optional.empty(), Optional.empty()));

        assertThat(script).contains("FilePath = 'cmd.exe'")
                .contains("$a.ArgumentList = '/d /s /c \"" + line.replace("'", "''") + "\"'");
    }

    @Test
    void powershellQuotingDoublesEverySingleQuoteKind() {
        assertThat(WindowsProfile.quote("it's ‘smart’")).isEqualTo("'it''s ‘‘smart’’'");
    }

    @Test
    void argvIsJoinedSoCommandLineToArgvSplitsItBack() {
        assertThat(WindowsProfile.joinArguments(List.of("plain", "two words", "", "say \"hi\"", "C:\\dir\\", "a\\\\\"b")))
                .isEqualTo("plain \"two words\" \"\" \"say \\\"hi\\\"\" C:\\dir\\ \"a\\\\\\\\\\\"b\"");
    }

    @Test
    void redirectionEnvironmentAndDirectoryAreSetByTheLauncher() {
        String script = decodedScript(windows.build(new Command.Argv(List.of("C:\\tools\\app.exe", "--flag")),
                Map.of("GREETING", "hello 'world'"), Optional.of("C:\\work"), Optional.of("\\\\10.0.2.4\\qemu\\.osrun\\jobs\\1")));

        assertThat(script)
                .contains("[Environment]::SetEnvironmentVariable('GREETING', 'hello ''world''')")
                .contains("FilePath = 'C:\\tools\\app.exe'")
                .contains("$a.ArgumentList = '--flag'")
                .contains("$a.WorkingDirectory = 'C:\\work'")
                .contains("$a.RedirectStandardInput = '\\\\10.0.2.4\\qemu\\.osrun\\jobs\\1\\in'")
                .contains("$a.RedirectStandardOutput = '\\\\10.0.2.4\\qemu\\.osrun\\jobs\\1\\out'")
                .contains("$a.RedirectStandardError = '\\\\10.0.2.4\\qemu\\.osrun\\jobs\\1\\err'")
                .endsWith("exit $p.ExitCode\n");
    }

    @Test
    void aPowerShellScriptIsEncodedTwiceAndNeverQuoted() {
        String userScript = "Get-ChildItem 'C:\\' | Select-Object -First 1; exit 4";

        String launcher = decodedScript(windows.build(new Command.PowerShell(userScript), Map.of(), Optional.empty(), Optional.empty()));

        assertThat(launcher).contains("FilePath = 'powershell.exe'")
                .contains("-EncodedCommand " + WindowsProfile.encode(userScript));
    }

    @Test
    void shareKillAndCopyUseWindowsTools() {
        assertThat(windows.sharePath(".osrun/xfer/1/payload")).isEqualTo("\\\\10.0.2.4\\qemu\\.osrun\\xfer\\1\\payload");
        assertThat(windows.killTree(42)).isEqualTo(new AgentExec("taskkill.exe", List.of("/F", "/T", "/PID", "42"), null));
        assertThat(decodedScript(windows.copy("\\\\10.0.2.4\\qemu\\a", "C:\\it's")))
                .contains("$to = 'C:\\it''s'")
                .contains("Copy-Item -LiteralPath $from -Destination $to -Recurse -Force")
                .doesNotContain("Remove-Item");
        assertThat(windows.mountShare()).isEmpty();
    }
}
