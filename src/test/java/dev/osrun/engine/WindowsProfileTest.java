package dev.osrun.engine;

import dev.osrun.windows.HostileArguments;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WindowsProfileTest {

    private final WindowsProfile windows = new WindowsProfile();

    private static String decode(String base64) {
        return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_16LE);
    }

    /** The raw command line the launcher receives (its last argument, after "--"). */
    private static String rawLine(AgentExec exec) {
        assertThat(exec.path()).isEqualTo("C:\\osrun\\osrun-exec.exe");
        assertThat(exec.args().get(exec.args().size() - 2)).isEqualTo("--");
        return decode(exec.args().get(exec.args().size() - 1));
    }

    private AgentExec build(Command command) {
        return windows.build(command, Map.of(), Optional.empty(), files("c1", List.of()));
    }

    private ExecFiles files(String id, List<String> remove) {
        String prefix = windows.execFilePrefix(id);
        return new ExecFiles(id, prefix + ".out", prefix + ".err", Optional.empty(), remove);
    }

    /**
     * What cmd.exe runs for {@code cmd.exe /d /s /c <rest>}, by its documented rule (cmd /?): with /S, when the
     * text after /C starts with a quote, the first quote and the last quote are removed and the rest is kept.
     */
    private static String cmdRunsAfterSlashS(String rawLine) {
        String prefix = "cmd.exe /d /s /c ";
        assertThat(rawLine).startsWith(prefix);
        String rest = rawLine.substring(prefix.length());
        assertThat(rest).startsWith("\"");
        int last = rest.lastIndexOf('"');
        return rest.substring(1, last) + rest.substring(last + 1);
    }

    /**
     * The documented CommandLineToArgvW rules for the arguments after the program: whitespace separates outside
     * quotes; 2n backslashes before a quote give n and toggle quoting, 2n+1 give n and a literal quote; other
     * backslashes are literal.
     */
    private static List<String> splitArguments(String line) {
        List<String> args = new ArrayList<>();
        int i = 0;
        while (i < line.length()) {
            while (i < line.length() && (line.charAt(i) == ' ' || line.charAt(i) == '\t')) {
                i++;
            }
            if (i == line.length()) {
                break;
            }
            StringBuilder arg = new StringBuilder();
            boolean quoted = false;
            while (i < line.length() && (quoted || (line.charAt(i) != ' ' && line.charAt(i) != '\t'))) {
                int backslashes = 0;
                while (i < line.length() && line.charAt(i) == '\\') {
                    backslashes++;
                    i++;
                }
                if (i < line.length() && line.charAt(i) == '"') {
                    arg.append("\\".repeat(backslashes / 2));
                    if (backslashes % 2 == 1) {
                        arg.append('"');
                    } else {
                        quoted = !quoted;
                    }
                    i++;
                } else {
                    arg.append("\\".repeat(backslashes));
                    if (i < line.length() && (quoted || (line.charAt(i) != ' ' && line.charAt(i) != '\t'))) {
                        arg.append(line.charAt(i));
                        i++;
                    }
                }
            }
            args.add(arg.toString());
        }
        return args;
    }

    @Test
    void aShellLineReachesCmdVerbatimWhateverItHolds() {
        for (String line : HostileArguments.SHELL_LINES) {
            String raw = rawLine(build(new Command.Shell(line)));

            assertThat(raw).isEqualTo("cmd.exe /d /s /c \"" + line + "\"");
            assertThat(cmdRunsAfterSlashS(raw)).as("what cmd runs for %s", line).isEqualTo(line);
        }
    }

    @Test
    void aShellLineWithALineBreakIsRefusedBecauseCmdWouldCutIt() {
        assertThatThrownBy(() -> build(new Command.Shell("echo one\necho two")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot contain line breaks")
                .hasMessageContaining("powershell()");
    }

    @Test
    void argvIsJoinedSoCommandLineToArgvSplitsItBack() {
        assertThat(WindowsProfile.joinArguments(List.of("plain", "two words", "", "say \"hi\"", "C:\\dir\\", "a\\\\\"b")))
                .isEqualTo("plain \"two words\" \"\" \"say \\\"hi\\\"\" C:\\dir\\ \"a\\\\\\\\\\\"b\"");
        assertThat(splitArguments(WindowsProfile.joinArguments(HostileArguments.ARGUMENTS)))
                .containsExactlyElementsOf(HostileArguments.ARGUMENTS);
    }

    @Test
    void theProgramIsQuotedOnlyWhenItHoldsWhitespaceAndNeverHoldsAQuote() {
        assertThat(rawLine(build(new Command.Argv(List.of("C:\\Program Files\\app.exe", "a b")))))
                .isEqualTo("\"C:\\Program Files\\app.exe\" \"a b\"");
        assertThat(rawLine(build(new Command.Argv(List.of("where.exe"))))).isEqualTo("where.exe");
        assertThatThrownBy(() -> build(new Command.Argv(List.of("bad\"name.exe"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot contain a double quote");
    }

    @Test
    void outputFilesRemovalsWorkingDirectoryAndEnvironmentGoToTheLauncherAsOptions() {
        Map<String, String> environment = new LinkedHashMap<>();
        environment.put("GREETING", "hello 'world' \"x\" ü");
        environment.put("=C:", "C:\\");
        AgentExec exec = windows.build(new Command.Argv(List.of("C:\\tools\\app.exe", "--flag")), environment,
                Optional.of("C:\\work dir"), files("c2", List.of("C:\\osrun\\tmp\\c1.out", "C:\\osrun\\tmp\\c1.err")));

        assertThat(exec.env()).isNull();
        assertThat(exec.args()).hasSize(16);
        assertThat(exec.args().subList(0, 8)).containsExactly("--stdout", "C:\\osrun\\tmp\\c2.out",
                "--stderr", "C:\\osrun\\tmp\\c2.err", "--remove", "C:\\osrun\\tmp\\c1.out",
                "--remove", "C:\\osrun\\tmp\\c1.err");
        assertThat(exec.args().get(8)).isEqualTo("--cwd");
        assertThat(decode(exec.args().get(9))).isEqualTo("C:\\work dir");
        assertThat(exec.args().get(10)).isEqualTo("--env");
        assertThat(decode(exec.args().get(11))).isEqualTo("GREETING=hello 'world' \"x\" ü");
        assertThat(decode(exec.args().get(13))).isEqualTo("=C:=C:\\");
        assertThat(rawLine(exec)).isEqualTo("C:\\tools\\app.exe --flag");
        // Only base64 and a path without spaces travel as plain arguments: the agent's quoting cannot alter them.
        assertThat(exec.args()).allMatch(arg -> arg.matches("[A-Za-z0-9+/=.:\\\\-]*"));
    }

    @Test
    void anEnvironmentNameWithAnEqualsSignIsRefused() {
        assertThatThrownBy(() -> windows.build(new Command.Argv(List.of("x.exe")), Map.of("A=B", "c"),
                Optional.empty(), files("c3", List.of())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'A=B' cannot be set on Windows");
    }

    @Test
    void aPowerShellScriptIsEncodedTwiceAndNeverQuoted() {
        String userScript = "Get-ChildItem 'C:\\' | Select-Object -First 1; exit 4";

        String raw = rawLine(build(new Command.PowerShell(userScript)));

        assertThat(raw).isEqualTo("powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand "
                + WindowsProfile.encode(userScript));
    }

    @Test
    void aCommandTooLongForWindowsFailsWithWhatToDo() {
        assertThat(rawLine(build(new Command.Shell("echo " + "x".repeat(12_000))))).hasSize(12_024);
        assertThatThrownBy(() -> build(new Command.Shell("echo " + "x".repeat(12_300))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("too long for Windows")
                .hasMessageContaining("Upload long scripts");
    }

    @Test
    void shareKillAndCopyUseWindowsTools() {
        assertThat(windows.sharePath(".osrun/xfer/1/payload")).isEqualTo("\\\\10.0.2.4\\qemu\\.osrun\\xfer\\1\\payload");
        assertThat(windows.killTree(42, "c4")).isEqualTo(new AgentExec("taskkill.exe", List.of("/F", "/T", "/PID", "42"), null));
        AgentExec copy = windows.copy("\\\\10.0.2.4\\qemu\\a", "C:\\it's ü");
        assertThat(copy.path()).isEqualTo("C:\\osrun\\osrun-exec.exe");
        assertThat(copy.args()).hasSize(3).first().isEqualTo("--copy");
        assertThat(decode(copy.args().get(1))).isEqualTo("\\\\10.0.2.4\\qemu\\a");
        assertThat(decode(copy.args().get(2))).isEqualTo("C:\\it's ü");
        assertThat(copy.args()).noneMatch(arg -> arg.contains("Remove-Item"));
        assertThat(windows.mountShare()).isEmpty();
    }
}
