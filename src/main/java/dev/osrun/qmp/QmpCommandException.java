package dev.osrun.qmp;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Thrown when QEMU answers a command with an {@code error} reply; carries the command, the arguments sent, and the
 * QMP error class and description.
 */
public class QmpCommandException extends QmpException {

    private static final long serialVersionUID = 1L;

    private final String command;
    private final transient JsonNode arguments;
    private final String errorClass;
    private final String description;

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
                + " failed: " + errorClass + ": " + description);
        this.command = command;
        this.arguments = arguments;
        this.errorClass = errorClass;
        this.description = description;
    }

    /**
     * Returns the command that failed.
     *
     * @return the command name, e.g. {@code screendump}
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
     * Returns the QMP error class.
     *
     * @return e.g. {@code GenericError}, {@code CommandNotFound}, {@code DeviceNotFound}
     */
    public String errorClass() {
        return errorClass;
    }

    /**
     * Returns QEMU's description of the error.
     *
     * @return the {@code desc} member of the error reply
     */
    public String description() {
        return description;
    }
}
