package dev.osrun.bench;

import dev.osrun.ExecOptions;
import dev.osrun.ExecResult;
import dev.osrun.GuestKind;
import dev.osrun.Accel;
import dev.osrun.engine.Command;
import dev.osrun.engine.LinuxProfile;
import dev.osrun.engine.Machine;
import dev.osrun.engine.MachineSpec;
import dev.osrun.local.LocalVm;
import dev.osrun.provision.CacheDir;
import dev.osrun.provision.Hardware;
import dev.osrun.provision.TinyGuest;
import dev.osrun.provision.TinyGuestRecipe;
import dev.osrun.qga.GuestExecStatus;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * {@code bin/bench engine}: times the engine on the tiny guest: cold boot, exec round trip (share capture vs agent
 * capture vs the bare protocol), restore in the running VM vs in a new QEMU process, and files through the share vs
 * through the agent. Writes {@code target/bench/results.json}, {@code results.md} and {@code machine.json}.
 *
 * <p>Sample counts: system properties {@code bench.n.<group>} or {@code bench.scale} (see {@link Bench#n}).
 * Needs the tiny guest ({@code OSRUN_TINY_DIR}) and a cache ({@code OSRUN_CACHE}); provisions it if empty.
 */
public final class EngineBench {

    private static final String SNAPSHOT = TinyGuestRecipe.PROVISIONED;
    private static final Duration BOOT_TIMEOUT = Duration.ofMinutes(3);
    private static final int SHARE_FILE_MIB = Integer.getInteger("bench.file.mib", 32);
    /** Smaller: the agent's file calls move well under 1 MB/s under TCG, 32 MiB would take minutes per sample. */
    private static final int AGENT_FILE_MIB = Integer.getInteger("bench.agent.file.mib", 8);

    private final Results results = new Results();
    private final Hardware hardware;
    private final TinyGuest tiny;
    private final CacheDir cache;
    private final Path work;
    private Path base;

    private EngineBench(Path out) {
        this.hardware = Hardware.of(Accel.AUTO, 512, 1);
        this.tiny = TinyGuest.locate();
        this.cache = CacheDir.fromEnvironment();
        this.work = out.toAbsolutePath().resolve("work"); // absolute: smbd (the share) runs in a directory of its own
    }

    /** Runs every group and writes the results under {@code args[0]} (default {@code target/bench}). */
    public static void main(String[] args) throws Exception {
        Path out = Path.of(args.length > 0 ? args[0] : "target/bench");
        EngineBench bench = new EngineBench(out);
        try {
            bench.run();
        } finally {
            Bench.deleteTree(bench.work);
        }
        PrintStream stdout = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        stdout.println();
        stdout.println("osrun engine benchmark (" + bench.hardware.accel() + ", tiny guest, " + bench.hardware.memoryMiB()
                + " MiB, " + Runtime.getRuntime().availableProcessors() + " host CPUs)");
        bench.results.printTable(stdout);
        bench.results.mergeJson(out.resolve("results.json"));
        try (PrintStream md = new PrintStream(Files.newOutputStream(out.resolve("results.md")), true, StandardCharsets.UTF_8)) {
            bench.results.printMarkdown(md);
        }
        Bench.writeMachine(Bench.machine(bench.hardware.accel().name().toLowerCase()), out.resolve("machine.json"));
        stdout.println("\nwrote " + out.resolve("results.json") + ", results.md, machine.json");
        System.exit(0);
    }

    private void run() throws IOException {
        Files.createDirectories(work);
        long started = System.nanoTime();
        base = TinyGuestRecipe.provision(cache, tiny, hardware);
        Bench.progress("provisioned disk " + base + " ready in " + (System.nanoTime() - started) / 1_000_000 + " ms");

        coldBoot();
        protocolFloor();
        engineExecAndRestore(true);
        engineExecAndRestore(false);
        newProcess();
    }

    // ---- cold boot -------------------------------------------------------------------------------------------

    private void coldBoot() throws IOException {
        Path disk = copyOfBase("cold.qcow2");
        Samples boot = results.metric("cold_boot", "QEMU start to answering agent (boot, no snapshot, no share)");
        for (int i = 0; i < Bench.n("cold_boot", 3); i++) {
            MachineSpec spec = hardware.specBuilder(disk, work.resolve("cold-" + i))
                    .directKernel(tiny.kernel(), tiny.initrd(), TinyGuest.KERNEL_APPEND).build();
            long t0 = System.nanoTime();
            try (Machine machine = Machine.start(spec, new LinuxProfile(), BOOT_TIMEOUT)) {
                boot.add(System.nanoTime() - t0);
            }
        }
        Bench.progress("cold_boot: p50 " + Results.format(boot.percentile(50)) + " ms");
    }

    // ---- the bare protocol -------------------------------------------------------------------------------------

    /** The agent and QMP without the engine: how fast exec and restore can be, and what polling costs. */
    private void protocolFloor() throws IOException {
        Path disk = copyOfBase("raw.qcow2");
        MachineSpec spec = hardware.specBuilder(disk, work.resolve("raw"))
                .directKernel(tiny.kernel(), tiny.initrd(), TinyGuest.KERNEL_APPEND).loadSnapshot(SNAPSHOT).build();
        int n = Bench.n("exec", 50);
        try (RawVm vm = RawVm.start(spec, hardware.accel(), BOOT_TIMEOUT)) {
            vm.agent.setTime(java.time.Instant.now());
            results.time(results.metric("qga_ping", "guest-ping on the persistent agent connection"), 5, n,
                    () -> vm.agent.ping(Duration.ofSeconds(10)));
            for (RawVm.Polling polling : RawVm.Polling.values()) {
                bareExec(results, vm, polling, n);
            }
            results.time(results.metric("qga_exec_sh_true_spin", "bare guest-exec /bin/sh -c true, polling spin"), 5, n,
                    () -> requireSuccess(vm.run(RawVm.Polling.SPIN, "/bin/sh", "-c", "true")));
            int[] calls = new int[10];
            for (int i = 0; i < calls.length; i++) {
                calls[i] = vm.statusCallsForTrue();
            }
            Bench.progress("guest-exec-status calls until /bin/true is reported exited (spin): " + Arrays.toString(calls));

            Samples loadvm = results.metric("qga_loadvm_hmp", "bare HMP loadvm in the running VM (no resync, no exec)");
            Samples restore = results.metric("qga_restore_inplace", "bare loadvm + agent sync + set-time + first exec (spin)");
            for (int i = 0; i < Bench.n("restore", 8); i++) {
                long t0 = System.nanoTime();
                String output = vm.qmp.humanMonitorCommand("loadvm " + SNAPSHOT, Duration.ofMinutes(2));
                long t1 = System.nanoTime();
                if (!output.isBlank()) {
                    throw new IllegalStateException("loadvm: " + output);
                }
                vm.agent.sync(Duration.ofSeconds(30));
                vm.agent.setTime(java.time.Instant.now());
                requireSuccess(vm.run(RawVm.Polling.SPIN, "/bin/true"));
                long t2 = System.nanoTime();
                loadvm.add(t1 - t0);
                restore.add(t2 - t0);
            }
            Bench.progress("qga_restore_inplace: p50 " + Results.format(restore.percentile(50)) + " ms");
        }
        Samples fresh = results.metric("qga_restore_new_process", "bare new QEMU with -loadvm + agent sync + first exec (spin)");
        for (int i = 0; i < Bench.n("new_process", 5); i++) {
            long t0 = System.nanoTime();
            try (RawVm vm = RawVm.start(spec, hardware.accel(), BOOT_TIMEOUT)) {
                requireSuccess(vm.run(RawVm.Polling.SPIN, "/bin/true"));
                fresh.add(System.nanoTime() - t0);
            }
        }
        Bench.progress("qga_restore_new_process: p50 " + Results.format(fresh.percentile(50)) + " ms");
    }

    /**
     * Times bare {@code guest-exec /bin/true} + {@code guest-exec-status} polled as {@code polling} on {@code vm}, after
     * 5 untimed runs, into the metric {@code qga_exec_true_<polling>}, and returns it (ResetBench's {@code exec_bare}).
     */
    static Samples bareExec(Results results, RawVm vm, RawVm.Polling polling, int n) {
        String name = "qga_exec_true_" + polling.name().toLowerCase();
        Samples samples = results.metric(name, "bare guest-exec /bin/true + guest-exec-status, polling "
                + polling.name().toLowerCase().replace('_', ' '));
        results.time(samples, 5, n, () -> requireSuccess(vm.run(polling, "/bin/true")));
        return samples;
    }

    // ---- the engine in a running VM ------------------------------------------------------------------------------

    /**
     * Times {@code exec("true")} and {@code shell("true")} through {@code vm}, alternated, after 5 untimed pairs, into
     * {@code exec_roundtrip[_agent_capture]} and {@code exec_shell_<mode>}; returns the exec metric (ResetBench's
     * {@code exec_engine}). {@code share} says whether {@code vm} was started with its share (the default mode).
     */
    static Samples engineExec(Results results, LocalVm vm, boolean share, int n) {
        String mode = share ? "share" : "agent";
        String execName = share ? "exec_roundtrip" : "exec_roundtrip_agent_capture";
        String execWhat = share
                ? "exec(\"true\") through LocalVm, share mounted (output via guest-local files)"
                : "exec(\"true\") through LocalVm without share (output via guest-local files)";
        // Alternated, so that neither pays alone for what the guest still does after the restore.
        Samples argv = results.metric(execName, execWhat);
        Samples shell = results.metric("exec_shell_" + mode, "shell(\"true\") (/bin/sh -c) through LocalVm, " + mode + " capture");
        for (int i = 0; i < 5; i++) {
            requireSuccess(vm.exec("true"));
            requireSuccess(vm.shell("true"));
        }
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            requireSuccess(vm.exec("true"));
            long t1 = System.nanoTime();
            requireSuccess(vm.shell("true"));
            argv.add(t1 - t0);
            shell.add(System.nanoTime() - t1);
        }
        Bench.progress(execName + ": p50 " + Results.format(argv.percentile(50)) + " ms, shell "
                + Results.format(shell.percentile(50)) + " ms (n=" + n + ")");
        return argv;
    }

    /** Exec, restore in place and files in one LocalVm, with the share (default) or without it (agent only). */
    private void engineExecAndRestore(boolean share) throws IOException {
        String mode = share ? "share" : "agent";
        LocalVm.Builder builder = LocalVm.builder(GuestKind.TINY).cache(cache.root()).snapshot(SNAPSHOT);
        if (!share) {
            builder.withoutShare();
        }
        try (LocalVm vm = builder.start()) {
            int n = Bench.n("exec", 50);
            engineExec(results, vm, share, n);
            if (share) {
                engineAgainstBare(vm, n);
            }

            Samples restore = results.metric(share ? "restore_inplace" : "restore_inplace_noshare",
                    "restoreSnapshot (loadvm, resync, clock" + (share ? ", share remount" : "") + ") + first exec(\"true\")");
            Samples restoreCall = results.metric(share ? "restore_inplace_call" : "restore_inplace_call_noshare",
                    "restoreSnapshot alone (" + mode + ")");
            for (int i = 0; i < Bench.n("restore", 8); i++) {
                long t0 = System.nanoTime();
                vm.restoreSnapshot(SNAPSHOT);
                long t1 = System.nanoTime();
                requireSuccess(vm.exec("true"));
                long t2 = System.nanoTime();
                restoreCall.add(t1 - t0);
                restore.add(t2 - t0);
            }
            Bench.progress(restore.metric() + ": p50 " + Results.format(restore.percentile(50)) + " ms");

            files(vm, mode, share ? 5 : 2);
        }
    }

    /**
     * The engine's exec against the bare protocol on the same VM and agent connection, alternated sample by sample:
     * {@code exec("true")} through {@code LocalVm} against {@code guest-exec} of {@code true} (agent capture) and
     * {@code guest-exec-status} polled with the engine's backoff; the same for a command with output.
     */
    private void engineAgainstBare(LocalVm vm, int n) {
        Samples engine = results.metric("exec_engine", "exec(\"true\") through LocalVm (output via guest-local files)");
        Samples bare = results.metric("exec_bare", "bare guest-exec true (capture-output) + guest-exec-status, backoff 1 to 20ms, same VM");
        Samples engineEcho = results.metric("exec_engine_echo", "exec(\"echo\", \"hello\") through LocalVm, stdout read back");
        Samples bareEcho = results.metric("exec_bare_echo", "bare guest-exec echo hello (capture-output), same VM");
        dev.osrun.qga.GuestAgentClient agent = vm.machine().agent();
        for (int i = 0; i < n + 5; i++) {
            long t0 = System.nanoTime();
            requireSuccess(vm.exec("true"));
            long t1 = System.nanoTime();
            requireSuccess(bareExec(agent, "true"));
            long t2 = System.nanoTime();
            ExecResult echo = vm.exec("echo", "hello");
            long t3 = System.nanoTime();
            GuestExecStatus bareOut = bareExec(agent, "echo", "hello");
            long t4 = System.nanoTime();
            if (!echo.stdout().equals("hello\n") || !new String(bareOut.stdout(), StandardCharsets.UTF_8).equals("hello\n")) {
                throw new IllegalStateException("echo hello printed '" + echo.stdout() + "'");
            }
            if (i >= 5) {
                engine.add(t1 - t0);
                bare.add(t2 - t1);
                engineEcho.add(t3 - t2);
                bareEcho.add(t4 - t3);
            }
        }
        Bench.progress("exec_engine: p50 " + Results.format(engine.percentile(50)) + " ms against exec_bare "
                + Results.format(bare.percentile(50)) + " ms (" + String.format("%.2f", engine.percentile(50) / bare.percentile(50))
                + "x); with output " + Results.format(engineEcho.percentile(50)) + " against "
                + Results.format(bareEcho.percentile(50)) + " ms");
    }

    /** guest-exec with capture-output, then guest-exec-status polled as the engine polls (1 ms doubling to 20 ms). */
    private static GuestExecStatus bareExec(dev.osrun.qga.GuestAgentClient agent, String path, String... args) {
        long pid = agent.exec(new dev.osrun.qga.GuestExecRequest(path, List.of(args), null, null, true));
        long pause = 1_000_000;
        while (true) {
            GuestExecStatus status = agent.execStatus(pid);
            if (status.exited()) {
                return status;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(pause);
            pause = Math.min(20_000_000, pause * 2);
        }
    }

    /** Upload and download of a random file; checks once that it came back byte for byte. */
    private void files(LocalVm vm, String mode, int defaultN) throws IOException {
        int mib = mode.equals("share") ? SHARE_FILE_MIB : AGENT_FILE_MIB;
        Path file = work.resolve("payload-" + mib + ".bin");
        if (!Files.exists(file)) {
            byte[] bytes = new byte[mib << 20];
            new Random(42).nextBytes(bytes);
            Files.write(file, bytes);
        }
        Path back = work.resolve("back-" + mode + ".bin");
        String guestPath = "/tmp/osrun-bench.bin";
        int n = Bench.n("files", defaultN);
        String size = mib + " MiB";
        Samples up = results.metric("upload_" + mode, "upload of a " + size + " random file through the " + mode, mib);
        Samples down = results.metric("download_" + mode, "download of a " + size + " file through the " + mode, mib);
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            vm.upload(file, guestPath);
            long t1 = System.nanoTime();
            vm.download(guestPath, back);
            long t2 = System.nanoTime();
            up.add(t1 - t0);
            down.add(t2 - t1);
            if (i == 0 && !Arrays.equals(sha256(file), sha256(back))) {
                throw new IllegalStateException("The file came back different through the " + mode);
            }
        }
        requireSuccess(vm.exec("rm", "-f", guestPath));
        Bench.progress("files through the " + mode + ": up " + String.format("%.1f", up.mbPerSecondAtP50()) + " MB/s, down "
                + String.format("%.1f", down.mbPerSecondAtP50()) + " MB/s");
    }

    // ---- a new QEMU process per run ----------------------------------------------------------------------------

    private void newProcess() throws IOException {
        Path disk = copyOfBase("new-process.qcow2");
        int n = Bench.n("new_process", 5);
        for (boolean share : new boolean[] {true, false}) {
            Samples samples = results.metric(share ? "restore_new_process" : "restore_new_process_noshare",
                    "Machine.start with -loadvm (clock" + (share ? ", share remount" : "") + ") + first exec(\"true\")");
            for (int i = 0; i < n; i++) {
                Path runDir = work.resolve("np-" + share + "-" + i);
                MachineSpec spec = hardware.specBuilder(disk, runDir)
                        .directKernel(tiny.kernel(), tiny.initrd(), TinyGuest.KERNEL_APPEND)
                        .shareDir(share ? runDir.resolve("share") : null).loadSnapshot(SNAPSHOT).build();
                long t0 = System.nanoTime();
                try (Machine machine = Machine.start(spec, new LinuxProfile(), BOOT_TIMEOUT)) {
                    requireSuccess(machine.exec(new Command.Argv(List.of("true")), ExecOptions.defaults()));
                    samples.add(System.nanoTime() - t0);
                }
            }
            Bench.progress(samples.metric() + ": p50 " + Results.format(samples.percentile(50)) + " ms");
        }

        Samples persistent = results.metric("localvm_run_persistent",
                "LocalVm persistent start + shell(\"true\") + close, in this JVM (the CLI's run minus JVM start)");
        Samples copy = results.metric("localvm_run_private_copy",
                "LocalVm default start (private disk copy) + shell(\"true\") + close, in this JVM");
        for (int i = 0; i < Bench.n("localvm", 3); i++) {
            long t0 = System.nanoTime();
            try (LocalVm vm = LocalVm.builder(GuestKind.TINY).cache(cache.root()).disk(disk).persistent(true).start()) {
                requireSuccess(vm.shell("true"));
            }
            persistent.add(System.nanoTime() - t0);
            t0 = System.nanoTime();
            try (LocalVm vm = LocalVm.builder(GuestKind.TINY).cache(cache.root()).start()) {
                requireSuccess(vm.shell("true"));
            }
            copy.add(System.nanoTime() - t0);
        }
        Bench.progress("localvm_run_persistent: p50 " + Results.format(persistent.percentile(50)) + " ms, private copy "
                + Results.format(copy.percentile(50)) + " ms");
    }

    // ---- helpers -----------------------------------------------------------------------------------------------

    private Path copyOfBase(String name) throws IOException {
        Path copy = work.resolve(name);
        Files.deleteIfExists(copy);
        Files.copy(base, copy);
        return copy;
    }

    static void requireSuccess(ExecResult result) {
        if (result.exitCode() != 0) {
            throw new IllegalStateException("Expected exit 0 but was " + result.exitCode() + ": " + result.stderr());
        }
    }

    static void requireSuccess(GuestExecStatus status) {
        if (status.exitCode() == null || status.exitCode() != 0) {
            throw new IllegalStateException("Expected exit 0 but was " + status.exitCode());
        }
    }

    private static byte[] sha256(Path file) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
