package dev.osrun.engine;

import dev.osrun.Accel;
import dev.osrun.NetworkMode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a {@link MachineSpec} into QEMU's argument list. Pure: it starts nothing and reads no file, so every
 * choice it makes is unit-tested.
 *
 * <p>The VM gets: no default devices; QMP on a unix socket; the guest agent on a virtio-serial port named
 * {@code org.qemu.guest_agent.0}; the serial console in a file; user networking (with {@code smb=} and
 * {@code hostfwd=} when asked, {@code restrict=on} in {@link NetworkMode#ISOLATED}); the disk as virtio; a standard VGA for screenshots; a pvpanic device so a guest
 * panic becomes a QMP event.
 */
public final class QemuCommandLine {

    /** The name of the virtio-serial port the guest agent listens on. */
    public static final String AGENT_PORT_NAME = "org.qemu.guest_agent.0";
    /** The id of a file-backed RAM: the q35 and pc machines' name for their default RAM block. */
    static final String RAM_ID = "pc.ram";

    private QemuCommandLine() {
    }

    /**
     * Builds the arguments for {@code spec}, with {@code accel} already resolved to KVM or TCG.
     *
     * @throws IllegalArgumentException when {@code accel} is {@link Accel#AUTO}
     */
    public static List<String> build(MachineSpec spec, Accel accel) {
        if (accel == Accel.AUTO) {
            throw new IllegalArgumentException("Resolve the accelerator before building the command line (AccelResolver.resolve()).");
        }
        List<String> args = new ArrayList<>();
        args.add(spec.qemuBinary());
        args.addAll(List.of("-nodefaults", "-no-user-config", "-name", "osrun"));
        String machine = spec.machineType() + ",accel=" + accel.name().toLowerCase();
        if (spec.ramFile() != null) {
            // Named as the machine names its default RAM, so snapshots saved with anonymous RAM load into it too.
            args.addAll(List.of("-object", "memory-backend-file,id=" + RAM_ID + ",size=" + spec.memoryMiB() + "M,mem-path="
                    + escape(spec.ramFile().path()) + ",share=" + (spec.ramFile().shared() ? "on" : "off")));
            machine += ",memory-backend=" + RAM_ID;
        }
        args.addAll(List.of("-machine", machine));
        args.addAll(List.of("-cpu", spec.cpuModel() != null ? spec.cpuModel() : accel == Accel.KVM ? "host" : "max"));
        args.addAll(List.of("-smp", Integer.toString(spec.cpus()), "-m", spec.memoryMiB() + "M"));
        args.addAll(List.of("-display", "none", "-vga", "std"));
        if (spec.vncDisplay() != null) {
            args.addAll(List.of("-vnc", spec.vncDisplay()));
        }
        args.addAll(List.of(
                "-chardev", "socket,id=qmp,path=" + escape(spec.qmpSocket()) + ",server=on,wait=off",
                "-mon", "chardev=qmp,mode=control",
                "-chardev", "socket,id=qga0,path=" + escape(spec.agentSocket()) + ",server=on,wait=off",
                "-device", "virtio-serial-pci,id=vser0",
                "-device", "virtserialport,bus=vser0.0,chardev=qga0,name=" + AGENT_PORT_NAME,
                "-chardev", "file,id=serial0,path=" + escape(spec.serialLog()),
                "-serial", "chardev:serial0",
                "-device", "pvpanic"));
        args.addAll(List.of("-netdev", netdev(spec), "-device", "virtio-net-pci,netdev=net0"));
        args.addAll(List.of("-drive", "file=" + escape(spec.disk()) + ",if=virtio,format=qcow2,discard=unmap"));
        if (spec.kernel() != null) {
            args.addAll(List.of("-kernel", spec.kernel().toString(), "-initrd", spec.initrd().toString()));
            if (spec.kernelAppend() != null) {
                args.addAll(List.of("-append", spec.kernelAppend()));
            }
        }
        if (spec.loadSnapshot() != null) {
            args.addAll(List.of("-loadvm", spec.loadSnapshot()));
        }
        if (spec.incomingState() != null) {
            args.addAll(List.of("-incoming", "defer")); // the engine starts it over QMP, after setting capabilities
        }
        args.addAll(spec.extraArgs());
        return List.copyOf(args);
    }

    private static String netdev(MachineSpec spec) {
        StringBuilder netdev = new StringBuilder("user,id=net0");
        if (spec.network() == NetworkMode.ISOLATED) {
            netdev.append(",restrict=on"); // no route to the host or beyond; the share and the forwards still work
        }
        if (spec.shareDir() != null) {
            netdev.append(",smb=").append(escape(spec.shareDir()));
        }
        for (PortForward forward : spec.forwards()) {
            netdev.append(",hostfwd=tcp:").append(forward.hostAddress()).append(':').append(forward.hostPort())
                    .append("-:").append(forward.guestPort());
        }
        return netdev.toString();
    }

    /** Doubles commas, which QEMU's option syntax reads as separators. */
    static String escape(Path path) {
        return path.toString().replace(",", ",,");
    }
}
