package dev.osrun;

import java.time.Duration;
import java.util.Objects;

/**
 * What a finished guest command left: its exit code and its stdout and stderr, kept apart.
 *
 * <p>Output streams to {@link ExecOptions#withStdoutConsumer consumers} without limit while the command runs; the
 * result keeps at most the last {@link ExecOptions#outputLimit()} characters of each stream, and says so in
 * {@link #truncated()} when it had to cut.
 *
 * @param exitCode  the command's exit code (on Linux, 128 + N when it died of signal N)
 * @param stdout    what the command wrote to standard output (its tail when {@code truncated}), decoded with the
 *                  guest's charset
 * @param stderr    what the command wrote to standard error (its tail when {@code truncated})
 * @param duration  how long the command ran, as seen from the host
 * @param truncated whether the head of stdout or stderr was cut to keep the result within its limit
 */
public record ExecResult(int exitCode, String stdout, String stderr, Duration duration, boolean truncated) {

    /** A result that holds the whole output of both streams. */
    public ExecResult(int exitCode, String stdout, String stderr, Duration duration) {
        this(exitCode, stdout, stderr, duration, false);
    }

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
                + ", duration=" + duration.toMillis() + "ms" + (truncated ? ", truncated" : "") + "]";
    }

    private static String abbreviate(String s) {
        return s.length() <= 200 ? '"' + s + '"' : '"' + s.substring(0, 200) + "\"… (" + s.length() + " chars)";
    }
}
