package dev.osrun.qmp;

import dev.osrun.transport.ProtocolException;

/**
 * A QMP failure that is QMP's own, not one of the kinds both protocol clients share: a background job that
 * concluded with an error ({@link QmpJobException}), or a wait that was interrupted. Every failure of the QMP client
 * is a {@link ProtocolException}:
 *
 * <pre>
 * ProtocolException                    (dev.osrun.transport: catch it to handle any failure at once)
 *  +-- ProtocolConnectException        QmpConnectionException: the socket could not be connected, or the handshake failed
 *  +-- ProtocolClosedException         QmpConnectionClosedException: the connection ended (QEMU exited, or close())
 *  +-- ProtocolTimeoutException        QmpTimeoutException: no reply or event within the caller's timeout
 *  +-- ProtocolCommandException        QmpCommandException: QEMU answered a command with an error
 *  +-- ProtocolMessageException        QmpProtocolException: QEMU sent something that is not a valid QMP message
 *  +-- QmpException                    interrupted waits
 *       +-- QmpJobException            a background job (snapshot-save, ...) concluded with an error
 * </pre>
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
