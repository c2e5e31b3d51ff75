package dev.osrun.engine;

import dev.osrun.Accel;
import com.fasterxml.jackson.databind.JsonNode;
import dev.osrun.GuestNotRespondingException;
import dev.osrun.OsrunException;
import dev.osrun.SnapshotInfo;
import dev.osrun.SnapshotNotFoundException;
import dev.osrun.SnapshotReadOnlyException;
import dev.osrun.VmBrokenException;
import dev.osrun.VmCrashedException;
import dev.osrun.qga.GuestAgentClient;
import dev.osrun.qga.GuestAgentConnectionClosedException;
import dev.osrun.qga.GuestAgentException;
import dev.osrun.qga.GuestAgentTimeoutException;
import dev.osrun.qga.GuestExecRequest;
import dev.osrun.qga.GuestExecStatus;
import dev.osrun.qmp.QmpClient;
import dev.osrun.qmp.QmpCommandException;
import dev.osrun.qmp.QmpConnectionClosedException;
import dev.osrun.qmp.QmpException;
import dev.osrun.qmp.QmpJobException;
import dev.osrun.qmp.QmpTimeoutException;
import dev.osrun.transport.Backoff;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * One QEMU process and the guest in it: starts it, talks to it over QMP and the guest agent, notices when it
 * dies, and stops it. Commands and files go through {@link CommandRunner} and {@link FileTransfer}.
 *
 * <p>Every call first checks that the VM is still there; if QEMU exited, the guest panicked or shut down, the
 * call fails at once with a {@link VmCrashedException} carrying the reason and the serial log's tail. If the VM
 * runs but its state is unknown (a restore failed half-way, or the guest rebooted by itself: a QMP {@code RESET}),
 * the call fails at once with a {@link VmBrokenException}.
 *
 * <p>QEMU dies with this JVM (see {@link QemuLauncher}); what a killed JVM leaves behind is swept by the next
 * {@link RunDirectory#create}.
 */
public final class Machine implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Machine.class);
    private static final Duration QMP_CONNECT_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration AGENT_CALL_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration RESYNC_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
    /** How long {@link #close()} waits for each step: QMP quit, then SIGTERM, then SIGKILL. */
    private static final Duration CLOSE_STEP = Duration.ofSeconds(3);
    private static final Duration SAVE_TIMEOUT = Duration.ofMinutes(10);
    private static final Duration LOAD_TIMEOUT = Duration.ofMinutes(5);
    private static final Duration DELETE_TIMEOUT = Duration.ofMinutes(2);
    private static final int SERIAL_TAIL_LINES = 30;

    private final MachineSpec spec;
    private final Accel accel;
    private final GuestProfile profile;
    private final Process process;
    private final QmpClient qmp;
    private final GuestAgentClient agent;
    private final CommandRunner commands;
    private final FileTransfer files;
    private final Snapshots snapshots;
    private final Set<String> readOnlySnapshots = ConcurrentHashMap.newKeySet();
    private final VmState state;
    private boolean shareMounted;

    private Machine(MachineSpec spec, Accel accel, GuestProfile profile, Process process, QmpClient qmp,
                    GuestAgentClient agent) {
        this.spec = spec;
        this.accel = accel;
        this.profile = profile;
        this.process = process;
        this.qmp = qmp;
        this.agent = agent;
        this.commands = new CommandRunner(this);
        this.files = new FileTransfer(this);
        this.snapshots = new Snapshots(qmp);
        this.state = new VmState(process, spec.serialLog());
    }

    /**
     * Starts QEMU for {@code spec} and waits until the guest agent answers (and the share is mounted, if any).
     *
     * @param bootTimeout how long the guest may take to answer: seconds from a snapshot, minutes for a cold boot
     * @throws VmCrashedException          when QEMU exits while starting; carries its log and the serial tail
     * @throws GuestNotRespondingException when the agent does not answer within {@code bootTimeout}
     * @throws OsrunException              when KVM is asked for but not usable, or QEMU cannot be started
     */
    public static Machine start(MachineSpec spec, GuestProfile profile, Duration bootTimeout) {
        Accel accel = AccelResolver.resolve(spec.accel());
        if (accel == Accel.KVM && !AccelResolver.kvmUsable()) {
            throw new OsrunException("KVM was asked for but /dev/kvm is missing or not readable and writable by this user. "
                    + "In Docker, pass it with --device /dev/kvm; on a host, add the user to the 'kvm' group; "
                    + "or run with software emulation (--accel tcg / " + Accel.ENV + "=tcg).");
        }
        List<String> argv = QemuCommandLine.build(spec, accel);
        prepareRunDir(spec);
        log.debug("Starting QEMU: {}", argv);
        Process process = QemuLauncher.start(argv, spec.qemuLog());
        RunDirectory.recordQemu(spec.runDir(), process.toHandle());
        QmpClient qmp = null;
        GuestAgentClient agent = null;
        try {
            awaitSockets(spec, process);
            qmp = QmpClient.connect(spec.qmpSocket(), QMP_CONNECT_TIMEOUT);
            agent = GuestAgentClient.connect(spec.agentSocket(), QMP_CONNECT_TIMEOUT);
            Machine machine = new Machine(spec, accel, profile, process, qmp, agent);
            machine.watch();
            machine.completeIncomingMigration();
            machine.awaitAgent(bootTimeout);
            if (spec.loadSnapshot() != null || spec.incomingState() != null) {
                machine.setGuestClock();
                machine.mountShare(true);
            } else {
                machine.mountShare(false);
            }
            log.info("VM up ({}, {} MiB, {}, {})", accel, spec.memoryMiB(),
                    spec.incomingState() != null ? "cloned from a RAM template"
                            : spec.loadSnapshot() != null ? "restored '" + spec.loadSnapshot() + "'" : "booted",
                    spec.shareDir() != null ? "share " + spec.shareDir() : "no share");
            return machine;
        } catch (RuntimeException e) {
            boolean exitedByItself = !process.isAlive();
            closeQuietly(agent);
            closeQuietly(qmp);
            process.destroyForcibly();
            waitFor(process, STOP_TIMEOUT);
            if (e instanceof OsrunException) {
                throw e;
            }
            String qemuLog = "\nQEMU's log:\n" + SerialLog.tail(spec.qemuLog(), 20);
            if (exitedByItself) {
                throw new VmCrashedException("QEMU exited while starting" + exitText(process) + qemuLog,
                        process.exitValue(), SerialLog.tail(spec.serialLog(), SERIAL_TAIL_LINES));
            }
            throw new OsrunException("Could not talk to the QEMU process: " + e.getMessage() + qemuLog, e);
        }
    }

    /** Waits until QEMU has created its sockets, failing at once if it exits first (a bad argument, say). */
    private static void awaitSockets(MachineSpec spec, Process process) {
        long deadline = System.nanoTime() + QMP_CONNECT_TIMEOUT.toNanos();
        Backoff backoff = new Backoff(Duration.ofMillis(1), Duration.ofMillis(50));
        while (!(Files.exists(spec.qmpSocket()) && Files.exists(spec.agentSocket()))) {
            if (!process.isAlive()) {
                throw new VmCrashedException("QEMU exited while starting" + exitText(process) + "\nQEMU's log:\n"
                        + SerialLog.tail(spec.qemuLog(), 20), process.exitValue(), SerialLog.tail(spec.serialLog(), SERIAL_TAIL_LINES));
            }
            if (System.nanoTime() > deadline) {
                throw new OsrunException("QEMU did not create its sockets in " + spec.runDir() + " within "
                        + QMP_CONNECT_TIMEOUT.toSeconds() + " s. QEMU's log:\n" + SerialLog.tail(spec.qemuLog(), 20));
            }
            backoff.pause(deadline);
        }
    }

    private static void prepareRunDir(MachineSpec spec) {
        try {
            Files.createDirectories(spec.runDir());
            Files.deleteIfExists(spec.qmpSocket());
            Files.deleteIfExists(spec.agentSocket());
            Files.deleteIfExists(spec.serialLog());
            if (spec.shareDir() != null) {
                Files.createDirectories(spec.shareDir());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot prepare the VM's run directory " + spec.runDir(), e);
        }
    }

    /** A clone of a RAM template: loads the template's device state (the RAM is the mapped file), then runs. */
    private void completeIncomingMigration() {
        if (spec.incomingState() == null) {
            return;
        }
        qmpCall("loading the RAM template's device state", () -> {
            Migration.ignoreSharedRam(qmp);
            Migration.load(qmp, spec.incomingState(), LOAD_TIMEOUT);
            return null;
        });
    }

    private void watch() {
        process.onExit().thenRun(state::onExit);
        qmp.addEventListener(state::onEvent);
    }

    private void awaitAgent(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            ensureAlive();
            Duration left = Duration.ofNanos(deadline - System.nanoTime());
            if (left.isNegative()) {
                throw notResponding("the guest agent to answer after start", timeout, null);
            }
            try {
                agent.sync(left.compareTo(Duration.ofSeconds(2)) > 0 ? Duration.ofSeconds(2) : left);
                return;
            } catch (GuestAgentTimeoutException e) {
                // not booted yet: check that QEMU still lives, then try again
            } catch (GuestAgentConnectionClosedException e) {
                ensureAlive();
                throw e;
            }
        }
    }

    /** Mounts the share in the guest; {@code afresh} after a restore, when the snapshot's mount is stale. */
    private void mountShare(boolean afresh) {
        Optional<AgentExec> mount = afresh ? profile.remountShare() : profile.mountShare();
        if (spec.shareDir() == null || mount.isEmpty()) {
            shareMounted = spec.shareDir() != null;
            return;
        }
        GuestExecStatus status = runToCompletion(mount.get(), Duration.ofSeconds(30));
        shareMounted = status.exitCode() != null && status.exitCode() == 0;
        if (!shareMounted) {
            log.warn("The share could not be mounted in the guest; files will go through the guest agent. {}",
                    new String(status.stderr(), profile.charset()).strip());
        }
    }

    /** The spec this VM was started from. */
    public MachineSpec spec() {
        return spec;
    }

    /** The accelerator QEMU runs with. */
    public Accel accel() {
        return accel;
    }

    /** The guest's profile. */
    public GuestProfile profile() {
        return profile;
    }

    /** Whether the guest has the share mounted, so that output and files can travel through it. */
    public boolean shareMounted() {
        return shareMounted;
    }

    /**
     * Sets how long one guest agent call may take before it fails with a {@link GuestNotRespondingException}
     * (default 30 s). This bounds each call, not a command's run time, which {@code ExecOptions} bounds.
     */
    public void setAgentTimeout(Duration timeout) {
        agent.setDefaultTimeout(timeout);
    }

    /** The QMP client, for what this class does not offer (pausing the VM, say). */
    public QmpClient qmp() {
        return qmp;
    }

    /** The QEMU process's id. */
    public long pid() {
        return process.pid();
    }

    /** The QEMU version, as its QMP greeting gives it. */
    public String qemuVersion() {
        return qmp.qemuVersion();
    }

    /** Runs {@code command} and returns its result; see {@link CommandRunner}. */
    public dev.osrun.ExecResult exec(Command command, dev.osrun.ExecOptions options) {
        return commands.run(command, options);
    }

    /** Copies a host file or tree into the guest; see {@link FileTransfer}. */
    public void upload(Path hostPath, String guestPath) {
        files.upload(hostPath, guestPath);
    }

    /** Copies a guest file or tree to the host; see {@link FileTransfer}. */
    public void download(String guestPath, Path hostPath) {
        files.download(guestPath, hostPath);
    }

    // ---- snapshots -------------------------------------------------------------------------------------------

    /**
     * Makes the snapshot {@code name} read-only for this VM: {@link #saveSnapshot} and {@link #deleteSnapshot} then
     * refuse it with a {@link SnapshotReadOnlyException} (for the {@code provisioned} snapshot of a cached disk).
     */
    public void protectSnapshot(String name) {
        readOnlySnapshots.add(SnapshotTable.requireValidName(name));
    }

    /**
     * Tells the engine whether the guest may reset or reboot by itself (an installer does); while it may, a QMP
     * {@code RESET} is no error. Off by default.
     */
    public void expectGuestResets(boolean expected) {
        state.expectResets(expected);
    }

    /**
     * Saves disk and memory under {@code name} with QMP's {@code snapshot-save} job, replacing a snapshot of that
     * name. The share is unmounted while the snapshot is taken, so that restoring it never finds a dead SMB
     * connection.
     *
     * @throws SnapshotReadOnlyException when {@code name} is protected ({@link #protectSnapshot})
     * @throws OsrunException            when QEMU fails to save; the VM keeps running its state
     */
    public SnapshotInfo saveSnapshot(String name) {
        requireWritable(name);
        ensureAlive();
        Optional<AgentExec> unmount = profile.unmountShare();
        boolean remount = shareMounted && unmount.isPresent();
        if (remount) {
            runToCompletion(unmount.get(), Duration.ofSeconds(30));
        }
        try {
            qmpCall("saving snapshot '" + name + "'", () -> {
                if (snapshots.list().stream().anyMatch(s -> s.name().equals(name))) {
                    snapshots.delete(name, DELETE_TIMEOUT);
                }
                snapshots.save(name, SAVE_TIMEOUT);
                return null;
            });
        } catch (QmpJobException | QmpCommandException e) {
            throw new OsrunException("QEMU could not save snapshot '" + name + "': " + e.getMessage()
                    + ". The VM keeps running; check the disk's free space.", e);
        } finally {
            if (remount) {
                mountShare(false);
            }
        }
        return qmpCall("listing snapshots", () -> snapshots.require(name));
    }

    /**
     * Restores the snapshot {@code name} in the running VM with QMP's {@code snapshot-load} job, then
     * resynchronises the agent, sets the guest clock to the host's and makes sure the share is mounted. This is
     * also how a VM whose guest rebooted gets back to a known state.
     *
     * @throws SnapshotNotFoundException when there is no such snapshot (it lists the ones that exist); the VM is
     *                                   unchanged
     * @throws OsrunException            when the snapshot holds no memory state; the VM is unchanged
     * @throws VmBrokenException         when QEMU failed while loading it: the VM's state is then unknown and every
     *                                   later call fails at once with this exception
     */
    public void restoreSnapshot(String name) {
        SnapshotTable.requireValidName(name);
        ensureAlive(true);
        qmpCall("checking snapshot '" + name + "'", true, () -> snapshots.requireRestorable(name));
        try {
            qmpCall("restoring snapshot '" + name + "'", true, () -> {
                snapshots.load(name, LOAD_TIMEOUT);
                return null;
            });
        } catch (QmpCommandException e) {
            throw new OsrunException("QEMU refused to start restoring snapshot '" + name + "': " + e.description()
                    + ". The restore never started: the VM runs on, unchanged.", e);
        } catch (QmpJobException | QmpTimeoutException e) {
            throw state.markBroken("Restoring snapshot '" + name + "' failed (" + e.getMessage() + "), so the VM's memory "
                    + "and disk are in an unknown state and QEMU holds it paused", e);
        }
        state.restored();
        afterRestore(name);
    }

    private void afterRestore(String name) {
        call("resynchronising the guest agent after restoring '" + name + "'", () -> {
            agent.sync(RESYNC_TIMEOUT);
            return null;
        });
        setGuestClock();
        mountShare(true);
    }

    /** Sets the guest clock to the host's: after a restore it shows the time the snapshot was taken. */
    private void setGuestClock() {
        call("setting the guest clock", () -> {
            agent.setTime(Instant.now());
            return null;
        });
    }

    /** The snapshots on the VM's disk, from QMP's {@code query-block}. */
    public List<SnapshotInfo> snapshots() {
        return qmpCall("listing snapshots", true, snapshots::list);
    }

    /**
     * Deletes the snapshot {@code name} with QMP's {@code snapshot-delete} job.
     *
     * @throws SnapshotNotFoundException when there is none
     * @throws SnapshotReadOnlyException when {@code name} is protected ({@link #protectSnapshot})
     */
    public void deleteSnapshot(String name) {
        requireWritable(name);
        qmpCall("deleting snapshot '" + name + "'", () -> {
            snapshots.require(name);
            try {
                snapshots.delete(name, DELETE_TIMEOUT);
            } catch (QmpJobException e) {
                throw new OsrunException("QEMU could not delete snapshot '" + name + "': " + e.error(), e);
            }
            return null;
        });
    }

    private void requireWritable(String name) {
        SnapshotTable.requireValidName(name);
        if (readOnlySnapshots.contains(name)) {
            throw new SnapshotReadOnlyException(name);
        }
    }

    /** A PNG picture of the screen. */
    public byte[] screenshotPng() {
        Path file = spec.runDir().resolve("screenshot-" + System.nanoTime() + ".png");
        qmpCall("taking a screenshot", () -> {
            qmp.screendumpPng(file);
            return null;
        });
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("QEMU wrote no screenshot to " + file, e);
        } finally {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // a leftover file in the run directory is harmless
            }
        }
    }

    // ---- agent helpers for CommandRunner and FileTransfer ---------------------------------------------------

    /** Starts {@code exec} through the agent and returns its pid. */
    long startProcess(AgentExec exec, byte[] stdin, boolean capture) {
        return call("starting " + exec.path(), () -> agent.exec(new GuestExecRequest(
                exec.path(), exec.args(), exec.env(), stdin, capture)));
    }

    /** Asks the agent for the state of process {@code pid}. */
    GuestExecStatus processStatus(long pid) {
        return call("polling guest process " + pid, () -> agent.execStatus(pid));
    }

    /**
     * The guest agent client, for what this class does not offer (relaying it on a debugging port, say); within
     * the engine, callers wrap their calls in {@link #call}.
     *
     * @throws VmCrashedException when QEMU has exited
     */
    public GuestAgentClient agent() {
        ensureAlive();
        return agent;
    }

    /** Runs {@code exec} with captured output and waits for it to end. */
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
                throw notResponding("'" + exec.path() + "' (a helper osrun runs in the guest) to finish", timeout, null);
            }
            backoff.pause(deadline);
        }
    }

    /**
     * Runs an agent or QMP call, turning a dead VM into a {@link VmCrashedException} and a timeout into a
     * {@link GuestNotRespondingException}.
     */
    <T> T call(String what, Supplier<T> call) {
        return call(what, false, call);
    }

    private <T> T call(String what, boolean resetAllowed, Supplier<T> call) {
        ensureAlive(resetAllowed);
        try {
            return call.get();
        } catch (GuestAgentTimeoutException e) {
            ensureAlive(resetAllowed);
            throw notResponding(what, null, e);
        } catch (GuestAgentException | QmpException e) {
            awaitExitBriefly();
            ensureAlive(resetAllowed);
            throw e;
        }
    }

    private <T> T qmpCall(String what, Supplier<T> call) {
        return qmpCall(what, false, call);
    }

    private <T> T qmpCall(String what, boolean resetAllowed, Supplier<T> call) {
        try {
            return call(what, resetAllowed, call);
        } catch (QmpConnectionClosedException e) {
            awaitExitBriefly();
            ensureAlive(resetAllowed);
            throw e;
        }
    }

    private void awaitExitBriefly() {
        waitFor(process, Duration.ofMillis(500));
    }

    private GuestNotRespondingException notResponding(String what, Duration timeout, Throwable cause) {
        return new GuestNotRespondingException("The guest did not answer while waiting for " + what
                + (timeout != null ? " (" + timeout.toMillis() + " ms)" : cause != null ? " (" + cause.getMessage() + ")" : "")
                + ". The guest may be hung, paused or overloaded. Last lines of the serial log:\n"
                + SerialLog.tail(spec.serialLog(), SERIAL_TAIL_LINES), cause);
    }

    /**
     * Checks that the VM is still there and in a state osrun knows.
     *
     * @throws VmCrashedException when QEMU exited or the guest panicked or shut down, with the reason and the serial tail
     * @throws VmBrokenException  when a restore failed half-way or the guest was reset since the last restore
     */
    public void ensureAlive() {
        ensureAlive(false);
    }

    /** Like {@link #ensureAlive()}; with {@code resetAllowed}, a guest reset is no error (a restore undoes it). */
    private void ensureAlive(boolean resetAllowed) {
        state.check(resetAllowed);
    }

    /** The last lines of the guest's serial console. */
    public String serialTail(int lines) {
        return SerialLog.tail(spec.serialLog(), lines);
    }

    // ---- stopping --------------------------------------------------------------------------------------------

    /**
     * Stops QEMU at once; unsaved guest state is lost. Each step is bounded: QMP {@code quit} (3 s for QEMU to
     * answer and 3 s to exit), then SIGTERM (3 s), then SIGKILL; a hung QEMU is gone within about 10 s.
     */
    @Override
    public void close() {
        if (state.closing()) {
            return;
        }
        state.closing(true);
        long started = System.nanoTime();
        String how = stop();
        closeQuietly(agent);
        closeQuietly(qmp);
        log.debug("QEMU (pid {}) stopped by {} in {} ms", process.pid(), how, (System.nanoTime() - started) / 1_000_000);
    }

    /** Stops the process, each step bounded, and says which step did it. */
    private String stop() {
        if (!process.isAlive()) {
            return "itself";
        }
        try {
            if (qmp.isOpen()) {
                qmp.quit(CLOSE_STEP);
                if (waitFor(process, CLOSE_STEP)) {
                    return "QMP quit";
                }
            }
        } catch (RuntimeException e) {
            log.debug("quit failed; sending SIGTERM to QEMU", e);
        }
        process.destroy();
        if (waitFor(process, CLOSE_STEP)) {
            return "SIGTERM";
        }
        log.warn("QEMU (pid {}) did not exit within {} s of SIGTERM; killing it", process.pid(), CLOSE_STEP.toSeconds());
        process.destroyForcibly();
        if (!waitFor(process, STOP_TIMEOUT)) {
            log.warn("QEMU (pid {}) did not exit within {} s of SIGKILL", process.pid(), STOP_TIMEOUT.toSeconds());
        }
        return "SIGKILL";
    }

    /**
     * Shuts the guest down cleanly (agent, then ACPI), so it can flush its disks, and waits for QEMU to exit by
     * itself; if it has not by {@code timeout}, stops it as {@link #close()} does.
     *
     * @return whether the guest powered off by itself within {@code timeout} (a clean shutdown)
     */
    public boolean shutdown(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        state.closing(true);
        try {
            agent.shutdown("powerdown");
        } catch (RuntimeException e) {
            log.debug("agent shutdown failed; trying ACPI", e);
            try {
                qmp.execute("system_powerdown", null, CLOSE_STEP);
            } catch (RuntimeException e2) {
                log.debug("system_powerdown failed", e2);
            }
        }
        boolean clean = waitFor(process, Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        if (!clean) {
            log.warn("The guest did not power off within {} s; stopping QEMU", timeout.toSeconds());
        }
        state.closing(false);
        close();
        return clean && process.exitValue() == 0;
    }

    private static boolean waitFor(Process process, Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static String exitText(Process process) {
        return VmState.exitText(process);
    }

    private static void closeQuietly(AutoCloseable closeable) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        } catch (Exception e) {
            log.debug("close failed", e);
        }
    }
}
