package dev.osrun.provision;

import dev.osrun.Accel;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Windows Setup's QEMU command line, started for real with QEMU (no Windows: the ISOs boot nothing). QEMU must
 * accept every device, and a step must fail unless the guest itself shut down.
 */
class SetupStepRunnerTest {

    @TempDir
    Path dir;
    private SetupMachine machine;
    private Path disk;
    private Path status;

    @BeforeEach
    void media() throws Exception {
        Path init = Files.createDirectories(dir.resolve("init"));
        Files.writeString(init.resolve("autounattend.xml"), "<unattend/>");
        Path answer = dir.resolve("answer.iso");
        AnswerMedium.build(init, answer);
        Path share = Files.createDirectories(dir.resolve("share"));
        status = share.resolve("status.txt");
        Files.writeString(status, "2026-12-02T03:00:00Z specialize: disabling Windows Update\n");
        disk = dir.resolve("disk.qcow2");
        QemuTools.createQcow2(disk, "64M");
        Path probe = dir.resolve("probe.qcow2");
        QemuTools.createQcow2(probe, "1M");
        machine = new SetupMachine(Hardware.of(Accel.TCG, 256, 1), answer, answer, share, probe, answer, null);
    }

    @Test
    void qemuAcceptsTheSetupHardwareAndAHostSideStopFailsTheStep() throws Exception {
        java.util.concurrent.atomic.AtomicBoolean watching = new java.util.concurrent.atomic.AtomicBoolean();
        SetupStepRunner runner = new SetupStepRunner(machine, status, (step, detail) -> watching.compareAndSet(false, detail.contains("QEMU runs")));
        Path runDir = Files.createDirectories(dir.resolve("run"));
        Thread stopper = new Thread(() -> {
            await().atMost(Duration.ofSeconds(90)).untilTrue(watching);
            ProcessHandle qemu = setupQemu().orElseThrow();
            qemu.destroy(); // SIGTERM: QEMU exits 0 with SHUTDOWN reason host-signal, which is not the guest's doing.
        });
        stopper.start();

        assertThatThrownBy(() -> runner.run(1, new InstallStep("specialize", List.of(), Duration.ofMinutes(5)), disk, runDir))
                .isInstanceOf(StepFailedException.class)
                .hasMessageContaining("step 'specialize' failed")
                .hasMessageContaining("without a clean shutdown by the guest")
                .hasMessageContaining("host-signal")
                .hasMessageContaining("specialize: disabling Windows Update");
        stopper.join();
    }

    @Test
    void aStepThatOutlivesItsTimeoutFailsWithTheGuestsStatus() throws Exception {
        SetupStepRunner runner = new SetupStepRunner(machine, status, ProvisioningListener.NONE);
        Path runDir = Files.createDirectories(dir.resolve("run"));

        assertThatThrownBy(() -> runner.run(0, new InstallStep("setup", List.of(), Duration.ofSeconds(5)), disk, runDir))
                .isInstanceOf(StepFailedException.class)
                .hasMessageContaining("step 'setup' failed: the guest did not shut itself down within 5 s")
                .hasMessageContaining("The guest's status log")
                .hasMessageContaining("The serial log ends with");
        assertThat(setupQemu()).isEmpty();
    }

    private static Optional<ProcessHandle> setupQemu() {
        return ProcessHandle.current().descendants()
                .filter(p -> p.info().arguments().map(a -> List.of(a).contains("osrun-setup")).orElse(false))
                .findFirst();
    }
}
