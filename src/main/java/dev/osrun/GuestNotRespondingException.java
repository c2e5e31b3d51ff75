package dev.osrun;

/**
 * Thrown when the VM's process is alive but the guest does not answer in time: the guest agent is hung, the
 * guest is paused or overloaded. The message carries what was waited for and the tail of the serial log.
 */
public class GuestNotRespondingException extends OsrunException {

    /** Creates the exception with the message and the timeout that caused it. */
    public GuestNotRespondingException(String message, Throwable cause) {
        super(message, cause);
    }
}
