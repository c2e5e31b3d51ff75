package dev.osrun.provision;

import dev.osrun.OsrunException;
import dev.osrun.engine.DirectoryTree;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * An installation as a chain of qcow2 disks, one per {@link InstallStep}: step 0 starts on a blank disk, every later
 * step on an overlay whose backing file is the previous step's disk. A step's disk is named
 * {@code <prefix>-step<N>-<key>.qcow2}, where the key hashes the step's files, the previous step's key and the
 * {@link Hardware} (QEMU version, machine type, accelerator, CPU model, memory). A run reuses every step whose disk
 * exists and runs the rest, so an interrupted installation resumes from its last complete step, and a changed step
 * file rebuilds that step and the later ones only.
 *
 * <p>A step's disk is written under a temporary name and published (qemu-img check, fsync, rename) only after the
 * guest shut itself down cleanly, so a kill at any moment leaves no half-written step behind.
 *
 * @param cache    where the disks go
 * @param prefix   the disks' name prefix, e.g. {@code win11}
 * @param hardware the install hardware (part of every key)
 * @param diskSize the virtual size of step 0's disk, e.g. {@code 64G}
 * @param runner   boots one step
 * @param listener hears each step start and end
 */
record StepPipeline(CacheDir cache, String prefix, Hardware hardware, String diskSize, StepRunner runner,
                           ProvisioningListener listener) {

    private static final Logger log = LoggerFactory.getLogger(StepPipeline.class);

    /** The keys of {@code steps}, each chained to the previous one. */
    public List<String> keys(List<InstallStep> steps) {
        List<String> keys = new ArrayList<>();
        String previous = "";
        for (InstallStep step : steps) {
            previous = hardware.key(prefix, step.name(), step.filesHash(), previous);
            keys.add(previous);
        }
        return keys;
    }

    /** The disk of step {@code index} with {@code key}. */
    public Path artifact(int index, String key) {
        return cache.resolve(prefix + "-step" + index + "-" + key + ".qcow2");
    }

    /**
     * Runs the steps that have no disk yet and returns the last step's disk.
     *
     * @throws StepFailedException when a step fails; the steps before it stay cached
     */
    public Path run(List<InstallStep> steps) {
        if (steps.isEmpty()) {
            throw new IllegalArgumentException("An installation needs at least one step");
        }
        List<String> keys = keys(steps);
        removeStale(keys);
        Path previous = null;
        for (int i = 0; i < steps.size(); i++) {
            InstallStep step = steps.get(i);
            Path disk = artifact(i, keys.get(i));
            if (Files.exists(disk)) {
                log.info("Step {} of {} ({}) is cached: {}", i + 1, steps.size(), step.name(), disk.getFileName());
                listener.step("step", "Step " + (i + 1) + " of " + steps.size() + " (" + step.name() + ") is cached");
            } else {
                runStep(i, steps.size(), step, previous, disk);
            }
            previous = disk;
        }
        return previous;
    }

    /**
     * Writes the last step's chain into {@code file} as one standalone, zstd-compressed qcow2 and checks it. The
     * caller names {@code file} (a temporary name) and publishes it when it is complete.
     */
    public Path flatten(Path last, Path file) {
        listener.step("compressing", "Writing the installed system into one compressed disk");
        QemuTools.convertCompressed(last, file);
        QemuTools.check(file);
        return file;
    }

    /** Removes every step disk of this prefix (after the final disk is made, unless the user keeps them). */
    public void removeSteps() {
        for (Path file : stepFiles()) {
            log.info("Removing the step disk {}", file.getFileName());
            deleteQuietly(file);
        }
    }

    private void runStep(int index, int count, InstallStep step, Path previous, Path disk) {
        Path partial = cache.temporaryFor(disk);
        Path runDir = null;
        long started = System.nanoTime();
        try {
            runDir = dev.osrun.engine.RunDirectory.create("osrun-step-");
            if (previous == null) {
                QemuTools.createQcow2(partial, diskSize);
            } else {
                QemuTools.createOverlay(partial, previous);
            }
            log.info("Step {} of {} ({}): running, at most {} min", index + 1, count, step.name(), step.timeout().toMinutes());
            listener.step("step", "Step " + (index + 1) + " of " + count + " (" + step.name() + ") running; waiting (at most "
                    + step.timeout().toMinutes() + " min) for the guest to shut itself down");
            runner.run(index, step, partial, runDir);
            cache.publishDisk(partial, disk);
            long seconds = (System.nanoTime() - started) / 1_000_000_000L;
            log.info("Step {} of {} ({}) done in {} s: {}", index + 1, count, step.name(), seconds, disk.getFileName());
            listener.step("step", "Step " + (index + 1) + " of " + count + " (" + step.name() + ") done in " + seconds + " s");
        } catch (StepFailedException e) {
            throw e;
        } catch (OsrunException e) {
            throw new StepFailedException(step.name(), e.getMessage(), "", e);
        } finally {
            deleteQuietly(partial);
            if (runDir != null) {
                try {
                    DirectoryTree.delete(runDir);
                } catch (IOException e) {
                    log.debug("Could not remove {}", runDir, e);
                }
            }
        }
    }

    /** Removes step disks of this prefix whose key is not one of {@code keys} (made from other files or hardware). */
    private void removeStale(List<String> keys) {
        for (Path file : stepFiles()) {
            String name = file.getFileName().toString();
            boolean current = false;
            for (int i = 0; i < keys.size(); i++) {
                current |= name.equals(artifact(i, keys.get(i)).getFileName().toString());
            }
            if (!current) {
                log.info("Removing the outdated step disk {}", name);
                deleteQuietly(file);
            }
        }
    }

    private List<Path> stepFiles() {
        try (Stream<Path> files = Files.list(cache.root())) {
            return files.filter(p -> p.getFileName().toString().matches(java.util.regex.Pattern.quote(prefix) + "-step\\d+-[0-9a-f]+\\.qcow2"))
                    .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list " + cache.root(), e);
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            log.warn("Could not remove {}: {}", file, e.toString());
        }
    }
}
