package dev.osrun.qmp;

import java.time.Duration;

/**
 * A bounded wait between retries: pauses double from a first delay up to a cap, and stop when a total budget is
 * spent. Not thread-safe; one per retry loop.
 */
final class Backoff {

    private final long deadline;
    private final long maxPauseNanos;
    private long pauseNanos;
    private int attempts;

    Backoff(Duration first, Duration max, Duration budget) {
        this.deadline = System.nanoTime() + budget.toNanos();
        this.pauseNanos = first.toNanos();
        this.maxPauseNanos = max.toNanos();
    }

    /**
     * Counts a failed attempt and waits before the next one.
     *
     * @return {@code false} when the budget is spent and the caller should give up
     * @throws InterruptedException when interrupted while waiting
     */
    boolean pause() throws InterruptedException {
        attempts++;
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            return false;
        }
        long pause = Math.min(pauseNanos, left);
        Thread.sleep(pause / 1_000_000, (int) (pause % 1_000_000));
        pauseNanos = Math.min(pauseNanos * 2, maxPauseNanos);
        return true;
    }

    /** Returns how many attempts have failed so far. */
    int attempts() {
        return attempts;
    }
}
