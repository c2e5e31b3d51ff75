package dev.osrun.provision;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Reading win11-init's status lines, and choosing the image Setup installs. */
class StatusLinesTest {

    private static final String SERIAL = String.join("\r\n",
            "SeaBIOS (version 1.16.2-debian-1.16.2-1)",
            "OSRUN 12-02-2026T03:40:11.25 windowsPE INFO LabConfig bypasses set",
            "OSRUN 2026-12-02T03:50:00Z specialize INFO disabling Windows Update",
            "OSRUN 2026-12-02T03:51:00Z specialize WARN System Restore: the cmdlet refused",
            "OSRUN 2026-12-02T03:52:00Z specialize DONE specialize finished",
            "OSRUN 2026-12-02T04:10:00Z first-logon FAIL viostor: pnputil exited 5",
            "");

    @Test
    void aPhaseIsDoneFailedOrUnfinished() {
        assertThat(StatusLines.outcome(SERIAL, "specialize")).isEqualTo(StatusLines.Outcome.DONE);
        assertThat(StatusLines.outcome(SERIAL, "first-logon")).isEqualTo(StatusLines.Outcome.FAILED);
        assertThat(StatusLines.failLine(SERIAL, "first-logon")).contains("OSRUN 2026-12-02T04:10:00Z first-logon FAIL viostor: pnputil exited 5");
        assertThat(StatusLines.outcome(SERIAL, "windowsPE")).isEqualTo(StatusLines.Outcome.UNFINISHED);
        assertThat(StatusLines.outcome("OSRUN x specialize DONE but then\nOSRUN y specialize FAIL it broke\n", "specialize"))
                .as("a FAIL line wins over DONE").isEqualTo(StatusLines.Outcome.FAILED);
        assertThat(SetupStepRunner.phase(new InstallStep("setup", java.util.List.of(), java.time.Duration.ZERO))).isEqualTo("windowsPE");
    }

    @Test
    void anIsoBuiltHereInstallsImageOneAndAnyOtherProByName(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path ours = isoLabelled(dir, "ours", "OSRUN_PROFESSIONAL");
        Path microsofts = isoLabelled(dir, "theirs", "CCCOMA_X64FRE_EN-US_DV9");
        String answer = Files.readString(Path.of("win11-init/autounattend.xml"));

        assertThat(ImageSelection.forIso(null, Map.of()).apply(answer)).isEqualTo(answer);
        assertThat(ImageSelection.forIso(ours, Map.of()).apply(answer)).isEqualTo(answer);
        String foreign = ImageSelection.forIso(microsofts, Map.of()).apply(answer);
        assertThat(foreign).contains("<Key>/IMAGE/NAME</Key>").contains("<Value>Windows 11 Pro</Value>").doesNotContain("/IMAGE/INDEX");
        assertThat(ImageSelection.forIso(microsofts, Map.of(ImageSelection.ENV_NAME, "Windows 11 Pro N")).apply(answer))
                .contains("<Value>Windows 11 Pro N</Value>");
        assertThatThrownBy(() -> ImageSelection.forIso(microsofts, Map.of()).apply("<unattend/>"))
                .hasMessageContaining("Expected the answer file to select <Key>/IMAGE/INDEX</Key>");
    }

    private static Path isoLabelled(Path dir, String name, String label) throws Exception {
        Path source = Files.createDirectories(dir.resolve(name));
        Files.writeString(source.resolve("autounattend.xml"), "<unattend/>");
        Path iso = dir.resolve(name + ".iso");
        Process process = new ProcessBuilder("genisoimage", "-quiet", "-V", label, "-o", iso.toString(), source.toString())
                .inheritIO().start();
        assertThat(process.waitFor()).isZero();
        assertThat(ImageSelection.volumeId(iso)).isEqualTo(label);
        return iso;
    }
}
