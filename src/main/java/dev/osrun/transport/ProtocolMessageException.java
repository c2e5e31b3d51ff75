package dev.osrun.transport;

/**
 * Thrown when the peer sends something that is not a valid message of its protocol (malformed JSON, a reply with
 * neither {@code return} nor {@code error}, a result of the wrong shape); the raw text received is kept. {@code
 * QmpProtocolException} and {@code GuestAgentProtocolException} are its two kinds.
 */
public class ProtocolMessageException extends ProtocolException {

    private static final long serialVersionUID = 1L;

    private final String rawMessage;

    /**
     * Creates the exception.
     *
     * @param message    what was expected and what came instead
     * @param rawMessage the text received, as received (bulky payloads may be redacted)
     * @param cause      the parse failure, or {@code null}
     */
    public ProtocolMessageException(String message, String rawMessage, Throwable cause) {
        super(message, cause);
        this.rawMessage = rawMessage;
    }

    /**
     * Returns the text received that could not be understood.
     *
     * @return the raw message text
     */
    public String rawMessage() {
        return rawMessage;
    }
}
