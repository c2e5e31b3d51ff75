package dev.osrun;

/** Thrown when a download names a guest path where the guest has nothing. */
public class GuestPathNotFoundException extends FileTransferException {

    private final String guestPath;

    /** Creates the exception for {@code guestPath}; {@code cause} is the failure that revealed it. */
    public GuestPathNotFoundException(String guestPath, Throwable cause) {
        super("The guest has nothing at " + guestPath + ". Check the path (it is case-sensitive on Linux guests) "
                + "and that the command that should have written it succeeded.", cause);
        this.guestPath = guestPath;
    }

    /** The path that was asked for. */
    public String guestPath() {
        return guestPath;
    }
}
