package dev.osrun.transport;

import dev.osrun.OsrunException;

/**
 * Root of the exceptions of both protocol clients, QEMU's monitor ({@code dev.osrun.qmp}) and the guest agent
 * ({@code dev.osrun.qga}); catch it to handle any failure of either at once. The kinds both share are classes here,
 * which each client extends under its own name ({@code QmpTimeoutException}, {@code GuestAgentTimeoutException}):
 *
 * <pre>
 * ProtocolException
 *  +-- ProtocolConnectException   the socket could not be connected, or the handshake failed
 *  +-- ProtocolClosedException    the connection ended (the peer went away, or the client was closed)
 *  +-- ProtocolTimeoutException   no reply within the caller's timeout
 *  +-- ProtocolCommandException   the peer answered a command with an error
 *  +-- ProtocolMessageException   the peer sent something that is not a valid message
 *  +-- QmpException, GuestAgentException   what is one client's own (QMP jobs, interrupted waits)
 * </pre>
 *
 * An {@link OsrunException}, so that a protocol failure that reaches a user is still one of osrun's exceptions.
 */
public class ProtocolException extends OsrunException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception with a message and an optional cause.
     *
     * @param message what was expected, what happened, and what to do next
     * @param cause   the underlying failure, or {@code null}
     */
    public ProtocolException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * Creates an exception with a message and no cause.
     *
     * @param message what was expected, what happened, and what to do next
     */
    public ProtocolException(String message) {
        super(message);
    }
}
