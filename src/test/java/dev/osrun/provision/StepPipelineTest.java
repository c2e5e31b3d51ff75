package dev.osrun.provision;

import dev.osrun.Accel;
import dev.osrun.ExecOptions;
import dev.osrun.ExecResult;
import dev.osrun.OsrunException;
import dev.osrun.engine.Command;
import dev.osrun.engine.LinuxProfile;
import dev.osrun.engine.Machine;
import dev.osrun.engine.MachineSpec;
import dev.osrun.qmp.QmpEvent;
import dev.osrun.testing.RequiresTinyGuest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The step pipeline end to end, with the tiny Linux guest in Windows Setup's place: each step boots the previous
 * step's disk, runs its script (which writes to the disk), and the guest shuts itself down.
 */
@RequiresTinyGuest
class StepPipelineTest {

    @TempDir
    Path dir;

    @Test
    void stepsChainResumeAfterAKillAndRebuildOnlyFromAChangedFile() throws Exception {
        CacheDir cache = new CacheDir(dir.resolve("cache"));
        Path scripts = Files.createDirectories(dir.resolve("scripts"));
        List<InstallStep> steps = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Path script = scripts.resolve("step" + i + ".sh");
            Files.writeString(script, "set -e\necho step" + i + " > /mnt/disk/step" + i + ".txt\nls /mnt/disk > /mnt/disk/seen-by-step" + i + ".txt\n");
            steps.add(new InstallStep("step" + i, List.of(script), Duration.ofMinutes(3)));
        }
        TinyStepRunner runner = new TinyStepRunner(TinyGuest.locate(), Hardware.of(Accel.AUTO, 256, 1));
        List<String> events = new CopyOnWriteArrayList<>();
        StepPipeline pipeline = new StepPipeline(cache, "tiny", runner.hardware, "64M", runner, (s, d) -> events.add(d));
        List<String> keys = pipeline.keys(steps);

        // A kill in the middle of step 1: step 0 stays, nothing of step 1 is left.
        runner.hangIn.add(1);
        Thread killer = new Thread(() -> {
            await().atMost(Duration.ofMinutes(4)).until(() -> runner.hanging.get() != null);
            runner.hanging.get().destroyForcibly();
        });
        killer.start();
        assertThatThrownBy(() -> pipeline.run(steps))
                .isInstanceOf(StepFailedException.class)
                .hasMessageContaining("step 'step1' failed")
                .satisfies(e -> assertThat(((StepFailedException) e).step()).isEqualTo("step1"));
        killer.join();
        assertThat(runner.ran).containsExactly(0, 1);
        assertThat(pipeline.artifact(0, keys.get(0))).exists();
        assertThat(pipeline.artifact(1, keys.get(1))).doesNotExist();
        assertThat(cacheFiles(cache)).allMatch(name -> !name.contains(".partial-"), "no partial artifact");
        FileTime step0Written = Files.getLastModifiedTime(pipeline.artifact(0, keys.get(0)));

        // The rerun resumes at step 1; the chain holds what every step wrote.
        runner.ran.clear();
        Path last = pipeline.run(steps);
        assertThat(runner.ran).containsExactly(1, 2);
        assertThat(last).isEqualTo(pipeline.artifact(2, keys.get(2)));
        assertThat(QemuTools.backingFile(last)).isEqualTo(pipeline.artifact(1, keys.get(1)).toString());
        assertThat(QemuTools.backingFile(pipeline.artifact(1, keys.get(1)))).isEqualTo(pipeline.artifact(0, keys.get(0)).toString());
        assertThat(Files.getLastModifiedTime(pipeline.artifact(0, keys.get(0)))).isEqualTo(step0Written);
        assertThat(events).anyMatch(e -> e.contains("Step 1 of 3 (step0) is cached"));

        // A changed step 2 rebuilds step 2 only, and its outdated disk goes.
        Files.writeString(steps.get(2).files().get(0), "echo changed > /mnt/disk/step2.txt\n");
        runner.ran.clear();
        Path rebuilt = pipeline.run(steps);
        assertThat(runner.ran).containsExactly(2);
        assertThat(rebuilt).isNotEqualTo(last).exists();
        assertThat(last).doesNotExist();

