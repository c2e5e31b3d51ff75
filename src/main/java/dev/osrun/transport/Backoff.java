package dev.osrun.transport;

import dev.osrun.OsrunException;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/**
 * A pause between polls or retries that starts short and doubles up to a ceiling: for waiting on something that
 * usually answers within milliseconds but sometimes takes seconds (a socket QEMU has not created yet, a guest
 * command). Every pause is bounded by the caller's deadline. Not thread-safe; make one per wait.
 */
public final class Backoff {

    private final long maxNanos;
    private long nextNanos;
    private int attempts;

    /**
     * Creates a backoff whose pauses start at {@code initial} and double up to {@code max}.
     *
     * @param initial the first pause
     * @param max     the longest pause
     */
    public Backoff(Duration initial, Duration max) {
        this.nextNanos = initial.toNanos();
        this.maxNanos = max.toNanos();
    }

    /**
     * Returns the backoff used to poll a running guest command: 1 ms doubling to 20 ms.
     *
     * @return a fresh backoff
     */
    public static Backoff forExecPolling() {
        return new Backoff(Duration.ofMillis(1), Duration.ofMillis(20));
    }

    /**
     * Counts an attempt and sleeps for the next interval, never beyond {@code deadlineNanos}.
     *
     * @param deadlineNanos a {@link System#nanoTime()} value
     * @return {@code false} (without sleeping) when the deadline has passed and the caller should give up
     * @throws OsrunException when the thread is interrupted while it sleeps (the interrupt flag stays set)
     */
    public boolean pause(long deadlineNanos) {
        attempts++;
        long remaining = deadlineNanos - System.nanoTime();
        if (remaining <= 0) {
            return false;
        }
        LockSupport.parkNanos(Math.min(nextNanos, remaining));
        nextNanos = Math.min(maxNanos, nextNanos * 2);
        if (Thread.interrupted()) {
            Thread.currentThread().interrupt();
            throw new OsrunException("Interrupted while waiting");
        }
        return true;
    }

    /**
     * Returns how many times {@link #pause} was called.
     *
     * @return the number of attempts that did not succeed so far
     */
    public int attempts() {
        return attempts;
    }
}
