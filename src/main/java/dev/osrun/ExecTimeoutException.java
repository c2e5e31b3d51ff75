package dev.osrun;

import java.time.Duration;

/**
 * Thrown when a guest command outlives its timeout. The command's process tree in the guest has been killed;
 * the output it wrote before that is kept.
 */
public class ExecTimeoutException extends OsrunException {

    private final Duration timeout;
    private final String partialStdout;
    private final String partialStderr;

    /** Creates the exception for a command that ran longer than {@code timeout}. */
    public ExecTimeoutException(String command, Duration timeout, String partialStdout, String partialStderr) {
        super("Command did not finish within " + timeout.toMillis() + " ms and was killed in the guest: " + command
                + "\nOutput so far (stdout, last 500 chars): " + tail(partialStdout)
                + "\nOutput so far (stderr, last 500 chars): " + tail(partialStderr));
        this.timeout = timeout;
        this.partialStdout = partialStdout;
        this.partialStderr = partialStderr;
    }

    private static String tail(String s) {
        return s.length() <= 500 ? s : "…" + s.substring(s.length() - 500);
    }

    /** The timeout that expired. */
    public Duration timeout() {
        return timeout;
    }

    /** What the command wrote to stdout before it was killed. */
    public String partialStdout() {
        return partialStdout;
    }

    /** What the command wrote to stderr before it was killed. */
    public String partialStderr() {
        return partialStderr;
    }
}
