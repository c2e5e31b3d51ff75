package dev.osrun.transport;

import dev.osrun.OsrunException;

/**
 * Root of the exceptions of both protocol clients, {@code QmpException} (QEMU's monitor) and
 * {@code GuestAgentException} (the guest agent): a failure to connect, a closed connection, a timeout, an error
 * reply or a message that cannot be understood. An {@link OsrunException}, so that a protocol failure that reaches
 * a user is still one of osrun's exceptions.
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
