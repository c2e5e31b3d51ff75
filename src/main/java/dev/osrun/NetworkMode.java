package dev.osrun;

import java.util.Locale;

/**
 * What the guest's network reaches. Code in the guest is the software under test: treat it as untrusted.
 */
public enum NetworkMode {
    /**
     * Outbound access, as a container has: the guest reaches the internet and, through QEMU's user network at
     * {@code 10.0.2.2}, the loopback of the host that runs QEMU (with the image: the container's own loopback).
     */
    NAT,
    /** No route anywhere but the SMB share (QEMU's {@code restrict=on}): nothing on the host or outside is reachable. */
    ISOLATED;

    /** The environment variable that sets the mode ({@code nat} or {@code isolated}). */
    public static final String ENV = "OSRUN_NETWORK";

    /**
     * Parses {@code nat} or {@code isolated}, in any case.
     *
     * @throws IllegalArgumentException for any other word, naming the ones allowed
     */
    public static NetworkMode parse(String value) {
        try {
            return valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Unknown network mode '" + value + "'. Use nat or isolated.", e);
        }
    }

    /** The word used on the command line and in configuration: {@code nat} or {@code isolated}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
