package dev.osrun.qmp;

import java.time.Duration;

/**
 * Thrown when QEMU did not answer a command, or no matching event arrived, within the caller's timeout. The
 * connection stays usable: a reply that arrives later is dropped.
 */
public class QmpTimeoutException extends QmpException {

    private static final long serialVersionUID = 1L;

    private final String command;
    private final transient Duration timeout;

    /**
     * Creates the exception.
     *
     * @param message what the client waited for and what it saw meanwhile
     * @param command the command whose reply was awaited, or {@code null} when an event was awaited
     * @param timeout how long the client waited
     */
    public QmpTimeoutException(String message, String command, Duration timeout) {
        super(message);
        this.command = command;
        this.timeout = timeout;
    }

    /**
     * Returns the command whose reply did not arrive.
     *
     * @return the command name, or {@code null} when the wait was for an event
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
