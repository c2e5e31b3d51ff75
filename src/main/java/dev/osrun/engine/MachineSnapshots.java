package dev.osrun.engine;

import dev.osrun.OsrunException;
import dev.osrun.SnapshotInfo;
import dev.osrun.SnapshotNotFoundException;
import dev.osrun.SnapshotReadOnlyException;
import dev.osrun.VmBrokenException;
import dev.osrun.qmp.QmpCommandException;
import dev.osrun.qmp.QmpJobException;
import dev.osrun.qmp.QmpTimeoutException;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a snapshot operation means for one {@link Machine}: which names are read-only, the share unmounted while a
 * snapshot is taken, a restore that failed inside QEMU marking the VM broken, and the agent, clock and share set
 * right after a restore (the share in the background). The QMP jobs themselves are {@link Snapshots}'.
 */
final class MachineSnapshots {

    private static final Duration SAVE_TIMEOUT = Duration.ofMinutes(10);
    private static final Duration LOAD_TIMEOUT = Duration.ofMinutes(5);
    private static final Duration DELETE_TIMEOUT = Duration.ofMinutes(2);

    private final Snapshots snapshots;
    private final CallGuard guard;
    private final VmState state;
    private final GuestCalls guest;
    private final GuestShare share;
    private final Set<String> readOnly = ConcurrentHashMap.newKeySet();

    MachineSnapshots(Snapshots snapshots, CallGuard guard, VmState state, GuestCalls guest, GuestShare share) {
        this.snapshots = snapshots;
        this.guard = guard;
        this.state = state;
        this.guest = guest;
        this.share = share;
    }

    /** Makes {@code name} read-only: {@link #save} and {@link #delete} refuse it. */
    void protect(String name) {
        readOnly.add(SnapshotTable.requireValidName(name));
    }

    /** See {@link Machine#saveSnapshot}. */
    SnapshotInfo save(String name) {
        requireWritable(name);
        guard.ensureAlive(false);
        try {
            share.whileUnmounted(() -> guard.call("saving snapshot '" + name + "'", false, () -> {
                if (snapshots.list().stream().anyMatch(s -> s.name().equals(name))) {
                    snapshots.delete(name, DELETE_TIMEOUT);
                }
                snapshots.save(name, SAVE_TIMEOUT);
                return null;
            }));
        } catch (QmpJobException | QmpCommandException e) {
            throw new OsrunException("QEMU could not save snapshot '" + name + "': " + e.getMessage()
                    + ". The VM keeps running; check the disk's free space.", e);
        }
        return guard.call("listing snapshots", false, () -> snapshots.require(name));
    }

    /** See {@link Machine#restoreSnapshot}. */
    void restore(String name) {
        SnapshotTable.requireValidName(name);
        guard.ensureAlive(true);
        guard.call("checking snapshot '" + name + "'", true, () -> snapshots.requireRestorable(name));
        share.awaitSettled();
        try {
            guard.call("restoring snapshot '" + name + "'", true, () -> {
                snapshots.load(name, LOAD_TIMEOUT);
                return null;
            });
        } catch (QmpCommandException e) {
            throw new OsrunException("QEMU refused to start restoring snapshot '" + name + "': " + e.description()
                    + ". The restore never started: the VM runs on, unchanged.", e);
        } catch (QmpJobException | QmpTimeoutException e) {
            throw state.markBroken("Restoring snapshot '" + name + "' failed (" + e.getMessage() + "), so the VM's memory "
                    + "and disk are in an unknown state and QEMU holds it paused", e);
        }
        state.restored();
        guest.resync("restoring '" + name + "'");
        guest.setClock();
        share.remountInBackground();
    }

    /** See {@link Machine#snapshots}. */
    List<SnapshotInfo> list() {
        return guard.call("listing snapshots", true, snapshots::list);
    }

    /**
     * Deletes {@code name}.
     *
     * @throws SnapshotNotFoundException when there is none
     * @throws SnapshotReadOnlyException when it is protected
     * @throws VmBrokenException         when the VM's state is unknown
     */
    void delete(String name) {
        requireWritable(name);
        guard.call("deleting snapshot '" + name + "'", false, () -> {
            snapshots.require(name);
            try {
                snapshots.delete(name, DELETE_TIMEOUT);
            } catch (QmpJobException e) {
                throw new OsrunException("QEMU could not delete snapshot '" + name + "': " + e.error(), e);
            }
            return null;
        });
    }

    private void requireWritable(String name) {
        SnapshotTable.requireValidName(name);
        if (readOnly.contains(name)) {
            throw new SnapshotReadOnlyException(name);
        }
    }
}
