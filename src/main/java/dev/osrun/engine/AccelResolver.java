package dev.osrun.engine;

import dev.osrun.Accel;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Turns the caller's {@link Accel} into what this host can do: applies {@code OSRUN_ACCEL}, then resolves
 * {@link Accel#AUTO} to KVM when {@code /dev/kvm} can be opened and a guest runs with it ({@link KvmProbe}), TCG
 * otherwise.
 */
public final class AccelResolver {

    private AccelResolver() {
    }

    /** Applies {@code OSRUN_ACCEL} if set, then turns {@code AUTO} into what this host can do. */
    public static Accel resolve(Accel requested) {
        String override = System.getenv(Accel.ENV);
        Accel chosen = override == null || override.isBlank() ? requested : Accel.parse(override);
        if (chosen != Accel.AUTO) {
            return chosen;
        }
        return kvmWorks() ? Accel.KVM : Accel.TCG;
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
