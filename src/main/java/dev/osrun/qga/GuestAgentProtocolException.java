package dev.osrun.qga;

/**
 * Thrown when the guest agent sends something that is not a valid reply (malformed JSON, a reply with neither
 * {@code return} nor {@code error}, a result of the wrong shape); the raw text received is kept.
 */
public class GuestAgentProtocolException extends GuestAgentException {

    private static final long serialVersionUID = 1L;

    private final String rawMessage;

    /**
     * Creates the exception.
     *
     * @param message    what was expected and what came instead
     * @param rawMessage the text received from the agent (with bulky payloads redacted)
     * @param cause      the parse failure, or {@code null}
     */
    public GuestAgentProtocolException(String message, String rawMessage, Throwable cause) {
        super(message, cause);
        this.rawMessage = rawMessage;
    }

    /**
     * Returns the text received from the agent that could not be understood.
     *
     * @return the raw message text
     */
    public String rawMessage() {
        return rawMessage;
    }
}
