package dev.osrun.qga;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Thrown when the guest agent answers a command with an {@code error} reply; carries the command, the arguments
 * sent (with secrets and payloads such as {@code input-data}, {@code buf-b64} and {@code env} reduced to their
 * size), and the error class and description.
 */
public class GuestAgentCommandException extends GuestAgentException {

    private static final long serialVersionUID = 1L;

    private final String command;
    private final transient JsonNode arguments;
    private final String errorClass;
    private final String description;

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
                + " failed: " + errorClass + ": " + description);
        this.command = command;
        this.arguments = arguments;
        this.errorClass = errorClass;
        this.description = description;
    }

    /**
     * Returns the command that failed.
     *
     * @return the command name, e.g. {@code guest-exec}
     */
    public String command() {
        return command;
    }

    /**
     * Returns the arguments that were sent, with secrets and payloads reduced to their size.
     *
     * @return the redacted arguments, or {@code null} when none were sent
     */
    public JsonNode arguments() {
        return arguments;
    }

    /**
     * Returns the error class.
     *
     * @return e.g. {@code GenericError}, {@code CommandNotFound}
     */
    public String errorClass() {
        return errorClass;
    }

    /**
     * Returns the agent's description of the error.
     *
     * @return the {@code desc} member of the error reply
     */
    public String description() {
        return description;
    }
}
