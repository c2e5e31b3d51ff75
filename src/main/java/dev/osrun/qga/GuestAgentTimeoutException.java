package dev.osrun.qga;

import java.time.Duration;

/**
 * Thrown when the guest agent did not answer within the caller's timeout: the guest has not booted yet, the agent
 * is not running, or the command is slow. The client resynchronises before its next call, so a late reply is never
 * taken as the answer to a later call.
 */
public class GuestAgentTimeoutException extends GuestAgentException {

    private static final long serialVersionUID = 1L;

    private final String command;
    private final transient Duration timeout;

    /**
     * Creates the exception.
     *
     * @param message what the client waited for and what it saw meanwhile
     * @param command the command whose reply was awaited
     * @param timeout how long the client waited
     */
    public GuestAgentTimeoutException(String message, String command, Duration timeout) {
        super(message);
        this.command = command;
        this.timeout = timeout;
    }

    /**
     * Returns the command whose reply did not arrive.
     *
     * @return the command name, e.g. {@code guest-sync-delimited}
     */
    public String command() {
        return command;
    }

    /**
     * Returns how long the client waited.
     *
     * @return the timeout that expired
     */
    public Duration timeout() {
        return timeout;
    }
}
