package dev.osrun.engine;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;

/**
 * Keeps the next clone of a {@link RamTemplate} started ahead of need: while a test runs on one clone, the next one
 * is started in the background, so that a reset is a hand-over. One clone is kept ready at a time; it idles (its
 * clock runs) until it is taken.
 */
public final class WarmClones implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(WarmClones.class);

    private final RamTemplate template;
    private final Supplier<MachineSpec> specs;
    private final GuestProfile profile;
    private final ExecutorService starter;
    private Future<Machine> next;
    private boolean closed;

    /**
     * Starts preparing the first clone at once.
     *
     * @param specs gives the spec of each new clone (its own run directory and disk path)
     */
    public WarmClones(RamTemplate template, Supplier<MachineSpec> specs, GuestProfile profile) {
        this.template = template;
        this.specs = specs;
        this.profile = profile;
        this.starter = Executors.newSingleThreadExecutor(task -> {
            Thread thread = new Thread(task, "osrun-warm-clone");
            thread.setDaemon(true);
            return thread;
        });
        prepare();
    }

    /**
     * The prepared clone (waiting for it if it is still starting), and the next one started. When the prepared one
     * failed to start, one more is started here, so that a failure shows with its own error.
     */
    public synchronized Machine take() {
        if (closed) {
            throw new IllegalStateException("These warm clones are closed");
        }
        Future<Machine> ready = next;
        next = null;
        Machine machine;
        try {
            machine = ready.get();
        } catch (ExecutionException e) {
            log.warn("The clone prepared in the background did not start ({}); starting one now", e.getCause().toString());
            machine = template.startClone(specs.get(), profile);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closeWhenStarted(ready);
            throw new dev.osrun.OsrunException("Interrupted while waiting for the next clone", e);
        }
        prepare();
        return machine;
    }

    private void prepare() {
        next = starter.submit(() -> template.startClone(specs.get(), profile));
    }

    /** Stops the clone that was kept ready (after it has started, if it is starting: none is left running). */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (next != null) {
            closeWhenStarted(next);
            next = null;
        }
        starter.shutdown();
    }

    private static void closeWhenStarted(Future<Machine> future) {
        try {
            future.get().close();
        } catch (ExecutionException | CancellationException e) {
            // it never started: nothing to stop
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
