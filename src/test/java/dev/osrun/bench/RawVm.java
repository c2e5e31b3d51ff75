package dev.osrun.bench;

import dev.osrun.Accel;
import dev.osrun.engine.MachineSpec;
import dev.osrun.engine.QemuCommandLine;
import dev.osrun.qga.GuestAgentClient;
import dev.osrun.qga.GuestExecRequest;
import dev.osrun.qga.GuestExecStatus;
import dev.osrun.qmp.QmpClient;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A QEMU process started straight from {@link QemuCommandLine} with the protocol clients on it and no engine in
 * between: the floor the engine's exec and restore are measured against, and a place to try other ways of
 * polling {@code guest-exec-status}.
 */
final class RawVm implements AutoCloseable {

    /** How to wait between two {@code guest-exec-status} calls. */
    enum Polling {
        /** No pause at all: the protocol's floor. */
        SPIN,
        /** A fixed 1 ms pause. */
        FIXED_1MS,
        /** What the engine does: 1 ms doubling to 20 ms (Backoff.forExecPolling). */
        BACKOFF_1_TO_20MS
    }

    private final Process process;
    final QmpClient qmp;
    final GuestAgentClient agent;

    private RawVm(Process process, QmpClient qmp, GuestAgentClient agent) {
        this.process = process;
        this.qmp = qmp;
        this.agent = agent;
    }

    /** Starts QEMU for {@code spec} (accelerator resolved) and waits until the agent answers. */
    static RawVm start(MachineSpec spec, Accel accel, Duration bootTimeout) {
        RawVm vm = launch(spec, accel);
        try {
            vm.agent.sync(bootTimeout);
        } catch (RuntimeException e) {
            vm.close();
            throw e;
        }
        return vm;
    }

    /** Starts QEMU for {@code spec} and connects QMP and the agent's socket, without waiting for the agent. */
    static RawVm launch(MachineSpec spec, Accel accel) {
        try {
            Files.createDirectories(spec.runDir());
            Files.deleteIfExists(spec.qmpSocket());
            Files.deleteIfExists(spec.agentSocket());
            Process process = new ProcessBuilder(QemuCommandLine.build(spec, accel)).redirectErrorStream(true)
                    .redirectOutput(spec.qemuLog().toFile()).start();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!(Files.exists(spec.qmpSocket()) && Files.exists(spec.agentSocket()))) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    process.destroyForcibly();
                    throw new IllegalStateException("QEMU did not create its sockets: " + Files.readString(spec.qemuLog()));
                }
                LockSupport.parkNanos(1_000_000);
            }
            QmpClient qmp = QmpClient.connect(spec.qmpSocket(), Duration.ofSeconds(30));
            GuestAgentClient agent = GuestAgentClient.connect(spec.agentSocket(), Duration.ofSeconds(30));
            return new RawVm(process, qmp, agent);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs {@code argv} with captured output and polls its status as {@code polling} says; returns the status. */
    GuestExecStatus run(Polling polling, String path, String... args) {
        long pid = agent.exec(new GuestExecRequest(path, List.of(args), null, null, true));
        long pause = 1_000_000;
        while (true) {
            GuestExecStatus status = agent.execStatus(pid);
            if (status.exited()) {
                return status;
            }
            switch (polling) {
                case SPIN -> { }
                case FIXED_1MS -> LockSupport.parkNanos(1_000_000);
                case BACKOFF_1_TO_20MS -> {
                    LockSupport.parkNanos(pause);
                    pause = Math.min(20_000_000, pause * 2);
                }
            }
        }
    }

    /** How many {@code guest-exec-status} calls one run of {@code /bin/true} takes with tight polling. */
    int statusCallsForTrue() {
        long pid = agent.exec(new GuestExecRequest("/bin/true", List.of(), null, null, true));
        int calls = 0;
        while (true) {
            calls++;
            if (agent.execStatus(pid).exited()) {
                return calls;
            }
        }
    }

    long pid() {
        return process.pid();
    }

    @Override
    public void close() {
        try {
            qmp.quit();
        } catch (RuntimeException e) {
            // killed below
        }
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        agent.close();
        qmp.close();
    }
}
