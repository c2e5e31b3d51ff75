package dev.osrun.qga;

import dev.osrun.transport.ProtocolException;

/**
 * A guest agent failure that is the agent client's own, not one of the kinds both protocol clients share: an
 * interrupted wait, or a reply that failed in a way no other kind names. Every failure of the agent client is a
 * {@link ProtocolException}:
 *
 * <pre>
 * ProtocolException                 (dev.osrun.transport: catch it to handle any failure at once)
 *  +-- ProtocolConnectException     GuestAgentConnectionException: the agent's socket could not be connected
 *  +-- ProtocolClosedException      GuestAgentConnectionClosedException: the connection ended (QEMU exited, or close())
 *  +-- ProtocolTimeoutException     GuestAgentTimeoutException: no reply within the caller's timeout (not booted yet?)
 *  +-- ProtocolCommandException     GuestAgentCommandException: the agent answered a command with an error
 *  +-- ProtocolMessageException     GuestAgentProtocolException: the agent sent something that is not a valid reply
 *  +-- GuestAgentException          interrupted waits and other failures
 * </pre>
 */
public class GuestAgentException extends ProtocolException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception with a message and an optional cause.
     *
     * @param message what was expected, what happened, and what to do next
     * @param cause   the underlying failure, or {@code null}
     */
    public GuestAgentException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * Creates an exception with a message and no cause.
     *
     * @param message what was expected, what happened, and what to do next
     */
    public GuestAgentException(String message) {
        super(message);
    }
}
