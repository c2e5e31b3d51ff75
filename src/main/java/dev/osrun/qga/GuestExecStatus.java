package dev.osrun.qga;

import java.util.Arrays;
import java.util.Objects;

/**
 * The state of a process started with {@code guest-exec}, as {@code guest-exec-status} reports it; the output is
 * decoded from base64. The agent returns output only once the process has exited.
 *
 * @param exited           whether the process has ended
 * @param exitCode         its exit code, or {@code null} while running or when a signal ended it
 * @param signal           the signal that ended it (POSIX guests), or {@code null}
 * @param stdout           the captured standard output; empty when none was captured
 * @param stderr           the captured standard error; empty when none was captured
 * @param stdoutTruncated  whether the agent cut stdout at its limit (16 MiB)
 * @param stderrTruncated  whether the agent cut stderr at its limit (16 MiB)
 */
public record GuestExecStatus(boolean exited, Integer exitCode, Integer signal, byte[] stdout, byte[] stderr,
        boolean stdoutTruncated, boolean stderrTruncated) {

    private static final byte[] EMPTY = new byte[0];

    /**
     * Creates a status; {@code null} output becomes empty.
     *
     * @param exited          whether the process has ended
     * @param exitCode        its exit code, or {@code null}
     * @param signal          the signal that ended it, or {@code null}
     * @param stdout          the captured standard output, or {@code null}
     * @param stderr          the captured standard error, or {@code null}
     * @param stdoutTruncated whether stdout was cut at the agent's limit
     * @param stderrTruncated whether stderr was cut at the agent's limit
     */
    public GuestExecStatus {
        stdout = stdout == null ? EMPTY : stdout;
        stderr = stderr == null ? EMPTY : stderr;
    }

    /** Compares all components, the output by content. */
    @Override
    public boolean equals(Object other) {
        return other instanceof GuestExecStatus that && exited == that.exited
                && Objects.equals(exitCode, that.exitCode) && Objects.equals(signal, that.signal)
                && Arrays.equals(stdout, that.stdout) && Arrays.equals(stderr, that.stderr)
                && stdoutTruncated == that.stdoutTruncated && stderrTruncated == that.stderrTruncated;
    }

    /** Hashes all components, the output by content. */
    @Override
    public int hashCode() {
        return Objects.hash(exited, exitCode, signal, Arrays.hashCode(stdout), Arrays.hashCode(stderr),
                stdoutTruncated, stderrTruncated);
    }

    /** Describes the status with the output's sizes rather than its content. */
    @Override
    public String toString() {
        return "GuestExecStatus[exited=" + exited + ", exitCode=" + exitCode + ", signal=" + signal
                + ", stdout=" + stdout.length + " bytes" + (stdoutTruncated ? " (truncated)" : "")
                + ", stderr=" + stderr.length + " bytes" + (stderrTruncated ? " (truncated)" : "") + "]";
    }
}
