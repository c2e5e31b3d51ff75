package dev.osrun.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osrun.Accel;
import dev.osrun.engine.MachineSpec;
import dev.osrun.provision.QemuTools;
import dev.osrun.qmp.QmpClient;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * A RAM template made and used with QEMU and the protocol clients alone, no engine in between: the floor under the
 * engine's template reset. Captured from a snapshot: QEMU loads it ({@code -loadvm}, paused) into guest RAM backed by a
 * file in {@code /dev/shm} mapped shared, then migrates with {@code x-ignore-shared} to a small device-state file.
 * A clone maps the same RAM file privately (copy on write), gets a fresh qcow2 overlay of the source disk, loads the
 * device state ({@code -incoming defer} + {@code migrate-incoming}), continues, and is ready once its agent answers
 * and its clock is set.
 */
final class RawTemplate implements AutoCloseable {

    private static final Duration MIGRATION_TIMEOUT = Duration.ofMinutes(2);

    private final MachineSpec source;
    private final Path ramFile;
    private final Path stateFile;
    private final Path dir;

    private RawTemplate(MachineSpec source, Path ramFile, Path stateFile, Path dir) {
        this.source = source;
        this.ramFile = ramFile;
        this.stateFile = stateFile;
        this.dir = dir;
    }

    /**
     * Captures {@code source} (which must name its snapshot in {@code loadSnapshot}) into {@code dir}, with the RAM
     * file {@code ramFile} (on a tmpfs). The source disk must then stay unchanged: clones run on overlays of it.
     */
    static RawTemplate capture(MachineSpec source, Accel accel, Path ramFile, Path dir) {
        try {
            Files.createDirectories(dir);
            Files.deleteIfExists(ramFile);
            Path stateFile = dir.resolve("device-state");
            MachineSpec spec = with(source, source.disk(), dir.resolve("capture"), memory(source, ramFile, true), "-S");
            try (RawVm vm = RawVm.launch(spec, accel)) {
                ignoreShared(vm.qmp);
                vm.qmp.execute("migrate", JsonNodeFactory.instance.objectNode().put("uri", "exec:cat > " + stateFile));
                awaitMigration(vm.qmp, "capturing the template");
            }
            return new RawTemplate(source, ramFile, stateFile, dir);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot capture a template into " + dir, e);
        }
    }

    /** Starts a clone in {@code runDir} and returns it once its agent answers and its clock is set. */
    RawVm startClone(Path runDir, Accel accel) {
        return startClone(runDir, accel, null, null);
    }

    /**
     * Like {@link #startClone(Path, Accel)}, adding to {@code running} the time until {@code cont} has returned and to
     * {@code synced} the time until the agent answered (before the clock is set), both from the start.
     */
    RawVm startClone(Path runDir, Accel accel, Samples running, Samples synced) {
        long started = System.nanoTime();
        try {
            Files.createDirectories(runDir);
            Path overlay = runDir.resolve("overlay.qcow2");
            QemuTools.createOverlay(overlay, source.disk());
            MachineSpec spec = with(source, overlay, runDir, memory(source, ramFile, false), "-incoming", "defer");
            RawVm vm = RawVm.launch(spec, accel);
            try {
                ignoreShared(vm.qmp);
                vm.qmp.execute("migrate-incoming", JsonNodeFactory.instance.objectNode().put("uri", "exec:cat " + stateFile));
                awaitMigration(vm.qmp, "loading the device state");
                vm.qmp.execute("cont", null);
                if (running != null) {
                    running.add(System.nanoTime() - started);
                }
                vm.agent.sync(Duration.ofSeconds(30));
                if (synced != null) {
                    synced.add(System.nanoTime() - started);
                }
                vm.agent.setTime(Instant.now());
                return vm;
            } catch (RuntimeException e) {
                vm.close();
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start a clone in " + runDir, e);
        }
    }

    long deviceStateBytes() {
        try {
            return Files.size(stateFile);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Guest RAM in {@code ramFile}. The backend's id names the RAM block in the migration stream, so it must be
     * {@code pc.ram}, the name q35 gives the RAM of a plain {@code -m}: the snapshot was saved under that name.
     */
    private static List<String> memory(MachineSpec spec, Path ramFile, boolean share) {
        return List.of("-object", "memory-backend-file,id=pc.ram,size=" + spec.memoryMiB() + "M,mem-path=" + ramFile
                + ",share=" + (share ? "on" : "off"), "-machine", "memory-backend=pc.ram");
    }

    private static MachineSpec with(MachineSpec source, Path disk, Path runDir, List<String> memory, String... more) {
        List<String> extra = new ArrayList<>(source.extraArgs());
        extra.addAll(memory);
        extra.addAll(List.of(more));
        MachineSpec.Builder builder = MachineSpec.builder(disk, runDir).qemuBinary(source.qemuBinary())
                .machineType(source.machineType()).accel(source.accel()).cpuModel(source.cpuModel())
                .memoryMiB(source.memoryMiB()).cpus(source.cpus())
                .directKernel(source.kernel(), source.initrd(), source.kernelAppend()).extraArgs(extra);
        if (disk.equals(source.disk())) {
            builder.loadSnapshot(source.loadSnapshot());
        }
        return builder.build();
    }

    private static void ignoreShared(QmpClient qmp) {
        ObjectNode arguments = JsonNodeFactory.instance.objectNode();
        arguments.putArray("capabilities").addObject().put("capability", "x-ignore-shared").put("state", true);
        qmp.execute("migrate-set-capabilities", arguments);
    }

    private static void awaitMigration(QmpClient qmp, String what) {
        long deadline = System.nanoTime() + MIGRATION_TIMEOUT.toNanos();
        JsonNode status;
        while (true) {
            status = qmp.execute("query-migrate", null);
            String state = status.path("status").asText();
            if (state.equals("completed")) {
                return;
            }
            if (state.equals("failed") || state.equals("cancelled") || System.nanoTime() > deadline) {
                throw new IllegalStateException("Migration while " + what + " did not complete (waited at most "
                        + MIGRATION_TIMEOUT + "): " + status);
            }
            LockSupport.parkNanos(500_000);
        }
    }

    @Override
    public void close() {
        try {
            Files.deleteIfExists(ramFile);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot delete the template's RAM file " + ramFile, e);
        } finally {
            Bench.deleteTree(dir);
        }
    }
}
