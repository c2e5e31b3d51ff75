package dev.osrun.cli;

import dev.osrun.Accel;
import dev.osrun.provision.CacheDir;
import dev.osrun.provision.Hardware;
import dev.osrun.provision.TinyGuest;
import dev.osrun.provision.TinyGuestRecipe;
import dev.osrun.testing.RequiresTinyGuest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code osrun cache export FILE} and {@code osrun cache import FILE}, run as a user runs them. */
@RequiresTinyGuest
class CacheCommandTest {

    @TempDir
    Path tmp;

    @Test
    void exportsFromOneCacheAndImportsIntoAnother() throws Exception {
        Path source = tmp.resolve("source");
        Path disk = TinyGuestRecipe.provision(new CacheDir(source), TinyGuest.locate(), Hardware.of(Accel.AUTO, 512, 1));
        Path archive = tmp.resolve("tiny.tar.zst");

        OsrunCommandTest.Run exported = osrun(source, "cache", "export", "--guest", "tiny", archive.toString());
        assertThat(exported.exitCode()).as(exported.stderr()).isZero();
        assertThat(exported.stdout()).startsWith(disk.getFileName().toString() + " ");

        Path target = tmp.resolve("target");
        OsrunCommandTest.Run imported = osrun(target, "cache", "import", "--guest", "tiny", archive.toString());
        assertThat(imported.exitCode()).as(imported.stderr()).isZero();
        assertThat(target.resolve(disk.getFileName())).hasSameBinaryContentAs(disk);

        OsrunCommandTest.Run run = osrun(target, "--guest", "tiny", "echo from the imported cache");
        assertThat(run.stdout()).isEqualTo("from the imported cache\n");
        assertThat(run.stderr()).doesNotContain("Provisioning");
    }

    @Test
    void aFileThatIsNoArchiveFailsWith125AndItsReason() throws Exception {
        Path bogus = Files.writeString(tmp.resolve("bogus.tar.zst"), "not zstd at all");

        OsrunCommandTest.Run run = osrun(tmp.resolve("cache"), "cache", "import", "--guest", "tiny", bogus.toString());

        assertThat(run.exitCode()).isEqualTo(125);
        assertThat(run.stderr()).contains("Cannot import").contains("The cache is unchanged");
    }

    @Test
    void cacheWithoutASubcommandSaysWhichOnesExist() throws Exception {
        OsrunCommandTest.Run run = osrun(tmp.resolve("cache"), "cache");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.stderr()).contains("osrun cache export FILE").contains("osrun cache import FILE");
    }

    private static OsrunCommandTest.Run osrun(Path cache, String... args) throws IOException, InterruptedException {
        return OsrunCommandTest.osrun(Map.of("OSRUN_CACHE", cache.toString()), args);
    }
}
