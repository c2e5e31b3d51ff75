package dev.osrun.engine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * How QEMU runs the guest's CPU: hardware virtualisation (KVM) or software emulation (TCG).
 *
 * <p>{@link #AUTO} picks KVM when {@code /dev/kvm} can be opened for reading and writing and a guest runs with it
 * ({@link KvmProbe}), TCG otherwise. The
 * environment variable {@code OSRUN_ACCEL} ({@code auto|kvm|tcg}) overrides whatever the caller chose: nested KVM
 * can be far slower than TCG, and the person running the tests knows their machine best.
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

    /** Applies {@code OSRUN_ACCEL} if set, then turns {@code AUTO} into what this host can do. */
    public Accel resolve() {
        String override = System.getenv(ENV);
        Accel chosen = override == null || override.isBlank() ? this : parse(override);
        if (chosen != AUTO) {
            return chosen;
        }
        return kvmWorks() ? KVM : TCG;
    }

    /**
     * Whether KVM can be opened and a guest actually runs with it here (see {@link KvmProbe}: in some nested
     * virtual machines QEMU aborts or stalls under KVM while software emulation works).
     */
    public static boolean kvmWorks() {
        return kvmUsable() && KvmProbe.kvmRunsGuests();
    }

    /** Whether {@code /dev/kvm} exists and this process may open it for reading and writing. */
    public static boolean kvmUsable() {
        Path kvm = Path.of("/dev/kvm");
        return Files.isReadable(kvm) && Files.isWritable(kvm);
    }
}
