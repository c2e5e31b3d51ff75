package dev.osrun.engine;

import dev.osrun.Accel;
import dev.osrun.NetworkMode;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class QemuCommandLineTest {

    private final MachineSpec.Builder tiny = MachineSpec.builder(Path.of("/cache/tiny.qcow2"), Path.of("/run/vm"))
            .directKernel(Path.of("/g/vmlinuz"), Path.of("/g/initrd.img"), "console=ttyS0")
            .memoryMiB(512);

    @Test
    void tcgGetsTheMaxCpuAndTheSocketsLiveInTheRunDirectory() {
        List<String> args = QemuCommandLine.build(tiny.build(), Accel.TCG);

        assertThat(args).startsWith("qemu-system-x86_64", "-nodefaults");
        assertThat(args).containsSequence("-machine", "q35,accel=tcg")
                .containsSequence("-cpu", "max")
                .containsSequence("-m", "512M")
                .containsSequence("-chardev", "socket,id=qmp,path=/run/vm/qmp.sock,server=on,wait=off")
                .containsSequence("-chardev", "socket,id=qga0,path=/run/vm/qga.sock,server=on,wait=off")
                .containsSequence("-device", "virtserialport,bus=vser0.0,chardev=qga0,name=org.qemu.guest_agent.0")
                .containsSequence("-kernel", "/g/vmlinuz", "-initrd", "/g/initrd.img", "-append", "console=ttyS0")
                .containsSequence("-drive", "file=/cache/tiny.qcow2,if=virtio,format=qcow2,discard=unmap");
        assertThat(args).doesNotContain("-loadvm", "-vnc");
    }

    @Test
    void kvmGetsTheHostCpu() {
        assertThat(QemuCommandLine.build(tiny.build(), Accel.KVM))
                .containsSequence("-machine", "q35,accel=kvm")
                .containsSequence("-cpu", "host");
    }

    @Test
    void shareForwardsSnapshotAndVncAreAddedOnlyWhenAsked() {
        MachineSpec spec = tiny.shareDir(Path.of("/tmp/share,with,commas"))
                .forwards(List.of(new PortForward(8080, 80)))
                .vncDisplay("127.0.0.1:50")
                .loadSnapshot("provisioned")
                .build();

        assertThat(QemuCommandLine.build(spec, Accel.TCG))
                .containsSequence("-netdev", "user,id=net0,smb=/tmp/share,,with,,commas,hostfwd=tcp:127.0.0.1:8080-:80")
                .containsSequence("-loadvm", "provisioned")
                .containsSequence("-vnc", "127.0.0.1:50");
    }

    @Test
    void theNetworkIsNatByDefaultAndIsolatedIsRestricted() {
        assertThat(QemuCommandLine.build(tiny.build(), Accel.TCG)).containsSequence("-netdev", "user,id=net0");
        MachineSpec isolated = tiny.network(NetworkMode.ISOLATED).shareDir(Path.of("/tmp/share"))
                .forwards(List.of(new PortForward("0.0.0.0", 2222, 22))).build();

        assertThat(QemuCommandLine.build(isolated, Accel.TCG))
                .containsSequence("-netdev", "user,id=net0,restrict=on,smb=/tmp/share,hostfwd=tcp:0.0.0.0:2222-:22");
    }

    @Test
    void aForwardListensOnLoopbackUnlessItNamesAnAddress() {
        assertThat(PortForward.parse("8080", PortForward.LOOPBACK)).isEqualTo(new PortForward("127.0.0.1", 8080, 8080));
        assertThat(PortForward.parse("0.0.0.0:8080", PortForward.LOOPBACK)).isEqualTo(new PortForward("0.0.0.0", 8080, 8080));
        assertThat(new PortForward(80, 8080).hostAddress()).isEqualTo("127.0.0.1");
        assertThatThrownBy(() -> PortForward.parse("localhost:8080", "127.0.0.1"))
                .hasMessageContaining("IPv4 address such as 127.0.0.1").hasMessageContaining("'localhost'");
        assertThatThrownBy(() -> PortForward.parse("256.0.0.1:80", "127.0.0.1")).hasMessageContaining("'256.0.0.1'");
        assertThatThrownBy(() -> PortForward.parse("80,smb=/etc", "127.0.0.1")).hasMessageContaining("PORT or ADDRESS:PORT");
        assertThatThrownBy(() -> PortForward.parse("70000", "127.0.0.1")).hasMessageContaining("between 1 and 65535");
    }

    @Test
    void autoMustBeResolvedFirst() {
        assertThatThrownBy(() -> QemuCommandLine.build(tiny.build(), Accel.AUTO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("AccelResolver.resolve()");
    }

    @Test
    void accelParsesAnyCaseAndRejectsOtherWords() {
        assertThat(Accel.parse("TCG")).isEqualTo(Accel.TCG);
        assertThat(Accel.parse(" kvm ")).isEqualTo(Accel.KVM);
        assertThatThrownBy(() -> Accel.parse("hvf")).hasMessage("Unknown accelerator 'hvf'. Use auto, kvm or tcg.");
    }

    @Test
    void specRejectsTooLittleMemory() {
        assertThatThrownBy(() -> tiny.memoryMiB(16).build()).hasMessageContaining("at least 64");
    }
}
