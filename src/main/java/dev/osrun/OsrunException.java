package dev.osrun;

/**
 * Base of every exception osrun throws: unchecked, always with a message that says what was expected, what
 * happened and what to do next.
 */
public class OsrunException extends RuntimeException {

    /** Creates an exception with a message. */
    public OsrunException(String message) {
        super(message);
    }

    /** Creates an exception with a message and the cause it wraps. */
    public OsrunException(String message, Throwable cause) {
        super(message, cause);
    }
}
