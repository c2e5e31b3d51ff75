package dev.osrun.transport;

/**
 * Thrown when a call cannot complete because its connection has ended: the peer closed it (QEMU exited or
 * crashed) or the client was closed. {@code QmpConnectionClosedException} and {@code
 * GuestAgentConnectionClosedException} are its two kinds.
 */
public class ProtocolClosedException extends ProtocolException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what was in progress and why the connection ended
     * @param cause   the I/O failure that ended the connection, or {@code null}
     */
    public ProtocolClosedException(String message, Throwable cause) {
        super(message, cause);
    }
}
