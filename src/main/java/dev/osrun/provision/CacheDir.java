package dev.osrun.provision;

import dev.osrun.OsrunException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/**
 * The directory where provisioned disks live ({@code /cache} in the image, {@code ~/.cache/osrun} on a host).
 *
 * <p>Artifacts are written under a temporary name and renamed into place when complete, so an interrupted
 * provisioning leaves no half-written artifact; an exclusive lock file serialises provisioning between processes
 * and containers that share the directory.
 *
 * <p>Locks are the kernel's file locks, so a process that dies releases them. A disk's lock ({@link #lockDisk})
 * also counts QEMU's own image lock: it is taken only when no QEMU has the disk open, so a QEMU that outlives
 * the process that started it still keeps others off its disk.
 */
public final class CacheDir {

    /** The environment variable that names the cache directory. */
    public static final String ENV = "OSRUN_CACHE";

    private static final Logger log = LoggerFactory.getLogger(CacheDir.class);

    private final Path root;

    /** A cache rooted at {@code root}, created if missing. */
    public CacheDir(Path root) {
        this.root = root.toAbsolutePath();
        try {
            Files.createDirectories(this.root);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create the cache directory " + this.root, e);
        }
    }

    /** The cache named by {@code OSRUN_CACHE}, else {@code ~/.cache/osrun}. */
    public static CacheDir fromEnvironment() {
        String configured = System.getenv(ENV);
        if (configured != null && !configured.isBlank()) {
            return new CacheDir(Path.of(configured));
        }
        return new CacheDir(Path.of(System.getProperty("user.home"), ".cache", "osrun"));
    }

    /** The directory itself. */
    public Path root() {
        return root;
    }

    /** The path of artifact {@code name} (it may not exist yet). */
    public Path resolve(String name) {
        return root.resolve(name);
    }

    /** A fresh temporary path beside {@code target}, to be {@link #publish published} when complete. */
    public Path temporaryFor(Path target) {
        return target.resolveSibling("." + target.getFileName() + ".partial-" + ProcessHandle.current().pid());
    }

    /**
     * Moves a completed temporary artifact to its final name: its bytes are forced to disk first, then it is renamed
     * atomically, then the directory entry is forced, so a crash at any moment leaves either no artifact or a whole one.
     */
    public void publish(Path temporary, Path target) {
        try {
            force(temporary, false);
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            force(target.toAbsolutePath().getParent(), true);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot move " + temporary + " to " + target, e);
        }
    }

    /**
     * Publishes a qcow2 disk that QEMU has closed: {@code qemu-img check} must pass first (a disk that a killed QEMU
     * left behind fails it), then it is {@link #publish published}.
     *
     * @throws dev.osrun.OsrunException when the check fails; the disk stays under its temporary name
     */
    public void publishDisk(Path temporary, Path target) {
        QemuTools.check(temporary);
        publish(temporary, target);
    }

    private static void force(Path path, boolean directory) throws IOException {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            if (!directory) {
                throw e;
            }
            // Some file systems cannot open a directory for reading; the rename itself is still atomic there.
            log.debug("Cannot force directory {}: {}", path, e.toString());
        }
    }

    /** Removes temporary artifacts that crashed or interrupted runs left behind (call while holding the lock). */
    public void removeLeftovers() {
        try (var files = Files.list(root)) {
            for (Path file : files.filter(f -> f.getFileName().toString().contains(".partial-")).toList()) {
                log.info("Removing an incomplete artifact left by an interrupted run: {}", file.getFileName());
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list the cache directory " + root, e);
        }
    }

    /**
     * Takes the cache's exclusive lock {@code name}, waiting at most {@code timeout} for others to release it.
     *
     * @throws OsrunException when the lock is still held after {@code timeout}
     */
    public Lock lock(String name, Duration timeout) {
        return lock(name, timeout, false);
    }

    /**
     * Takes the lock {@code name}, shared (many holders, e.g. readers) or exclusive (one holder, no shared ones),
     * waiting at most {@code timeout}.
     *
     * @throws OsrunException when the lock is still held after {@code timeout}
     */
    public Lock lock(String name, Duration timeout, boolean shared) {
        Path file = root.resolve("." + name + ".lock");
        try {
            FileChannel channel = shared
                    ? FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE)
                    : FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            long deadline = System.nanoTime() + timeout.toNanos();
            boolean told = false;
            while (true) {
                FileLock lock = tryLock(channel, shared);
                if (lock != null) {
                    return new Lock(channel, lock);
                }
                if (!told) {
                    log.warn("Waiting (at most {} s) for another osrun process to release {}", timeout.toSeconds(), file);
                    told = true;
                }
                if (System.nanoTime() > deadline) {
                    String holders = LockHolders.describe(LockHolders.lockers(file));
                    channel.close();
                    throw new OsrunException("The cache lock " + file + " was held by " + holders + " for more than "
                            + timeout.toSeconds() + " s. Wait for that run to finish (or stop it), then try again. Do "
                            + "not delete the lock file: that does not release the lock, it only lets two runs use the "
                            + "same disk at once.");
                }
                LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot lock " + file, e);
        }
    }

    /**
     * Takes the lock of the cached disk {@code disk}, shared (to copy it) or exclusive (to run on it), waiting at
     * most {@code timeout} for the lock and then for every QEMU that still has the disk open (a QEMU whose starter
     * died, say) to let go of it.
     *
     * @throws OsrunException when the lock is still held, or the disk still open, after {@code timeout}; the
     *                        message names the processes
     */
    public Lock lockDisk(Path disk, Duration timeout, boolean shared) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Lock lock = lock("disk-" + disk.getFileName(), timeout, shared);
        boolean told = false;
        while (QemuImageLock.inUse(disk)) {
            if (!told) {
                log.warn("Waiting (at most {} s) for {} to close {}", timeout.toSeconds(),
                        LockHolders.describe(LockHolders.openers(disk)), disk);
                told = true;
            }
            if (System.nanoTime() > deadline) {
                lock.close();
                throw new OsrunException("The cached disk " + disk + " is still open in " + LockHolders.describe(
                        LockHolders.openers(disk)) + " after " + timeout.toSeconds() + " s, though no osrun run holds "
                        + "its lock: a QEMU left running by a run that died? Stop that process, then try again.");
            }
            LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
        }
        return lock;
    }

    /** Like {@link FileChannel#tryLock()}, but a lock held elsewhere in this JVM also counts as held. */
    private static FileLock tryLock(FileChannel channel, boolean shared) throws IOException {
        try {
            return channel.tryLock(0L, Long.MAX_VALUE, shared);
        } catch (java.nio.channels.OverlappingFileLockException e) {
            return null;
        }
    }

    /** A held lock; closing it releases it. */
    public static final class Lock implements AutoCloseable {
        private final FileChannel channel;
        private final FileLock lock;

        private Lock(FileChannel channel, FileLock lock) {
            this.channel = channel;
            this.lock = lock;
        }

        @Override
        public void close() {
            try {
                lock.release();
                channel.close();
            } catch (IOException e) {
                log.debug("Releasing a cache lock failed", e);
            }
        }
    }
}
