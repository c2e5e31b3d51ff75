package dev.osrun;

import java.time.Duration;
import java.util.Objects;

/**
 * What a finished guest command left: its exit code and its stdout and stderr, kept apart.
 *
 * @param exitCode the command's exit code (on Linux, 128 + N when it died of signal N)
 * @param stdout   everything the command wrote to standard output, decoded with the guest's charset
 * @param stderr   everything the command wrote to standard error
 * @param duration how long the command ran, as seen from the host
 */
public record ExecResult(int exitCode, String stdout, String stderr, Duration duration) {

    /** Checks that no part is null. */
    public ExecResult {
        Objects.requireNonNull(stdout, "stdout");
        Objects.requireNonNull(stderr, "stderr");
        Objects.requireNonNull(duration, "duration");
    }

    /** Whether the command exited with code 0. */
    public boolean succeeded() {
        return exitCode == 0;
    }

    @Override
    public String toString() {
        return "ExecResult[exitCode=" + exitCode + ", stdout=" + abbreviate(stdout) + ", stderr=" + abbreviate(stderr)
                + ", duration=" + duration.toMillis() + "ms]";
    }

    private static String abbreviate(String s) {
        return s.length() <= 200 ? '"' + s + '"' : '"' + s.substring(0, 200) + "\"… (" + s.length() + " chars)";
    }
}
