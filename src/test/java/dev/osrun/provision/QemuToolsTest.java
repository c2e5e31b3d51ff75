package dev.osrun.provision;

import dev.osrun.OsrunException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/** The bounded wait of {@link QemuTools#run}: a tool that hangs is killed and named, not waited for forever. */
class QemuToolsTest {

    @Test
    void aToolThatHangsIsKilledAtTheTimeoutAndNamed() {
        // The child keeps the output open, as a hung qemu-img would: reading output to its end never returns.
        List<String> hanging = List.of("sh", "-c", "echo started; sleep 600 & sleep 601");

        assertTimeoutPreemptively(Duration.ofSeconds(60), () ->
                assertThatThrownBy(() -> QemuTools.run(hanging, Duration.ofSeconds(2)))
                        .isInstanceOf(OsrunException.class)
                        .hasMessageContaining("'sh -c echo started; sleep 600 & sleep 601' did not finish within 2 s")
                        .hasMessageContaining("started"));
    }

    @Test
    void aFailingToolSaysWhatItPrinted() {
        assertThatThrownBy(() -> QemuTools.run(List.of("sh", "-c", "echo broken >&2; exit 3")))
                .isInstanceOf(OsrunException.class)
                .hasMessageContaining("failed (exit 3): broken");
    }

    @Test
    void theOutputOfAToolComesBack() {
        assertThat(QemuTools.run(List.of("echo", "fine"))).isEqualTo("fine\n");
    }
}
