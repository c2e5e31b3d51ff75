package dev.osrun;

/** Thrown when a call's arguments cannot be used (a snapshot name QEMU cannot take, say); the message says why. */
public class InvalidInputException extends OsrunException {

    /** Creates the exception with a message and the cause it wraps (often an {@link IllegalArgumentException}). */
    public InvalidInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
