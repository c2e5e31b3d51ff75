package dev.osrun.provision;

import dev.osrun.OsrunException;
import dev.osrun.qmp.QmpClient;
import dev.osrun.qmp.QmpEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs one Windows install step: starts QEMU on a {@link SetupMachine}, reports the guest's status log while it
 * waits, and succeeds only when QEMU's {@code SHUTDOWN} event says the guest itself shut down or rebooted and
 * QEMU then exited normally. Anything else (the step's timeout, a guest panic, QEMU killed) fails the step with
 * the tails of the status log and the serial log.
 *
 * @param machine   the Setup hardware and media
 * @param statusLog the file the guest's scripts append their status lines to (in the share)
 * @param listener  hears the waits
 */
record SetupStepRunner(SetupMachine machine, Path statusLog, ProvisioningListener listener) implements StepRunner {

    private static final Logger log = LoggerFactory.getLogger(SetupStepRunner.class);
    private static final Duration REPORT_EVERY = Duration.ofMinutes(1);
    private static final int TAIL_LINES = 25;

    /** How often a step whose guest reset itself without a DONE or FAIL line (an extra reboot) is booted again. */
    private static final int EXTRA_BOOTS = 2;

    /**
     * Runs the step: boots until the guest's own shutdown or reset ends QEMU, then reads the step's status lines in
     * the serial log. Its {@code DONE} line (for {@code setup}, whose end is Setup's reboot: no {@code FAIL} line)
     * makes it a success, a {@code FAIL} line a failure; a reset with neither is an extra reboot, and the same disk
     * is booted again (at most twice more).
     */
    @Override
    public void run(int index, InstallStep step, Path disk, Path runDir) {
        String phase = phase(step);
        long deadline = System.nanoTime() + step.timeout().toNanos();
        for (int boot = 0; ; boot++) {
            Duration left = Duration.ofNanos(Math.max(1, deadline - System.nanoTime()));
            String reason = bootOnce(index, step, disk, runDir, left);
            String serial = readAll(runDir.resolve("serial.log"));
            StatusLines.Outcome outcome = StatusLines.outcome(serial, phase);
            if (outcome == StatusLines.Outcome.FAILED) {
                throw failure(step, "the guest reported a failure: " + StatusLines.failLine(serial, phase).orElse("?"), runDir, null);
            }
            if (outcome == StatusLines.Outcome.DONE || phase.equals("windowsPE")) {
                return;
            }
            if (!reason.equals("guest-reset") || boot >= EXTRA_BOOTS) {
                throw failure(step, "the guest ended the step (" + reason + ") without its 'OSRUN … " + phase
                        + " DONE' line" + (boot > 0 ? ", after " + (boot + 1) + " boots" : ""), runDir, null);
            }
            log.info("Step {}: the guest rebooted before its DONE line; booting the same disk again ({} of {})",
                    step.name(), boot + 1, EXTRA_BOOTS);
            listener.step("step", "Step " + step.name() + ": the guest rebooted before finishing; booting it again");
        }
    }

    /** The phase name win11-init's scripts use in their status lines for {@code step}. */
    static String phase(InstallStep step) {
        return step.name().equals("setup") ? "windowsPE" : step.name();
    }

    private static String readAll(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, java.nio.charset.StandardCharsets.ISO_8859_1) : "";
        } catch (IOException e) {
            return "";
        }
    }

    /** One QEMU run of the step; returns the SHUTDOWN reason when the guest itself ended it. */
    private String bootOnce(int index, InstallStep step, Path disk, Path runDir, Duration timeout) {
        List<String> argv = machine.commandLine(index, disk, runDir);
        log.debug("Starting QEMU for step {}: {}", step.name(), argv);
        Process process;
        try {
            process = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(runDir.resolve("qemu.log").toFile()).start();
        } catch (IOException e) {
            throw new OsrunException("Cannot start QEMU ('" + argv.get(0) + "'): " + e.getMessage()
                    + ". Install it (Debian: apt-get install qemu-system-x86 qemu-utils).", e);
        }
        AtomicReference<QmpEvent> shutdown = new AtomicReference<>();
        QmpClient qmp = null;
        try {
            qmp = connect(runDir.resolve("qmp.sock"), process, step, runDir);
            qmp.addEventListener(event -> {
                if (event.is("SHUTDOWN")) {
                    shutdown.set(event);
                }
            });
            listener.step("waiting", "Step " + step.name() + ": QEMU runs (pid " + process.pid() + "); waiting for the guest to shut itself down");
            long deadline = System.nanoTime() + timeout.toNanos();
            long started = System.nanoTime();
            while (!process.waitFor(Math.max(1, Math.min(REPORT_EVERY.toNanos(), deadline - System.nanoTime())), TimeUnit.NANOSECONDS)) {
                long minutes = (System.nanoTime() - started) / 60_000_000_000L;
                if (System.nanoTime() >= deadline) {
                    throw failure(step, "the guest did not shut itself down within " + describe(step.timeout())
                            + (timeout.equals(step.timeout()) ? "" : " (all boots together)"), runDir, null);
                }
                String last = LogTail.of(statusLog, 1);
                listener.step("waiting", "Step " + step.name() + ": " + minutes + " min so far; the guest's last status: " + last);
            }
            QmpEvent event = shutdown.get();
            boolean byGuest = event != null && event.data().path("guest").asBoolean()
                    && List.of("guest-shutdown", "guest-reset").contains(event.data().path("reason").asText());
            if (!byGuest || process.exitValue() != 0) {
                throw failure(step, "QEMU ended without a clean shutdown by the guest (exit " + process.exitValue() + ", "
                        + (event == null ? "no SHUTDOWN event" : "SHUTDOWN " + event.data()) + ")", runDir, null);
            }
            log.info("Step {}: the guest ended the boot ({})", step.name(), event.data().path("reason").asText());
            return event.data().path("reason").asText();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failure(step, "interrupted", runDir, e);
        } catch (StepFailedException e) {
            throw e;
        } catch (RuntimeException e) {
            throw failure(step, e.getMessage(), runDir, e);
        } finally {
            if (qmp != null) {
                qmp.close();
            }
            if (process.isAlive()) {
                process.destroyForcibly();
                try {
                    process.waitFor(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    private static String describe(Duration duration) {
        return duration.toMinutes() > 0 ? duration.toMinutes() + " min" : duration.toSeconds() + " s";
    }

    private QmpClient connect(Path socket, Process process, InstallStep step, Path runDir) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!Files.exists(socket)) {
            if (!process.isAlive()) {
                throw failure(step, "QEMU exited at once (exit " + process.exitValue() + ")", runDir, null);
            }
            if (System.nanoTime() > deadline) {
                throw failure(step, "QEMU did not open its QMP socket within 30 s", runDir, null);
            }
            Thread.sleep(50);
        }
        return QmpClient.connect(socket, Duration.ofSeconds(30));
    }

    private StepFailedException failure(String stepName, String reason, Path runDir, Throwable cause) {
        return new StepFailedException(stepName, reason,
                "The guest's status log (" + statusLog + ") ends with:\n" + LogTail.of(statusLog, TAIL_LINES)
                        + "\nThe serial log ends with:\n" + LogTail.of(runDir.resolve("serial.log"), TAIL_LINES)
                        + "\nQEMU's log:\n" + LogTail.of(runDir.resolve("qemu.log"), 10), cause);
    }

    private StepFailedException failure(InstallStep step, String reason, Path runDir, Throwable cause) {
        return failure(step.name(), reason, runDir, cause);
    }
}
