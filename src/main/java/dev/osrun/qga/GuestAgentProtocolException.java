package dev.osrun.qga;

import dev.osrun.transport.ProtocolMessageException;

/**
 * Thrown when the guest agent sends something that is not a valid reply (malformed JSON, a reply with neither
 * {@code return} nor {@code error}, a result of the wrong shape); the raw text received is kept.
 */
public class GuestAgentProtocolException extends ProtocolMessageException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message    what was expected and what came instead
     * @param rawMessage the text received from the agent (with bulky payloads redacted)
     * @param cause      the parse failure, or {@code null}
     */
    public GuestAgentProtocolException(String message, String rawMessage, Throwable cause) {
        super(message, rawMessage, cause);
    }
}
