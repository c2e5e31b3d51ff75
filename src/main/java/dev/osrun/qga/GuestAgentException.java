package dev.osrun.qga;

import dev.osrun.transport.ProtocolException;

/**
 * Root of every exception thrown by the guest agent client; catch it to handle any agent failure at once.
 *
 * <pre>
 * GuestAgentException
 *  +-- GuestAgentConnectionException        the agent's socket could not be connected
 *  +-- GuestAgentConnectionClosedException  the connection ended (QEMU exited, or close() was called)
 *  +-- GuestAgentTimeoutException           no reply within the caller's timeout (e.g. the guest has not booted)
 *  +-- GuestAgentCommandException           the agent answered a command with an error
 *  +-- GuestAgentProtocolException          the agent sent something that is not a valid reply
 * </pre>
 *
 * <p>It is a {@link ProtocolException}, the base it shares with the QMP client's exceptions.
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
