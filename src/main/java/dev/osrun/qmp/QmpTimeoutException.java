package dev.osrun.qmp;

import dev.osrun.transport.ProtocolTimeoutException;

import java.time.Duration;

/**
 * Thrown when QEMU did not answer a command, or no matching event arrived, within the caller's timeout. The
 * connection stays usable: a reply that arrives later is dropped.
 */
public class QmpTimeoutException extends ProtocolTimeoutException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what the client waited for and what it saw meanwhile
     * @param command the command whose reply was awaited, or {@code null} when an event was awaited
     * @param timeout how long the client waited
     */
    public QmpTimeoutException(String message, String command, Duration timeout) {
        super(message, command, timeout);
    }
}
