package dev.osrun.provision;

import dev.osrun.OsrunException;

/** A provisioning step did not end with the guest's own clean shutdown; the message names it and shows the logs' tails. */
final class StepFailedException extends OsrunException {

    private final String step;

    /** Step {@code step} failed for {@code reason}; {@code logs} are the tails of the guest's logs. */
    public StepFailedException(String step, String reason, String logs, Throwable cause) {
        super("Provisioning step '" + step + "' failed: " + reason + (logs.isBlank() ? "" : "\n" + logs), cause);
        this.step = step;
    }

    /** The name of the step that failed. */
    public String step() {
        return step;
    }
}
