package dev.osrun.qga;

import dev.osrun.transport.ProtocolClosedException;

/**
 * Thrown when a call cannot complete because the connection to the guest agent's socket has ended, either because
 * QEMU closed it or because {@link GuestAgentClient#close()} was called.
 */
public class GuestAgentConnectionClosedException extends ProtocolClosedException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what was in progress and why the connection ended
     * @param cause   the I/O failure that ended the connection, or {@code null}
     */
    public GuestAgentConnectionClosedException(String message, Throwable cause) {
        super(message, cause);
    }
}
