package dev.osrun.local;

import dev.osrun.FileTransferException;
import dev.osrun.InternalErrorException;
import dev.osrun.InvalidInputException;
import dev.osrun.OsrunException;
import dev.osrun.VmControlException;
import dev.osrun.qga.GuestAgentException;
import dev.osrun.qmp.QmpException;

import java.io.UncheckedIOException;
import java.util.function.Supplier;

/**
 * Keeps {@link LocalVm}'s promise that every failure is an {@link OsrunException}: the engine's own subtypes pass
 * through, and what the agent, the QMP client, the host's file system or a bug throws is wrapped with its cause.
 */
final class ApiBoundary {

    private ApiBoundary() {
    }

    /** Runs {@code action}, which does {@code what} ("save snapshot 'a'", say), translating its failures. */
    static <T> T call(String what, Supplier<T> action) {
        try {
            return action.get();
        } catch (RuntimeException e) {
            throw translate(what, e, false);
        }
    }

    /** Like {@link #call}, for a file transfer: host I/O failures and plain engine errors are {@link FileTransferException}s. */
    static void transfer(String what, Runnable action) {
        try {
            action.run();
        } catch (RuntimeException e) {
            throw translate(what, e, true);
        }
    }

    static OsrunException translate(String what, RuntimeException e, boolean transfer) {
        if (transfer && e.getClass() == OsrunException.class) {
            return new FileTransferException(e.getMessage(), e);
        }
        if (e instanceof OsrunException osrun) {
            return osrun;
        }
        if (e instanceof IllegalArgumentException) {
            return new InvalidInputException(e.getMessage(), e);
        }
        if (e instanceof UncheckedIOException) {
            String message = "Could not " + what + ": " + e.getMessage();
            return transfer ? new FileTransferException(message, e) : new VmControlException(message, e);
        }
        if (e instanceof GuestAgentException) {
            return new VmControlException("The guest agent failed to " + what + ": " + e.getMessage(), e);
        }
        if (e instanceof QmpException) {
            return new VmControlException("QEMU's monitor failed to " + what + ": " + e.getMessage(), e);
        }
        return new InternalErrorException("osrun failed to " + what + " (" + e.getClass().getName() + ": " + e.getMessage()
                + "). This is a bug in osrun; please report it with the log.", e);
    }
}
