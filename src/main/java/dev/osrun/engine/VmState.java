package dev.osrun.engine;

import dev.osrun.OsrunException;
import dev.osrun.VmBrokenException;
import dev.osrun.VmCrashedException;
import dev.osrun.qmp.QmpEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;

/**
 * What {@link Machine} knows about its VM beyond "QEMU runs": whether it crashed (QEMU exited, the guest panicked
 * or powered off), is broken (a restore failed half-way: memory and disk unknown), was reset by the guest or
 * someone else (a QMP {@code RESET}: it no longer runs the state osrun set up, until a restore), or is being
 * closed. Fed by QEMU's exit and QMP events; {@link #check} turns it into the exception a call should fail with.
 */
final class VmState {

    private static final Logger log = LoggerFactory.getLogger(VmState.class);
    private static final int SERIAL_TAIL_LINES = 30;

    private final Process process;
    private final Path serialLog;
    private volatile String crashReason;
    private volatile String brokenReason;
    private volatile Throwable brokenCause;
    private volatile String resetReason;
    private volatile boolean resetsExpected;
    private volatile boolean closing;

    VmState(Process process, Path serialLog) {
        this.process = process;
        this.serialLog = serialLog;
    }

    /** QEMU has exited. */
    void onExit() {
        if (!closing && crashReason == null) {
            crashReason = "QEMU exited unexpectedly" + exitText(process);
        }
    }

    /** A QMP event arrived (on the reader thread: returns at once). */
    void onEvent(QmpEvent event) {
        switch (event.name()) {
            case "GUEST_PANICKED" -> crashReason = "The guest kernel panicked (GUEST_PANICKED)";
            case "SHUTDOWN" -> {
                if (!closing && event.data().path("guest").asBoolean(false)) {
                    crashReason = "The guest shut down by itself (SHUTDOWN, reason: "
                            + event.data().path("reason").asText("unknown") + ")";
                }
            }
            case "RESET" -> {
                String reason = event.data().path("reason").asText("unknown");
                // A restore resets the machine too ("snapshot-load"): that one is ours.
                if (!closing && !resetsExpected && !reason.equals("snapshot-load")) {
                    resetReason = "The guest was reset (QMP RESET, reason: " + reason + (event.data().path("guest")
                            .asBoolean(false) ? ", by the guest itself: it rebooted" : "") + ")";
                    log.warn("{}; later calls fail until a snapshot is restored", resetReason);
                }
            }
            default -> { }
        }
    }

    /** Whether a guest reset is expected (an installer reboots): then it is no error. */
    void expectResets(boolean expected) {
        this.resetsExpected = expected;
    }

    /** A restore failed inside QEMU: from now on every call fails with a {@link VmBrokenException}. */
    VmBrokenException markBroken(String reason, Throwable cause) {
        brokenCause = cause;
        brokenReason = reason;
        return broken();
    }

    /** A restore succeeded: the VM runs a known state again. */
    void restored() {
        resetReason = null;
    }

    boolean closing() {
        return closing;
    }

    void closing(boolean value) {
        closing = value;
    }

    /**
     * Checks that the VM is still there and in a state osrun knows.
     *
     * @param resetAllowed whether a guest reset is no error (for a restore, which undoes it)
     * @throws VmCrashedException when QEMU exited or the guest panicked or shut down
     * @throws VmBrokenException  when a restore failed half-way, or (unless allowed) the guest was reset
     * @throws OsrunException     when the VM has been closed
     */
    void check(boolean resetAllowed) {
        String reason = crashReason;
        if (reason == null && !process.isAlive() && !closing) {
            reason = "QEMU exited unexpectedly" + exitText(process);
        }
        if (reason != null) {
            throw new VmCrashedException(reason, process.isAlive() ? null : process.exitValue(),
                    SerialLog.tail(serialLog, SERIAL_TAIL_LINES));
        }
        if (closing) {
            throw new OsrunException("This VM has been closed");
        }
        if (brokenReason != null) {
            throw broken();
        }
        String reset = resetReason;
        if (reset != null && !resetAllowed) {
            throw new VmBrokenException(reset + ", so it no longer runs the state osrun set up (its agent, share and "
                    + "files are gone or changed). Restore a snapshot to go on, or close the VM. Last lines of the "
                    + "serial log:\n" + SerialLog.tail(serialLog, SERIAL_TAIL_LINES));
        }
    }

    private VmBrokenException broken() {
        return new VmBrokenException(brokenReason + ". Close this VM and start a new one; the snapshot may be "
                + "damaged or made by another QEMU. Last lines of the serial log:\n"
                + SerialLog.tail(serialLog, SERIAL_TAIL_LINES), brokenCause);
    }

    /** {@code " (exit code 137, killed by signal 9)"}, or nothing while the process runs. */
    static String exitText(Process process) {
        if (process.isAlive()) {
            return "";
        }
        int code = process.exitValue();
        return code > 128 ? " (exit code " + code + ", killed by signal " + (code - 128) + ")" : " (exit code " + code + ")";
    }
}
