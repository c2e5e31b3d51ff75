package dev.osrun.it.junit;

import dev.osrun.ExecResult;
import dev.osrun.LinuxVm;
import dev.osrun.junit.Osrun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.reporting.FileEntry;
import org.junit.platform.engine.reporting.ReportEntry;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;
import org.junit.platform.testkit.engine.EventType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

/** A deliberately failing test, run through JUnit's engine, leaves its VM's screen, logs and commands. */
@Osrun(guest = "tiny") // skips (or fails, under CI) like the tests it runs, where they cannot run
class FailureEvidenceIT {

    /** The user's test that fails: a command in the VM does not do what the test expects. */
    @Osrun(guest = "tiny")
    static class FailingTest {
        @Test
        void installerSucceeds(LinuxVm vm) {
            vm.shell("echo installing > /mnt/qemu/status.txt");
            ExecResult result = vm.shell("echo evidence-on-stdout; echo evidence-on-stderr >&2; exit 7");
            assertThat(result.exitCode()).isZero();
        }
    }

    @Test
    void aFailedTestLeavesScreenshotLogsAndCommandsAndNamesTheFolder(@TempDir Path reports, @TempDir Path published)
            throws IOException {
        EngineExecutionResults results = EngineTestKit.engine("junit-jupiter")
                .selectors(selectClass(FailingTest.class))
                .configurationParameter("osrun.reports.dir", reports.toString())
                .outputDirectoryCreator(new OutputDirectory(published))
                .execute();

        results.testEvents().assertStatistics(stats -> stats.started(1).failed(1));
        Path dir = reports.resolve(FailingTest.class.getName()).resolve("installerSucceeds");
        assertThat(Files.readAllBytes(dir.resolve("screenshot.png"))).startsWith(0x89, 'P', 'N', 'G');
        assertThat(dir.resolve("serial.log")).isNotEmptyFile().content().doesNotStartWith("(could not");
        assertThat(dir.resolve("status.log")).content().contains("installing");
        assertThat(dir.resolve("commands.txt")).content()
                .contains("$ shell echo evidence-on-stdout; echo evidence-on-stderr >&2; exit 7")
                .contains("exit code 7")
                .contains("evidence-on-stdout")
                .contains("evidence-on-stderr");
        assertThat(dir.resolve("failure.txt")).content().contains("installerSucceeds");

        Throwable failure = results.testEvents().failed().stream().findFirst().orElseThrow()
                .getRequiredPayload(TestExecutionResult.class).getThrowable().orElseThrow();
        assertThat(Arrays.stream(failure.getSuppressed()).map(Throwable::getMessage))
                .anySatisfy(message -> assertThat(message).contains(dir.toString()));
        assertThat(results.allEvents().reportingEntryPublished().stream()
                .map(event -> event.getRequiredPayload(ReportEntry.class).getKeyValuePairs().get("osrun.evidence")))
                .contains(dir.toString());
        List<String> publishedFiles = results.allEvents().stream()
                .filter(event -> event.getType() == EventType.FILE_ENTRY_PUBLISHED)
                .map(Event::getPayload).flatMap(java.util.Optional::stream)
                .map(payload -> ((FileEntry) payload).getPath().getFileName().toString())
                .toList();
        assertThat(publishedFiles).contains("screenshot.png", "serial.log", "status.log", "commands.txt");
    }
}
