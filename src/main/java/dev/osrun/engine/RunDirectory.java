package dev.osrun.engine;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

/**
 * The temporary directories of running VMs and other runs ({@code osrun-vm-*}, {@code osrun-provision-*}, ... in
 * {@code java.io.tmpdir}), and the sweeping of those that dead runs left behind.
 *
 * <p>Each directory holds a file {@value #OWNER_FILE} that names the process that made it (pid and start time, so
 * that a reused pid is not taken for the owner) and, once started, its QEMU. {@link #create} first sweeps: a
 * directory whose owner is gone is removed, after its QEMU, if one still runs, is killed (an orphan serves nobody
 * and holds its disk open); and QEMU's own {@code qemu-smb.*} directories (the Samba configuration QEMU writes for
 * {@code smb=} and removes only when it exits normally) are removed when no running QEMU serves their share.
 */
public final class RunDirectory {

    /** The file in each run directory that names its owner. */
    static final String OWNER_FILE = "owner";

    private static final Logger log = LoggerFactory.getLogger(RunDirectory.class);
    private static final java.util.regex.Pattern PREFIX = java.util.regex.Pattern.compile("osrun-[a-z0-9-]*-");

    private RunDirectory() {
    }

    /**
     * Sweeps what dead runs left behind, then creates a fresh run directory {@code prefix*} in {@code java.io.tmpdir}
     * owned by this process.
     *
     * @param prefix {@code osrun-vm-}, {@code osrun-provision-}, ...: {@code osrun-}, lower-case letters, digits and
     *               dashes, ending with a dash
     * @throws IllegalArgumentException when the prefix is not of that form (the sweeper looks only at {@code osrun-*})
     * @throws UncheckedIOException     when the directory cannot be created
     */
    public static Path create(String prefix) {
        if (!PREFIX.matcher(prefix).matches()) {
            throw new IllegalArgumentException("A run directory's prefix must be 'osrun-', lower-case letters, digits "
                    + "and dashes, ending with a dash (e.g. 'osrun-vm-'), but was '" + prefix + "'");
        }
        sweep(tempRoot());
        try {
            Path dir = Files.createTempDirectory(prefix);
            ProcessHandle self = ProcessHandle.current();
            write(dir, "owner.pid=" + self.pid() + "\nowner.start=" + startOf(self).map(Instant::toString).orElse("") + "\n");
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create a temporary directory for the VM in " + tempRoot(), e);
        }
    }

