package dev.osrun.qmp;

/**
 * A registered listener; closing the subscription removes the listener. Closing twice does nothing.
 */
public interface Subscription extends AutoCloseable {

    /**
     * Removes the listener; it is not called again once this method returns (except for a call already running
     * on another thread).
     */
    @Override
    void close();
}
