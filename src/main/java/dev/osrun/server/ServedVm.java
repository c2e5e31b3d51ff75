package dev.osrun.server;

import dev.osrun.GuestKind;
import dev.osrun.OsrunException;
import dev.osrun.Vm;
import dev.osrun.VmCrashedException;
import dev.osrun.local.LocalVm;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * The VM the server serves and where it stands: starting, ready or failed (it would not start, or it crashed).
 *
 * <p>Requests reach the VM one at a time through {@link #call}; the health check uses {@link #tryCall} so that it
 * answers at once while a long command runs. Every state change is published on the event stream.
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

    ServedVm(GuestKind guest, EventStream events) {
        this.guest = guest;
        this.events = events;
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
    void publish(java.util.Map<String, Object> event) {
        events.publish(event);
    }

    /**
     * Runs {@code action} on the VM once no other request uses it.
     *
     * @throws ApiException       503 when the VM is starting or failed
     * @throws VmCrashedException when the VM died meanwhile (and marks it failed)
     */
    <T> T call(Function<Vm, T> action) {
        Vm current = requireReady();
        try {
            lock.lockInterruptibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(503, "The server is stopping");
        }
        try {
            return run(current, action);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Runs {@code action} if the VM becomes free within {@code wait}; empty when another request kept it busy.
     *
     * @throws ApiException 503 when the VM is starting or failed
     */
    <T> Optional<T> tryCall(Duration wait, Function<Vm, T> action) {
        Vm current = requireReady();
        try {
            if (!lock.tryLock(wait.toMillis(), TimeUnit.MILLISECONDS)) {
                return Optional.empty();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(503, "The server is stopping");
        }
        try {
            return Optional.of(run(current, action));
        } finally {
            lock.unlock();
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