    /** Records {@code qemu} as the QEMU of {@code runDir}, so that a sweep can stop it if this process dies. */
    static void recordQemu(Path runDir, ProcessHandle qemu) {
        Path owner = runDir.resolve(OWNER_FILE);
        if (!Files.isRegularFile(owner)) {
            return; // a run directory the caller made itself: nobody sweeps it
        }
        try {
            Files.writeString(owner, "qemu.pid=" + qemu.pid() + "\nqemu.start=" + startOf(qemu).map(Instant::toString).orElse("")
                    + "\n", StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException e) {
            log.debug("Could not record QEMU's pid in {}", owner, e);
        }
    }

    /**
     * Removes the run directories in {@code root} whose owner has died (killing their QEMU if it still runs), and
     * the {@code qemu-smb.*} directories of QEMUs that are gone. Directories of live owners, of other users and
     * without an owner file are left alone.
     */
    static void sweep(Path root) {
        for (Path dir : list(root, "osrun-*")) {
            sweepRunDir(dir); // only those with an owner file, which create() writes
        }
        for (Path dir : list(smbRoot(), "qemu-smb.*")) {
            sweepSmbDir(dir);
        }
    }

    private static void sweepRunDir(Path dir) {
        Properties owner = readOwner(dir);
        if (owner == null || isRunning(owner, "owner")) {
            return;
        }
        Optional<ProcessHandle> qemu = running(owner, "qemu");
        if (qemu.isPresent()) {
            log.warn("Stopping QEMU (pid {}) left running by a process that died (pid {})", qemu.get().pid(),
                    owner.getProperty("owner.pid"));
            qemu.get().destroyForcibly();
            try {
                qemu.get().onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception e) {
                log.warn("QEMU (pid {}) did not exit within 10 s of SIGKILL; leaving {} for a later sweep", qemu.get().pid(), dir);
                return;
            }
        }
        log.info("Removing {}, left behind by a run that died (pid {})", dir, owner.getProperty("owner.pid"));
        try {
            DirectoryTree.delete(dir);
        } catch (IOException e) {
            log.warn("Could not remove {}: {}", dir, e.toString());
        }
    }

    private static void sweepSmbDir(Path dir) {
        Path conf = dir.resolve("smb.conf");
        String share;
        try {
            share = Files.readAllLines(conf, StandardCharsets.UTF_8).stream()
                    .filter(line -> line.startsWith("path="))
                    .map(line -> line.substring("path=".length()))
                    .findFirst().orElse(null);
        } catch (IOException e) {
            return; // not ours to judge (another user's, or not QEMU's)
        }
        if (share == null || qemuServing(share)) {
            return;
        }
        log.info("Removing {}, QEMU's Samba directory for {} left by a QEMU that is gone", dir, share);
        try {
            DirectoryTree.delete(dir);
        } catch (IOException e) {
            log.debug("Could not remove {}", dir, e);
        }
    }

    /** Whether a running process's command line has {@code smb=share} (QEMU doubles commas in option values). */
    private static boolean qemuServing(String share) {
        byte[] needle = ("smb=" + share.replace(",", ",,")).getBytes(StandardCharsets.UTF_8);
        for (Path proc : list(Path.of("/proc"), "[0-9]*")) {
            try {
                byte[] cmdline = Files.readAllBytes(proc.resolve("cmdline"));
                if (contains(cmdline, needle)) {
                    return true;
                }
            } catch (IOException e) {
                // the process ended meanwhile, or is not ours to read
            }
        }
        return false;
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            int end = i + needle.length;
            if (end == haystack.length || haystack[end] == 0 || haystack[end] == ',') {
                return true;
            }
        }
        return false;
    }

    private static Properties readOwner(Path dir) {
        Path file = dir.resolve(OWNER_FILE);
        if (!Files.isRegularFile(file) || !Files.isWritable(dir)) {
            return null;
        }
        Properties owner = new Properties();
        try (var in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            owner.load(in);
            return owner.getProperty("owner.pid") != null ? owner : null;
        } catch (IOException | IllegalArgumentException e) {
            return null;
        }
    }

    private static boolean isRunning(Properties owner, String who) {
        return running(owner, who).isPresent();
    }

    /** The process named by {@code who.pid}, if it runs and started when recorded (so a reused pid is not it). */
    private static Optional<ProcessHandle> running(Properties owner, String who) {
        String pid = owner.getProperty(who + ".pid");
        if (pid == null) {
            return Optional.empty();
        }
        Optional<ProcessHandle> handle;
        try {
            handle = ProcessHandle.of(Long.parseLong(pid.strip()));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        String recorded = owner.getProperty(who + ".start", "").strip();
        return handle.filter(ProcessHandle::isAlive)
                .filter(h -> recorded.isEmpty() || startOf(h).map(Instant::toString).map(recorded::equals).orElse(true));
    }

    private static Optional<Instant> startOf(ProcessHandle process) {
        return process.info().startInstant();
    }

    private static void write(Path dir, String text) throws IOException {
        Files.writeString(dir.resolve(OWNER_FILE), text, StandardCharsets.UTF_8);
    }

    private static List<Path> list(Path root, String glob) {
        List<Path> found = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(root, glob)) {
            for (Path entry : entries) {
                if (Files.isDirectory(entry, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    found.add(entry);
                }
            }
        } catch (IOException e) {
            log.debug("Cannot list {}", root, e);
        }
        return found;
    }

    /** Where this JVM makes run directories. */
    static Path tempRoot() {
        return Path.of(System.getProperty("java.io.tmpdir"));
    }

    /** Where QEMU makes its {@code qemu-smb.*} directories (GLib's temporary directory: TMPDIR, else /tmp). */
    static Path smbRoot() {
        String tmpdir = System.getenv("TMPDIR");
        return Path.of(tmpdir != null && !tmpdir.isBlank() ? tmpdir : "/tmp");
    }
}
