package dev.osrun.provision;

import dev.osrun.Accel;
import dev.osrun.ExecResult;
import dev.osrun.GuestKind;
import dev.osrun.OsrunException;
import dev.osrun.local.LocalVm;
import dev.osrun.testing.RequiresTinyGuest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A provisioned tiny guest travels as one file: exported from one cache, imported into a fresh one, used there
 * without provisioning; damaged or foreign archives are refused and leave the cache as it was.
 */
@RequiresTinyGuest
class CacheArchiveTest {

    @TempDir
    static Path tmp;

    static Hardware hardware;
    static TinyGuest guest;
    static CacheDir source;
    static Path provisioned;
    static Path archive;

    @BeforeAll
    static void provisionAndExport() {
        hardware = Hardware.of(Accel.AUTO, 512, 1);
        guest = TinyGuest.locate();
        source = new CacheDir(tmp.resolve("source-cache"));
        provisioned = TinyGuestRecipe.provision(source, guest, hardware);
        archive = tmp.resolve("tiny.tar.zst");
        CacheArchive.exportTo(source, "tiny", provisioned, archive, ProvisioningListener.NONE);
    }

    @Test
    void anImportedStateServesAVmWithoutProvisioning() throws Exception {
        CacheDir fresh = new CacheDir(tmp.resolve("fresh-cache"));
        Path expected = TinyGuestRecipe.diskPath(fresh, guest, hardware);

        CacheArchive.Manifest manifest = CacheArchive.importFrom(fresh, "tiny", expected, archive, ProvisioningListener.NONE);

        assertThat(manifest.artifact()).isEqualTo(provisioned.getFileName().toString());
        assertThat(expected).hasSameBinaryContentAs(provisioned);
        List<String> steps = new ArrayList<>();
        try (LocalVm vm = LocalVm.builder(GuestKind.TINY).cache(fresh.root()).accel(Accel.AUTO)
                .progress((step, detail) -> steps.add(step)).start()) {
            ExecResult result = vm.shell("echo imported");
            assertThat(result.stdout()).isEqualTo("imported\n");
        }
        assertThat(steps).as("provisioning steps in the imported cache").isEmpty();
    }

    @Test
    void theArchiveIsAZstdTarThatTarReads() throws Exception {
        Process tar = new ProcessBuilder("tar", "--zstd", "-tf", archive.toString()).redirectErrorStream(true).start();
        String listing = new String(tar.getInputStream().readAllBytes());
        assertThat(tar.waitFor()).as(listing).isZero();
        assertThat(listing.lines()).containsExactly("osrun-cache.json", provisioned.getFileName().toString());
    }

    @Test
    void aTruncatedArchiveIsRefusedAndLeavesTheCacheAsItWas() throws Exception {
        Path truncated = tmp.resolve("truncated.tar.zst");
        byte[] bytes = Files.readAllBytes(archive);
        Files.write(truncated, java.util.Arrays.copyOf(bytes, bytes.length * 2 / 3));

        assertRefusedWithoutTrace(truncated, "truncated");
    }

    @Test
    void aFlippedByteIsRefusedAndLeavesTheCacheAsItWas() throws Exception {
        Path corrupt = tmp.resolve("corrupt.tar.zst");
        Files.copy(archive, corrupt);
        try (RandomAccessFile file = new RandomAccessFile(corrupt.toFile(), "rw")) {
            long at = file.length() / 2;
            file.seek(at);
            int b = file.read();
            file.seek(at);
            file.write(b ^ 0x5a);
        }

        assertRefusedWithoutTrace(corrupt, "corrupt");
    }

    @Test
    void anArchiveForAnotherCacheKeyIsRefusedBeforeAnythingIsWritten() throws Exception {
        Path foreignDisk = source.resolve("tiny-0123456789abcdef.qcow2");
        Files.copy(provisioned, foreignDisk);
        Path foreign = tmp.resolve("foreign.tar.zst");
        CacheArchive.exportTo(source, "tiny", foreignDisk, foreign, ProvisioningListener.NONE);

        assertRefusedWithoutTrace(foreign, "another cache key");
    }

    @Test
    void somethingThatIsNotAnArchiveIsRefused() throws Exception {
        Path plain = tmp.resolve("plain.tar.zst");
        Process zstd = new ProcessBuilder("zstd", "-q", "-f", "-o", plain.toString()).start();
        zstd.getOutputStream().write("hello, not a tar\n".repeat(100).getBytes());
        zstd.getOutputStream().close();
        assertThat(zstd.waitFor()).isZero();

        assertRefusedWithoutTrace(plain, "not an osrun cache archive");
    }

    @Test
    void anExportWithoutAProvisionedDiskSaysHowToMakeOne() {
        CacheDir empty = new CacheDir(tmp.resolve("empty-cache"));
        Path missing = TinyGuestRecipe.diskPath(empty, guest, hardware);

        assertThatThrownBy(() -> CacheArchive.exportTo(empty, "tiny", missing, tmp.resolve("none.tar.zst"), ProvisioningListener.NONE))
                .isInstanceOf(OsrunException.class)
                .hasMessageContaining("no provisioned tiny disk")
                .hasMessageContaining("osrun --guest tiny true");
        assertThat(tmp.resolve("none.tar.zst")).doesNotExist();
    }

    private static void assertRefusedWithoutTrace(Path bad, String reason) throws IOException {
        CacheDir target = new CacheDir(Files.createTempDirectory(tmp, "target-cache"));
        Path expected = TinyGuestRecipe.diskPath(target, guest, hardware);
        List<String> before = listing(target.root());

        assertThatThrownBy(() -> CacheArchive.importFrom(target, "tiny", expected, bad, ProvisioningListener.NONE))
                .isInstanceOf(OsrunException.class)
                .hasMessageContaining(reason)
                .hasMessageContaining("The cache is unchanged");

        assertThat(expected).doesNotExist();
        assertThat(listing(target.root())).as("the cache's files, lock files aside").isEqualTo(before);
    }

    private static List<String> listing(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString()).filter(n -> !n.endsWith(".lock")).sorted().toList();
        }
    }
}
