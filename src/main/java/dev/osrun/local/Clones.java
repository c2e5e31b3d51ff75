package dev.osrun.local;

import com.fasterxml.jackson.databind.JsonNode;
import dev.osrun.OsrunException;
import dev.osrun.SnapshotInfo;
import dev.osrun.engine.GuestProfile;
import dev.osrun.engine.Machine;
import dev.osrun.engine.MachineSpec;
import dev.osrun.engine.RamTemplate;
import dev.osrun.engine.WarmClones;
import dev.osrun.provision.CacheDir;
import dev.osrun.provision.QemuTools;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The VMs one {@link LocalVm} runs on, one after the other: clones of the RAM template of its base snapshot.
 *
 * <p>Restoring the base is a reset to a new clone: a hand-over to the one {@link WarmClones} kept ready, or, when
 * the VM listens on fixed host ports (forwards, VNC, extra QEMU arguments), a new clone started after the old one
 * stopped. Snapshots saved in a clone live in its overlay and restore in place; when a reset leaves such an
 * overlay, it is parked (kept, closed), and restoring one of its snapshots later starts a VM on it again.
 */
final class Clones implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Clones.class);
    private static final Duration TEMPLATE_LOCK_TIMEOUT = Duration.ofMinutes(10);
    /** {@code OSRUN_TEMPLATES=0} makes every VM a private copy of the disk restored in place, as before templates. */
    static final String ENV = "OSRUN_TEMPLATES";

    private final CacheDir cache;
    private final Path cachedDisk;
    private final RamTemplate template;
    private final MachineSpec cloneSpec;
    private final GuestProfile profile;
    private final Path runDir;
    private final SnapshotInfo base;
    private final WarmClones warm;
    /** Stops replaced VMs in the background, so that a hand-over does not wait for QEMU to exit. */
    private final java.util.concurrent.ExecutorService retirer = java.util.concurrent.Executors.newSingleThreadExecutor(task -> {
        Thread thread = new Thread(task, "osrun-clone-retirer");
        thread.setDaemon(true);
        return thread;
    });
    private final AtomicInteger counter = new AtomicInteger();
    /** Overlays of earlier clones that hold snapshots, by snapshot name. */
    private final Map<String, Path> parked = new LinkedHashMap<>();
    /** Snapshots of the cached disk this VM deleted: gone from its view, still in the cache. */
    private final java.util.Set<String> hidden = new java.util.HashSet<>();

    private Clones(CacheDir cache, Path cachedDisk, RamTemplate template, MachineSpec cloneSpec, GuestProfile profile,
                   Path runDir, SnapshotInfo base, boolean warmResets) {
        this.cache = cache;
        this.cachedDisk = cachedDisk;
        this.template = template;
        this.cloneSpec = cloneSpec;
        this.profile = profile;
        this.runDir = runDir;
        this.base = base;
        this.warm = !warmResets || fixedPorts(cloneSpec) ? null : new WarmClones(template, this::nextSpec, profile);
        if (warm == null && warmResets) {
            log.info("Resets start a new clone after the old one stops (no clone kept ready): the VM listens on fixed "
                    + "host ports (forwards, VNC or extra QEMU arguments)");
        }
    }

    /** Whether templates are on ({@code OSRUN_TEMPLATES}, default yes). */
    static boolean enabled() {
        String value = System.getenv(ENV);
        return value == null || value.isBlank() || !(value.equals("0") || value.equalsIgnoreCase("no") || value.equalsIgnoreCase("false"));
    }

    /**
     * Opens (or makes, once per cache) the template of {@code snapshot} in the cached disk {@code disk} and sets up
     * the clones of a VM like {@code spec}; returns them with the first clone started.
     */
    static Clones start(CacheDir cache, Path disk, String snapshot, MachineSpec spec, GuestProfile profile, Path runDir,
                        boolean warmResets) {
        JsonNode entry = entry(disk, snapshot).orElseThrow();
        RamTemplate template = template(cache, disk, snapshot, entry, spec);
        return new Clones(cache, disk, template, spec.withLoadSnapshot(null), profile, runDir, info(entry), warmResets);
    }

    private static Optional<JsonNode> entry(Path disk, String snapshot) {
        return QemuTools.snapshots(disk).stream().filter(s -> s.path("name").asText().equals(snapshot)).findFirst();
    }

    private static SnapshotInfo info(JsonNode entry) {
        return new SnapshotInfo(entry.path("name").asText(), entry.path("vm-state-size").asLong(),
                Instant.ofEpochSecond(entry.path("date-sec").asLong(), entry.path("date-nsec").asLong()));
    }

    private static RamTemplate template(CacheDir cache, Path disk, String snapshot, JsonNode entry, MachineSpec spec) {
        String key = key(disk.getFileName().toString(), snapshot, entry.path("id").asText(), entry.path("date-sec").asText(),
                entry.path("date-nsec").asText(), entry.path("vm-clock-nsec").asText(), QemuTools.version(spec.qemuBinary()),
                spec.machineType(), spec.accel().name(), String.valueOf(spec.cpuModel()), Integer.toString(spec.memoryMiB()),
                Integer.toString(spec.cpus()), String.valueOf(spec.kernel()), String.valueOf(spec.kernelAppend()));
        Path dir = cache.resolve("templates").resolve(disk.getFileName().toString().replaceFirst("\\.qcow2$", "") + "-"
                + snapshot + "-" + key);
        Optional<RamTemplate> existing = RamTemplate.open(dir);
        if (existing.isPresent()) {
            return existing.get();
        }
        try (CacheDir.Lock lock = cache.lock("template-" + key, TEMPLATE_LOCK_TIMEOUT)) {
            existing = RamTemplate.open(dir);
            if (existing.isPresent()) {
                return existing.get();
            }
            Files.createDirectories(dir.getParent());
            try (CacheDir.Lock diskLock = cache.lockDisk(disk, TEMPLATE_LOCK_TIMEOUT, false)) {
                Path captureRun = Files.createTempDirectory("osrun-capture-");
                try {
                    return RamTemplate.capture(spec.withDisk(disk, captureRun).withShareDir(null).withLoadSnapshot(snapshot), dir);
                } finally {
                    dev.osrun.engine.DirectoryTree.delete(captureRun);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot make the RAM template in " + dir, e);
        }
    }

    private static String key(String... parts) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (String part : parts) {
                sha.update(part.getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
            }
            return HexFormat.of().formatHex(sha.digest()).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean fixedPorts(MachineSpec spec) {
        return !spec.forwards().isEmpty() || spec.vncDisplay() != null || !spec.extraArgs().isEmpty();
    }

    private MachineSpec nextSpec() {
        Path dir = runDir.resolve("clone-" + counter.incrementAndGet());
        return cloneSpec.withDisk(dir.resolve("disk.qcow2"), dir);
    }

    /** The first VM. */
    Machine first() {
        return warm != null ? warm.take() : template.startClone(nextSpec(), profile);
    }

    /** The base snapshot's name. */
    String baseName() {
        return base.name();
    }

    /** Whether restoring {@code name} on {@code current} is a new VM: the base (unless the overlay shadows it) or a parked snapshot. */
    boolean restoresByNewVm(Machine current, String name) {
        if (ownSnapshots(current).contains(name)) {
            return false;
        }
        return name.equals(base.name()) || parked.containsKey(name) || otherBase(name).isPresent();
    }

    /** A snapshot of the cached disk other than the base, which this VM has not deleted from its view. */
    private Optional<JsonNode> otherBase(String name) {
        return name.equals(base.name()) || hidden.contains(name) ? Optional.empty() : entry(cachedDisk, name);
    }

    /** Restores {@code name} (see {@link #restoresByNewVm}) on a new VM, stopping {@code current}; returns the new one. */
    Machine restore(Machine current, String name) {
        current.ensureRestorable(); // a broken or crashed VM stays so: it says so rather than turning into another
        Path overlay = parked.get(name);
        boolean keep = !ownSnapshots(current).isEmpty();
        boolean primary = name.equals(base.name());
        if (primary && warm != null) {
            Machine next = warm.take();
            retire(current, keep);
            return next;
        }
        RamTemplate other = primary || overlay != null ? null
                : template(cache, cachedDisk, name, otherBase(name).orElseThrow(), cloneSpec);
        retire(current, keep);
        if (overlay != null) {
            return onParked(overlay, name);
        }
        return (primary ? template : other).startClone(nextSpec(), profile);
    }

    /** A new VM on a parked overlay, restoring {@code name} at start (in a new process: the original osrun's way). */
    private Machine onParked(Path overlay, String name) {
        parked.values().removeIf(overlay::equals);
        MachineSpec spec = nextSpec();
        try {
            Files.createDirectories(spec.runDir());
            Files.move(overlay, spec.disk());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot move the overlay " + overlay + " into " + spec.runDir(), e);
        }
        // The same RAM backing as the clone that saved the snapshot (the template's file, mapped privately).
        return Machine.start(spec.withRam(new MachineSpec.RamFile(template.directory().resolve("ram"), false), null, name),
                profile, Duration.ofSeconds(90));
    }

    /** Stops {@code machine}; keeps its overlay (closed) when it holds snapshots, else removes its run directory. */
    private void retire(Machine machine, boolean keepOverlay) {
        if (!keepOverlay) {
            retirer.execute(() -> stop(machine, false));
            return;
        }
        stop(machine, true);
    }

    private void stop(Machine machine, boolean keepOverlay) {
        List<String> names = keepOverlay ? ownSnapshots(machine) : List.of();
        Path dir = machine.spec().runDir();
        machine.close();
        try {
            if (keepOverlay) {
                Path kept = runDir.resolve("parked-" + counter.incrementAndGet() + ".qcow2");
                Files.move(machine.spec().disk(), kept);
                names.forEach(n -> parked.put(n, kept));
            }
            dev.osrun.engine.DirectoryTree.delete(dir);
        } catch (IOException e) {
            log.warn("Could not clean up after a clone in {}: {}", dir, e.toString());
        }
    }

    private static List<String> ownSnapshots(Machine machine) {
        return machine.snapshots().stream().map(SnapshotInfo::name).toList();
    }

    /** The base, the current VM's own snapshots (which shadow it) and those of parked overlays. */
    List<SnapshotInfo> snapshots(Machine current) {
        List<SnapshotInfo> own = current.snapshots();
        List<SnapshotInfo> all = new ArrayList<>();
        for (JsonNode entry : QemuTools.snapshots(cachedDisk)) {
            String name = entry.path("name").asText();
            if (!hidden.contains(name) && own.stream().noneMatch(s -> s.name().equals(name))) {
                all.add(info(entry));
            }
        }
        all.addAll(own);
        for (Map.Entry<String, Path> entry : parked.entrySet()) {
            if (all.stream().noneMatch(s -> s.name().equals(entry.getKey()))) {
                QemuTools.snapshots(entry.getValue()).stream().filter(s -> s.path("name").asText().equals(entry.getKey()))
                        .findFirst().ifPresent(s -> all.add(new SnapshotInfo(entry.getKey(), s.path("vm-state-size").asLong(),
                                Instant.ofEpochSecond(s.path("date-sec").asLong(), s.path("date-nsec").asLong()))));
            }
        }
        return all;
    }

    /**
     * Deletes a parked snapshot, or hides a snapshot of the cached disk from this VM (the cache keeps it); returns
     * false when {@code name} is neither (the current VM's own snapshot, or none).
     *
     * @throws dev.osrun.SnapshotReadOnlyException when {@code name} is the base this VM resets to
     */
    boolean deleteParked(Machine current, String name) {
        if (current != null && ownSnapshots(current).contains(name)) {
            return false;
        }
        if (current != null && name.equals(base.name())) {
            throw new dev.osrun.SnapshotReadOnlyException(name);
        }
        Path overlay = parked.remove(name);
        if (overlay == null) {
            if (current != null && otherBase(name).isPresent()) {
                hidden.add(name);
                return true;
            }
            return false;
        }
        QemuTools.deleteSnapshot(overlay, name);
        if (!parked.containsValue(overlay)) {
            try {
                Files.deleteIfExists(overlay);
            } catch (IOException e) {
                log.debug("Could not remove {}", overlay, e);
            }
        }
        return true;
    }

    /** Forgets a parked snapshot of that name, as saving the same name in the current VM replaces it. */
    void shadow(String name) {
        if (parked.containsKey(name)) {
            deleteParked(null, name);
        }
    }

    /** The names {@link #snapshots} lists, for the error about one that does not exist. */
    List<String> names(Machine current) {
        return snapshots(current).stream().map(SnapshotInfo::name).toList();
    }

    /** Stops the clone kept ready and waits for replaced VMs to be gone. */
    @Override
    public void close() {
        if (warm != null) {
            warm.close();
        }
        retirer.shutdown();
        try {
            if (!retirer.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS)) {
                log.warn("Replaced VMs were still stopping after 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
