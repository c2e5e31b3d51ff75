package dev.osrun.qga;

import dev.osrun.transport.ProtocolTimeoutException;

import java.time.Duration;

/**
 * Thrown when the guest agent did not answer within the caller's timeout: the guest has not booted yet, the agent
 * is not running, or the command is slow. The client resynchronises before its next call, so a late reply is never
 * taken as the answer to a later call.
 */
public class GuestAgentTimeoutException extends ProtocolTimeoutException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what the client waited for and what it saw meanwhile
     * @param command the command whose reply was awaited
     * @param timeout how long the client waited
     */
    public GuestAgentTimeoutException(String message, String command, Duration timeout) {
        super(message, command, timeout);
    }
}
