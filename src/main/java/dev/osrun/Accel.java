package dev.osrun;

import java.util.Locale;

/**
 * How QEMU runs the guest's CPU: hardware virtualisation (KVM) or software emulation (TCG).
 *
 * <p>{@link #AUTO} picks KVM when {@code /dev/kvm} can be opened and a guest actually runs with it, TCG otherwise.
 * The environment variable {@code OSRUN_ACCEL} ({@code auto|kvm|tcg}) overrides whatever the caller chose: nested
 * KVM can be far slower than TCG, and the person running the tests knows their machine best.
 */
public enum Accel {
    /** KVM when usable and working, else TCG. */
    AUTO,
    /** Hardware virtualisation through {@code /dev/kvm}. */
    KVM,
    /** QEMU's software emulator. */
    TCG;

    /** The environment variable that overrides the choice. */
    public static final String ENV = "OSRUN_ACCEL";

    /**
     * Parses {@code auto}, {@code kvm} or {@code tcg}, in any case.
     *
     * @throws IllegalArgumentException for any other word, naming the ones allowed
     */
    public static Accel parse(String value) {
        try {
            return valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Unknown accelerator '" + value + "'. Use auto, kvm or tcg.", e);
        }
    }

    /** The word used on the command line and in configuration: {@code auto}, {@code kvm} or {@code tcg}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
