package dev.osrun;

/** Thrown when osrun itself failed (a bug): the message says what it was doing, the cause is the original error. */
public class InternalErrorException extends OsrunException {

    /** Creates the exception with a message and the unexpected exception. */
    public InternalErrorException(String message, Throwable cause) {
        super(message, cause);
    }
}
