package dev.osrun.provision;

import dev.osrun.Accel;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The virtual hardware Windows Setup runs on, one QEMU process per install step. Chosen so that Setup needs no
 * driver: BIOS (SeaBIOS) boot, the disk on q35's built-in AHCI controller ({@code ide-hd}), an e1000 NIC, the
 * Windows ISO and the answer medium as AHCI CD-ROMs. Every guest reboot ends the process
 * ({@code -action reboot=shutdown}), so each boot stage is one step with its own disk.
 *
 * <p>From the second step on, a tiny virtio-blk disk and a virtio-serial port are attached as well: once the
 * virtio drivers are installed (win11-init's scripts do it), Windows binds them to these devices, so the final
 * image boots from virtio-blk and answers on the agent's virtio-serial port as the engine expects.
 *
 * @param hardware    the install hardware (resolved accelerator, CPU model, memory, CPUs)
 * @param installIso  the Windows 11 ISO (read only; never modified)
 * @param answerIso   the answer medium ({@link AnswerMedium})
 * @param shareDir    the directory the guest sees as {@code \\10.0.2.4\qemu} (the status log lands there)
 * @param probeDisk   a small qcow2 attached as virtio-blk from step 1 on
 * @param virtioIso   the virtio-win ISO (drivers and the guest agent for the first-logon step), or null
 * @param vncDisplay  a VNC address for watching Setup (noVNC connects to it), or null
 */
record SetupMachine(Hardware hardware, Path installIso, Path answerIso, Path shareDir, Path probeDisk, Path virtioIso,
                           String vncDisplay) {

    /** The QEMU arguments for step {@code index} on {@code disk}, with QMP and the serial log in {@code runDir}. */
    public List<String> commandLine(int index, Path disk, Path runDir) {
        if (hardware.accel() == Accel.AUTO) {
            throw new IllegalArgumentException("Resolve the accelerator first (Hardware.of does)");
        }
        List<String> args = new ArrayList<>(List.of(hardware.qemuBinary(), "-nodefaults", "-no-user-config", "-name", "osrun-setup",
                "-machine", hardware.machineType() + ",accel=" + hardware.accel().name().toLowerCase(),
                "-cpu", hardware.cpuModel(), "-smp", Integer.toString(hardware.cpus()), "-m", hardware.memoryMiB() + "M",
                "-action", "reboot=shutdown",
                "-display", "none", "-vga", "std",
                "-qmp", "unix:" + escape(runDir.resolve("qmp.sock")) + ",server=on,wait=off",
                "-chardev", "file,id=com1,append=on,path=" + escape(runDir.resolve("serial.log")),
                "-serial", "chardev:com1",
                "-drive", "file=" + escape(disk) + ",if=none,id=disk0,format=qcow2,cache=unsafe,discard=unmap,detect-zeroes=unmap",
                "-device", "ide-hd,drive=disk0,bus=ide.0,bootindex=" + (index == 0 ? 1 : 0),
                "-drive", "file=" + escape(installIso) + ",if=none,id=cd0,media=cdrom,readonly=on",
                "-device", "ide-cd,drive=cd0,bus=ide.1,bootindex=" + (index == 0 ? 0 : 1),
                "-drive", "file=" + escape(answerIso) + ",if=none,id=cd1,media=cdrom,readonly=on",
                "-device", "ide-cd,drive=cd1,bus=ide.2",
                "-netdev", "user,id=net0,smb=" + escape(shareDir),
                "-device", "e1000,netdev=net0",
                "-device", "qemu-xhci", "-device", "usb-tablet",
                "-device", "pvpanic"));
        if (virtioIso != null) {
            args.addAll(List.of("-drive", "file=" + escape(virtioIso) + ",if=none,id=cd2,media=cdrom,readonly=on",
                    "-device", "ide-cd,drive=cd2,bus=ide.3"));
        }
        if (index > 0) {
            args.addAll(List.of(
                    "-drive", "file=" + escape(probeDisk) + ",if=none,id=probe0,format=qcow2,cache=unsafe",
                    "-device", "virtio-blk-pci,drive=probe0",
                    "-chardev", "null,id=qga0",
                    "-device", "virtio-serial-pci,id=vser0",
                    "-device", "virtserialport,bus=vser0.0,chardev=qga0,name=org.qemu.guest_agent.0"));
        }
        if (vncDisplay != null) {
            args.addAll(List.of("-vnc", vncDisplay));
        }
        return List.copyOf(args);
    }

    /** Doubles commas, which QEMU's option syntax reads as separators. */
    private static String escape(Path path) {
        return path.toAbsolutePath().toString().replace(",", ",,");
    }
}
