package dev.osrun.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osrun.Accel;
import dev.osrun.ExecOptions;
import dev.osrun.GuestKind;
import dev.osrun.engine.Command;
import dev.osrun.engine.LinuxProfile;
import dev.osrun.engine.Machine;
import dev.osrun.engine.MachineSpec;
import dev.osrun.local.LocalVm;
import dev.osrun.provision.CacheDir;
import dev.osrun.provision.Hardware;
import dev.osrun.provision.TinyGuest;
import dev.osrun.provision.TinyGuestRecipe;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code bin/bench reset}: the ways to reset a VM, side by side in one run on the tiny guest with 512 MiB, 1 GiB and
 * 2 GiB of guest RAM, 75 % of it touched ({@link FilledDisk}): in-place {@code snapshot-load} (bare QMP and the
 * engine's {@code Machine.restoreSnapshot}), a new QEMU with {@code -loadvm} ({@code Machine.start}, the original
 * osrun's method), the RAM-template reset without the engine ({@link RawTemplate}) and through it, with the memory of
 * 4 concurrent clones against one ({@link TemplateResets}); then exec through the engine against the bare protocol
 * (EngineBench's own code). The warm-clone hand-over is reported as not measured until the engine has one.
 *
 * <p>Merges its rows into {@code target/bench/results.json} (see {@link Results#mergeInto}); writes
 * {@code results-reset.md} and {@code machine-reset.json}; prints the table with the goals.
 * Sample counts: {@code bench.n.<group>} or {@code bench.scale} (see {@link Bench#n}).
 */
public final class ResetBench {

    static final Duration BOOT_TIMEOUT = Duration.ofMinutes(3);
    private static final int[] SIZES_MIB = {512, 1024, 2048};
    /** For a quick look at one size: {@code -Dbench.reset.sizes=1024}; the other sizes' rows are then not measured. */
    private static final String SIZES_PROPERTY = "bench.reset.sizes";

    private final Results results = new Results();
    private final ResetReport report = new ResetReport(results);
    private final TinyGuest tiny = TinyGuest.locate();
    private final CacheDir cache = CacheDir.fromEnvironment();
    private final Path work;

    private ResetBench(Path out) {
        // Absolute: QEMU hands the share's path to smbd, which runs in a directory of its own.
        this.work = out.toAbsolutePath().resolve("work-reset");
    }

    /** Runs every group and writes the results under {@code args[0]} (default {@code target/bench}). */
    public static void main(String[] args) throws Exception {
        Path out = Path.of(args.length > 0 ? args[0] : "target/bench");
        ResetBench bench = new ResetBench(out);
        long started = System.nanoTime();
        try {
            bench.run();
        } finally {
            Bench.deleteTree(bench.work);
        }
        long seconds = (System.nanoTime() - started) / 1_000_000_000;
        PrintStream stdout = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        ObjectNode rows = bench.report.json();
        stdout.println();
        stdout.println("osrun reset benchmark (tcg, tiny guest, " + FilledDisk.FILL_PERCENT + " % of RAM touched, "
                + Runtime.getRuntime().availableProcessors() + " host CPUs, " + seconds + " s)");
        stdout.println();
        bench.report.printMarkdown(stdout);
        try (PrintStream md = new PrintStream(Files.newOutputStream(out.resolve("results-reset.md")), true, StandardCharsets.UTF_8)) {
            md.println("bin/bench reset, " + seconds + " s, " + Bench.machine("tcg").path("date").asText());
            md.println();
            bench.report.printMarkdown(md);
        }
        Results.mergeInto(out.resolve("results.json"), rows);
        Bench.writeMachine(Bench.machine(Accel.TCG.name().toLowerCase()), out.resolve("machine-reset.json"));
        stdout.println("\nmerged into " + out.resolve("results.json") + "; wrote results-reset.md, machine-reset.json");
        System.exit(0);
    }

    private void run() throws IOException {
        Files.createDirectories(work);
        removeDeadRamFiles();
        List<FilledDisk> disks = new ArrayList<>();
        List<String> selected = List.of(System.getProperty(SIZES_PROPERTY, "512,1024,2048").split(","));
        for (int mib : SIZES_MIB) {
            if (selected.contains(Integer.toString(mib))) {
                disks.add(FilledDisk.prepare(cache, tiny, Hardware.of(Accel.AUTO, mib, 1), work));
            } else {
                String label = mib % 1024 == 0 ? mib / 1024 + "g" : mib + "m";
                for (String row : List.of("reset_loadvm_inplace_", "reset_loadvm_newproc_", "reset_template_")) {
                    report.notMeasured(row + label, "not measured: size left out (" + SIZES_PROPERTY + ")");
                }
            }
        }
        for (FilledDisk disk : disks) {
            Path copy = disk.copyTo(work.resolve("loadvm-" + disk.label() + ".qcow2"));
            inPlace(disk, copy, true);
            if (disk.label().equals("1g")) {
                inPlace(disk, copy, false);
            }
            newProcess(disk, copy);
            bareTemplate(disk, copy);
            Files.delete(copy);
        }
        TemplateResets.measure(disks, tiny, results, report, work);
        exec();
    }

    // ---- loadvm: in place and in a new process -------------------------------------------------------------------

    private MachineSpec loadvmSpec(FilledDisk disk, Path copy, Path runDir) {
        return disk.hardware().specBuilder(copy, runDir)
                .directKernel(tiny.kernel(), tiny.initrd(), TinyGuest.KERNEL_APPEND)
                .shareDir(runDir.resolve("share")).loadSnapshot(FilledDisk.SNAPSHOT).build();
    }

    /**
     * In the running VM: the engine's restoreSnapshot (loadvm, agent resync, clock, share) alternated with the bare QMP
     * job; without the share ({@code share} false), the engine's figure alone, to show what the remount costs.
     */
    private void inPlace(FilledDisk disk, Path copy, boolean share) {
        String size = disk.label();
        Samples engine = results.metric("reset_loadvm_inplace_" + (share ? "" : "noshare_") + size, "Machine.restoreSnapshot "
                + "in the running VM (snapshot-load, agent resync, guest-set-time" + (share ? ", share remount" : ", no share")
                + "), " + disk.fillMiB() + " MiB touched");
        Samples bare = results.metric("reset_loadvm_inplace_qmp_" + size, "bare QMP snapshot-load job alone, same VM");
        Samples thenExec = results.metric(engine.metric() + "_then_exec", "the same + the first exec(\"true\") after it "
                + "(what a share mounted in the background costs shows here)");
        Path runDir = work.resolve("inplace-" + size + (share ? "" : "-noshare"));
        MachineSpec spec = share ? loadvmSpec(disk, copy, runDir) : disk.hardware().specBuilder(copy, runDir)
                .directKernel(tiny.kernel(), tiny.initrd(), TinyGuest.KERNEL_APPEND).loadSnapshot(FilledDisk.SNAPSHOT).build();
        try (Machine machine = Machine.start(spec, new LinuxProfile(), BOOT_TIMEOUT)) {
            QmpSnapshotLoad load = new QmpSnapshotLoad(machine.qmp());
            machine.restoreSnapshot(FilledDisk.SNAPSHOT);
            for (int i = 0; i < Bench.n("inplace", 5); i++) {
                long t0 = System.nanoTime();
                machine.restoreSnapshot(FilledDisk.SNAPSHOT);
                engine.add(System.nanoTime() - t0);
                EngineBench.requireSuccess(machine.exec(new Command.Argv(List.of("true")), ExecOptions.defaults()));
                thenExec.add(System.nanoTime() - t0);
                if (share) {
                    long t1 = System.nanoTime();
                    load.run(FilledDisk.SNAPSHOT);
                    bare.add(System.nanoTime() - t1);
                }
            }
        }
        Bench.progress(engine.metric() + ": p50 " + Results.format(engine.percentile(50)) + " ms"
                + (share ? ", bare QMP " + Results.format(bare.percentile(50)) + " ms" : ""));
    }

    /** A new QEMU process with -loadvm, timed until Machine.start returns (agent answering, clock set, share mounted). */
    private void newProcess(FilledDisk disk, Path copy) throws IOException {
        String size = disk.label();
        Samples samples = results.metric("reset_loadvm_newproc_" + size, "new QEMU with -loadvm until the agent answers "
                + "(Machine.start: clock set, share mounted; the original osrun's reset)");
        Samples thenExec = results.metric(samples.metric() + "_then_exec", "the same + the first exec(\"true\")");
        int n = Bench.n("newproc", 5);
        for (int i = -1; i < n; i++) {
            Path runDir = work.resolve("newproc-" + size + "-" + (i + 1));
            long t0 = System.nanoTime();
            try (Machine machine = Machine.start(loadvmSpec(disk, copy, runDir), new LinuxProfile(), BOOT_TIMEOUT)) {
                long t1 = System.nanoTime();
                EngineBench.requireSuccess(machine.exec(new Command.Argv(List.of("true")), ExecOptions.defaults()));
                if (i >= 0) {
                    samples.add(t1 - t0);
                    thenExec.add(System.nanoTime() - t0);
                }
            }
            Bench.deleteTree(runDir);
        }
        Bench.progress(samples.metric() + ": p50 " + Results.format(samples.percentile(50)) + " ms");
    }

    // ---- a RAM template without the engine -----------------------------------------------------------------------

    /** The floor under the engine's template reset: {@link RawTemplate}, timed until the agent answers and the clock is set. */
    private void bareTemplate(FilledDisk disk, Path copy) {
        String size = disk.label();
        MachineSpec source = disk.hardware().specBuilder(copy, work.resolve("bare-template-" + size))
                .directKernel(tiny.kernel(), tiny.initrd(), TinyGuest.KERNEL_APPEND).loadSnapshot(FilledDisk.SNAPSHOT).build();
        Path ramFile = Path.of("/dev/shm", "osrun-bench-" + ProcessHandle.current().pid() + "-" + size + ".ram");
        Samples samples = results.metric("reset_template_bare_" + size, "bare template clone (no engine): new QEMU mapping "
                + "the RAM file privately, x-ignore-shared migrate-incoming, cont, agent sync, guest-set-time");
        Samples running = results.metric("reset_template_bare_running_" + size, "the same, until cont has returned "
                + "(QEMU start, overlay, migrate-incoming of the device state)");
        Samples synced = results.metric("reset_template_bare_synced_" + size, "the same, until the agent answered (no clock)");
        try (RawTemplate template = RawTemplate.capture(source, Accel.TCG, ramFile, work.resolve("bare-template-" + size))) {
            Bench.progress("bare template " + size + ": device state " + template.deviceStateBytes() / 1024 + " KiB");
            for (int i = -1; i < Bench.n("template", 10); i++) {
                Path runDir = work.resolve("bare-clone-" + size + "-" + (i + 1));
                long t0 = System.nanoTime();
                try (RawVm vm = template.startClone(runDir, Accel.TCG, i >= 0 ? running : null, i >= 0 ? synced : null)) {
                    if (i >= 0) {
                        samples.add(System.nanoTime() - t0);
                    }
                }
                Bench.deleteTree(runDir);
            }
            if (size.equals("1g")) {
                MemoryUse one = bareClones(template, 1, size);
                MemoryUse four = bareClones(template, 4, size);
                report.value("clones4_pss_ratio_bare", (double) four.pssKiB() / one.pssKiB(), "bare template clones: PSS of 4 "
                        + "concurrent " + size + " clones / one (" + four.pssKiB() / 1024 + " / " + one.pssKiB() / 1024
                        + " MiB; RSS " + four.rssKiB() / 1024 + " / " + one.rssKiB() / 1024 + " MiB), each after reading its "
                        + disk.fillMiB() + " MiB fill");
            }
        }
        Bench.progress(samples.metric() + ": p50 " + Results.format(samples.percentile(50)) + " ms");
    }

    private MemoryUse bareClones(RawTemplate template, int count, String size) {
        List<RawVm> vms = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                RawVm vm = template.startClone(work.resolve("bare-mem-" + size + "-" + count + "-" + i), Accel.TCG);
                vms.add(vm);
                EngineBench.requireSuccess(vm.run(RawVm.Polling.FIXED_1MS, "/bin/sh", "-c",
                        FilledDisk.READ_FILL));
            }
            MemoryUse use = MemoryUse.of(vms.stream().map(RawVm::pid).toList());
            Bench.progress(count + " bare clone(s): PSS " + use.pssKiB() / 1024 + " MiB, RSS " + use.rssKiB() / 1024 + " MiB");
            return use;
        } finally {
            vms.forEach(RawVm::close);
        }
    }

    /** Deletes the RAM files in /dev/shm that a killed earlier run left behind (named by its pid). */
    private static void removeDeadRamFiles() throws IOException {
        try (var files = Files.list(Path.of("/dev/shm"))) {
            for (Path file : files.toList()) {
                String[] parts = file.getFileName().toString().split("-");
                if (parts.length == 4 && parts[0].equals("osrun") && parts[1].equals("bench") && parts[2].matches("[0-9]+")
                        && parts[3].endsWith(".ram")
                        && ProcessHandle.of(Long.parseLong(parts[2])).isEmpty()) {
                    Bench.progress("removing " + file + ", left by a run that no longer exists");
                    Files.deleteIfExists(file);
                }
            }
        }
    }

    // ---- exec: the engine against the bare protocol ----------------------------------------------------------------

    /** EngineBench's exec measurements on the default 512 MiB provisioned tiny guest, named as the issue names them. */
    private void exec() throws IOException {
        Hardware hardware = Hardware.of(Accel.AUTO, 512, 1);
        Path base = TinyGuestRecipe.provision(cache, tiny, hardware);
        int n = Bench.n("exec", 50);
        Results engineRows = new Results();
        Path disk = work.resolve("exec-bare.qcow2");
        Files.copy(base, disk);
        MachineSpec spec = hardware.specBuilder(disk, work.resolve("exec-bare"))
                .directKernel(tiny.kernel(), tiny.initrd(), TinyGuest.KERNEL_APPEND)
                .loadSnapshot(TinyGuestRecipe.PROVISIONED).build();
        try (RawVm vm = RawVm.start(spec, hardware.accel(), BOOT_TIMEOUT)) {
            vm.agent.setTime(java.time.Instant.now());
            Samples bare = EngineBench.bareExec(engineRows, vm, RawVm.Polling.SPIN, n);
            results.copy(bare, "exec_bare", "bare guest-exec /bin/true + guest-exec-status polled without pause "
                    + "(GuestAgentClient; EngineBench qga_exec_true_spin)");
        }
        try (LocalVm vm = LocalVm.builder(GuestKind.TINY).cache(cache.root()).snapshot(TinyGuestRecipe.PROVISIONED).start()) {
            Samples engine = EngineBench.engineExec(engineRows, vm, true, n);
            results.copy(engine, "exec_engine", "LocalVm.exec(\"true\") in the default mode (EngineBench exec_roundtrip)");
        }
    }
}
