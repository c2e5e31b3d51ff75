package dev.osrun.engine;

import dev.osrun.Accel;
import dev.osrun.NetworkMode;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything needed to start one QEMU process: hardware, disk, boot source, share and sockets. Build one with
 * {@link #builder(Path, Path)}.
 *
 * @param qemuBinary   the QEMU executable
 * @param machineType  QEMU's machine type, e.g. {@code q35}
 * @param accel        the accelerator asked for (resolved when the command line is built)
 * @param cpuModel     the CPU model, or empty for the accelerator's default ({@code host} for KVM, {@code max} for TCG)
 * @param memoryMiB    guest memory
 * @param cpus         virtual CPUs
 * @param disk         the qcow2 disk (needed for snapshots even if the guest does not use it)
 * @param runDir       where the QMP and agent sockets, the serial log and QEMU's own log go
 * @param kernel       a kernel to boot directly, with {@code initrd} and {@code kernelAppend}
 * @param initrd       the initramfs for {@code kernel}
 * @param kernelAppend the kernel command line
 * @param shareDir     a host directory the guest sees as {@code \\10.0.2.4\qemu}, or null for none
 * @param network      what the guest's network reaches: {@link NetworkMode#NAT} (outbound, and the host's loopback
 *                     at {@code 10.0.2.2}) or {@link NetworkMode#ISOLATED} (nothing but the share)
 * @param forwards     host ports forwarded to the guest (they work in either mode)
 * @param vncDisplay   a VNC listen address such as {@code 127.0.0.1:50}, or null for none
 * @param loadSnapshot a snapshot to restore at start ({@code -loadvm}), or null to boot
 * @param extraArgs    further arguments appended as they are (firmware, TPM, install media)
 * @param ramFile      a file that holds the guest's RAM instead of anonymous memory, or null (see {@link RamFile})
 * @param incomingState a device-state stream to load at start ({@code -incoming}), or null; used with a
 *                     {@link RamFile} mapped privately, it starts a clone of a RAM template
 */
public record MachineSpec(String qemuBinary, String machineType, Accel accel, String cpuModel, int memoryMiB, int cpus,
                          Path disk, Path runDir, Path kernel, Path initrd, String kernelAppend, Path shareDir,
                          NetworkMode network, List<PortForward> forwards, String vncDisplay, String loadSnapshot, List<String> extraArgs,
                          RamFile ramFile, Path incomingState) {

    /**
     * Guest RAM in a file. {@code shared}: QEMU maps it shared, so what the guest holds ends up in the file (how a
     * RAM template is made); otherwise privately: the guest reads the file's pages and its writes stay its own (how
     * a clone starts from a template, any number at once, the pages they only read held once by the host).
     */
    public record RamFile(Path path, boolean shared) {
        public RamFile {
            Objects.requireNonNull(path, "path");
        }
    }

    /** Checks the required parts and copies the lists. */
    public MachineSpec {
        Objects.requireNonNull(qemuBinary, "qemuBinary");
        Objects.requireNonNull(machineType, "machineType");
        Objects.requireNonNull(accel, "accel");
        Objects.requireNonNull(disk, "disk");
        Objects.requireNonNull(runDir, "runDir");
        Objects.requireNonNull(network, "network");
        if (memoryMiB < 64) {
            throw new IllegalArgumentException("memoryMiB must be at least 64, was " + memoryMiB);
        }
        if (cpus < 1) {
            throw new IllegalArgumentException("cpus must be at least 1, was " + cpus);
        }
        if (incomingState != null && loadSnapshot != null) {
            throw new IllegalArgumentException("A VM either loads a snapshot or an incoming state at start, not both");
        }
        forwards = List.copyOf(forwards);
        extraArgs = List.copyOf(extraArgs);
    }

    /** Starts a builder for a VM with this disk, keeping its sockets and logs in {@code runDir}. */
    public static Builder builder(Path disk, Path runDir) {
        return new Builder(disk, runDir);
    }

    /** A copy of this spec with the snapshot to restore at start. */
    public MachineSpec withLoadSnapshot(String name) {
        return new MachineSpec(qemuBinary, machineType, accel, cpuModel, memoryMiB, cpus, disk, runDir, kernel, initrd,
                kernelAppend, shareDir, network, forwards, vncDisplay, name, extraArgs, ramFile, incomingState);
    }

    /** A copy of this spec on another disk, in another run directory (a clone of the same hardware). */
    public MachineSpec withDisk(Path newDisk, Path newRunDir) {
        return new MachineSpec(qemuBinary, machineType, accel, cpuModel, memoryMiB, cpus, newDisk, newRunDir, kernel, initrd,
                kernelAppend, shareDir, network, forwards, vncDisplay, loadSnapshot, extraArgs, ramFile, incomingState);
    }

    /** A copy of this spec with its RAM in {@code file} and {@code state} (or null) loaded at start. */
    public MachineSpec withRam(RamFile file, Path state, String snapshot) {
        return new MachineSpec(qemuBinary, machineType, accel, cpuModel, memoryMiB, cpus, disk, runDir, kernel, initrd,
                kernelAppend, shareDir, network, forwards, vncDisplay, snapshot, extraArgs, file, state);
    }

    /** A copy of this spec with another share directory (or null for none). */
    public MachineSpec withShareDir(Path dir) {
        return new MachineSpec(qemuBinary, machineType, accel, cpuModel, memoryMiB, cpus, disk, runDir, kernel, initrd,
                kernelAppend, dir, network, forwards, vncDisplay, loadSnapshot, extraArgs, ramFile, incomingState);
    }

    /** The QMP socket in {@link #runDir()}. */
    public Path qmpSocket() {
        return runDir.resolve("qmp.sock");
    }

    /** The guest agent's socket in {@link #runDir()}. */
    public Path agentSocket() {
        return runDir.resolve("qga.sock");
    }

    /** The file the guest's serial console is written to. */
    public Path serialLog() {
        return runDir.resolve("serial.log");
    }

    /** The file QEMU's own stdout and stderr go to. */
    public Path qemuLog() {
        return runDir.resolve("qemu.log");
    }

    /** The share directory, if the guest has one. */
    public Optional<Path> share() {
        return Optional.ofNullable(shareDir);
    }

    /** Builds a {@link MachineSpec}; every setter returns this builder. */
    public static final class Builder {
        private final Path disk;
        private final Path runDir;
        private String qemuBinary = "qemu-system-x86_64";
        private String machineType = "q35";
        private Accel accel = Accel.AUTO;
        private String cpuModel;
        private int memoryMiB = 512;
        private int cpus = 1;
        private Path kernel;
        private Path initrd;
        private String kernelAppend;
        private Path shareDir;
        private NetworkMode network = NetworkMode.NAT;
        private List<PortForward> forwards = List.of();
        private String vncDisplay;
        private String loadSnapshot;
        private List<String> extraArgs = List.of();

        private Builder(Path disk, Path runDir) {
            this.disk = disk;
            this.runDir = runDir;
        }

        /** Sets the QEMU executable (default {@code qemu-system-x86_64} on the PATH). */
        public Builder qemuBinary(String value) { this.qemuBinary = value; return this; }

        /** Sets the machine type (default {@code q35}). */
        public Builder machineType(String value) { this.machineType = value; return this; }

        /** Sets the accelerator (default {@link Accel#AUTO}). */
        public Builder accel(Accel value) { this.accel = value; return this; }

        /** Sets the CPU model (default: the accelerator's). */
        public Builder cpuModel(String value) { this.cpuModel = value; return this; }

        /** Sets the guest memory in MiB (default 512). */
        public Builder memoryMiB(int value) { this.memoryMiB = value; return this; }

        /** Sets the number of virtual CPUs (default 1). */
        public Builder cpus(int value) { this.cpus = value; return this; }

        /** Boots this kernel and initramfs directly, with this command line. */
        public Builder directKernel(Path kernel, Path initrd, String append) {
            this.kernel = kernel;
            this.initrd = initrd;
            this.kernelAppend = append;
            return this;
        }

        /** Shares this host directory with the guest as {@code \\10.0.2.4\qemu}. */
        public Builder shareDir(Path value) { this.shareDir = value; return this; }

        /** Sets what the guest's network reaches (default {@link NetworkMode#NAT}). */
        public Builder network(NetworkMode value) { this.network = value; return this; }

        /** Forwards these host ports to the guest. */
        public Builder forwards(List<PortForward> value) { this.forwards = value; return this; }

        /** Serves the screen over VNC at this address (e.g. {@code 0.0.0.0:50}); null for none. */
        public Builder vncDisplay(String value) { this.vncDisplay = value; return this; }

        /** Restores this snapshot at start instead of booting. */
        public Builder loadSnapshot(String value) { this.loadSnapshot = value; return this; }

        /** Appends these arguments to the command line as they are. */
        public Builder extraArgs(List<String> value) { this.extraArgs = value; return this; }

        /** Builds the spec. @throws IllegalArgumentException when a value is out of range */
        public MachineSpec build() {
            return new MachineSpec(qemuBinary, machineType, accel, cpuModel, memoryMiB, cpus, disk, runDir, kernel,
                    initrd, kernelAppend, shareDir, network, forwards, vncDisplay, loadSnapshot, extraArgs, null, null);
        }
    }
}
