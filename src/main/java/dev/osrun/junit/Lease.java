package dev.osrun.junit;

import dev.osrun.SnapshotInfo;
import dev.osrun.Vm;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.List;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * One VM of a {@link VmPool}, lent to one test or one test class until the store that holds the lease closes.
 * While it lasts no one else uses the VM; a class's tests take {@link #takeTurn turns} in it, one at a time.
 * When it ends, the snapshots saved during the lease are deleted, so that the VM goes back to the pool as it was.
 */
@SuppressWarnings("deprecation") // CloseableResource: JUnit 5.14 and 6 close AutoCloseable values too, once
final class Lease implements AutoCloseable, ExtensionContext.Store.CloseableResource {

    private final VmPool pool;
    private final StartedVm started;
    private final String holder;
    private final Set<String> snapshotsAtStart;
    private final LentVm lent;
    private final Semaphore turn = new Semaphore(1); // not a lock: a turn may end on another thread
    private volatile ExecJournal journal = new ExecJournal();
    private volatile boolean active = true;

    private Lease(VmPool pool, StartedVm started, String holder, Set<String> snapshotsAtStart) {
        this.pool = pool;
        this.started = started;
        this.holder = holder;
        this.snapshotsAtStart = snapshotsAtStart;
        this.lent = LentVm.of(started.vm(), this);
    }

    /**
     * Begins lending {@code started} to {@code holder}, noting the snapshots it has now (those saved during the
     * lease are deleted when it ends).
     *
     * @throws RuntimeException when the VM does not answer
     */
    static Lease begin(VmPool pool, StartedVm started, String holder) {
        return new Lease(pool, started, holder, names(started.vm().snapshots()));
    }

    /** The VM as the test sees it. */
    Vm lent() {
        return lent;
    }

    /** The VM and its evidence. */
    StartedVm started() {
        return started;
    }

    /** Who holds the lease, e.g. {@code com.example.FooTest#runs()}. */
    String holder() {
        return holder;
    }

    /** The VM's name, for messages. */
    String vmName() {
        return started.name();
    }

    /** The journal of the commands run since the current test began. */
    ExecJournal journal() {
        return journal;
    }

    /**
     * Starts a test's turn in this VM: waits until no other test of the holder uses it, restores {@code snapshot}
     * and begins a fresh journal. The turn ends when the returned value is closed.
     */
    Turn takeTurn(String test, String snapshot) {
        try {
            if (!turn.tryAcquire(VmPool.LEASE_WAIT.toMinutes(), TimeUnit.MINUTES)) {
                throw new IllegalStateException("Test " + test + " waited " + VmPool.LEASE_WAIT.toMinutes()
                        + " minutes for its turn in the VM of " + holder + ", which another of its tests still uses.");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while " + test + " waited for its turn in the VM of " + holder, e);
        }
        try {
            restore(snapshot);
        } catch (RuntimeException e) {
            turn.release();
            throw e;
        }
        return new Turn();
    }

    /** Restores {@code snapshot} in the VM and begins a fresh journal. */
    void restore(String snapshot) {
        checkActive();
        journal = new ExecJournal();
        started.vm().restoreSnapshot(snapshot);
    }

    /** Throws when the lease has ended. */
    void checkActive() {
        if (!active) {
            throw new IllegalStateException("The VM lent to " + holder + " was given back when it finished; a test may "
                    + "use only the VM it was given (as a parameter of the test, its lifecycle methods or constructor).");
        }
    }

    /** The names of the snapshots the VM had when the lease began. */
    Set<String> snapshotsAtStart() {
        return snapshotsAtStart;
    }

    /** Ends the lease: the VM goes back to the pool. */
    @Override
    public void close() {
        if (active) {
            active = false;
            pool.giveBack(this);
        }
    }

    static Set<String> names(List<SnapshotInfo> snapshots) {
        return snapshots.stream().map(SnapshotInfo::name).collect(Collectors.toUnmodifiableSet());
    }

    /** One test's turn in the VM of a class lease; closing it lets the next test in. */
    final class Turn implements AutoCloseable, ExtensionContext.Store.CloseableResource {
        private boolean open = true;

        /** The lease this turn is in. */
        Lease lease() {
            return Lease.this;
        }

        @Override
        public synchronized void close() {
            if (open) {
                open = false;
                turn.release();
            }
        }
    }
}
