package dev.osrun.qmp;

import java.time.Instant;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The event and close listeners of one {@link QmpClient}. Listeners run on the connection's reader thread, in
 * registration order; one that throws is logged and does not stop the others.
 */
final class QmpListeners {

    private static final Logger log = LoggerFactory.getLogger(QmpListeners.class);

    private final String connectionName;
    private final CopyOnWriteArrayList<Consumer<QmpEvent>> eventListeners = new CopyOnWriteArrayList<>();
    private final CopyOnWriteArrayList<Runnable> closeListeners = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    QmpListeners(String connectionName) {
        this.connectionName = connectionName;
    }

    Subscription addEventListener(Consumer<QmpEvent> listener) {
        Consumer<QmpEvent> entry = listener::accept; // a distinct object, so that removal removes exactly this one
        eventListeners.add(entry);
        return () -> eventListeners.remove(entry);
    }

    Subscription addCloseListener(Runnable listener) {
        AtomicBoolean ran = new AtomicBoolean();
        Runnable entry = () -> {
            if (ran.compareAndSet(false, true)) {
                listener.run();
            }
        };
        closeListeners.add(entry);
        if (closed) {
            runSafely(entry, "close listener");
        }
        return () -> closeListeners.remove(entry);
    }

    void fireEvent(QmpEvent event) {
        for (Consumer<QmpEvent> listener : eventListeners) {
            try {
                listener.accept(event);
            } catch (RuntimeException e) {
                log.warn("An event listener of QMP connection {} failed on {} at {}", connectionName, event.name(),
                        event.timestamp(), e);
            }
        }
    }

    void fireClosed() {
        closed = true;
        for (Runnable listener : closeListeners) {
            runSafely(listener, "close listener");
        }
    }

    private void runSafely(Runnable listener, String what) {
        try {
            listener.run();
        } catch (RuntimeException e) {
            log.warn("A {} of QMP connection {} failed at {}", what, connectionName, Instant.now(), e);
        }
    }
}
