package dev.osrun.engine;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A TCP port of the host that QEMU's user networking forwards to a port of the guest.
 *
 * @param hostAddress the IPv4 address QEMU listens on: {@code 127.0.0.1} (the default) for this machine only,
 *                    {@code 0.0.0.0} for every interface
 * @param hostPort    the port QEMU listens on
 * @param guestPort   the port in the guest it connects to
 */
public record PortForward(String hostAddress, int hostPort, int guestPort) {

    /** The address forwards listen on unless asked otherwise: this machine only. */
    public static final String LOOPBACK = "127.0.0.1";

    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
    private static final Pattern SPEC = Pattern.compile("(?:(.*):)?(\\d{1,5})");

    /**
     * Checks the address and both ports.
     *
     * @throws IllegalArgumentException when the address is not an IPv4 address or a port is out of range
     */
    public PortForward {
        requireIpv4(hostAddress);
        if (hostPort < 1 || hostPort > 65535 || guestPort < 1 || guestPort > 65535) {
            throw new IllegalArgumentException("Ports must be between 1 and 65535, were " + hostPort + " and " + guestPort);
        }
    }

    /** A forward that listens on this machine's loopback only. */
    public PortForward(int hostPort, int guestPort) {
        this(LOOPBACK, hostPort, guestPort);
    }

    /**
     * Reads {@code PORT} or {@code ADDRESS:PORT} (the CLI's {@code -f}): the same port on both sides, listening on
     * {@code ADDRESS}, else on {@code defaultAddress}.
     *
     * @throws IllegalArgumentException when it is neither, naming the accepted forms
     */
    public static PortForward parse(String spec, String defaultAddress) {
        Matcher m = SPEC.matcher(spec.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("A forward is PORT or ADDRESS:PORT (e.g. 8080 or 0.0.0.0:8080); it is '" + spec + "'");
        }
        int port = Integer.parseInt(m.group(2));
        return new PortForward(m.group(1) != null ? m.group(1) : defaultAddress, port, port);
    }

    /**
     * Checks that {@code address} is a dotted IPv4 address, as QEMU's {@code hostfwd} and its VNC and monitor
     * options take them.
     *
     * @throws IllegalArgumentException when it is not
     */
    public static String requireIpv4(String address) {
        Matcher m = IPV4.matcher(address == null ? "" : address);
        boolean valid = m.matches();
        for (int i = 1; valid && i <= 4; i++) {
            valid = Integer.parseInt(m.group(i)) <= 255;
        }
        if (!valid) {
            throw new IllegalArgumentException("A listening address is an IPv4 address such as 127.0.0.1 (this machine "
                    + "only) or 0.0.0.0 (every interface); it is '" + address + "'");
        }
        return address;
    }
}
