package dev.osrun.assertj;

import dev.osrun.ExecOptions;
import dev.osrun.ExecResult;
import dev.osrun.GuestOs;
import dev.osrun.Vm;
import dev.osrun.WindowsVm;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * Finds out, through the VM's own exec, what is at a guest path: nothing, a file, a directory or something else;
 * when nothing is, it also lists the parent directory (at most {@value #LISTED} names) for the failure message.
 * Linux guests run a {@code /bin/sh} script that gets the path as an argument (no quoting); Windows guests run a
 * PowerShell script with the path as a literal.
 */
final class GuestPathProbe {

    /** What a guest path holds. */
    enum Kind {
        NOTHING("nothing"),
        FILE("a file"),
        DIRECTORY("a directory"),
        OTHER("something that is neither a file nor a directory");

        private final String description;

        Kind(String description) {
            this.description = description;
        }

        /** How a message names it: "a directory". */
        String description() {
            return description;
        }
    }

    /**
     * What was found at one guest path.
     *
     * @param kind     what the path holds
     * @param siblings when it holds nothing: the names in its parent directory (empty when the parent is missing)
     */
    record Found(Kind kind, List<String> siblings) {
    }

    static final int LISTED = 50;

    private static final Duration TIMEOUT = Duration.ofMinutes(2);

    private static final String LINUX_SCRIPT = String.join("\n",
            "if [ -d \"$1\" ]; then echo DIRECTORY",
            "elif [ -f \"$1\" ]; then echo FILE",
            "elif [ -e \"$1\" ] || [ -h \"$1\" ]; then echo OTHER",
            "else",
            "  echo NOTHING",
            "  case \"$1\" in */*) dir=${1%/*} ;; *) dir=. ;; esac",
            "  ls -1A \"${dir:-/}\" 2>/dev/null | head -n " + LISTED,
            "fi");

    private static final String WINDOWS_SCRIPT = String.join("\n",
            "$p = %s",
            "if (Test-Path -LiteralPath $p -PathType Container) { 'DIRECTORY' }",
            "elseif (Test-Path -LiteralPath $p -PathType Leaf) { 'FILE' }",
            "else {",
            "  'NOTHING'",
            "  $dir = [System.IO.Path]::GetDirectoryName($p)",
            "  if ($dir -and (Test-Path -LiteralPath $dir -PathType Container)) {",
            "    Get-ChildItem -LiteralPath $dir -Force -Name | Select-Object -First " + LISTED,
            "  }",
            "}");

    private GuestPathProbe() {
    }

    /**
     * Looks at {@code guestPath} in {@code vm}.
     *
     * @throws IllegalStateException when the probe itself fails (its exit code and output are in the message)
     */
    static Found probe(Vm vm, String guestPath) {
        ExecResult result = run(vm, guestPath);
        List<String> lines = Arrays.asList(result.stdout().split("\r?\n"));
        Kind kind = result.exitCode() == 0 ? kind(lines.get(0)) : null;
        if (kind == null) {
            throw new IllegalStateException("Could not find out what is at guest path " + guestPath
                    + ": the probe that runs in the guest did not answer as expected.\n"
                    + ExecResultReport.render(result));
        }
        List<String> siblings = kind == Kind.NOTHING ? lines.subList(1, lines.size()) : List.of();
        return new Found(kind, List.copyOf(siblings));
    }

    private static ExecResult run(Vm vm, String guestPath) {
        ExecOptions options = ExecOptions.defaults().withTimeout(TIMEOUT);
        if (vm.os() == GuestOs.LINUX) {
            return vm.exec(List.of("/bin/sh", "-c", LINUX_SCRIPT, "osrun-probe", guestPath), options);
        }
        String script = WINDOWS_SCRIPT.replace("%s", powershellLiteral(guestPath));
        if (vm instanceof WindowsVm windows) {
            return windows.powershell(script, options);
        }
        return vm.exec(List.of("powershell.exe", "-NoProfile", "-NonInteractive", "-Command", script), options);
    }

    private static Kind kind(String line) {
        return Arrays.stream(Kind.values()).filter(k -> k.name().equals(line.strip())).findFirst().orElse(null);
    }

    /** A PowerShell single-quoted string: every kind of single quote PowerShell accepts is doubled. */
    static String powershellLiteral(String text) {
        StringBuilder literal = new StringBuilder("'");
        for (char c : text.toCharArray()) {
            literal.append(c);
            if (c == '\'' || c == '\u2018' || c == '\u2019' || c == '\u201A' || c == '\u201B') {
                literal.append(c);
            }
        }
        return literal.append('\'').toString();
    }
}
