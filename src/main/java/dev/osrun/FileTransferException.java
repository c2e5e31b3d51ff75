package dev.osrun;

/**
 * Thrown when a file or directory tree could not be copied between the host and the guest: the guest's copy
 * failed, or the host could not read or write its side. The cause, when there is one, is attached.
 */
public class FileTransferException extends OsrunException {

    /** Creates the exception with a message. */
    public FileTransferException(String message) {
        super(message);
    }

    /** Creates the exception with a message and its cause. */
    public FileTransferException(String message, Throwable cause) {
        super(message, cause);
    }
}
