package dev.osrun.transport;

import java.time.Duration;

/**
 * Thrown when the peer did not answer (or an awaited message did not arrive) within the caller's timeout. The
 * connection stays usable: a late reply is never taken as the answer to a later call. {@code QmpTimeoutException}
 * and {@code GuestAgentTimeoutException} are its two kinds.
 */
public class ProtocolTimeoutException extends ProtocolException {

    private static final long serialVersionUID = 1L;

    private final String command;
    private final transient Duration timeout;

    /**
     * Creates the exception.
     *
     * @param message what the client waited for and what it saw meanwhile
     * @param command the command whose reply was awaited, or {@code null} when something else was awaited
     * @param timeout how long the client waited
     */
    public ProtocolTimeoutException(String message, String command, Duration timeout) {
        super(message);
        this.command = command;
        this.timeout = timeout;
    }

    /**
     * Returns the command whose reply did not arrive.
     *
     * @return the command name, or {@code null} when the wait was for something else (a QMP event)
     */
    public String command() {
        return command;
    }

    /**
     * Returns how long the client waited.
     *
     * @return the timeout that expired
     */
    public Duration timeout() {
        return timeout;
    }
}
