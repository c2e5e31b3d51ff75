package dev.osrun.engine;

import dev.osrun.Accel;
import dev.osrun.OsrunException;
import dev.osrun.VmCrashedException;
import dev.osrun.qga.GuestAgentClient;
import dev.osrun.qmp.QmpClient;
import dev.osrun.transport.Backoff;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The QEMU process of one {@link Machine}: started from its {@link MachineSpec} (through {@link QemuLauncher}, so
 * that it dies with this JVM), watched until it has created its sockets, and stopped with every step bounded.
 */
final class QemuProcess {

    private static final Logger log = LoggerFactory.getLogger(QemuProcess.class);
    /** How long each step of {@link #stop} waits: QMP quit, then SIGTERM. */
    private static final Duration STOP_STEP = Duration.ofSeconds(3);
    /** How long {@link #stop} waits after SIGKILL, and a failed start after killing QEMU. */
    private static final Duration KILL_WAIT = Duration.ofSeconds(10);
    private static final int LOG_TAIL_LINES = 20;
    private static final int SERIAL_TAIL_LINES = 30;

    private final MachineSpec spec;
    private final Accel accel;
    private final Process process;

    private QemuProcess(MachineSpec spec, Accel accel, Process process) {
        this.spec = spec;
        this.accel = accel;
        this.process = process;
    }

    /**
     * Resolves the accelerator {@code spec} asks for, prepares the run directory (no stale sockets or serial log)
     * and starts QEMU.
     *
     * @throws OsrunException when KVM is asked for but not usable, or QEMU cannot be started
     */
    static QemuProcess launch(MachineSpec spec) {
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
        return new QemuProcess(spec, accel, process);
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

    /**
     * Waits until QEMU has created its QMP and agent sockets.
     *
     * @throws VmCrashedException when QEMU exits first (a bad argument, say), with its log
     * @throws OsrunException     when the sockets do not appear within {@code timeout}
     */
    void awaitSockets(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Backoff backoff = new Backoff(Duration.ofMillis(1), Duration.ofMillis(50));
        while (!(Files.exists(spec.qmpSocket()) && Files.exists(spec.agentSocket()))) {
            if (!process.isAlive()) {
                throw exitedWhileStarting();
            }
            if (System.nanoTime() > deadline) {
                throw new OsrunException("QEMU did not create its sockets in " + spec.runDir() + " within "
                        + timeout.toSeconds() + " s. QEMU's log:\n" + SerialLog.tail(spec.qemuLog(), LOG_TAIL_LINES));
            }
            backoff.pause(deadline);
        }
    }

    /**
     * Ends a start that failed with {@code failure}: kills QEMU and returns what the start should throw: {@code
     * failure} itself when it is one of osrun's, a {@link VmCrashedException} when QEMU had exited by itself
     * ({@code exitedByItself}, read before the clients were closed), otherwise an {@link OsrunException} with
     * QEMU's log.
     */
    RuntimeException failedStart(RuntimeException failure, boolean exitedByItself) {
        process.destroyForcibly();
        waitFor(KILL_WAIT);
        if (failure instanceof OsrunException) {
            return failure;
        }
        if (exitedByItself) {
            return exitedWhileStarting();
        }
        return new OsrunException("Could not talk to the QEMU process: " + failure.getMessage() + "\nQEMU's log:\n"
                + SerialLog.tail(spec.qemuLog(), LOG_TAIL_LINES), failure);
    }

    private VmCrashedException exitedWhileStarting() {
        return new VmCrashedException("QEMU exited while starting" + VmState.exitText(process) + "\nQEMU's log:\n"
                + SerialLog.tail(spec.qemuLog(), LOG_TAIL_LINES), process.exitValue(),
                SerialLog.tail(spec.serialLog(), SERIAL_TAIL_LINES));
    }

    /** The process, for {@link VmState} to watch. */
    Process process() {
        return process;
    }

    /** The accelerator QEMU runs with ({@code auto} resolved). */
    Accel accel() {
        return accel;
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Waits up to {@code timeout} for QEMU to exit; whether it has. */
    boolean waitFor(Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Stops QEMU, each step bounded: QMP {@code quit} (3 s for QEMU to answer and 3 s to exit), then SIGTERM (3 s),
     * then SIGKILL; a hung QEMU is gone within about 10 s.
     *
     * @return which step stopped it, for the log
     */
    String stop(QmpClient qmp) {
        if (!process.isAlive()) {
            return "itself";
        }
        try {
            if (qmp.isOpen()) {
                qmp.quit(STOP_STEP);
                if (waitFor(STOP_STEP)) {
                    return "QMP quit";
                }
            }
        } catch (RuntimeException e) {
            log.debug("quit failed; sending SIGTERM to QEMU", e);
        }
        process.destroy();
        if (waitFor(STOP_STEP)) {
            return "SIGTERM";
        }
        log.warn("QEMU (pid {}) did not exit within {} s of SIGTERM; killing it", process.pid(), STOP_STEP.toSeconds());
        process.destroyForcibly();
        if (!waitFor(KILL_WAIT)) {
            log.warn("QEMU (pid {}) did not exit within {} s of SIGKILL", process.pid(), KILL_WAIT.toSeconds());
        }
        return "SIGKILL";
    }

    /**
     * Asks the guest to power off (agent, then ACPI) and waits up to {@code timeout} for QEMU to exit by itself.
     *
     * @return whether QEMU exited within {@code timeout}; the caller stops it otherwise
     */
    boolean powerOff(GuestAgentClient agent, QmpClient qmp, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            agent.shutdown("powerdown");
        } catch (RuntimeException e) {
            log.debug("agent shutdown failed; trying ACPI", e);
            try {
                qmp.execute("system_powerdown", null, STOP_STEP);
            } catch (RuntimeException e2) {
                log.debug("system_powerdown failed", e2);
            }
        }
        return waitFor(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
    }

    /** QEMU's exit code; only once it has exited. */
    int exitValue() {
        return process.exitValue();
    }
}
