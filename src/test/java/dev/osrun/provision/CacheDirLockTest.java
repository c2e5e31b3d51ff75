package dev.osrun.provision;

import dev.osrun.OsrunException;
import dev.osrun.qmp.Prerequisites;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The cache's locks against real holders: another process, and a QEMU that has the disk open. */
class CacheDirLockTest {

    @Test
    void aLockHeldTooLongNamesItsHolderAndDoesNotSayToDeleteTheFile(@TempDir Path tmp) throws Exception {
        CacheDir cache = new CacheDir(tmp);
        Process holder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), HoldLockInChildJvm.class.getName(),
                tmp.resolve(".provision.lock").toString()).redirectErrorStream(true).start();
        try {
            String line = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8)).readLine();
            assertThat(line).isEqualTo("READY");

            assertThatThrownBy(() -> cache.lock("provision", Duration.ofSeconds(1)))
                    .isInstanceOf(OsrunException.class)
                    .hasMessageContaining("was held by pid " + holder.pid() + " (")
                    .hasMessageContaining(HoldLockInChildJvm.class.getName())
                    .hasMessageContaining("Do not delete the lock file")
                    .hasMessageNotContaining("delete the file and try again");
        } finally {
            holder.destroyForcibly();
            holder.waitFor(10, TimeUnit.SECONDS);
        }
        cache.lock("provision", Duration.ofSeconds(10)).close();
    }

    @Test
    void aDiskLockWaitsForEveryQemuThatHasTheDiskOpen(@TempDir Path tmp) throws Exception {
        Path qemuBinary = Prerequisites.requireProgram("qemu-system-x86_64", "qemu-system-x86");
        CacheDir cache = new CacheDir(tmp);
        Path disk = tmp.resolve("disk.qcow2");
        QemuTools.createQcow2(disk, "16M");
        // A QEMU that no osrun lock accounts for: as one whose starter died would be.
        Process qemu = new ProcessBuilder(qemuBinary.toString(), "-machine", "q35,accel=tcg", "-display", "none",
                "-S", "-nodefaults", "-drive", "file=" + disk + ",if=virtio,format=qcow2")
                .redirectErrorStream(true).redirectOutput(tmp.resolve("qemu.log").toFile()).start();
        try {
            org.awaitility.Awaitility.await("QEMU to open the disk").atMost(Duration.ofSeconds(30))
                    .until(() -> QemuImageLock.inUse(disk));

            assertThatThrownBy(() -> cache.lockDisk(disk, Duration.ofSeconds(1), true))
                    .isInstanceOf(OsrunException.class)
                    .hasMessageContaining("is still open in pid " + qemu.pid() + " (" + qemuBinary)
                    .hasMessageContaining("Stop that process");
        } finally {
            qemu.destroyForcibly();
            qemu.waitFor(10, TimeUnit.SECONDS);
        }
        try (CacheDir.Lock lock = cache.lockDisk(disk, Duration.ofSeconds(10), false)) {
            assertThat(QemuImageLock.inUse(disk)).isFalse();
        }
        assertThat(QemuTools.snapshotNames(disk)).isEqualTo(List.of());
    }
}
