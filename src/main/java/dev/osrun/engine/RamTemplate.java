package dev.osrun.engine;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osrun.Accel;
import dev.osrun.OsrunException;
import dev.osrun.provision.QemuTools;
import dev.osrun.qmp.QmpClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A frozen VM state that new VMs start from in a fraction of a second, whatever their RAM size: the disk as the
 * snapshot left it (read-only from then on), the guest's RAM as a file, and the device state without the RAM.
 *
 * <p>A clone ({@link #startClone}) is a new QEMU process that maps the RAM file privately (the guest's writes stay
 * its own; pages it only reads are the host's page cache, held once for every clone), loads the small device
 * state with {@code x-ignore-shared}, and writes to its own qcow2 overlay of the frozen disk. This is VM templating
 * as Kata Containers does it. Any number of clones run from one template at once, and none changes it.
 *
 * <p>Layout of a template directory: {@code disk.qcow2} (the frozen disk), {@code overlay.qcow2} (an empty overlay
 * of it, copied for each clone), {@code ram}, {@code state}, {@code template.json}. It is made in a temporary
 * directory beside it and renamed into place when complete, so an interrupted capture leaves no half template.
 */
public final class RamTemplate {

    private static final Logger log = LoggerFactory.getLogger(RamTemplate.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration CAPTURE_TIMEOUT = Duration.ofMinutes(10);
    private static final Duration QMP_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration BOOT_TIMEOUT = Duration.ofSeconds(60);
    static final String MANIFEST = "template.json";

    private final Path dir;
    private final String snapshot;
    private final int memoryMiB;

    private RamTemplate(Path dir, String snapshot, int memoryMiB) {
        this.dir = dir;
        this.snapshot = snapshot;
        this.memoryMiB = memoryMiB;
    }

    /**
     * The template in {@code dir}, if one is complete there.
     *
     * @throws OsrunException when {@code dir} holds a manifest that cannot be read
     */
    public static Optional<RamTemplate> open(Path dir) {
        Path manifest = dir.resolve(MANIFEST);
        if (!Files.isRegularFile(manifest)) {
            return Optional.empty();
        }
        try {
            ObjectNode node = (ObjectNode) JSON.readTree(manifest.toFile());
            return Optional.of(new RamTemplate(dir, node.path("snapshot").asText(), node.path("memoryMiB").asInt()));
        } catch (IOException | ClassCastException e) {
            throw new OsrunException("The RAM template's manifest " + manifest + " cannot be read: " + e.getMessage()
                    + ". Remove the directory " + dir + "; the next start makes it again.", e);
        }
    }

    /**
     * Makes a template in {@code dir} from the snapshot {@code source.loadSnapshot()} of {@code source.disk()}: the
     * snapshot's disk state is copied out, then a paused QEMU loads the snapshot into a shared RAM file and writes
     * its device state. The source disk is opened (the snapshot load reverts its current state, which no run
     * uses: every run starts from a snapshot), so the caller holds the disk's lock. The guest never runs.
     * If another process completed the same template meanwhile, that one is returned.
     *
     * @throws OsrunException when QEMU cannot load the snapshot or save the state; nothing is left in {@code dir}
     */
    public static RamTemplate capture(MachineSpec source, Path dir) {
        String snapshot = source.loadSnapshot();
        if (snapshot == null) {
            throw new IllegalArgumentException("A template is captured from a snapshot: set the spec's loadSnapshot");
        }
        long started = System.nanoTime();
        Path work = dir.resolveSibling(dir.getFileName() + ".tmp-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
        try {
            Files.createDirectories(work);
            QemuTools.convertSnapshot(source.disk(), snapshot, work.resolve("disk.qcow2"));
            saveState(source, work);
            DirectoryTree.delete(dir); // what an interrupted capture left (the caller holds the template's lock)
            Files.move(work, dir, StandardCopyOption.ATOMIC_MOVE);
            // The overlay names its backing file by its final path, so it is made here; the manifest comes last.
            QemuTools.createOverlay(dir.resolve("overlay.qcow2"), dir.resolve("disk.qcow2").toAbsolutePath());
            ObjectNode manifest = JSON.createObjectNode()
                    .put("snapshot", snapshot)
                    .put("memoryMiB", source.memoryMiB())
                    .put("cpus", source.cpus())
                    .put("machineType", source.machineType())
                    .put("qemu", QemuTools.version(source.qemuBinary()))
                    .put("source", source.disk().toAbsolutePath().toString());
            Path partial = dir.resolve(MANIFEST + ".tmp");
            JSON.writerWithDefaultPrettyPrinter().writeValue(partial.toFile(), manifest);
            Files.move(partial, dir.resolve(MANIFEST), StandardCopyOption.ATOMIC_MOVE);
            log.info("Made the RAM template of '{}' ({} MiB) in {} ms: {}", snapshot, source.memoryMiB(),
                    (System.nanoTime() - started) / 1_000_000, dir);
            return new RamTemplate(dir, snapshot, source.memoryMiB());
        } catch (IOException e) {
            deleteQuietly(dir);
            throw new UncheckedIOException("Cannot make the RAM template in " + dir, e);
        } catch (RuntimeException e) {
            deleteQuietly(dir);
            throw e;
        } finally {
            deleteQuietly(work);
        }
    }

    /** A paused QEMU loads the snapshot into {@code work/ram} (shared) and writes the device state to {@code work/state}. */
    private static void saveState(MachineSpec source, Path work) {
        Path runDir = RunDirectory.create("osrun-template-");
        MachineSpec spec = new MachineSpec(source.qemuBinary(), source.machineType(), source.accel(), source.cpuModel(),
                source.memoryMiB(), source.cpus(), source.disk(), runDir, source.kernel(), source.initrd(),
                source.kernelAppend(), null, source.network(), List.of(), null, source.loadSnapshot(), withPaused(source.extraArgs()),
                new MachineSpec.RamFile(work.resolve("ram"), true), null);
        Accel accel = AccelResolver.resolve(spec.accel());
        Process process = QemuLauncher.start(QemuCommandLine.build(spec, accel), spec.qemuLog());
        try (QmpClient qmp = connect(spec, process)) {
            Migration.ignoreSharedRam(qmp);
            Migration.save(qmp, work.resolve("state"), CAPTURE_TIMEOUT);
            qmp.quit(QMP_TIMEOUT);
        } catch (RuntimeException e) {
            throw new OsrunException("Could not make a RAM template of snapshot '" + source.loadSnapshot() + "': "
                    + e.getMessage() + "\nQEMU's log:\n" + SerialLog.tail(spec.qemuLog(), 20), e);
        } finally {
            process.destroy();
            try {
                if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
            deleteQuietly(runDir);
        }
    }

    private static QmpClient connect(MachineSpec spec, Process process) {
        long deadline = System.nanoTime() + BOOT_TIMEOUT.toNanos();
        while (!Files.exists(spec.qmpSocket())) {
            if (!process.isAlive()) {
                throw new OsrunException("QEMU exited while loading the snapshot (exit " + process.exitValue() + ")");
            }
            if (System.nanoTime() > deadline) {
                throw new OsrunException("QEMU did not open its QMP socket within " + BOOT_TIMEOUT.toSeconds() + " s");
            }
            java.util.concurrent.locks.LockSupport.parkNanos(2_000_000);
        }
        return QmpClient.connect(spec.qmpSocket(), BOOT_TIMEOUT);
    }

    private static List<String> withPaused(List<String> extraArgs) {
        List<String> args = new ArrayList<>(extraArgs);
        args.add("-S"); // the guest must not run: the RAM and the disk must stay as the snapshot left them
        return args;
    }

    /**
     * Starts a clone: {@code spec.disk()} is created as a fresh overlay of the frozen disk, the RAM file mapped
     * privately, the device state loaded; then, as after any restore, the agent is resynchronised, the guest clock
     * set and the share mounted. {@code spec} gives the rest (run directory, share, forwards, display); its
     * memory size must be the template's.
     *
     * @throws OsrunException when the spec's memory differs from the template's, or the clone cannot start
     */
    public Machine startClone(MachineSpec spec, GuestProfile profile) {
        if (spec.memoryMiB() != memoryMiB) {
            throw new OsrunException("The RAM template " + dir + " holds " + memoryMiB + " MiB of RAM, but the VM asks for "
                    + spec.memoryMiB() + " MiB");
        }
        try {
            Files.createDirectories(spec.runDir());
            Files.copy(dir.resolve("overlay.qcow2"), spec.disk(), StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create the clone's disk " + spec.disk(), e);
        }
        return Machine.start(spec.withRam(new MachineSpec.RamFile(dir.resolve("ram"), false), dir.resolve("state"), null),
                profile, BOOT_TIMEOUT);
    }

    /** The template's directory. */
    public Path directory() {
        return dir;
    }

    /** The snapshot it was made from. */
    public String snapshot() {
        return snapshot;
    }

    /** The guest RAM it holds, in MiB. */
    public int memoryMiB() {
        return memoryMiB;
    }

    /** The frozen disk that clones' overlays are backed by. */
    public Path disk() {
        return dir.resolve("disk.qcow2");
    }

    private static void deleteQuietly(Path path) {
        try {
            DirectoryTree.delete(path);
        } catch (IOException e) {
            log.debug("Could not remove {}: {}", path, e.toString());
        }
    }

    @Override
    public String toString() {
        return "RamTemplate[" + snapshot + ", " + memoryMiB + " MiB, " + dir + "]";
    }
}
