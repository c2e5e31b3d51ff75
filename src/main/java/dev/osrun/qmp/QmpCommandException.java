package dev.osrun.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import dev.osrun.transport.ProtocolCommandException;

/**
 * Thrown when QEMU answers a command with an {@code error} reply; carries the command, the arguments sent, and the
 * QMP error class and description (see {@link ProtocolCommandException}).
 */
public class QmpCommandException extends ProtocolCommandException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception; the message is built from the parts.
     *
     * @param command     the command sent
     * @param arguments   the arguments sent, or {@code null} when there were none
     * @param loggable    the arguments as they may appear in a message (secrets redacted), or {@code null}
     * @param errorClass  the QMP error class, e.g. {@code CommandNotFound}
     * @param description QEMU's human-readable description of the error
     */
    public QmpCommandException(String command, JsonNode arguments, JsonNode loggable, String errorClass,
            String description) {
        super("QMP command '" + command + "'" + (loggable == null ? " (no arguments)" : " with arguments " + loggable)
                + " failed: " + errorClass + ": " + description, command, arguments, errorClass, description);
    }
}
