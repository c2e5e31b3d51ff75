package dev.osrun.bench;

import dev.osrun.ExecOptions;
import dev.osrun.ExecResult;
import dev.osrun.engine.Command;
import dev.osrun.engine.LinuxProfile;
import dev.osrun.engine.Machine;
import dev.osrun.engine.MachineSpec;
import dev.osrun.provision.CacheDir;
import dev.osrun.provision.Hardware;
import dev.osrun.provision.QemuTools;
import dev.osrun.provision.TinyGuest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A tiny-guest disk whose snapshot {@value #SNAPSHOT} holds a guest with most of its RAM touched: booted cold with
 * {@code -m <size>}, {@value #FILL_PERCENT} % of the guest's RAM written with random bytes into {@code /dev/shm}
 * (a tmpfs, remounted large enough first; the guest's root is an initramfs in RAM too), then saved. Kept in
 * {@code $OSRUN_CACHE/bench-reset/}, keyed by the hardware and the guest build, so reruns start at once.
 *
 * @param hardware the hardware the snapshot is bound to (its memory size is the guest's)
 * @param disk     the cached qcow2 disk holding {@value #SNAPSHOT}; never run directly: copy it first
 * @param fillMiB  how many MiB of random data the snapshot's guest holds in {@value #FILL_FILE}
 */
record FilledDisk(Hardware hardware, Path disk, int fillMiB) {

    /** The snapshot every filled disk holds. */
    static final String SNAPSHOT = "bench-filled";
    /** The guest file holding the random data. */
    static final String FILL_FILE = "/dev/shm/fill";
    static final int FILL_PERCENT = 75;
    /**
     * A shell line that reads the whole fill through the guest CPU, so that its pages become resident in QEMU
     * ({@code cat > /dev/null} would not: busybox cat sends the file with sendfile, which never reads it).
     */
    static final String READ_FILL = "dd if=" + FILL_FILE + " of=/dev/null bs=1M 2>/dev/null";

    private static final String VERSION = "1";
    private static final Duration BOOT_TIMEOUT = Duration.ofMinutes(3);

    /** The filled disk for {@code memoryMiB}, made first (boot, fill, savevm: up to a minute under TCG) if not cached. */
    static FilledDisk prepare(CacheDir cache, TinyGuest tiny, Hardware hardware, Path work) {
        int fillMiB = hardware.memoryMiB() * FILL_PERCENT / 100;
        Path dir = cache.resolve("bench-reset");
        Path disk = dir.resolve("filled-" + hardware.memoryMiB() + "m-" + hardware.key("bench-filled" + VERSION, tiny.stamp())
                + ".qcow2");
        if (Files.exists(disk)) {
            return new FilledDisk(hardware, disk, fillMiB);
        }
        try {
            Files.createDirectories(dir);
            Path partial = cache.temporaryFor(disk);
            Path runDir = work.resolve("fill-" + hardware.memoryMiB());
            long started = System.nanoTime();
            QemuTools.createQcow2(partial, "1G");
            MachineSpec spec = hardware.specBuilder(partial, runDir)
                    .directKernel(tiny.kernel(), tiny.initrd(), TinyGuest.KERNEL_APPEND)
                    .shareDir(runDir.resolve("share")).build();
            try (Machine machine = Machine.start(spec, new LinuxProfile(), BOOT_TIMEOUT)) {
                // tmpfs allows half the RAM by default; dd writes fillMiB MiB of random bytes, i.e. touches them.
                ExecResult fill = machine.exec(new Command.Shell("mount -o remount,size=95% /dev/shm && dd if=/dev/urandom of="
                        + FILL_FILE + " bs=1M count=" + fillMiB + " 2>&1 && sync && ls -l " + FILL_FILE
                        + " && grep -E 'MemTotal|MemFree|Shmem:' /proc/meminfo"),
                        ExecOptions.defaults().withTimeout(Duration.ofMinutes(10)));
                if (fill.exitCode() != 0) {
                    throw new IllegalStateException("Filling " + fillMiB + " MiB of the guest's " + hardware.memoryMiB()
                            + " MiB failed (exit " + fill.exitCode() + "): " + fill.stdout() + fill.stderr());
                }
                Bench.progress("filled " + fillMiB + " MiB of " + hardware.memoryMiB() + " MiB: "
                        + fill.stdout().strip().replace('\n', ';'));
                machine.saveSnapshot(SNAPSHOT);
            }
            if (!QemuTools.snapshotNames(partial).contains(SNAPSHOT)) {
                throw new IllegalStateException("No '" + SNAPSHOT + "' snapshot in " + partial + " after saving it");
            }
            cache.publishDisk(partial, disk);
            Bench.progress("prepared " + disk.getFileName() + " in " + (System.nanoTime() - started) / 1_000_000 + " ms");
            return new FilledDisk(hardware, disk, fillMiB);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot prepare a filled disk in " + dir, e);
        } finally {
            deleteQuietly(cache.temporaryFor(disk));
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            Bench.progress("cannot delete " + file + ": " + e);
        }
    }

    /** A short label of the memory size: {@code 512m}, {@code 1g}, {@code 2g}. */
    String label() {
        int mib = hardware.memoryMiB();
        return mib % 1024 == 0 ? mib / 1024 + "g" : mib + "m";
    }

    /** A working copy of the disk at {@code target} (loadvm needs the snapshot inside the disk, not in a backing file). */
    Path copyTo(Path target) {
        try {
            Files.createDirectories(target.toAbsolutePath().getParent());
            Files.deleteIfExists(target);
            Files.copy(disk, target);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot copy " + disk + " to " + target, e);
        }
    }
}
