package dev.osrun.engine;

import dev.osrun.Accel;
import dev.osrun.ExecOptions;
import dev.osrun.ExecResult;
import dev.osrun.GuestNotRespondingException;
import dev.osrun.SnapshotInfo;
import dev.osrun.SnapshotNotFoundException;
import dev.osrun.SnapshotReadOnlyException;
import dev.osrun.VmBrokenException;
import dev.osrun.VmCrashedException;
import dev.osrun.qga.GuestAgentClient;
import dev.osrun.qga.GuestExecStatus;
import dev.osrun.qmp.QmpClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

/**
 * One QEMU process and the guest in it: starts it, talks to it over QMP and the guest agent, notices when it
 * dies, and stops it. A facade over the pieces that each own one job: {@link QemuProcess} (start and bounded stop),
 * {@link VmState} (crash watch), {@link CallGuard} (error translation), {@link GuestShare} (the share),
 * {@link MachineSnapshots} (snapshots) and {@link Screenshots}; commands and files go through {@link CommandRunner}
 * and {@link FileTransfer}.
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

    private static final Duration INCOMING_TIMEOUT = Duration.ofMinutes(5);

    private static final Logger log = LoggerFactory.getLogger(Machine.class);
    private static final Duration QMP_CONNECT_TIMEOUT = Duration.ofSeconds(30);

    private final MachineSpec spec;
    private final GuestProfile profile;
    private final QemuProcess qemu;
    private final QmpClient qmp;
    private final GuestAgentClient agent;
    private final VmState state;
    private final CallGuard guard;
    private final GuestCalls guest;
    private final GuestShare share;
    private final MachineSnapshots snapshots;
    private final Screenshots screenshots;
    private final CommandRunner commands;
    private final FileTransfer files;

    private Machine(MachineSpec spec, GuestProfile profile, QemuProcess qemu, QmpClient qmp, GuestAgentClient agent) {
        this.spec = spec;
        this.profile = profile;
        this.qemu = qemu;
        this.qmp = qmp;
        this.agent = agent;
        this.state = new VmState(qemu.process(), spec.serialLog());
        this.guard = new CallGuard(state, qemu, spec.serialLog());
        this.guest = new GuestCalls(agent, guard);
        this.share = new GuestShare(spec, profile, guest, guard);
        this.snapshots = new MachineSnapshots(new Snapshots(qmp), guard, state, guest, share);
        this.screenshots = new Screenshots(qmp, guard, spec.runDir());
        this.commands = new CommandRunner(this);
        this.files = new FileTransfer(this);
    }

    /**
     * Starts QEMU for {@code spec} and waits until the guest agent answers; the share, if any, is mounted before
     * this returns after a cold boot, and in the background after a start from a snapshot ({@link #shareMounted()}).
     *
     * @param bootTimeout how long the guest may take to answer: seconds from a snapshot, minutes for a cold boot
     * @throws VmCrashedException          when QEMU exits while starting; carries its log and the serial tail
     * @throws GuestNotRespondingException when the agent does not answer within {@code bootTimeout}
     * @throws OsrunException              when KVM is asked for but not usable, or QEMU cannot be started
     */
    public static Machine start(MachineSpec spec, GuestProfile profile, Duration bootTimeout) {
        QemuProcess qemu = QemuProcess.launch(spec);
        QmpClient qmp = null;
        GuestAgentClient agent = null;
        Machine machine = null;
        try {
            qemu.awaitSockets(QMP_CONNECT_TIMEOUT);
            qmp = QmpClient.connect(spec.qmpSocket(), QMP_CONNECT_TIMEOUT);
            agent = GuestAgentClient.connect(spec.agentSocket(), QMP_CONNECT_TIMEOUT);
            machine = new Machine(spec, profile, qemu, qmp, agent);
            machine.watch();
            machine.completeIncomingMigration();
            machine.guest.awaitAnswer(bootTimeout);
            if (spec.loadSnapshot() != null || spec.incomingState() != null) {
                machine.guest.setClock();
                machine.share.remountInBackground();
            } else {
                machine.share.mount();
            }
            log.info("VM up ({}, {} MiB, {}, {})", qemu.accel(), spec.memoryMiB(),
                    spec.incomingState() != null ? "cloned from a RAM template"
                            : spec.loadSnapshot() != null ? "restored '" + spec.loadSnapshot() + "'" : "booted",
                    spec.shareDir() != null ? "share " + spec.shareDir() : "no share");
            return machine;
        } catch (RuntimeException e) {
            boolean exitedByItself = !qemu.isAlive();
            if (machine != null) {
                machine.share.close();
            }
            closeQuietly(agent);
            closeQuietly(qmp);
            throw qemu.failedStart(e, exitedByItself);
        }
    }

    private void watch() {
        qemu.process().onExit().thenRun(state::onExit);
        qmp.addEventListener(state::onEvent);
    }

    /**
     * Loads an incoming migration stream (a RAM template's device state) before the agent is awaited: QEMU was
     * started with {@code -incoming defer}, and QMP commands here complete the migration; the RAM is the mapped file.
     */
    private void completeIncomingMigration() {
        if (spec.incomingState() == null) {
            return;
        }
        guard.call("loading the RAM template's device state", false, () -> {
            Migration.ignoreSharedRam(qmp);
            Migration.load(qmp, spec.incomingState(), INCOMING_TIMEOUT);
            return null;
        });
    }

    /** The spec this VM was started from. */
    public MachineSpec spec() {
        return spec;
    }

    /** The accelerator QEMU runs with. */
    public Accel accel() {
        return qemu.accel();
    }

    /** The guest's profile. */
    public GuestProfile profile() {
        return profile;
    }

    /**
     * Whether the guest has the share mounted, so that output and files can travel through it. After a restore (or
     * a start from a snapshot) the share is mounted in the background; this waits for that mount to end, so
     * {@code true} means the share is usable now.
     *
     * @throws GuestNotRespondingException when a mount in the background has not ended within 90 s
     */
    public boolean shareMounted() {
        return share.awaitMounted();
    }

    /** Whether the share is mounted right now, without waiting for a mount in the background ({@code false} then). */
    boolean shareReady() {
        return share.mountedNow();
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
        return qemu.pid();
    }

    /** The QEMU version, as its QMP greeting gives it. */
    public String qemuVersion() {
        return qmp.qemuVersion();
    }

    /** Runs {@code command} and returns its result; see {@link CommandRunner}. */
    public ExecResult exec(Command command, ExecOptions options) {
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

    // ---- snapshots (MachineSnapshots) ------------------------------------------------------------------------

    /**
     * Makes the snapshot {@code name} read-only for this VM: {@link #saveSnapshot} and {@link #deleteSnapshot} then
     * refuse it with a {@link SnapshotReadOnlyException} (for the {@code provisioned} snapshot of a cached disk).
     */
    public void protectSnapshot(String name) {
        snapshots.protect(name);
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
        return snapshots.save(name);
    }

    /**
     * Restores the snapshot {@code name} in the running VM with QMP's {@code snapshot-load} job, then
     * resynchronises the agent, sets the guest clock to the host's and starts mounting the share afresh in the
     * background ({@link #shareMounted()} waits for it). This is also how a VM whose guest rebooted gets back to a
     * known state.
     *
     * @throws SnapshotNotFoundException when there is no such snapshot (it lists the ones that exist); the VM is
     *                                   unchanged
     * @throws OsrunException            when the snapshot holds no memory state; the VM is unchanged
     * @throws VmBrokenException         when QEMU failed while loading it: the VM's state is then unknown and every
     *                                   later call fails at once with this exception
     */
    public void restoreSnapshot(String name) {
        snapshots.restore(name);
    }

    /** The snapshots on the VM's disk, from QMP's {@code query-block}. */
    public List<SnapshotInfo> snapshots() {
        return snapshots.list();
    }

    /**
     * Deletes the snapshot {@code name} with QMP's {@code snapshot-delete} job.
     *
     * @throws SnapshotNotFoundException when there is none
     * @throws SnapshotReadOnlyException when {@code name} is protected ({@link #protectSnapshot})
     */
    public void deleteSnapshot(String name) {
        snapshots.delete(name);
    }

    /** A PNG picture of the screen. */
    public byte[] screenshotPng() {
        return screenshots.png();
    }

    // ---- the guest agent, for CommandRunner and FileTransfer (GuestCalls, CallGuard) ------------------------

    /** Starts {@code exec} through the agent and returns its pid. */
    long startProcess(AgentExec exec, byte[] stdin, boolean capture) {
        return guest.startProcess(exec, stdin, capture);
    }

    /** Asks the agent for the state of process {@code pid}. */
    GuestExecStatus processStatus(long pid) {
        return guest.processStatus(pid);
    }

    /** Runs {@code exec} with captured output and waits for it to end. */
    GuestExecStatus runToCompletion(AgentExec exec, Duration timeout) {
        return guest.runToCompletion(exec, timeout);
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

    /**
     * Runs an agent or QMP call, turning a dead VM into a {@link VmCrashedException} and a timeout into a
     * {@link GuestNotRespondingException}.
     */
    <T> T call(String what, Supplier<T> call) {
        return guard.call(what, false, call);
    }

    /**
     * Checks that the VM is still there and in a state osrun knows.
     *
     * @throws VmCrashedException when QEMU exited or the guest panicked or shut down, with the reason and the serial tail
     * @throws VmBrokenException  when a restore failed half-way or the guest was reset since the last restore
     */
    public void ensureAlive() {
        guard.ensureAlive(false);
    }

    /**
     * Checks that a snapshot may be restored: like {@link #ensureAlive()}, except that a guest that reset itself may
     * (a restore undoes the reset), while a VM whose restore failed half-way may not.
     */
    public void ensureRestorable() {
        guard.ensureAlive(true);
    }

    /** The last lines of the guest's serial console. */
    public String serialTail(int lines) {
        return SerialLog.tail(spec.serialLog(), lines);
    }

    // ---- stopping (QemuProcess) ------------------------------------------------------------------------------

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
        share.close();
        String how = qemu.stop(qmp);
        closeQuietly(agent);
        closeQuietly(qmp);
        log.debug("QEMU (pid {}) stopped by {} in {} ms", qemu.pid(), how, (System.nanoTime() - started) / 1_000_000);
    }

    /**
     * Shuts the guest down cleanly (agent, then ACPI), so it can flush its disks, and waits for QEMU to exit by
     * itself; if it has not by {@code timeout}, stops it as {@link #close()} does.
     *
     * @return whether the guest powered off by itself within {@code timeout} (a clean shutdown)
     */
    public boolean shutdown(Duration timeout) {
        state.closing(true);
        boolean clean = qemu.powerOff(agent, qmp, timeout);
        if (!clean) {
            log.warn("The guest did not power off within {} s; stopping QEMU", timeout.toSeconds());
        }
        state.closing(false);
        close();
        return clean && qemu.exitValue() == 0;
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
