package dev.osrun.engine;

import dev.osrun.Accel;
import dev.osrun.ExecOptions;
import dev.osrun.ExecResult;
import dev.osrun.provision.CacheDir;
import dev.osrun.provision.Hardware;
import dev.osrun.provision.TinyGuest;
import dev.osrun.provision.TinyGuestRecipe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** RAM templates on the real tiny guest: clones run side by side from one template and leave it as it was. */
class RamTemplateTest {

    private static final Hardware HARDWARE = Hardware.of(Accel.AUTO, 512, 1);

    @Test
    void clonesRunSideBySideFromOneTemplateAndLeaveItUnchanged(@TempDir Path tmp) throws Exception {
        RamTemplate template = capture(tmp);
        List<String> before = digests(template);

        try (Machine a = template.startClone(cloneSpec(tmp.resolve("a")), new LinuxProfile());
             Machine b = template.startClone(cloneSpec(tmp.resolve("b")), new LinuxProfile())) {
            assertThat(shell(a, "echo from-a > /root/mark; cat /root/mark").stdout()).isEqualTo("from-a\n");
            assertThat(shell(b, "cat /root/mark 2>/dev/null || echo none").stdout()).isEqualTo("none\n");
            long guestClock = Long.parseLong(shell(b, "date +%s").stdout().strip());
            assertThat(guestClock).isBetween(System.currentTimeMillis() / 1000 - 5, System.currentTimeMillis() / 1000 + 5);
            assertThat(a.pid()).isNotEqualTo(b.pid());
        }
        try (Machine again = template.startClone(cloneSpec(tmp.resolve("c")), new LinuxProfile())) {
            assertThat(shell(again, "cat /root/mark 2>/dev/null || echo none").stdout()).isEqualTo("none\n");
        }
        assertThat(digests(template)).as("the template's files after three clones").isEqualTo(before);
        assertThat(RamTemplate.open(template.directory())).isPresent();
    }

    @Test
    void aCloneWithOtherMemoryIsRefusedNamingBoth(@TempDir Path tmp) throws IOException {
        RamTemplate template = capture(tmp);
        MachineSpec other = Hardware.of(Accel.AUTO, 768, 1).specBuilder(tmp.resolve("x/disk.qcow2"), tmp.resolve("x")).build();
        assertThatThrownBy(() -> template.startClone(other, new LinuxProfile()))
                .hasMessageContaining("512 MiB").hasMessageContaining("768 MiB");
    }

    @Test
    void anUnknownSnapshotLeavesNoTemplate(@TempDir Path tmp) throws IOException {
        Path source = sourceDisk(tmp);
        MachineSpec spec = tinySpec(source, tmp.resolve("capture")).loadSnapshot("nope").build();
        assertThatThrownBy(() -> RamTemplate.capture(spec, tmp.resolve("tpl"))).hasMessageContaining("nope");
        assertThat(tmp.resolve("tpl")).doesNotExist();
        try (var left = Files.list(tmp)) {
            assertThat(left.map(p -> p.getFileName().toString())).noneMatch(name -> name.startsWith("tpl"));
        }
    }

    static RamTemplate capture(Path tmp) throws IOException {
        Path source = sourceDisk(tmp);
        return RamTemplate.capture(tinySpec(source, tmp.resolve("capture")).loadSnapshot(TinyGuestRecipe.PROVISIONED).build(),
                tmp.resolve("tpl"));
    }

    private static Path sourceDisk(Path tmp) throws IOException {
        Path provisioned = TinyGuestRecipe.provision(CacheDir.fromEnvironment(), TinyGuest.locate(), HARDWARE);
        return Files.copy(provisioned, tmp.resolve("source.qcow2"));
    }

    static MachineSpec.Builder tinySpec(Path disk, Path runDir) {
        TinyGuest tiny = TinyGuest.locate();
        return HARDWARE.specBuilder(disk, runDir).directKernel(tiny.kernel(), tiny.initrd(), TinyGuest.KERNEL_APPEND);
    }

    static MachineSpec cloneSpec(Path runDir) {
        return tinySpec(runDir.resolve("disk.qcow2"), runDir).shareDir(runDir.resolve("share")).build();
    }

    private static ExecResult shell(Machine machine, String line) {
        return machine.exec(new Command.Shell(line), ExecOptions.defaults());
    }

    private static List<String> digests(RamTemplate template) throws IOException, NoSuchAlgorithmException {
        List<String> digests = new java.util.ArrayList<>();
        for (String name : List.of("disk.qcow2", "overlay.qcow2", "ram", "state")) {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            try (InputStream in = new DigestInputStream(Files.newInputStream(template.directory().resolve(name)), sha)) {
                in.transferTo(java.io.OutputStream.nullOutputStream());
            }
            digests.add(name + " " + HexFormat.of().formatHex(sha.digest()));
        }
        return digests;
    }
}
