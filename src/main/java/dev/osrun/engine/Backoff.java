package dev.osrun.engine;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/**
 * A pause that starts short and doubles up to a ceiling: for polling something that usually answers within
 * milliseconds but sometimes takes seconds. Not thread-safe; make one per wait.
 */
final class Backoff {

    private final long maxNanos;
    private long nextNanos;

    /** Pauses start at {@code initial} and double up to {@code max}. */
    Backoff(Duration initial, Duration max) {
        this.nextNanos = initial.toNanos();
        this.maxNanos = max.toNanos();
    }

    /** The backoff used to poll a running guest command: 1 ms doubling to 20 ms. */
    static Backoff forExecPolling() {
        return new Backoff(Duration.ofMillis(1), Duration.ofMillis(20));
    }

    /** Sleeps for the next interval, never beyond {@code deadlineNanos} (a {@link System#nanoTime()} value). */
    void pause(long deadlineNanos) {
        long remaining = deadlineNanos - System.nanoTime();
        LockSupport.parkNanos(Math.max(0, Math.min(nextNanos, remaining)));
        nextNanos = Math.min(maxNanos, nextNanos * 2);
        if (Thread.interrupted()) {
            Thread.currentThread().interrupt();
            throw new dev.osrun.OsrunException("Interrupted while waiting for the guest");
        }
    }
}
