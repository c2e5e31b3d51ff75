package dev.osrun;

/**
 * Thrown when the guest agent or QEMU's monitor failed or refused a call while the VM still runs: a command the
 * agent or QEMU rejected, a protocol error, a host I/O error around it. The agent's or QMP's own exception is the
 * cause.
 */
public class VmControlException extends OsrunException {

    /** Creates the exception with a message and the agent's, monitor's or host's exception as the cause. */
    public VmControlException(String message, Throwable cause) {
        super(message, cause);
    }
}
