package dev.osrun;

import java.util.Locale;

/** The guests osrun can provision and run. */
public enum GuestKind {
    /** Windows 11, installed unattended from Windows Update on first use. */
    WINDOWS11("windows11", GuestOs.WINDOWS),
    /** osrun's tiny Linux guest (busybox, qemu-ga, CIFS): for tests and demos; provisions in seconds. */
    TINY("tiny", GuestOs.LINUX);

    private final String id;
    private final GuestOs os;

    GuestKind(String id, GuestOs os) {
        this.id = id;
        this.os = os;
    }

    /** The name used on the command line and in configuration: {@code windows11} or {@code tiny}. */
    public String id() {
        return id;
    }

    /** The operating system the guest runs. */
    public GuestOs os() {
        return os;
    }

    /**
     * Parses {@code windows11} or {@code tiny}.
     *
     * @throws IllegalArgumentException for any other name, listing the valid ones
     */
    public static GuestKind parse(String value) {
        for (GuestKind kind : values()) {
            if (kind.id.equals(value.trim().toLowerCase(Locale.ROOT))) {
                return kind;
            }
        }
        throw new IllegalArgumentException("Unknown guest '" + value + "'. Use windows11 or tiny.");
    }
}
