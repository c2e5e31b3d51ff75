package dev.osrun.qga;

import com.fasterxml.jackson.databind.JsonNode;
import dev.osrun.transport.ProtocolCommandException;

/**
 * Thrown when the guest agent answers a command with an {@code error} reply; carries the command, the arguments
 * sent (with secrets and payloads such as {@code input-data}, {@code buf-b64} and {@code env} reduced to their
 * size), and the error class and description (see {@link ProtocolCommandException}).
 */
public class GuestAgentCommandException extends ProtocolCommandException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception; the message is built from the parts.
     *
     * @param command     the command sent
     * @param arguments   the arguments sent, already redacted, or {@code null} when there were none
     * @param errorClass  the error class, e.g. {@code GenericError}
     * @param description the agent's description of the error
     */
    public GuestAgentCommandException(String command, JsonNode arguments, String errorClass, String description) {
        super("Guest agent command '" + command + "'"
                + (arguments == null ? " (no arguments)" : " with arguments " + arguments)
                + " failed: " + errorClass + ": " + description, command, arguments, errorClass, description);
    }
}
