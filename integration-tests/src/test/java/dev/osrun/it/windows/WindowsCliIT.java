package dev.osrun.it.windows;

import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import static org.assertj.core.api.Assertions.assertThat;

/** The original osrun's examples, on real Windows 11, through the CLI image as users run it. */
@WindowsSuite
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WindowsCliIT {

    @Test
    @Order(1)
    void dirOfProgramFilesListsCommonFiles() {
        WindowsCli.Result run = WindowsCli.run("dir \"C:\\Program Files\"");

        assertThat(run.exitCode()).as("%s", run).isZero();
        assertThat(run.stdout()).as("%s", run).contains("Common Files");
    }

    @Test
    @Order(2)
    void theGreetedSnapshotKeepsWhatTheCommandDidAndProvisionedDoesNot() {
        WindowsCli.Result greet = WindowsCli.run("--new-snapshot", "greeted", "mkdir C:\\hello");
        assertThat(greet.exitCode()).as("%s", greet).isZero();

        WindowsCli.Result greeted = WindowsCli.run("--use-snapshot", "greeted", "dir /b C:\\");
        assertThat(greeted.stdout().lines()).as("%s", greeted).contains("hello");

        WindowsCli.Result provisioned = WindowsCli.run("dir /b C:\\");
        assertThat(provisioned.stdout().lines()).as("%s", provisioned).doesNotContain("hello");
    }

    @Test
    @Order(3)
    void theExitCodeIsTheCommandsAndStderrStaysApart() {
        WindowsCli.Result run = WindowsCli.run("echo out & echo err 1>&2 & exit /b 7");

        assertThat(run.exitCode()).as("%s", run).isEqualTo(7);
        assertThat(run.stdout()).as("%s", run).contains("out").doesNotContain("err");
        assertThat(run.stderr()).as("%s", run).contains("err");
    }

    @Test
    @Order(4)
    void nonAsciiOutputArrivesIntact() {
        WindowsCli.Result run = WindowsCli.run("echo grüße 世界 ✓");

        assertThat(run.exitCode()).as("%s", run).isZero();
        assertThat(run.stdout().strip()).as("%s", run).isEqualTo("grüße 世界 ✓");
    }

    @Test
    @Order(5)
    void aCommandThatLeavesAChildRunningReturnsAtOnce() {
        WindowsCli.Result run = WindowsCli.run("start \"\" /b ping -n 600 127.0.0.1 >nul & echo started");

        assertThat(run.exitCode()).as("%s", run).isZero();
        assertThat(run.stdout()).as("%s", run).contains("started");
    }
}
