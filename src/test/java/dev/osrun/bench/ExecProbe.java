package dev.osrun.bench;

import dev.osrun.Accel;
import dev.osrun.engine.MachineSpec;
import dev.osrun.provision.CacheDir;
import dev.osrun.provision.Hardware;
import dev.osrun.provision.TinyGuest;
import dev.osrun.provision.TinyGuestRecipe;
import dev.osrun.qga.GuestExecRequest;
import dev.osrun.qga.GuestExecStatus;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

/**
 * Where the time of an exec with guest-local output files goes: the bare protocol, the wrapper, the agent's file
 * calls, side by side and interleaved (a diagnostic, not part of {@code bin/bench}).
 */
public final class ExecProbe {

    private static int counter;
    private static long[] lastHandles;

    public static void main(String[] args) throws Exception {
        Hardware hw = Hardware.of(Accel.AUTO, 512, 1);
        TinyGuest tiny = TinyGuest.locate();
        Path base = TinyGuestRecipe.provision(CacheDir.fromEnvironment(), tiny, hw);
        Path work = Files.createTempDirectory("osrun-probe-");
        Path disk = work.resolve("d.qcow2");
        Files.copy(base, disk);
        MachineSpec spec = hw.specBuilder(disk, work.resolve("run")).directKernel(tiny.kernel(), tiny.initrd(), TinyGuest.KERNEL_APPEND)
                .loadSnapshot(TinyGuestRecipe.PROVISIONED).build();
        int n = Integer.getInteger("n", 40);
        Map<String, Samples> samples = new LinkedHashMap<>();
        try (RawVm vm = RawVm.start(spec, hw.accel(), Duration.ofMinutes(2))) {
            vm.agent.setTime(java.time.Instant.now());
            Map<String, Runnable> probes = new LinkedHashMap<>();
            probes.put("bare true capture", () -> run(vm, true, null, "/bin/true"));
            probes.put("bare /bin/true via path? (same)", () -> run(vm, true, null, "true"));
            String meta = "o=$1 e=$2; shift 2; exec 3>&1 </dev/null >\"$o\" 2>\"$e\" || exit 125; %s; r=$?; [ -s \"$o\" ] && printf o >&3; [ -s \"$e\" ] && printf e >&3; exit $r";
            probes.put("V child true (applet in-process)", () -> {
                String id = "/run/v" + (counter++);
                run(vm, true, null, "/bin/sh", "-c", String.format(meta, "\"$@\""), "x", id + ".o", id + ".e", "true");
            });
            probes.put("V child /bin/true (fork+exec)", () -> {
                String id = "/run/v" + (counter++);
                run(vm, true, null, "/bin/sh", "-c", String.format(meta, "\"$@\""), "x", id + ".o", id + ".e", "/bin/true");
            });
            probes.put("exec /bin/true (1 process + exec)", () -> {
                String id = "/run/v" + (counter++);
                run(vm, true, null, "/bin/sh", "-c", "o=$1 e=$2; shift 2; exec </dev/null >\"$o\" 2>\"$e\" || exit 125; exec \"$@\"", "x", id + ".o", id + ".e", "/bin/true");
            });
            probes.put("V + rm prev", () -> {
                String id = "/run/v" + (counter++);
                String prev = "/run/v" + (counter - 3);
                run(vm, true, null, "/bin/sh", "-c", String.format(meta, "rm -f -- " + prev + ".o " + prev + ".e; \"$@\""), "x", id + ".o", id + ".e", "true");
            });
            probes.put("V + rm prev &", () -> {
                String id = "/run/v" + (counter++);
                String prev = "/run/v" + (counter - 3);
                run(vm, true, null, "/bin/sh", "-c", String.format(meta, "rm -f -- " + prev + ".o " + prev + ".e & \"$@\""), "x", id + ".o", id + ".e", "true");
            });
            probes.put("V + subshell fork", () -> {
                String id = "/run/v" + (counter++);
                run(vm, true, null, "/bin/sh", "-c", String.format(meta, "(true); \"$@\""), "x", id + ".o", id + ".e", "true");
            });
            probes.put("V echo + open/read/close o", () -> {
                String id = "/run/w" + (counter++);
                GuestExecStatus st = run(vm, true, null, "/bin/sh", "-c", String.format(meta, "\"$@\""), "x", id + ".o", id + ".e", "echo", "hi");
                if (!new String(st.stdout()).equals("o")) throw new IllegalStateException(new String(st.stdout()));
                long h = vm.agent.fileOpen(id + ".o", "r");
                vm.agent.fileRead(h, 1 << 20);
                vm.agent.fileClose(h);
            });
            probes.put("bare echo hi capture", () -> run(vm, true, null, "echo", "hi"));
            for (String name : probes.keySet()) {
                samples.put(name, new Samples(name, name, 0));
            }
            for (int round = 0; round < n + 3; round++) {
                for (Map.Entry<String, Runnable> probe : probes.entrySet()) {
                    long t0 = System.nanoTime();
                    probe.getValue().run();
                    if (round >= 3) {
                        samples.get(probe.getKey()).add(System.nanoTime() - t0);
                    }
                }
            }
            for (Samples s : samples.values()) {
                System.out.printf("%-48s p50 %6.1f ms  p95 %6.1f ms  min %6.1f%n", s.metric(), s.percentile(50), s.percentile(95), s.min());
            }
            GuestExecStatus ls = run(vm, true, null, "/bin/sh", "-c", "ls /run | wc -l");
            System.out.println("files in /run after: " + new String(ls.stdout()).strip());
            // stdin paths
            for (int kib : new int[] {256, 4096}) {
                byte[] data = new byte[kib * 1024];
                new java.util.Random(1).nextBytes(data);
                long t0 = System.nanoTime();
                GuestExecStatus st = run(vm, true, data, "wc", "-c");
                long t1 = System.nanoTime();
                long h = vm.agent.fileOpen("/run/stdin.bin", "w");
                for (int off = 0; off < data.length; off += 1 << 20) {
                    byte[] chunk = java.util.Arrays.copyOfRange(data, off, Math.min(data.length, off + (1 << 20)));
                    vm.agent.fileWrite(h, chunk);
                }
                vm.agent.fileClose(h);
                GuestExecStatus st2 = run(vm, true, null, "/bin/sh", "-c", "wc -c </run/stdin.bin; rm /run/stdin.bin");
                long t2 = System.nanoTime();
                System.out.printf("stdin %d KiB: input-data %.0f ms (%s), file-write %.0f ms (%s)%n", kib, (t1 - t0) / 1e6,
                        new String(st.stdout()).strip(), (t2 - t1) / 1e6, new String(st2.stdout()).strip());
            }
            // output read speed
            run(vm, true, null, "/bin/sh", "-c", "head -c 16777216 /dev/zero > /run/big");
            long t0 = System.nanoTime();
            long h = vm.agent.fileOpen("/run/big", "r");
            long total = 0;
            while (true) {
                var chunk = vm.agent.fileRead(h, Integer.getInteger("chunk", 4 << 20));
                total += chunk.data().length;
                if (chunk.eof() || chunk.data().length == 0) {
                    break;
                }
            }
            vm.agent.fileClose(h);
            System.out.printf("read 16 MiB: %.0f ms (%d bytes)%n", (System.nanoTime() - t0) / 1e6, total);
        } finally {
            Bench.deleteTree(work);
        }
        System.exit(0);
    }

