package dev.osrun.qmp;

import dev.osrun.transport.ProtocolMessageException;

/**
 * Thrown when QEMU sends something that is not a valid QMP message (malformed JSON, a reply with neither
 * {@code return} nor {@code error}, an error without an {@code id}); the raw text received is kept.
 */
public class QmpProtocolException extends ProtocolMessageException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message    what was expected and what came instead
     * @param rawMessage the text received from QEMU, as received
     * @param cause      the parse failure, or {@code null}
     */
    public QmpProtocolException(String message, String rawMessage, Throwable cause) {
        super(message, rawMessage, cause);
    }
}
