package dev.osrun.provision;

import dev.osrun.OsrunException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The answer medium, read back with a real ISO reader ({@code isoinfo}). */
class AnswerMediumTest {

    @TempDir
    Path dir;

    @Test
    void holdsTheAnswerFileAndTheStepsUnderTheirNamesAndLabel() throws Exception {
        Path source = Files.createDirectories(dir.resolve("win11-init"));
        String answer = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<unattend xmlns=\"urn:schemas-microsoft-com:unattend\"/>\n";
        Files.writeString(source.resolve("autounattend.xml"), answer);
        Files.writeString(source.resolve("first-logon-with-a-long-name.ps1"), "Write-Output 'grüß dich'\r\n");
        Files.createDirectories(source.resolve("tools"));
        Files.write(source.resolve("tools/osrun-exec.exe"), new byte[] {'M', 'Z', 0, 1, 2});
        Path iso = dir.resolve("answer.iso");

        AnswerMedium.build(source, iso);

        assertThat(isoinfo("-d", "-i", iso.toString())).contains("Volume id: " + AnswerMedium.VOLUME_ID);
        assertThat(isoinfo("-J", "-f", "-i", iso.toString()).lines())
                .contains("/autounattend.xml", "/first-logon-with-a-long-name.ps1", "/tools/osrun-exec.exe");
        assertThat(isoinfo("-J", "-x", "/autounattend.xml", "-i", iso.toString())).isEqualTo(answer);
        assertThat(isoinfo("-J", "-x", "/first-logon-with-a-long-name.ps1", "-i", iso.toString()))
                .isEqualTo("Write-Output 'grüß dich'\r\n");
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("win11-init", "answer.iso");
        }
    }

    @Test
    void refusesADirectoryWithoutAnAnswerFile() throws Exception {
        Path source = Files.createDirectories(dir.resolve("empty"));
        Files.writeString(source.resolve("boot.ps1"), "exit 0");

        assertThatThrownBy(() -> AnswerMedium.build(source, dir.resolve("answer.iso")))
                .isInstanceOf(OsrunException.class)
                .hasMessageContaining("Expected autounattend.xml at the top of " + source);
        assertThat(dir.resolve("answer.iso")).doesNotExist();
    }

    @Test
    void theRecipesMediumHoldsWin11InitAndSelectsProByNameOnAForeignIso() throws Exception {
        Path init = Path.of("win11-init").toAbsolutePath();
        Path iso = dir.resolve("answer.iso");

        WindowsRecipe.buildAnswerMedium(init, new ImageSelection("/IMAGE/NAME", "Windows 11 Pro"), iso);

        List<String> names = isoinfo("-J", "-f", "-i", iso.toString()).lines().toList();
        for (List<String> step : WindowsRecipe.STEPS) {
            for (String file : step.subList(1, step.size())) {
                if (Files.exists(init.resolve(file))) {
                    assertThat(names).contains("/" + file);
                }
            }
        }
        String answer = isoinfo("-J", "-x", "/autounattend.xml", "-i", iso.toString());
        assertThat(answer).contains("<Key>/IMAGE/NAME</Key>").contains("<Value>Windows 11 Pro</Value>").doesNotContain("/IMAGE/INDEX");
        assertThat(Files.readString(init.resolve("autounattend.xml"))).as("the repository's file is not changed").contains("/IMAGE/INDEX");
        assertThat(isoinfo("-J", "-x", "/specialize.ps1", "-i", iso.toString())).isEqualTo(Files.readString(init.resolve("specialize.ps1")));
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("answer.iso");
        }
    }

    private static String isoinfo(String... args) throws Exception {
        Process process = new ProcessBuilder(concat("isoinfo", args)).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor()).as("isoinfo exit code").isZero();
        return out;
    }

    private static List<String> concat(String first, String[] rest) {
        List<String> all = new java.util.ArrayList<>(List.of(first));
        all.addAll(List.of(rest));
        return all;
    }
}
