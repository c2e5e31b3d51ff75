package dev.osrun.engine;

import dev.osrun.GuestNotRespondingException;
import dev.osrun.VmBrokenException;
import dev.osrun.VmCrashedException;
import dev.osrun.qga.GuestAgentTimeoutException;
import dev.osrun.transport.ProtocolException;

import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * Runs the agent and QMP calls of one {@link Machine} so that they fail with what happened to the VM rather than
 * with what happened to the socket: a call to a dead VM fails at once with a {@link VmCrashedException}, a call
 * whose connection broke because QEMU died fails with that {@link VmCrashedException} too, and an agent call that
 * timed out fails with a {@link GuestNotRespondingException} carrying the serial log's tail. The VM's state comes
 * from {@link VmState}.
 */
final class CallGuard {

    private static final int SERIAL_TAIL_LINES = 30;
    /** How long a failed call waits for QEMU to exit, so that a dying VM is reported as the crash it is. */
    private static final Duration EXIT_GRACE = Duration.ofMillis(500);

    private final VmState state;
    private final QemuProcess qemu;
    private final Path serialLog;

    CallGuard(VmState state, QemuProcess qemu, Path serialLog) {
        this.state = state;
        this.qemu = qemu;
        this.serialLog = serialLog;
    }

    /**
     * Runs {@code call} for the purpose {@code what} (the words a failure names).
     *
     * @param resetAllowed whether a guest reset is no error (for a restore, which undoes it)
     * @throws VmCrashedException          when QEMU exited or the guest crashed, before or during the call
     * @throws VmBrokenException           when the VM is in a state osrun does not know (see {@link VmState})
     * @throws GuestNotRespondingException when the guest agent did not answer in time
     */
    <T> T call(String what, boolean resetAllowed, Supplier<T> call) {
        ensureAlive(resetAllowed);
        try {
            return call.get();
        } catch (GuestAgentTimeoutException e) {
            // Only the agent's: a QMP timeout stays one, so that a restore can tell a job that hung from a guest
            // that does not answer.
            ensureAlive(resetAllowed);
            throw notResponding(what, null, e);
        } catch (ProtocolException e) {
            // A closed connection or an odd reply often means QEMU is on its way out: say so if it is.
            qemu.waitFor(EXIT_GRACE);
            ensureAlive(resetAllowed);
            throw e;
        }
    }

    /**
     * Checks that the VM is still there and in a state osrun knows; see {@link VmState#check}.
     *
     * @param resetAllowed whether a guest reset is no error
     */
    void ensureAlive(boolean resetAllowed) {
        state.check(resetAllowed);
    }

    /**
     * The exception for a guest that did not answer while osrun waited for {@code what}, naming the wait's
     * {@code timeout} (or the {@code cause}'s message) and ending with the serial log's tail.
     */
    GuestNotRespondingException notResponding(String what, Duration timeout, Throwable cause) {
        return new GuestNotRespondingException("The guest did not answer while waiting for " + what
                + (timeout != null ? " (" + timeout.toMillis() + " ms)" : cause != null ? " (" + cause.getMessage() + ")" : "")
                + ". The guest may be hung, paused or overloaded. Last lines of the serial log:\n"
                + SerialLog.tail(serialLog, SERIAL_TAIL_LINES), cause);
    }
}
