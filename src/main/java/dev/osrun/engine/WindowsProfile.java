package dev.osrun.engine;

import dev.osrun.GuestOs;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Windows guests. Every command starts through the native launcher {@code osrun-exec.exe} (source in
 * {@code docker/launcher/}, placed at {@link #LAUNCHER} by provisioning), which receives the raw command line as
 * base64 of UTF-16LE, so no character the user wrote is ever re-quoted by the agent:
 * <ul>
 *   <li>shell lines run as {@code cmd.exe /d /s /c "<line>"}, the line placed verbatim in the raw command line
 *       ({@code /s} strips exactly the outer quotes), so {@code % ^ & " |} mean what they mean at a cmd prompt;</li>
 *   <li>argv commands are joined with the quoting rules of {@code CommandLineToArgvW} and the C runtime;</li>
 *   <li>PowerShell scripts run as {@code powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass
 *       -EncodedCommand <base64 of UTF-16LE>};</li>
 *   <li>the launcher deletes the files of earlier commands it is given ({@code --remove}), redirects stdout and
 *       stderr to guest-local files under {@link #EXEC_DIR} (creating it), stdin from a file when one is given,
 *       sets the environment and the working directory (both passed base64-encoded too), and exits with the
 *       command's code. Its own standard handles (the agent's pipes) are not inherited by the command, so a
 *       process the command leaves running never holds the agent's capture open.</li>
 * </ul>
 * Files are copied by the launcher too ({@code --copy}). The share is {@code \\10.0.2.4\qemu}. A process tree is
 * killed with {@code taskkill /T /F} on the launcher: its job object then closes and takes every process the
 * command started with it.
 *
 * <p>Windows caps a command line at 32,767 characters and base64 of UTF-16LE makes the raw line 2.67 times longer:
 * a raw command line may hold about 12,000 characters, a PowerShell script about 4,400 (its own encoding comes on
 * top). Upload longer scripts as files and run them.
 */
public final class WindowsProfile implements GuestProfile {

    /** The share as Windows sees it. */
    public static final String SHARE_UNC = "\\\\10.0.2.4\\qemu";

    /** The directory of the commands' output files (the launcher creates it when it is missing). */
    public static final String EXEC_DIR = "C:\\osrun\\tmp";

    /** Where provisioning puts the launcher in the guest ({@code win11-init/README.md}). */
    public static final String LAUNCHER = "C:\\osrun\\osrun-exec.exe";

    /** The longest command line {@code CreateProcessW} accepts, without its terminating NUL. */
    static final int MAX_COMMAND_LINE = 32_766;

    private static final String POWERSHELL =
            "powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand ";

    @Override
    public GuestOs os() {
        return GuestOs.WINDOWS;
    }

    @Override
    public AgentExec build(Command command, Map<String, String> environment, Optional<String> workingDirectory,
                           ExecFiles files) {
        List<String> args = new ArrayList<>(List.of("--stdout", files.stdout(), "--stderr", files.stderr()));
        files.stdin().ifPresent(path -> {
            args.add("--stdin");
            args.add(path);
        });
        for (String path : files.remove()) {
            args.add("--remove");
            args.add(path);
        }
        workingDirectory.ifPresent(dir -> {
            args.add("--cwd");
            args.add(encode(dir));
        });
        environment.forEach((name, value) -> {
            if (name.isEmpty() || name.indexOf('=', 1) >= 0 || name.indexOf('\0') >= 0 || value.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("Environment variable '" + name + "' cannot be set on Windows: a "
                        + "name must be non-empty without '=' (after its first character) and neither may hold NUL");
            }
            args.add("--env");
            args.add(encode(name + "=" + value));
        });
        String line = commandLine(command);
        args.add("--");
        args.add(encode(line));
        int length = LAUNCHER.length() + args.stream().mapToInt(arg -> arg.length() + 3).sum();
        if (line.length() > MAX_COMMAND_LINE || length > MAX_COMMAND_LINE) {
            throw new IllegalArgumentException("The command is too long for Windows: its raw command line has "
                    + line.length() + " characters, which the launcher receives as " + length + " (base64 of "
                    + "UTF-16LE); Windows allows " + MAX_COMMAND_LINE + ". Upload long scripts or argument lists "
                    + "as files and run those: " + command.describe().substring(0, Math.min(80, command.describe().length())));
        }
        return new AgentExec(LAUNCHER, args, null);
    }

    /** The raw Windows command line (program first) that runs {@code command}. */
    static String commandLine(Command command) {
        if (command instanceof Command.Argv a) {
            List<String> argv = a.argv();
            String program = programToken(argv.get(0));
            return argv.size() == 1 ? program : program + " " + joinArguments(argv.subList(1, argv.size()));
        }
        if (command instanceof Command.Shell s) {
            return shellLine(s.line());
        }
        String script = ((Command.PowerShell) command).script();
        if (script.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("A PowerShell script cannot contain NUL characters");
        }
        return POWERSHELL + encode(script);
    }

    /**
     * {@code cmd.exe /d /s /c "<line>"}: {@code /d} skips AutoRun commands; with {@code /s} cmd removes the first
     * and the last quote of what follows {@code /c} and runs the rest exactly as written.
     *
     * @throws IllegalArgumentException when the line holds a line break or NUL, which cmd would cut it at
     */
    static String shellLine(String line) {
        if (line.indexOf('\n') >= 0 || line.indexOf('\r') >= 0 || line.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("A cmd.exe command line cannot contain line breaks or NUL (cmd would "
                    + "run it only up to the first one). Join the commands with & or && on one line, or use "
                    + "powershell() for a multi-line script: " + line.lines().findFirst().orElse(""));
        }
        return "cmd.exe /d /s /c \"" + line + "\"";
    }

    /**
     * The program as the first token of a command line. Windows reads the program name up to the next space or,
     * when it starts with a quote, up to the next quote, with no backslash escapes; a quote can therefore not be
     * part of it (nor of any Windows path).
     */
    static String programToken(String program) {
        if (program.isEmpty() || program.indexOf('"') >= 0 || program.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("'" + program + "' cannot be a Windows program name: it must be "
                    + "non-empty and cannot contain a double quote or NUL");
        }
        return program.chars().anyMatch(c -> c == ' ' || c == '\t') ? "\"" + program + "\"" : program;
    }

    /**
     * Joins arguments so that {@code CommandLineToArgvW} (and the C runtime) split them back exactly: an argument
     * without space, tab, line feed, vertical tab or quote stays as it is (it cannot be empty); any other is put in
     * quotes, where {@code 2n} backslashes before a quote become {@code n} and {@code 2n+1} backslashes before a
     * quote a literal quote, while backslashes elsewhere are literal.
     *
     * @throws IllegalArgumentException when an argument holds NUL, which no command line can carry
     */
    static String joinArguments(List<String> args) {
        StringBuilder line = new StringBuilder();
        for (String arg : args) {
            if (arg.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("A Windows command-line argument cannot contain NUL");
            }
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

    /** Base64 of the text's UTF-16LE bytes, as {@code -EncodedCommand} and the launcher expect. */
    static String encode(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_16LE));
    }

    @Override
    public String execFilePrefix(String id) {
        return EXEC_DIR + "\\" + id;
    }

    /** One: the launcher deletes files itself, without a process of its own. */
    @Override
    public int removalBatch() {
        return 1;
    }

    @Override
    public AgentExec makeDirectory(String path) {
        if (path.isEmpty() || path.indexOf('"') >= 0 || path.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("'" + path + "' cannot be a Windows directory: it must be non-empty "
                    + "and cannot contain a double quote or NUL");
        }
        return new AgentExec("cmd.exe", List.of("/d", "/c", "if not exist \"" + path + "\" mkdir \"" + path + "\""), null);
    }

    @Override
    public String sharePath(String relative) {
        return SHARE_UNC + "\\" + relative.replace('/', '\\');
    }

    @Override
    public AgentExec killTree(long pid, String execId) {
        return new AgentExec("taskkill.exe", List.of("/F", "/T", "/PID", Long.toString(pid)), null);
    }

    /**
     * {@code osrun-exec.exe --copy}: the launcher itself copies the file or tree (no shell, no PowerShell start), as
     * docker cp does: files replace files, a tree merges into an existing directory, nothing else is deleted; it
     * creates missing parents; both paths travel base64-encoded.
     */
    @Override
    public AgentExec copy(String from, String to) {
        if (from.isEmpty() || to.isEmpty() || from.indexOf('\0') >= 0 || to.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("Cannot copy '" + from + "' to '" + to + "': Windows paths must be "
                    + "non-empty and cannot contain NUL");
        }
        return new AgentExec(LAUNCHER, List.of("--copy", encode(from), encode(to)), null);
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
