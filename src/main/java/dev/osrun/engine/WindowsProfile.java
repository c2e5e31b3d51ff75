package dev.osrun.engine;

import dev.osrun.GuestOs;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Windows guests. Every command goes through a small PowerShell launcher passed with {@code -EncodedCommand}
 * (base64 of UTF-16LE), so no character the user wrote is ever re-quoted by the agent:
 * <ul>
 *   <li>shell lines run as {@code cmd.exe /d /s /c "<line>"}, the line placed verbatim in the raw command line
 *       ({@code /s} strips exactly the outer quotes), so {@code % ^ & " |} mean what they mean at a cmd prompt;</li>
 *   <li>argv commands are joined with the quoting rules of {@code CommandLineToArgvW};</li>
 *   <li>redirection to the share's job files, the environment and the working directory are set by
 *       {@code Start-Process}.</li>
 * </ul>
 * The share is {@code \\10.0.2.4\qemu}. A process tree is killed with {@code taskkill /T /F}.
 *
 * <p>Windows caps a command line at 32,767 characters; the launcher grows a script about 3.5 times, so keep
 * PowerShell scripts under about 9,000 characters (upload longer ones as files).
 */
public final class WindowsProfile implements GuestProfile {

    /** The share as Windows sees it. */
    public static final String SHARE_UNC = "\\\\10.0.2.4\\qemu";

    private static final String POWERSHELL = "powershell.exe";
    private static final List<String> POWERSHELL_FLAGS =
            List.of("-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-EncodedCommand");

    @Override
    public GuestOs os() {
        return GuestOs.WINDOWS;
    }

    @Override
    public AgentExec build(Command command, Map<String, String> environment, Optional<String> workingDirectory,
                           Optional<String> jobDir) {
        String file;
        String arguments;
        if (command instanceof Command.Argv a) {
            file = a.argv().get(0);
            arguments = joinArguments(a.argv().subList(1, a.argv().size()));
        } else if (command instanceof Command.Shell s) {
            file = "cmd.exe";
            arguments = "/d /s /c \"" + s.line() + "\"";
        } else {
            file = POWERSHELL;
            arguments = String.join(" ", POWERSHELL_FLAGS) + " " + encode(((Command.PowerShell) command).script());
        }
        return powershell(launcher(file, arguments, environment, workingDirectory, jobDir));
    }

    /** The PowerShell script that starts {@code file} with the raw {@code arguments} and exits with its code. */
    static String launcher(String file, String arguments, Map<String, String> environment,
                           Optional<String> workingDirectory, Optional<String> jobDir) {
        StringBuilder script = new StringBuilder("$ErrorActionPreference = 'Stop'\n");
        script.append("try { [Console]::OutputEncoding = [System.Text.Encoding]::UTF8 } catch { }\n");
        environment.forEach((name, value) ->
                script.append("[Environment]::SetEnvironmentVariable(").append(quote(name)).append(", ")
                        .append(quote(value)).append(")\n"));
        script.append("$a = @{ FilePath = ").append(quote(file)).append("; NoNewWindow = $true; PassThru = $true; Wait = $true }\n");
        if (!arguments.isEmpty()) {
            script.append("$a.ArgumentList = ").append(quote(arguments)).append('\n');
        }
        workingDirectory.ifPresent(dir -> script.append("$a.WorkingDirectory = ").append(quote(dir)).append('\n'));
        jobDir.ifPresent(dir -> script
                .append("$a.RedirectStandardInput = ").append(quote(dir + "\\in")).append('\n')
                .append("$a.RedirectStandardOutput = ").append(quote(dir + "\\out")).append('\n')
                .append("$a.RedirectStandardError = ").append(quote(dir + "\\err")).append('\n'));
        script.append("$p = Start-Process @a\nexit $p.ExitCode\n");
        return script.toString();
    }

    /** A PowerShell single-quoted literal; every character PowerShell reads as a single quote is doubled. */
    static String quote(String value) {
        StringBuilder quoted = new StringBuilder("'");
        for (char c : value.toCharArray()) {
            if (c == '\'' || c == '\u2018' || c == '\u2019' || c == '\u201A' || c == '\u201B') {
                quoted.append(c);
            }
            quoted.append(c);
        }
        return quoted.append('\'').toString();
    }

    /** Joins arguments so that {@code CommandLineToArgvW} (and the C runtime) split them back exactly. */
    static String joinArguments(List<String> args) {
        StringBuilder line = new StringBuilder();
        for (String arg : args) {
            if (line.length() > 0) {
                line.append(' ');
            }
            if (!arg.isEmpty() && arg.chars().noneMatch(c -> c == ' ' || c == '\t' || c == '"' || c == '\n' || c == 0x0B)) {
                line.append(arg);
                continue;
            }
            line.append('"');
            int backslashes = 0;
            for (char c : arg.toCharArray()) {
                if (c == '\\') {
                    backslashes++;
                } else if (c == '"') {
                    line.append("\\".repeat(backslashes * 2 + 1)).append('"');
                    backslashes = 0;
                } else {
                    line.append("\\".repeat(backslashes)).append(c);
                    backslashes = 0;
                }
            }
            line.append("\\".repeat(backslashes * 2)).append('"');
        }
        return line.toString();
    }

    /** Base64 of the script's UTF-16LE bytes, as {@code -EncodedCommand} expects. */
    static String encode(String script) {
        return Base64.getEncoder().encodeToString(script.getBytes(StandardCharsets.UTF_16LE));
    }

    private static AgentExec powershell(String script) {
        List<String> args = new java.util.ArrayList<>(POWERSHELL_FLAGS);
        args.add(encode(script));
        return new AgentExec(POWERSHELL, args, null);
    }

    @Override
    public String sharePath(String relative) {
        return SHARE_UNC + "\\" + relative.replace('/', '\\');
    }

    @Override
    public AgentExec killTree(long pid) {
        return new AgentExec("taskkill.exe", List.of("/F", "/T", "/PID", Long.toString(pid)), null);
    }

    @Override
    public AgentExec copy(String from, String to) {
        return powershell("$ErrorActionPreference = 'Stop'\n"
                + "$from = " + quote(from) + "\n$to = " + quote(to) + "\n"
                + "$parent = Split-Path -Parent $to\n"
                + "if ($parent) { New-Item -ItemType Directory -Force -Path $parent | Out-Null }\n"
                + "Copy-Item -LiteralPath $from -Destination $to -Recurse -Force\n");
    }

    @Override
    public Optional<AgentExec> mountShare() {
        return Optional.empty();
    }

    @Override
    public Charset charset() {
        return StandardCharsets.UTF_8;
    }
}
