package dev.osrun.bench;

import dev.osrun.ExecOptions;
import dev.osrun.engine.Command;
import dev.osrun.engine.GuestProfile;
import dev.osrun.engine.LinuxProfile;
import dev.osrun.engine.Machine;
import dev.osrun.engine.MachineSpec;
import dev.osrun.engine.RamTemplate;
import dev.osrun.engine.WarmClones;
import dev.osrun.provision.TinyGuest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The RAM-template rows of {@code bin/bench reset}, through the engine's {@link RamTemplate}: the template reset per
 * size ({@link RamTemplate#startClone}), the warm-clone hand-over ({@link WarmClones#take}) and the memory (PSS, RSS)
 * of 4 concurrent clones against one.
 */
final class TemplateResets {


    private final TinyGuest tiny;
    private final Results results;
    private final ResetReport report;
    private final Path work;
    private final GuestProfile profile = new LinuxProfile();
    private final AtomicInteger clones = new AtomicInteger();

    private TemplateResets(TinyGuest tiny, Results results, ResetReport report, Path work) {
        this.tiny = tiny;
        this.results = results;
        this.report = report;
        this.work = work;
    }

    /** Measures the template rows for {@code disks} into {@code results} and {@code report}. */
    static void measure(List<FilledDisk> disks, TinyGuest tiny, Results results, ResetReport report, Path work) {
        TemplateResets bench = new TemplateResets(tiny, results, report, work);
        for (FilledDisk disk : disks) {
            RamTemplate template = bench.capture(disk);
            bench.resets(disk, template);
            if (disk.label().equals("1g")) {
                bench.warm(disk, template);
                bench.clones(disk, template);
            }
            Bench.deleteTree(template.directory());
        }

    }

    private MachineSpec.Builder spec(FilledDisk disk, Path diskPath, Path runDir) {
        return disk.hardware().specBuilder(diskPath, runDir)
                .directKernel(tiny.kernel(), tiny.initrd(), TinyGuest.KERNEL_APPEND)
                .shareDir(runDir.resolve("share"));
    }

    /**
     * A fresh clone spec: its own run directory and disk path (the template makes the disk an overlay of its own).
     * Called from WarmClones' thread too.
     */
    private MachineSpec cloneSpec(FilledDisk disk) {
        Path runDir = work.resolve("clone-" + clones.incrementAndGet());
        return spec(disk, runDir.resolve("disk.qcow2"), runDir).build();
    }

    /** The template of the filled snapshot, in the work directory (its RAM file too: a regular file, not /dev/shm). */
    private RamTemplate capture(FilledDisk disk) {
        Path source = disk.copyTo(work.resolve("template-source-" + disk.label() + ".qcow2"));
        MachineSpec spec = spec(disk, source, work.resolve("template-source-" + disk.label()))
                .loadSnapshot(FilledDisk.SNAPSHOT).build();
        Samples capture = results.metric("template_capture_" + disk.label(), "RamTemplate.capture from the filled snapshot (once)");
        long t0 = System.nanoTime();
        RamTemplate template = RamTemplate.capture(spec, work.resolve("template-" + disk.label()));
        capture.add(System.nanoTime() - t0);
        Bench.deleteTree(spec.runDir());
        try {
            Files.delete(source);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return template;
    }

    private void resets(FilledDisk disk, RamTemplate template) {
        String size = disk.label();
        Samples reset = results.metric("reset_template_" + size, "RamTemplate.startClone until the agent answers (new QEMU "
                + "mapping the RAM file privately, x-ignore-shared, device state, fresh overlay, clock)");
        Samples thenExec = results.metric(reset.metric() + "_then_exec", "the same + the first exec(\"true\") in the clone");
        for (int i = -1; i < Bench.n("template", 10); i++) {
            MachineSpec spec = cloneSpec(disk);
            long t0 = System.nanoTime();
            try (Machine machine = template.startClone(spec, profile)) {
                long t1 = System.nanoTime();
                EngineBench.requireSuccess(machine.exec(new Command.Argv(List.of("true")), ExecOptions.defaults()));
                long t2 = System.nanoTime();
                if (i >= 0) {
                    reset.add(t1 - t0);
                    thenExec.add(t2 - t0);
                }
            }
            Bench.deleteTree(spec.runDir());
        }
        Bench.progress(reset.metric() + ": p50 " + Results.format(reset.percentile(50)) + " ms");
    }

    /**
     * The hand-over: {@link WarmClones#take} of a clone started in the background while the previous one ran. Between
     * takes the clone taken runs {@code exec("true")}, is closed, and the bench idles (standing for the test) twice
     * the p50 of this size's template reset (at least 1 s), so that the next clone is ready, as it is when a test
     * takes longer than a clone's start.
     */
    private void warm(FilledDisk disk, RamTemplate template) {
        double startMillis = results.find("reset_template_" + disk.label()).map(s -> s.percentile(50)).orElse(1000.0);
        long pauseMillis = Math.max(1000, Math.round(2 * startMillis));
        Samples take = results.metric("reset_warm_" + disk.label(), "WarmClones.take: hand-over of a clone started in "
                + "the background (" + pauseMillis + " ms between a clone's close and the next take stand for the test)");
        try (WarmClones warm = new WarmClones(template, () -> cloneSpec(disk), profile)) {
            for (int i = -1; i < Bench.n("warm", 10); i++) {
                LockSupport.parkNanos(pauseMillis * 1_000_000);
                long t0 = System.nanoTime();
                Machine machine = warm.take();
                long t1 = System.nanoTime();
                try (machine) {
                    EngineBench.requireSuccess(machine.exec(new Command.Argv(List.of("true")), ExecOptions.defaults()));
                }
                if (i >= 0) {
                    take.add(t1 - t0);
                }
            }
        }
        Bench.progress(take.metric() + ": p50 " + Results.format(take.percentile(50)) + " ms");
    }

    /** PSS and RSS of 4 concurrent clones against one, each after reading its whole fill once. */
    private void clones(FilledDisk disk, RamTemplate template) {
        MemoryUse one = memoryOf(disk, template, 1);
        MemoryUse four = memoryOf(disk, template, 4);
        report.value("clones4_rss_ratio", (double) four.pssKiB() / one.pssKiB(), "PSS of 4 concurrent " + disk.label()
                + " clones / PSS of one (" + mib(four.pssKiB()) + " / " + mib(one.pssKiB()) + " MiB), each after reading its "
                + disk.fillMiB() + " MiB fill");
        report.value("clones4_rss_ratio_by_rss", (double) four.rssKiB() / one.rssKiB(), "the same with RSS, which counts "
                + "shared pages once per process (" + mib(four.rssKiB()) + " / " + mib(one.rssKiB()) + " MiB)");
    }

    private MemoryUse memoryOf(FilledDisk disk, RamTemplate template, int count) {
        List<Machine> machines = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                Machine machine = template.startClone(cloneSpec(disk), profile);
                machines.add(machine);
                EngineBench.requireSuccess(machine.exec(new Command.Shell(FilledDisk.READ_FILL),
                        ExecOptions.defaults().withTimeout(Duration.ofMinutes(5))));
            }
            MemoryUse use = MemoryUse.of(machines.stream().map(Machine::pid).toList());
            Bench.progress(count + " clone(s): PSS " + mib(use.pssKiB()) + " MiB, RSS " + mib(use.rssKiB()) + " MiB");
            return use;
        } finally {
            machines.forEach(Machine::close);
        }
    }

    private static long mib(long kib) {
        return kib / 1024;
    }
}
