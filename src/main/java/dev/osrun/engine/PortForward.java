package dev.osrun.engine;

/**
 * A TCP port of the host that QEMU's user networking forwards to a port of the guest.
 *
 * @param hostPort  the port QEMU listens on
 * @param guestPort the port in the guest it connects to
 */
public record PortForward(int hostPort, int guestPort) {

    /** Checks that both ports are valid. */
    public PortForward {
        if (hostPort < 1 || hostPort > 65535 || guestPort < 1 || guestPort > 65535) {
            throw new IllegalArgumentException("Ports must be between 1 and 65535, were " + hostPort + " and " + guestPort);
        }
    }
}
