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
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/** Where the time of an exec with share capture goes: the same guest-exec with and without the job files. */
public final class ShareProbe {

    static final String WRAPPER = String.join("\n",
            "d=$1 w=$2; shift 2",
            "if [ -n \"$d\" ]; then exec <\"$d/in\" >\"$d/out\" 2>\"$d/err\" || exit 125; fi",
            "if [ -n \"$w\" ]; then cd -- \"$w\" || exit 126; fi",
            "exec setsid \"$@\"");

    /** The same, but stdin from /dev/null: one CIFS open and close fewer when the caller gives no stdin. */
    static final String WRAPPER_NO_STDIN = WRAPPER.replace("exec <\"$d/in\"", "exec </dev/null");

    public static void main(String[] args) throws Exception {
        Hardware hw = Hardware.of(Accel.AUTO, 512, 1);
        TinyGuest tiny = TinyGuest.locate();
        Path base = TinyGuestRecipe.provision(CacheDir.fromEnvironment(), tiny, hw);
        Path work = Files.createTempDirectory("osrun-probe-");
        Path disk = work.resolve("d.qcow2");
        Files.copy(base, disk);
        Path share = work.resolve("share");
        Files.createDirectories(share.resolve("job"));
        Files.write(share.resolve("job/in"), new byte[0]);
        Files.write(share.resolve("job/out"), new byte[0]);
        Files.write(share.resolve("job/err"), new byte[0]);
        MachineSpec spec = hw.specBuilder(disk, work.resolve("run")).directKernel(tiny.kernel(), tiny.initrd(), TinyGuest.KERNEL_APPEND)
                .shareDir(share).loadSnapshot(TinyGuestRecipe.PROVISIONED).build();
        int n = Integer.getInteger("n", 30);
        try (RawVm vm = RawVm.start(spec, hw.accel(), Duration.ofMinutes(2))) {
            long t0 = System.nanoTime();
            GuestExecStatus st = vm.run(RawVm.Polling.SPIN, "/bin/sh", "-c", "/sbin/osrun-umount-share; exec /sbin/osrun-mount-share");
            System.out.printf("remount: %.0f ms exit %s%n", (System.nanoTime() - t0) / 1e6, st.exitCode());
            for (int round = 0; round < 2; round++) {
                time(vm, n, "true direct", false, "/bin/true");
                time(vm, n, "wrapper no jobdir", false, "/bin/sh", "-c", WRAPPER, "x", "", "", "true");
                time(vm, n, "wrapper jobdir", false, "/bin/sh", "-c", WRAPPER, "x", "/mnt/qemu/job", "", "true");
                time(vm, n, "wrapper jobdir no stdin", false, "/bin/sh", "-c", WRAPPER_NO_STDIN, "x", "/mnt/qemu/job", "", "true");
                time(vm, n, "wrapper jobdir capture", true, "/bin/sh", "-c", WRAPPER, "x", "/mnt/qemu/job", "", "true");
                time(vm, n, "open 1 file in share", false, "/bin/sh", "-c", "exec </mnt/qemu/job/in; true");
                time(vm, n, "stat in share", false, "/bin/sh", "-c", "[ -e /mnt/qemu/job/in ]");
                time(vm, n, "open out for write", false, "/bin/sh", "-c", "exec >/mnt/qemu/job/out; true");
            }
            for (int i = 0; i < 3; i++) {
                t0 = System.nanoTime();
                st = vm.run(RawVm.Polling.SPIN, "/sbin/osrun-umount-share");
                long t1 = System.nanoTime();
                GuestExecStatus m = vm.run(RawVm.Polling.SPIN, "/sbin/osrun-mount-share");
                long t2 = System.nanoTime();
                GuestExecStatus a = vm.run(RawVm.Polling.SPIN, "/bin/sh", "-c", "arping -q -f -c 1 -w 1 -I eth0 10.0.2.4");
                long t3 = System.nanoTime();
                System.out.printf("umount %.0f ms (exit %s), mount %.0f ms (exit %s), arping alone %.0f ms%n",
                        (t1 - t0) / 1e6, st.exitCode(), (t2 - t1) / 1e6, m.exitCode(), (t3 - t2) / 1e6);
            }
        } finally {
            Bench.deleteTree(work);
        }
        System.exit(0);
    }

    private static void time(RawVm vm, int n, String what, boolean capture, String path, String... args) {
        Samples s = new Samples(what, what, 0);
        for (int i = 0; i < n + 3; i++) {
            long t0 = System.nanoTime();
            long pid = vm.agent.exec(new GuestExecRequest(path, List.of(args), null, null, capture));
            GuestExecStatus st;
            while (!(st = vm.agent.execStatus(pid)).exited()) {
                LockSupport.parkNanos(200_000);
            }
            if (st.exitCode() == null || st.exitCode() != 0) {
                throw new IllegalStateException(what + ": exit " + st.exitCode() + " " + new String(st.stderr() == null ? new byte[0] : st.stderr()));
            }
            if (i >= 3) {
                s.add(System.nanoTime() - t0);
            }
        }
        System.out.printf("%-26s p50 %6.1f ms  p95 %6.1f ms  min %6.1f%n", what, s.percentile(50), s.percentile(95), s.min());
    }
}
