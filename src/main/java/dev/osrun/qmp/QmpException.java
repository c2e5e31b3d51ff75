package dev.osrun.qmp;

import dev.osrun.transport.ProtocolException;

/**
 * Root of every exception thrown by the QMP client; catch it to handle any QMP failure at once.
 *
 * <pre>
 * QmpException
 *  +-- QmpConnectionException        the socket could not be connected, or the handshake failed
 *  +-- QmpConnectionClosedException  the connection ended (QEMU exited, or close() was called)
 *  +-- QmpTimeoutException           no reply or event within the caller's timeout
 *  +-- QmpCommandException           QEMU answered a command with an error
 *  +-- QmpProtocolException          QEMU sent something that is not a valid QMP message
 *  +-- QmpJobException               a background job (snapshot-save, ...) concluded with an error
 * </pre>
 *
 * <p>It is a {@link ProtocolException}, the base it shares with the guest agent client's exceptions.
 */
public class QmpException extends ProtocolException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception with a message and an optional cause.
     *
     * @param message what was expected, what happened, and what to do next
     * @param cause   the underlying failure, or {@code null}
     */
    public QmpException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * Creates an exception with a message and no cause.
     *
     * @param message what was expected, what happened, and what to do next
     */
    public QmpException(String message) {
        super(message);
    }
}