        // The final disk: one compressed file with no backing chain, holding every step's work.
        Path image = pipeline.flatten(rebuilt, cache.resolve("tiny-final.qcow2"));
        assertThat(QemuTools.backingFile(image)).isNull();
        pipeline.removeSteps();
        assertThat(cacheFiles(cache)).noneMatch(name -> name.contains("-step"));
        Path runDir = Files.createDirectories(dir.resolve("final-run"));
        try (Machine machine = Machine.start(runner.hardware.specBuilder(image, runDir)
                .directKernel(runner.guest.kernel(), runner.guest.initrd(), TinyGuest.KERNEL_APPEND).build(),
                new LinuxProfile(), Duration.ofMinutes(3))) {
            ExecResult result = machine.exec(new Command.Shell("cat /mnt/disk/step0.txt /mnt/disk/step1.txt /mnt/disk/step2.txt; cat /mnt/disk/seen-by-step1.txt"),
                    ExecOptions.defaults());
            assertThat(result.stdout()).startsWith("step0\nstep1\nchanged\n").contains("step0.txt");
        }
    }

    @Test
    void aScriptThatFailsNamesTheStepAndKeepsNothing() throws Exception {
        CacheDir cache = new CacheDir(dir.resolve("cache"));
        Path script = Files.writeString(dir.resolve("broken.sh"), "echo 'cannot find the thing' >&2\nexit 7\n");
        TinyStepRunner runner = new TinyStepRunner(TinyGuest.locate(), Hardware.of(Accel.AUTO, 256, 1));
        StepPipeline pipeline = new StepPipeline(cache, "tiny", runner.hardware, "64M", runner, ProvisioningListener.NONE);

        assertThatThrownBy(() -> pipeline.run(List.of(new InstallStep("broken", List.of(script), Duration.ofMinutes(3)))))
                .isInstanceOf(StepFailedException.class)
                .hasMessageContaining("step 'broken' failed")
                .hasMessageContaining("exit code 7")
                .hasMessageContaining("cannot find the thing");
        assertThat(cacheFiles(cache)).noneMatch(name -> name.endsWith(".qcow2") || name.contains(".partial-"));
    }

    private static List<String> cacheFiles(CacheDir cache) throws IOException {
        try (var files = Files.list(cache.root())) {
            return files.map(p -> p.getFileName().toString()).toList();
        }
    }

    /**
     * Runs a step in the tiny guest: boots the disk, runs the step's script from the share, then has the guest power
     * itself off and requires QEMU's SHUTDOWN event to say the guest did it.
     */
    static final class TinyStepRunner implements StepRunner {
        final TinyGuest guest;
        final Hardware hardware;
        final List<Integer> ran = new CopyOnWriteArrayList<>();
        final Set<Integer> hangIn = ConcurrentHashMap.newKeySet();
        final AtomicReference<ProcessHandle> hanging = new AtomicReference<>();

        TinyStepRunner(TinyGuest guest, Hardware hardware) {
            this.guest = guest;
            this.hardware = hardware;
        }

        @Override
        public void run(int index, InstallStep step, Path disk, Path runDir) {
            ran.add(index);
            try {
                Path share = Files.createDirectories(runDir.resolve("share"));
                for (Path file : step.files()) {
                    Files.copy(file, share.resolve(file.getFileName()));
                }
                MachineSpec spec = hardware.specBuilder(disk, runDir)
                        .directKernel(guest.kernel(), guest.initrd(), TinyGuest.KERNEL_APPEND).shareDir(share).build();
                try (Machine machine = Machine.start(spec, new LinuxProfile(), Duration.ofMinutes(3))) {
                    AtomicReference<QmpEvent> shutdown = new AtomicReference<>();
                    machine.qmp().addEventListener(event -> {
                        if (event.is("SHUTDOWN")) {
                            shutdown.set(event);
                        }
                    });
                    ExecResult result = machine.exec(new Command.Shell("sh /mnt/qemu/" + step.files().get(0).getFileName()),
                            ExecOptions.defaults().withTimeout(step.timeout()));
                    if (result.exitCode() != 0) {
                        throw new StepFailedException(step.name(), "its script ended with exit code " + result.exitCode(),
                                "Its error output:\n" + result.stderr(), null);
                    }
                    ProcessHandle qemu = ProcessHandle.of(machine.pid()).orElseThrow();
                    if (hangIn.remove(index)) {
                        hanging.set(qemu);
                        machine.exec(new Command.Shell("sleep 600"), ExecOptions.defaults());
                    }
                    machine.exec(new Command.Shell("sync; (sleep 1; poweroff -f) >/dev/null 2>&1 &"), ExecOptions.defaults());
                    qemu.onExit().get(2, TimeUnit.MINUTES);
                    QmpEvent event = shutdown.get();
                    if (event == null || !event.data().path("guest").asBoolean()) {
                        throw new StepFailedException(step.name(), "QEMU ended without the guest shutting down (" + event + ")",
                                "Serial log:\n" + machine.serialTail(20), null);
                    }
                }
            } catch (StepFailedException e) {
                throw e;
            } catch (OsrunException e) {
                throw new StepFailedException(step.name(), e.getMessage(), "", e);
            } catch (Exception e) {
                throw new StepFailedException(step.name(), e.toString(), "", e);
            }
        }
    }
}
