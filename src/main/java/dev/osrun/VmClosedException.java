package dev.osrun;

/** Thrown when a VM is used after it was closed. */
public class VmClosedException extends OsrunException {

    /** Creates the exception. */
    public VmClosedException() {
        super("This VM has been closed; start a new one to go on");
    }
}
