package dev.osrun.provision;

import dev.osrun.OsrunException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The UUP-to-ISO conversion on a small UUP set made here with the real tools: a metadata ESD of three images
 * (media skeleton, Windows RE, the system, captured as a delta against a solid reference ESD as Windows Update's
 * sets are), a package CAB (gcab) and an update CAB that must be skipped.
 *
 * <p>Not covered: patching Windows PE's SOFTWARE hive with chntpw, because no registry hive can be made here (the
 * set's Windows RE image holds the real one); the test checks that the conversion stops there with a clear error,
 * then writes the ISO from what was built and reads it back.
 */
class UupConverterTest {

    private static final UupSet SET = new UupSet("11111111-2222-3333-4444-555555555555", "en-us", "professional");

    @TempDir
    Path dir;

    @Test
    void convertsCabsExportsWithReferencesAndWritesABootableLayout() throws Exception {
        Path files = Files.createDirectories(dir.resolve("UUPs"));
        byte[] shared = new byte[100_000];
        new Random(7).nextBytes(shared);
        Path features = tree("features", "Windows/System32/shared.dll", shared);
        run("wimlib-imagex", "capture", features.toString(), files.resolve("Microsoft-Windows-Client-Features-Package.esd").toString(),
                "Features", "--compress=LZMS", "--solid");
        Path media = tree("media", "boot/etfsboot.com", new byte[4096]);
        write(media, "efi/microsoft/boot/efisys.bin", new byte[2048]);
        write(media, "setup.exe", "MZ setup".getBytes(StandardCharsets.US_ASCII));
        write(media, "sources/lang.ini", "[Available UI Languages]\r\nen-US = 3\r\n".getBytes(StandardCharsets.US_ASCII));
        Path winre = tree("winre", "Windows/System32/winpeshl.ini", "[LaunchApps]".getBytes(StandardCharsets.US_ASCII));
        Path system = tree("system", "Windows/System32/shared.dll", shared);
        write(system, "Windows/System32/own.txt", "own".getBytes(StandardCharsets.US_ASCII));
        Path metadata = files.resolve("professional_en-us.esd");
        run("wimlib-imagex", "capture", media.toString(), metadata.toString(), "Media");
        run("wimlib-imagex", "append", winre.toString(), metadata.toString(), "Windows RE");
        run("wimlib-imagex", "append", system.toString(), metadata.toString(), "Windows 10 Professional",
                "--delta-from=" + files.resolve("Microsoft-Windows-Client-Features-Package.esd"));
        Path cabSource = tree("cab", "update.mum", "<assembly/>".getBytes(StandardCharsets.US_ASCII));
        run("gcab", "-c", "-n", files.resolve("Microsoft-Windows-Foundation-Package.cab").toString(), cabSource.resolve("update.mum").toString());
        Files.writeString(files.resolve("Windows10.0-KB5000000-x64.cab"), "an update: not a cabinet this test can extract");
        Path work = dir.resolve("work");

        assertThatThrownBy(() -> UupConverter.convert(files, SET, work, dir.resolve("out.iso")))
                .isInstanceOf(OsrunException.class)
                .hasMessageContaining("Converting the UUP files failed while extracting Windows PE's SOFTWARE hive");

        assertThat(run("wimlib-imagex", "dir", work.resolve("refs/microsoft-windows-foundation-package.esd").toString(), "1"))
                .contains("/update.mum");
        assertThat(work.resolve("refs")).isDirectoryNotContaining("glob:**kb5000000*");
        Path isoDir = work.resolve("ISODIR");
        assertThat(isoDir.resolve("setup.exe")).hasContent("MZ setup");
        assertThat(run("wimlib-imagex", "dir", isoDir.resolve("sources/install.wim").toString(), "1"))
                .contains("/Windows/System32/shared.dll", "/Windows/System32/own.txt", "/Windows/System32/Recovery/Winre.wim");
        run("wimlib-imagex", "verify", isoDir.resolve("sources/install.wim").toString());

        Path iso = dir.resolve("win11.iso");
        UupConverter.writeIso(isoDir, SET, iso);
        IsoSource.checkIso(iso);
        assertThat(run("isoinfo", "-d", "-i", iso.toString())).contains("Volume id: OSRUN_PROFESSIONAL", "El Torito");
        assertThat(run("isoinfo", "-J", "-f", "-i", iso.toString()).lines())
                .contains("/setup.exe", "/sources/install.wim", "/boot/etfsboot.com", "/efi/microsoft/boot/efisys.bin");
    }

    @Test
    void theMetadataEsdIsFoundByPatternAndAmbiguityIsAnError() throws Exception {
        Path files = Files.createDirectories(dir.resolve("UUPs"));
        Files.writeString(files.resolve("MetadataESD_Professional_EN-US.esd"), "");
        Files.writeString(files.resolve("Microsoft-Windows-Client-Features-Package.esd"), "");
        assertThat(UupConverter.metadataEsd(files, SET).getFileName().toString()).isEqualTo("MetadataESD_Professional_EN-US.esd");

        Files.writeString(files.resolve("professional_en-us.esd"), "");
        assertThatThrownBy(() -> UupConverter.metadataEsd(files, SET))
                .hasMessageContaining("Expected one metadata ESD named like *professional_en-us.esd").hasMessageContaining("found 2");
    }

    private Path tree(String name, String file, byte[] bytes) throws Exception {
        Path root = Files.createDirectories(dir.resolve("src-" + name));
        write(root, file, bytes);
        return root;
    }

    private static void write(Path root, String file, byte[] bytes) throws Exception {
        Path path = root.resolve(file);
        Files.createDirectories(path.getParent());
        Files.write(path, bytes);
    }

    private static String run(String... command) throws Exception {
        Process process = new ProcessBuilder(new ArrayList<>(List.of(command))).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor()).as("exit code of %s: %s", String.join(" ", command), out).isZero();
        return out;
    }
}
