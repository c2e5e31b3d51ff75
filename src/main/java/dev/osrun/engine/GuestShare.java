package dev.osrun.engine;

import dev.osrun.GuestNotRespondingException;
import dev.osrun.OsrunException;
import dev.osrun.qga.GuestExecStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * The host directory the guest mounts over SMB ({@link MachineSpec#shareDir()}): mounted after a cold boot,
 * mounted afresh after a restore (the snapshot's SMB connection is dead), and unmounted while a snapshot is
 * taken, so that restoring it never finds a dead connection. A mount that fails only warns: output and files then
 * go through the guest agent.
 *
 * <p>After a restore (and a start from a snapshot) the share is mounted in the background, on one daemon thread
 * of this share's own that ends when idle, so that the restore does not wait for it (0.4 to 1 s under TCG).
 * {@link #awaitMounted()} is what anything that needs the share calls first: it waits for a mount in progress.
 * {@link #mountedNow()} never waits. One mount runs at a time: a restore or save first lets the one in progress
 * end.
 */
final class GuestShare implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(GuestShare.class);
    private static final Duration MOUNT_TIMEOUT = Duration.ofSeconds(30);
    /**
     * How long a caller waits for a mount in the background: the helper's own {@link #MOUNT_TIMEOUT} plus the agent
     * calls that start and poll it, each bounded by the agent's call timeout.
     */
    private static final Duration AWAIT_TIMEOUT = Duration.ofSeconds(90);

    private final MachineSpec spec;
    private final GuestProfile profile;
    private final GuestCalls guest;
    private final CallGuard guard;
    private final ThreadPoolExecutor mounter;
    /** The outcome of the last mount: whether the share is mounted; not done while a mount runs. */
    private volatile CompletableFuture<Boolean> mounted = CompletableFuture.completedFuture(false);

    GuestShare(MachineSpec spec, GuestProfile profile, GuestCalls guest, CallGuard guard) {
        this.spec = spec;
        this.profile = profile;
        this.guest = guest;
        this.guard = guard;
        String threadName = "osrun-share-" + spec.runDir().getFileName();
        this.mounter = new ThreadPoolExecutor(1, 1, 10, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), task -> {
            Thread thread = new Thread(task, threadName);
            thread.setDaemon(true);
            return thread;
        });
        mounter.allowCoreThreadTimeOut(true);
    }

    /** Mounts the share after a cold boot, and returns when it is done. */
    void mount() {
        awaitSettled();
        mounted = CompletableFuture.completedFuture(mountNow(false));
    }

    /**
     * Starts mounting the share afresh (after a restore, when the snapshot's mount is stale) and returns at once;
     * {@link #awaitMounted()} waits for it. A failure only warns, as {@link #mount()}'s does.
     */
    void remountInBackground() {
        awaitSettled();
        if (spec.shareDir() == null) {
            mounted = CompletableFuture.completedFuture(false);
            return;
        }
        try {
            mounted = CompletableFuture.supplyAsync(this::remountQuietly, mounter);
        } catch (RejectedExecutionException e) {
            // closed meanwhile: nothing to mount for
            mounted = CompletableFuture.completedFuture(false);
        }
    }

    /**
     * Whether the guest has the share mounted, waiting for a mount in progress.
     *
     * @throws GuestNotRespondingException when that mount has not ended within {@link #AWAIT_TIMEOUT}
     * @throws OsrunException              when interrupted while waiting
     */
    boolean awaitMounted() {
        CompletableFuture<Boolean> pending = mounted;
        if (pending.isDone()) {
            return pending.getNow(false);
        }
        long started = System.nanoTime();
        try {
            boolean result = pending.get(AWAIT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            log.debug("Waited {} ms for the share to be mounted in the background", (System.nanoTime() - started) / 1_000_000);
            return result;
        } catch (TimeoutException e) {
            throw guard.notResponding("the share to be mounted in the guest (in the background, after a restore)",
                    AWAIT_TIMEOUT, null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OsrunException("Interrupted while waiting for the share to be mounted in the guest", e);
        } catch (ExecutionException | CancellationException e) {
            return false; // remountQuietly throws nothing; a cancelled mount (closed VM) is no mount
        }
    }

    /**
     * Whether the share is mounted right now, without waiting: {@code false} while a mount runs in the background.
     */
    boolean mountedNow() {
        CompletableFuture<Boolean> current = mounted;
        return current.isDone() && current.getNow(false);
    }

    /** Whether a mount is running in the background. */
    boolean mountPending() {
        return !mounted.isDone();
    }

    /**
     * Runs {@code action} (a snapshot save) with the share unmounted in the guest, and mounts it again after (in the
     * foreground: a save is no reset).
     */
    <T> T whileUnmounted(Supplier<T> action) {
        Optional<AgentExec> unmount = profile.unmountShare();
        boolean remount = awaitMounted() && unmount.isPresent();
        if (remount) {
            guest.runToCompletion(unmount.get(), MOUNT_TIMEOUT);
        }
        try {
            return action.get();
        } finally {
            if (remount) {
                mount();
            }
        }
    }

    /** Lets a mount in progress end (a restore must not load a snapshot under it); its outcome does not matter. */
    void awaitSettled() {
        try {
            awaitMounted();
        } catch (GuestNotRespondingException e) {
            log.debug("The background mount of the share did not end; going on without it", e);
        }
    }

    /**
     * Stops the mount thread without waiting for it: a mount in progress is interrupted, and fails at the latest when
     * the VM's connections close. Call it before stopping QEMU, so that the failure is not reported as one.
     */
    @Override
    public void close() {
        mounter.shutdownNow();
        mounted.complete(false); // releases whoever waits for a mount that will never run
        mounted = CompletableFuture.completedFuture(false);
    }

    private boolean remountQuietly() {
        try {
            return mountNow(true);
        } catch (RuntimeException e) {
            if (mounter.isShutdown()) {
                log.debug("The VM closed while the share was being mounted", e);
            } else {
                log.warn("The share could not be mounted in the guest after a restore; files will go through the guest "
                        + "agent. {}", e.getMessage());
            }
            return false;
        }
    }

    private boolean mountNow(boolean afresh) {
        Optional<AgentExec> mount = afresh ? profile.remountShare() : profile.mountShare();
        if (spec.shareDir() == null || mount.isEmpty()) {
            return spec.shareDir() != null;
        }
        GuestExecStatus status = guest.runToCompletion(mount.get(), MOUNT_TIMEOUT);
        boolean ok = status.exitCode() != null && status.exitCode() == 0;
        if (!ok) {
            log.warn("The share could not be mounted in the guest; files will go through the guest agent. {}",
                    new String(status.stderr(), profile.charset()).strip());
        }
        return ok;
    }
}
