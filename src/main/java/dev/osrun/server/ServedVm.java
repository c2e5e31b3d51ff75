package dev.osrun.server;

import dev.osrun.GuestKind;
import dev.osrun.OsrunException;
import dev.osrun.Vm;
import dev.osrun.VmCrashedException;
import dev.osrun.local.LocalVm;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * The VM the server serves and where it stands: starting, ready or failed (it would not start, or it crashed).
 *
 * <p>Requests reach the VM one at a time through {@link #call}, which waits a bounded time for it and then
 * answers 409 naming what holds it; the health check uses {@link #tryCall} so that it answers at once while a
 * long command runs. Every state change is published on the event stream.
 */
final class ServedVm {

    /** Where the VM stands. */
    enum Status { STARTING, READY, FAILED }

    private static final Logger log = LoggerFactory.getLogger(ServedVm.class);

    private final GuestKind guest;
    private final EventStream events;
    private final ReentrantLock lock = new ReentrantLock(true);
    private volatile Status status = Status.STARTING;
    private volatile String message = "The server is up; the VM is not started yet";
    private volatile Vm vm;
    private volatile Holder holder;
    private final Duration vmWait;

    ServedVm(GuestKind guest, EventStream events, Duration vmWait) {
        this.guest = guest;
        this.events = events;
        this.vmWait = vmWait;
    }

    GuestKind guest() {
        return guest;
    }

    Status status() {
        return status;
    }

    /** What the state means, in words: why the VM failed, say. */
    String message() {
        return message;
    }

    /** The VM, once it has started (also after it crashed), for closing it. */
    Optional<Vm> vm() {
        return Optional.ofNullable(vm);
    }

    /** Publishes a status step while the VM starts ({@code starting}, {@code launching}, {@code provisioning}, …). */
    void progress(String step, String detail) {
        if (status == Status.STARTING) {
            message = detail;
            events.publish(Json.object("type", "status", "message", step, "detail", detail, "guest", guest.id()));
        }
    }

    /** The VM is up and answering. */
    void ready(Vm started) {
        vm = started;
        message = "The " + guest.id() + " guest is ready";
        status = Status.READY;
        log.info("The {} guest is ready", guest.id());
        events.publish(Json.object("type", "status", "message", "ready", "detail", message, "guest", guest.id()));
    }

    /** The VM could not be started. */
    void failed(String why) {
        message = why;
        status = Status.FAILED;
        events.publish(Json.object("type", "status", "message", "failed", "detail", why, "guest", guest.id()));
    }

    /** The VM died; the first report wins. */
    void crashed(VmCrashedException e) {
        synchronized (this) {
            if (status == Status.FAILED) {
                return;
            }
            status = Status.FAILED;
            message = e.getMessage();
        }
        log.warn("The VM crashed: {}", e.getMessage());
        events.publish(Json.object("type", "crashed", "message", e.getMessage(), "guest", guest.id()));
    }

    /** Publishes an event that is not a state change (an exec that finished, say). */
    void publish(Map<String, Object> event) {
        events.publish(event);
    }

    /**
     * Runs {@code action}, which does {@code what} ("exec of 'ls /'", say), on the VM once no other request uses
     * it, waiting at most the limit for the VM.
     *
     * @throws ApiException       503 when the VM is starting or failed; 409 naming what holds the VM when it stays busy
     * @throws VmCrashedException when the VM died meanwhile (and marks it failed)
     */
    <T> T call(String what, Function<Vm, T> action) {
        Vm current = requireReady();
        try {
            if (!lock.tryLock(vmWait.toMillis(), TimeUnit.MILLISECONDS)) {
                throw busy();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(503, "The server is stopping");
        }
        return runHolding(what, current, action);
    }

    /**
     * Runs {@code action} if the VM becomes free within {@code wait}; empty when another request kept it busy.
     *
     * @throws ApiException 503 when the VM is starting or failed
     */
    <T> Optional<T> tryCall(String what, Duration wait, Function<Vm, T> action) {
        Vm current = requireReady();
        try {
            if (!lock.tryLock(wait.toMillis(), TimeUnit.MILLISECONDS)) {
                return Optional.empty();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(503, "The server is stopping");
        }
        return Optional.of(runHolding(what, current, action));
    }

    /** What holds the VM now, in words ("exec of 'sleep 100' since 12 s"), if anything does. */
    Optional<String> holder() {
        Holder current = holder;
        return current == null ? Optional.empty() : Optional.of(current.describe());
    }

    private ApiException busy() {
        String what = holder().orElse("another request");
        return new ApiException(409, "The VM is busy: " + what + ". This request waited " + vmWait.toSeconds()
                + " s for it (" + ServerLimits.VM_WAIT_ENV + "); retry when that ends.",
                Map.of("busyWith", what), Map.of("Retry-After", "1"));
    }

    private <T> T runHolding(String what, Vm current, Function<Vm, T> action) {
        holder = new Holder(what, System.nanoTime());
        try {
            return run(current, action);
        } finally {
            holder = null;
            lock.unlock();
        }
    }

    private record Holder(String what, long sinceNanos) {
        String describe() {
            return what + " since " + TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - sinceNanos) + " s";
        }
    }

    private <T> T run(Vm current, Function<Vm, T> action) {
        try {
            return action.apply(current);
        } catch (VmCrashedException e) {
            crashed(e);
            throw e;
        }
    }

    /**
     * Checks, without touching the guest, that the VM's process is still there.
     *
     * @throws VmCrashedException when it is gone (and marks the VM failed)
     */
    void checkAlive() {
        Vm current = vm;
        if (current instanceof LocalVm local && status == Status.READY) {
            try {
                local.machine().ensureAlive();
            } catch (VmCrashedException e) {
                crashed(e);
                throw e;
            } catch (OsrunException closed) {
                log.debug("The VM was closed: {}", closed.getMessage());
            }
        }
    }

    private Vm requireReady() {
        Vm current = vm;
        return switch (status) {
            case READY -> current;
            case STARTING -> throw new ApiException(503, "The VM is still starting (" + message + "); GET /v1/health says when it is ready");
            case FAILED -> throw new ApiException(503, "The VM is not available: " + message);
        };
    }
}
