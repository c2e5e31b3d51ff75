package dev.osrun.engine;

import dev.osrun.qga.GuestExecStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The host directory the guest mounts over SMB ({@link MachineSpec#shareDir()}): mounted after a cold boot,
 * mounted afresh after a restore (the snapshot's SMB connection is dead), and unmounted while a snapshot is
 * taken, so that restoring it never finds a dead connection. A mount that fails only warns: output and files then
 * go through the guest agent.
 */
final class GuestShare {

    private static final Logger log = LoggerFactory.getLogger(GuestShare.class);
    private static final Duration MOUNT_TIMEOUT = Duration.ofSeconds(30);

    private final MachineSpec spec;
    private final GuestProfile profile;
    private final GuestCalls guest;
    private volatile boolean mounted;

    GuestShare(MachineSpec spec, GuestProfile profile, GuestCalls guest) {
        this.spec = spec;
        this.profile = profile;
        this.guest = guest;
    }

    /** Mounts the share after a cold boot. */
    void mount() {
        mounted = mountNow(false);
    }

    /** Mounts the share afresh after a restore, when the snapshot's mount is stale. */
    void remount() {
        mounted = mountNow(true);
    }

    /** Whether the guest has the share mounted. */
    boolean mounted() {
        return mounted;
    }

    /**
     * Runs {@code action} (a snapshot save) with the share unmounted in the guest, and mounts it again after.
     */
    <T> T whileUnmounted(Supplier<T> action) {
        Optional<AgentExec> unmount = profile.unmountShare();
        boolean remount = mounted && unmount.isPresent();
        if (remount) {
            guest.runToCompletion(unmount.get(), MOUNT_TIMEOUT);
        }
        try {
            return action.get();
        } finally {
            if (remount) {
                mount();
            }
        }
    }

    private boolean mountNow(boolean afresh) {
        Optional<AgentExec> mount = afresh ? profile.remountShare() : profile.mountShare();
        if (spec.shareDir() == null || mount.isEmpty()) {
            return spec.shareDir() != null;
        }
        GuestExecStatus status = guest.runToCompletion(mount.get(), MOUNT_TIMEOUT);
        boolean ok = status.exitCode() != null && status.exitCode() == 0;
        if (!ok) {
            log.warn("The share could not be mounted in the guest; files will go through the guest agent. {}",
                    new String(status.stderr(), profile.charset()).strip());
        }
        return ok;
    }
}
