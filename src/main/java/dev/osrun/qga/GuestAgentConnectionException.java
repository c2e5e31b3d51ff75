package dev.osrun.qga;

import dev.osrun.transport.ProtocolConnectException;

/** Thrown when the guest agent's socket (QEMU's chardev) did not accept a connection in time. */
public class GuestAgentConnectionException extends ProtocolConnectException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what the client waited for and what it saw last
     * @param cause   the last underlying failure, or {@code null}
     */
    public GuestAgentConnectionException(String message, Throwable cause) {
        super(message, cause);
    }
}
