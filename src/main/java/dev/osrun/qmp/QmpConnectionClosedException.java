package dev.osrun.qmp;

import dev.osrun.transport.ProtocolClosedException;

/**
 * Thrown when a call cannot complete because the QMP connection has ended, either because QEMU closed it (it exited
 * or crashed) or because {@link QmpClient#close()} was called.
 */
public class QmpConnectionClosedException extends ProtocolClosedException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what was in progress and why the connection ended
     * @param cause   the I/O failure that ended the connection, or {@code null}
     */
    public QmpConnectionClosedException(String message, Throwable cause) {
        super(message, cause);
    }
}
