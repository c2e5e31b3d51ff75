package dev.osrun.provision;

import dev.osrun.Accel;
import dev.osrun.engine.AccelResolver;
import dev.osrun.engine.MachineSpec;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The virtual hardware a snapshot is bound to. A snapshot restores only into the same QEMU version, machine type,
 * CPU model and memory size, so these values are part of every cached artifact's key.
 *
 * @param qemuBinary  the QEMU executable
 * @param machineType the machine type, e.g. {@code q35}
 * @param accel       the accelerator, already resolved to KVM or TCG
 * @param cpuModel    the CPU model ({@code host} under KVM, {@code max} under TCG by default)
 * @param memoryMiB   guest memory
 * @param cpus        virtual CPUs
 */
public record Hardware(String qemuBinary, String machineType, Accel accel, String cpuModel, int memoryMiB, int cpus) {

    /** Hardware with the accelerator resolved ({@link AccelResolver#resolve}) and its default CPU model. */
    public static Hardware of(Accel accel, int memoryMiB, int cpus) {
        Accel resolved = AccelResolver.resolve(accel);
        return new Hardware("qemu-system-x86_64", "q35", resolved, resolved == Accel.KVM ? "host" : "max", memoryMiB, cpus);
    }

    /** A spec builder for a VM with this hardware, this disk and this run directory. */
    public MachineSpec.Builder specBuilder(Path disk, Path runDir) {
        return MachineSpec.builder(disk, runDir)
                .qemuBinary(qemuBinary).machineType(machineType).accel(accel).cpuModel(cpuModel)
                .memoryMiB(memoryMiB).cpus(cpus);
    }

    /** A short hash of this hardware, the QEMU version and {@code more}: the key of an artifact made on it. */
    public String key(String... more) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (String part : new String[] {QemuTools.version(qemuBinary), machineType, accel.name(), cpuModel,
                    Integer.toString(memoryMiB), Integer.toString(cpus)}) {
                sha.update(part.getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
            }
            for (String part : more) {
                sha.update(part.getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
            }
            return HexFormat.of().formatHex(sha.digest()).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
