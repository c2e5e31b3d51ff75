package dev.osrun.engine;

import dev.osrun.GuestNotRespondingException;
import dev.osrun.qga.GuestAgentClient;
import dev.osrun.qga.GuestAgentConnectionClosedException;
import dev.osrun.qga.GuestAgentTimeoutException;
import dev.osrun.qga.GuestExecRequest;
import dev.osrun.qga.GuestExecStatus;
import dev.osrun.transport.Backoff;

import java.time.Duration;
import java.time.Instant;

/**
 * The guest agent calls the engine makes, each through the {@link CallGuard}: starting and polling guest
 * processes, running osrun's helpers to completion, waiting for the agent after a start, resynchronising after a
 * restore and setting the guest clock.
 */
final class GuestCalls {

    private static final Duration RESYNC_TIMEOUT = Duration.ofSeconds(30);
    /** How long one sync may take while waiting for a booting guest, so that a dead QEMU is noticed soon. */
    private static final Duration BOOT_SYNC_STEP = Duration.ofSeconds(2);

    private final GuestAgentClient agent;
    private final CallGuard guard;

    GuestCalls(GuestAgentClient agent, CallGuard guard) {
        this.agent = agent;
        this.guard = guard;
    }

    /** Starts {@code exec} through the agent and returns its pid. */
    long startProcess(AgentExec exec, byte[] stdin, boolean capture) {
        return guard.call("starting " + exec.path(), false, () -> agent.exec(new GuestExecRequest(
                exec.path(), exec.args(), exec.env(), stdin, capture)));
    }

    /** Asks the agent for the state of process {@code pid}. */
    GuestExecStatus processStatus(long pid) {
        return guard.call("polling guest process " + pid, false, () -> agent.execStatus(pid));
    }

    /**
     * Runs {@code exec} (one of osrun's helpers) with captured output and waits for it to end.
     *
     * @throws GuestNotRespondingException when it has not ended within {@code timeout}
     */
    GuestExecStatus runToCompletion(AgentExec exec, Duration timeout) {
        long pid = startProcess(exec, null, true);
        long deadline = System.nanoTime() + timeout.toNanos();
        Backoff backoff = Backoff.forExecPolling();
        while (true) {
            GuestExecStatus status = processStatus(pid);
            if (status.exited()) {
                return status;
            }
            if (System.nanoTime() > deadline) {
                throw guard.notResponding("'" + exec.path() + "' (a helper osrun runs in the guest) to finish", timeout, null);
            }
            backoff.pause(deadline);
        }
    }

    /**
     * Waits until the agent answers after QEMU started, checking between attempts that QEMU still runs.
     *
     * @throws GuestNotRespondingException when it has not answered within {@code timeout}
     */
    void awaitAnswer(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            guard.ensureAlive(false);
            Duration left = Duration.ofNanos(deadline - System.nanoTime());
            if (left.isNegative()) {
                throw guard.notResponding("the guest agent to answer after start", timeout, null);
            }
            try {
                agent.sync(left.compareTo(BOOT_SYNC_STEP) > 0 ? BOOT_SYNC_STEP : left);
                return;
            } catch (GuestAgentTimeoutException e) {
                // not booted yet: check that QEMU still lives, then try again
            } catch (GuestAgentConnectionClosedException e) {
                guard.ensureAlive(false);
                throw e;
            }
        }
    }

    /** Resynchronises with the agent after a restore ({@code after} names it), whose replies may be stale. */
    void resync(String after) {
        guard.call("resynchronising the guest agent after " + after, false, () -> {
            agent.sync(RESYNC_TIMEOUT);
            return null;
        });
    }

    /** Sets the guest clock to the host's: after a restore it shows the time the snapshot was taken. */
    void setClock() {
        guard.call("setting the guest clock", false, () -> {
            agent.setTime(Instant.now());
            return null;
        });
    }
}
