package dev.osrun.transport;

/**
 * Thrown when a protocol connection cannot be established: the socket did not accept a connection in time, or the
 * handshake (QMP's greeting and capability negotiation) failed. {@code QmpConnectionException} and {@code
 * GuestAgentConnectionException} are its two kinds.
 */
public class ProtocolConnectException extends ProtocolException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what the client waited for and what it saw last
     * @param cause   the last underlying failure, or {@code null}
     */
    public ProtocolConnectException(String message, Throwable cause) {
        super(message, cause);
    }
}
