package dev.osrun;

/**
 * Thrown when a guest command was cancelled while it ran (see {@link ExecOptions#withCancellation}); its process
 * tree in the guest has been killed.
 */
public class ExecCancelledException extends OsrunException {

    /** Creates the exception for this command. */
    public ExecCancelledException(String command) {
        super("The command was cancelled and killed in the guest: " + command);
    }
}
