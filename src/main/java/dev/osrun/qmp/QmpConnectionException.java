package dev.osrun.qmp;

import dev.osrun.transport.ProtocolConnectException;

/**
 * Thrown when a QMP connection cannot be established: the socket did not accept a connection in time, no greeting
 * arrived, or capability negotiation failed.
 */
public class QmpConnectionException extends ProtocolConnectException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what the client waited for and what it saw last
     * @param cause   the last underlying failure, or {@code null}
     */
    public QmpConnectionException(String message, Throwable cause) {
        super(message, cause);
    }
}
