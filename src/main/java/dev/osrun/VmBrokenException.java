package dev.osrun;

/**
 * Thrown when the VM still runs but is no longer in a state osrun knows: a restore failed half-way (its memory and
 * disk are neither the old state nor the snapshot's), or the guest rebooted by itself. Every call but
 * {@code close()} then fails at once with this exception, instead of waiting for a guest that will not answer.
 * After a guest reboot, restoring a snapshot brings the VM back to a known state; after a failed restore, close the
 * VM and start a new one.
 */
public class VmBrokenException extends OsrunException {

    /** Creates the exception with a message that says what happened and what to do. */
    public VmBrokenException(String message) {
        super(message);
    }

    /** Creates the exception with a message and the failure that broke the VM. */
    public VmBrokenException(String message, Throwable cause) {
        super(message, cause);
    }
}
