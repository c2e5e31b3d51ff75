package dev.osrun.provision;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.osrun.OsrunException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A provisioned guest as one portable file, so that a CI runner can keep it in its CI cache and skip provisioning:
 * a zstd-compressed tar holding {@code osrun-cache.json} (the {@link Manifest}: guest, artifact name — which carries
 * the cache key —, size, SHA-256, QEMU version) and the provisioned disk itself.
 *
 * <p>{@link #exportTo} streams the disk out (read under the disk's shared lock, written beside the target and
 * renamed). {@link #importFrom} refuses, before writing anything, an archive made for another key (another QEMU,
 * recipe or hardware setting: the cache would never use it), and streams the disk into a temporary file that is
 * published only when its size, its SHA-256, zstd's own frame checksum and {@code qemu-img check} all agree, so a
 * truncated or corrupt archive leaves the cache as it was.
 */
public final class CacheArchive {

    /** The archive format this osrun writes and reads. */
    public static final int FORMAT = 1;
    /** The name of the manifest entry, always the archive's first. */
    static final String MANIFEST_ENTRY = "osrun-cache.json";

    private static final Logger log = LoggerFactory.getLogger(CacheArchive.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration LOCK_TIMEOUT = Duration.ofMinutes(15);
    private static final long PROGRESS_EVERY_BYTES = 64L << 20;

    private CacheArchive() {
    }

    /**
     * What an archive holds.
     *
     * @param format   the archive format ({@link #FORMAT})
     * @param guest    the guest's id ({@code tiny}, {@code windows11})
     * @param artifact the provisioned disk's name in the cache; it carries the key (recipe, QEMU version, machine
     *                 type, CPU model, memory) that the cache looks it up by
     * @param size     the disk's size in bytes
     * @param sha256   the disk's SHA-256, hex
     * @param qemu     the QEMU that made it ({@code qemu-system-x86_64 --version}'s first line)
     * @param created  when the archive was written
     */
    public record Manifest(int format, String guest, String artifact, long size, String sha256, String qemu, String created) {
    }

    /**
     * Writes the provisioned disk {@code disk} of guest {@code guest} to {@code archive} (replacing it when it
     * exists, only once the new one is complete).
     *
     * @throws OsrunException when the disk is missing, or reading, compressing or writing fails
     */
    public static Manifest exportTo(CacheDir cache, String guest, Path disk, Path archive, ProvisioningListener progress) {
        if (!Files.isRegularFile(disk)) {
            throw new OsrunException("There is no provisioned " + guest + " disk to export in " + cache.root() + " (looked for "
                    + disk.getFileName() + "). Provision it first: run any command in the VM, e.g. osrun --guest " + guest + " true.");
        }
        Path target = archive.toAbsolutePath();
        Path partial = target.resolveSibling("." + target.getFileName() + ".partial-" + ProcessHandle.current().pid());
        try (CacheDir.Lock reading = cache.lock("disk-" + disk.getFileName(), LOCK_TIMEOUT, true)) {
            long size = Files.size(disk);
            progress.step("exporting", "Hashing " + disk.getFileName() + " (" + mib(size) + " MiB)");
            String sha256 = sha256(disk);
            Manifest manifest = new Manifest(FORMAT, guest, disk.getFileName().toString(), size, sha256,
                    QemuTools.version("qemu-system-x86_64"), Instant.now().toString());
            byte[] manifestBytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(manifest);
            Process zstd = new ProcessBuilder("zstd", "-q", "-f", "-T0", "-3", "-o", partial.toString())
                    .redirectError(ProcessBuilder.Redirect.PIPE).start();
            StderrTail stderr = StderrTail.follow(zstd);
            try (OutputStream out = new BufferedOutputStream(zstd.getOutputStream(), 1 << 20)) {
                long now = Instant.now().getEpochSecond();
                TarStream.writeHeader(out, MANIFEST_ENTRY, manifestBytes.length, now);
                out.write(manifestBytes);
                TarStream.pad(out, manifestBytes.length);
                TarStream.writeHeader(out, manifest.artifact(), size, now);
                try (InputStream in = Files.newInputStream(disk)) {
                    copy(in, out, size, "exporting", progress);
                }
                TarStream.pad(out, size);
                TarStream.writeEnd(out);
            }
            awaitZstd(zstd, stderr, "compress " + disk.getFileName());
            fsync(partial);
            Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            progress.step("exported", "Wrote " + target + " (" + mib(Files.size(target)) + " MiB from " + mib(size) + " MiB)");
            log.info("Exported {} to {}", disk.getFileName(), target);
            return manifest;
        } catch (IOException e) {
            throw new OsrunException("Cannot export " + disk.getFileName() + " to " + target + ": " + e.getMessage(), e);
        } finally {
            deleteQuietly(partial);
        }
    }

    /**
     * Reads {@code archive} into the cache as the provisioned disk {@code expected} of guest {@code guest}.
     *
     * @throws OsrunException when the archive is for another guest or key, truncated or corrupt; the cache is then
     *                        left as it was
     */
    public static Manifest importFrom(CacheDir cache, String guest, Path expected, Path archive, ProvisioningListener progress) {
        if (!Files.isRegularFile(archive)) {
            throw new OsrunException("There is no archive at " + archive.toAbsolutePath() + ". Write one with: osrun cache export FILE.");
        }
        try (CacheDir.Lock provisioning = cache.lock("provision", LOCK_TIMEOUT)) {
            cache.removeLeftovers();
            Path partial = cache.temporaryFor(expected);
            Process zstd = new ProcessBuilder("zstd", "-q", "-d", "-c", archive.toString())
                    .redirectError(ProcessBuilder.Redirect.PIPE).start();
            StderrTail stderr = StderrTail.follow(zstd);
            try (InputStream in = new BufferedInputStream(zstd.getInputStream(), 1 << 20)) {
                Manifest manifest = readManifest(in, archive);
                check(manifest, guest, expected, archive);
                TarStream.Entry disk = TarStream.readHeader(in);
                if (disk == null || !disk.name().equals(manifest.artifact()) || disk.size() != manifest.size()) {
                    throw refused(archive, "its second entry is not the disk its manifest names (" + manifest.artifact() + ", "
                            + manifest.size() + " bytes)" + (disk == null ? "" : "; found " + disk.name() + ", " + disk.size() + " bytes"));
                }
                MessageDigest sha = sha256Digest();
                try (OutputStream out = Files.newOutputStream(partial, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                    long copied = copy(new DigestInputStream(in, sha), out, disk.size(), "importing", progress);
                    if (copied != disk.size()) {
                        throw refused(archive, "it ends after " + copied + " of the disk's " + disk.size() + " bytes (truncated)"
                                + stderr.suffix());
                    }
                }
                String actual = HexFormat.of().formatHex(sha.digest());
                in.transferTo(OutputStream.nullOutputStream());
                if (!awaitZstdQuietly(zstd)) {
                    throw refused(archive, "zstd could not decompress it: " + stderr.text().strip() + " (truncated or corrupt)");
                }
                if (!actual.equals(manifest.sha256())) {
                    throw refused(archive, "the disk's SHA-256 is " + actual + ", its manifest says " + manifest.sha256() + " (corrupt)");
                }
                progress.step("importing", "Checking " + expected.getFileName() + " with qemu-img check");
                QemuTools.check(partial);
                List<String> snapshots = QemuTools.snapshotNames(partial);
                if (!snapshots.contains(TinyGuestRecipe.PROVISIONED)) {
                    throw refused(archive, "its disk has no '" + TinyGuestRecipe.PROVISIONED + "' snapshot (it has " + snapshots + ")");
                }
                fsync(partial);
                cache.publish(partial, expected);
                progress.step("imported", "Imported " + expected.getFileName() + " from " + archive.getFileName());
                log.info("Imported {} from {}", expected.getFileName(), archive);
                return manifest;
            } finally {
                zstd.destroyForcibly();
                deleteQuietly(partial);
            }
        } catch (IOException e) {
            throw refused(archive, e.getMessage());
        }
    }

    /** Reads the manifest of {@code archive} without importing anything. */
    public static Manifest readManifest(Path archive) {
        try {
            Process zstd = new ProcessBuilder("zstd", "-q", "-d", "-c", archive.toString())
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            try (InputStream in = new BufferedInputStream(zstd.getInputStream())) {
                return readManifest(in, archive);
            } finally {
                zstd.destroyForcibly();
            }
        } catch (IOException e) {
            throw refused(archive, e.getMessage());
        }
    }

    private static Manifest readManifest(InputStream in, Path archive) throws IOException {
        TarStream.Entry first = TarStream.readHeader(in);
        if (first == null || !first.name().equals(MANIFEST_ENTRY) || first.size() > 64 * 1024) {
            throw refused(archive, "it does not start with " + MANIFEST_ENTRY + " (not an osrun cache archive?)");
        }
        byte[] bytes = in.readNBytes((int) first.size());
        if (bytes.length != first.size()) {
            throw refused(archive, "it ends inside its manifest (truncated)");
        }
        TarStream.skipPad(in, first.size());
        Manifest manifest = JSON.readValue(bytes, Manifest.class);
        if (manifest.format() != FORMAT) {
            throw refused(archive, "it has format " + manifest.format() + "; this osrun reads format " + FORMAT);
        }
        return manifest;
    }

    private static void check(Manifest manifest, String guest, Path expected, Path archive) {
        if (!manifest.guest().equals(guest)) {
            throw refused(archive, "it holds the " + manifest.guest() + " guest, not " + guest);
        }
        if (!manifest.artifact().equals(expected.getFileName().toString())) {
            throw refused(archive, "it was made for another cache key: it holds " + manifest.artifact() + " (made with "
                    + manifest.qemu() + "), but this osrun looks for " + expected.getFileName() + " with "
                    + QemuTools.version("qemu-system-x86_64") + " and these settings. Another QEMU, recipe, memory size "
                    + "or accelerator gives another key; export again with the same settings, or let osrun provision afresh");
        }
    }

    private static long copy(InputStream in, OutputStream out, long size, String step, ProvisioningListener progress)
            throws IOException {
        byte[] buffer = new byte[1 << 20];
        long done = 0;
        long nextReport = PROGRESS_EVERY_BYTES;
        while (done < size) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, size - done));
            if (n < 0) {
                break;
            }
            out.write(buffer, 0, n);
            done += n;
            if (done >= nextReport) {
                progress.step(step, String.format("%d%% (%d of %d MiB)", done * 100 / size, mib(done), mib(size)));
                nextReport += PROGRESS_EVERY_BYTES;
            }
        }
        return done;
    }

    private static String sha256(Path file) throws IOException {
        MessageDigest sha = sha256Digest();
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), sha)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    private static MessageDigest sha256Digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    private static void awaitZstd(Process zstd, StderrTail stderr, String what) throws IOException {
        if (!awaitZstdQuietly(zstd)) {
            throw new IOException("zstd could not " + what + ": " + stderr.text().strip());
        }
    }

    private static boolean awaitZstdQuietly(Process zstd) throws IOException {
        try {
            if (!zstd.waitFor(2, TimeUnit.MINUTES)) {
                zstd.destroyForcibly();
                throw new IOException("zstd did not finish within 2 minutes after its input ended");
            }
            return zstd.exitValue() == 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while waiting for zstd", e);
        }
    }

    private static void fsync(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.force(true);
        }
    }

    private static long mib(long bytes) {
        return bytes >> 20;
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            log.warn("Could not remove {}: {}", file, e.toString());
        }
    }

    private static OsrunException refused(Path archive, String why) {
        return new OsrunException("Cannot import " + archive.toAbsolutePath() + ": " + why + ". The cache is unchanged.");
    }

    /** The end of a process's stderr, read on its own thread so that the process never blocks on it. */
    private static final class StderrTail {
        private final StringBuilder text = new StringBuilder();

        static StderrTail follow(Process process) {
            StderrTail tail = new StderrTail();
            Thread reader = new Thread(() -> {
                try (InputStream err = process.getErrorStream()) {
                    byte[] buffer = new byte[4096];
                    int n;
                    while ((n = err.read(buffer)) > 0) {
                        tail.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
                    }
                } catch (IOException e) {
                    tail.append(e.toString());
                }
            }, "osrun-zstd-stderr");
            reader.setDaemon(true);
            reader.start();
            return tail;
        }

        synchronized void append(String more) {
            text.append(more);
            if (text.length() > 4000) {
                text.delete(0, text.length() - 4000);
            }
        }

        synchronized String text() {
            return text.toString();
        }

        String suffix() {
            String t = text().strip();
            return t.isEmpty() ? "" : "; zstd: " + t;
        }
    }
}
