package dev.osrun.transport;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Thrown when the peer answers a command with an {@code error} reply; carries the command, the arguments sent, and
 * the error class and description. {@code QmpCommandException} and {@code GuestAgentCommandException} are its two
 * kinds.
 */
public class ProtocolCommandException extends ProtocolException {

    private static final long serialVersionUID = 1L;

    private final String command;
    private final transient JsonNode arguments;
    private final String errorClass;
    private final String description;

    /**
     * Creates the exception.
     *
     * @param message     the message, naming the command, the arguments as they may be shown, and the error
     * @param command     the command sent
     * @param arguments   the arguments sent, or {@code null} when there were none
     * @param errorClass  the error class, e.g. {@code GenericError}
     * @param description the peer's description of the error
     */
    public ProtocolCommandException(String message, String command, JsonNode arguments, String errorClass,
            String description) {
        super(message);
        this.command = command;
        this.arguments = arguments;
        this.errorClass = errorClass;
        this.description = description;
    }

    /**
     * Returns the command that failed.
     *
     * @return the command name, e.g. {@code screendump} or {@code guest-exec}
     */
    public String command() {
        return command;
    }

    /**
     * Returns the arguments that were sent with the command.
     *
     * @return the arguments, or {@code null} when none were sent
     */
    public JsonNode arguments() {
        return arguments;
    }

    /**
     * Returns the error class.
     *
     * @return e.g. {@code GenericError}, {@code CommandNotFound}, {@code DeviceNotFound}
     */
    public String errorClass() {
        return errorClass;
    }

    /**
     * Returns the peer's description of the error.
     *
     * @return the {@code desc} member of the error reply
     */
    public String description() {
        return description;
    }
}
