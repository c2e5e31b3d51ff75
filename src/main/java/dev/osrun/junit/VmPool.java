package dev.osrun.junit;

import dev.osrun.OsrunException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The VMs of one configuration for the whole run: started on first demand, at most {@code maxSize} of them, each
 * lent to one test (or test class) at a time. Kept in the root store, which closes it, and so every VM, at the end
 * of the run.
 */
@SuppressWarnings("deprecation") // CloseableResource: JUnit 5.14 and 6 close AutoCloseable values too, once
final class VmPool implements AutoCloseable, ExtensionContext.Store.CloseableResource {

    /** How long a test waits for a VM of the pool (or for its turn in its class's VM). */
    static final Duration LEASE_WAIT = Duration.ofMinutes(30);

    private static final Logger log = LoggerFactory.getLogger(VmPool.class);

    private final VmConfig config;
    private final VmBackend backend;
    private final int maxSize;
    private final Deque<StartedVm> idle = new ArrayDeque<>();
    private final List<StartedVm> all = new ArrayList<>();
    private final List<String> holders = new ArrayList<>();
    private int starting;
    private RuntimeException startFailure;
    private boolean closed;

    VmPool(VmConfig config, VmBackend backend, int maxSize) {
        if (maxSize < 1) {
            throw new IllegalArgumentException("A pool holds at least one VM, not " + maxSize);
        }
        this.config = config;
        this.backend = backend;
        this.maxSize = maxSize;
    }

    /** The configuration of this pool's VMs. */
    VmConfig config() {
        return config;
    }

    /** How many VMs this pool has started (and not discarded). */
    synchronized int size() {
        return all.size();
    }

    /**
     * Lends a VM to {@code holder}: an idle one, else a new one while the pool has fewer than its maximum, else the
     * next one given back (waiting at most {@link #LEASE_WAIT}).
     *
     * @throws OsrunException when the VM cannot be started, or an earlier start of this pool failed (not retried
     *                        in the same run, so that a broken setup fails fast instead of once per test)
     */
    Lease lease(String holder) {
        StartedVm vm = takeOrReserve(holder);
        if (vm == null) {
            vm = startReserved();
        }
        try {
            return Lease.begin(this, vm, holder);
        } catch (RuntimeException e) {
            discard(vm, holder);
            throw new OsrunException("The VM " + vm.name() + " did not answer when it was lent to " + holder
                    + "; it was stopped and will be replaced: " + e.getMessage(), e);
        }
    }

    private synchronized StartedVm takeOrReserve(String holder) {
        long deadline = System.nanoTime() + LEASE_WAIT.toNanos();
        while (true) {
            if (closed) {
                throw new IllegalStateException("The run has ended: no VM can be lent to " + holder);
            }
            if (startFailure != null) {
                throw new OsrunException("A VM (" + config.describe() + ") could not be started earlier in this run, "
                        + "so none is started for " + holder + ": " + startFailure.getMessage(), startFailure);
            }
            if (!idle.isEmpty()) {
                holders.add(holder);
                return idle.pop();
            }
            if (all.size() + starting < maxSize) {
                starting++;
                holders.add(holder);
                return null;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new IllegalStateException(holder + " waited " + LEASE_WAIT.toMinutes() + " minutes for a VM ("
                        + config.describe() + "); all " + maxSize + " are in use by " + holders + ". Raise "
                        + Setting.POOL_SIZE.property() + " or let those tests finish sooner.");
            }
            try {
                TimeUnit.NANOSECONDS.timedWait(this, left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while " + holder + " waited for a VM", e);
            }
        }
    }

    private StartedVm startReserved() {
        long began = System.nanoTime();
        int number;
        synchronized (this) {
            number = all.size() + starting;
        }
        log.info("Starting VM {} of at most {} ({})", number, maxSize, config.describe());
        StartedVm vm;
        try {
            vm = backend.start(config);
        } catch (RuntimeException e) {
            synchronized (this) {
                starting--;
                startFailure = e;
                notifyAll();
            }
            throw e;
        }
        log.info("Started {} in {} s", vm.name(), (System.nanoTime() - began) / 1_000_000_000);
        synchronized (this) {
            starting--;
            if (!closed) {
                all.add(vm);
                return vm;
            }
        }
        vm.close();
        throw new IllegalStateException("The run ended while a VM was starting");
    }

    /**
     * Takes back the VM of {@code lease}: deletes the snapshots saved during the lease, then lends it again. A VM
     * that fails that (it crashed, say) is stopped and dropped, so the next test gets a fresh one.
     */
    void giveBack(Lease lease) {
        StartedVm vm = lease.started();
        try {
            for (String name : Lease.names(vm.vm().snapshots())) {
                if (!lease.snapshotsAtStart().contains(name)) {
                    vm.vm().deleteSnapshot(name);
                }
            }
        } catch (RuntimeException e) {
            log.warn("The VM {} lent to {} is stopped instead of being lent again: {}", vm.name(), lease.holder(), e.toString());
            discard(vm, lease.holder());
            return;
        }
        synchronized (this) {
            holders.remove(lease.holder());
            if (closed) {
                return;
            }
            idle.push(vm);
            notifyAll();
        }
    }

    private void discard(StartedVm vm, String holder) {
        synchronized (this) {
            holders.remove(holder);
            all.remove(vm);
            idle.remove(vm);
            notifyAll();
        }
        closeQuietly(vm);
    }

    /** Stops every VM of the pool. */
    @Override
    public void close() {
        List<StartedVm> toStop;
        synchronized (this) {
            closed = true;
            toStop = new ArrayList<>(all);
            all.clear();
            idle.clear();
            notifyAll();
        }
        for (StartedVm vm : toStop) {
            log.info("Stopping {}", vm.name());
            closeQuietly(vm);
        }
    }

    private static void closeQuietly(StartedVm vm) {
        try {
            vm.close();
        } catch (RuntimeException e) {
            log.warn("Could not stop {} cleanly: {}", vm.name(), e.toString(), e);
        }
    }
}
