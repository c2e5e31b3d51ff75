package dev.osrun.qmp;

/**
 * Thrown when QEMU sends something that is not a valid QMP message (malformed JSON, a reply with neither
 * {@code return} nor {@code error}, an error without an {@code id}); the raw text received is kept.
 */
public class QmpProtocolException extends QmpException {

    private static final long serialVersionUID = 1L;

    private final String rawMessage;

    /**
     * Creates the exception.
     *
     * @param message    what was expected and what came instead
     * @param rawMessage the text received from QEMU, as received
     * @param cause      the parse failure, or {@code null}
     */
    public QmpProtocolException(String message, String rawMessage, Throwable cause) {
        super(message, cause);
        this.rawMessage = rawMessage;
    }

    /**
     * Returns the text received from QEMU that could not be understood.
     *
     * @return the raw message text
     */
    public String rawMessage() {
        return rawMessage;
    }
}
