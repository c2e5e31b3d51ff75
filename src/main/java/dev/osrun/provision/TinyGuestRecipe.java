package dev.osrun.provision;

import dev.osrun.engine.DirectoryTree;
import dev.osrun.engine.LinuxProfile;
import dev.osrun.engine.Machine;
import dev.osrun.engine.MachineSpec;
import dev.osrun.engine.RunDirectory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Provisions the tiny Linux guest: boots it once on a blank qcow2 disk (which the guest formats), waits for its
 * agent and share, and saves the {@code provisioned} snapshot. The disk is keyed by the guest build and the
 * {@link Hardware}, so another QEMU or another memory size gets its own disk instead of a failing restore.
 */
public final class TinyGuestRecipe {

    /** The snapshot every provisioned disk holds. */
    public static final String PROVISIONED = "provisioned";

    private static final Logger log = LoggerFactory.getLogger(TinyGuestRecipe.class);
    private static final Duration BOOT_TIMEOUT = Duration.ofMinutes(3);
    private static final Duration LOCK_TIMEOUT = Duration.ofMinutes(15);
    /** Changes whenever what this recipe saves changes, so that older caches are provisioned anew. */
    private static final String RECIPE_VERSION = "2";

    private TinyGuestRecipe() {
    }

    /** The cache path of the provisioned disk for this guest and hardware (it may not exist yet). */
    public static Path diskPath(CacheDir cache, TinyGuest guest, Hardware hardware) {
        return cache.resolve("tiny-" + hardware.key("tiny-recipe" + RECIPE_VERSION, guest.stamp()) + ".qcow2");
    }

    /**
     * Returns the provisioned disk, provisioning it first if the cache has none.
     *
     * @throws dev.osrun.OsrunException when the guest fails to boot; the message carries the serial log's tail
     */
    public static Path provision(CacheDir cache, TinyGuest guest, Hardware hardware) {
        return provision(cache, guest, hardware, ProvisioningListener.NONE);
    }

    /**
     * Returns the provisioned disk, provisioning it first if the cache has none, and tells {@code listener} the
     * steps it takes.
     *
     * @throws dev.osrun.OsrunException when the guest fails to boot; the message carries the serial log's tail
     */
    public static Path provision(CacheDir cache, TinyGuest guest, Hardware hardware, ProvisioningListener listener) {
        Path disk = diskPath(cache, guest, hardware);
        if (Files.exists(disk)) {
            return disk;
        }
        try (CacheDir.Lock lock = cache.lock("provision", LOCK_TIMEOUT)) {
            if (Files.exists(disk)) {
                return disk;
            }
            cache.removeLeftovers();
            log.info("Provisioning the tiny guest into {} (first use of this cache)", disk);
            listener.step("provisioning", "Booting a blank tiny guest to provision " + disk.getFileName());
            long started = System.nanoTime();
            Path partial = cache.temporaryFor(disk);
            Path runDir = RunDirectory.create("osrun-provision-");
            try {
                QemuTools.createQcow2(partial, "1G");
                MachineSpec spec = hardware.specBuilder(partial, runDir)
                        .directKernel(guest.kernel(), guest.initrd(), TinyGuest.KERNEL_APPEND)
                        .shareDir(runDir.resolve("share"))
                        .build();
                try (Machine machine = Machine.start(spec, new LinuxProfile(), BOOT_TIMEOUT)) {
                    listener.step("saving", "Saving the '" + PROVISIONED + "' snapshot");
                    machine.saveSnapshot(PROVISIONED);
                }
                // close() has quit QEMU; the disk is kept only when it is whole and holds the snapshot.
                if (!QemuTools.snapshotNames(partial).contains(PROVISIONED)) {
                    throw new dev.osrun.OsrunException("The tiny guest's disk has no '" + PROVISIONED + "' snapshot after saving it; "
                            + "it is not kept. Serial log:\n" + LogTail.of(spec.serialLog(), 30));
                }
                cache.publishDisk(partial, disk);
                long millis = (System.nanoTime() - started) / 1_000_000;
                log.info("Provisioned the tiny guest in {} ms", millis);
                listener.step("provisioned", "Provisioned the tiny guest in " + millis + " ms");
                return disk;
            } finally {
                Files.deleteIfExists(partial);
                DirectoryTree.delete(runDir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot provision the tiny guest into " + cache.root(), e);
        }
    }

}