    private static void fileExec(RawVm vm, String wrapper) {
        String id = "/run/r" + (counter++);
        long o = vm.agent.fileOpen(id + ".o", "w+");
        long e = vm.agent.fileOpen(id + ".e", "w+");
        run(vm, false, null, "/bin/sh", "-c", wrapper, "x", id + ".o", id + ".e", "true");
        vm.agent.fileRead(o, 1 << 20);
        vm.agent.fileRead(e, 1 << 20);
        vm.agent.fileClose(o);
        vm.agent.fileClose(e);
    }

    /** guest-exec + status with the engine's backoff (1 ms doubling to 20 ms). */
    private static GuestExecStatus run(RawVm vm, boolean capture, byte[] input, String path, String... args) {
        long pid = vm.agent.exec(new GuestExecRequest(path, new ArrayList<>(List.of(args)), null, input, capture));
        long pause = 1_000_000;
        while (true) {
            GuestExecStatus st = vm.agent.execStatus(pid);
            if (st.exited()) {
                if (st.exitCode() == null || st.exitCode() != 0) {
                    throw new IllegalStateException(path + " " + List.of(args) + ": exit " + st.exitCode());
                }
                return st;
            }
            LockSupport.parkNanos(pause);
            pause = Math.min(20_000_000, pause * 2);
        }
    }
}
