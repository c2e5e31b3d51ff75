package dev.osrun.assertj;

import dev.osrun.GuestKind;
import dev.osrun.local.LocalVm;
import dev.osrun.testing.RequiresTinyGuest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.opentest4j.AssertionFailedError;

import static dev.osrun.assertj.OsrunAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** The VM assertions against the real tiny guest: one VM, reset to the "clean" snapshot before each test. */
@RequiresTinyGuest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VmAssertTest {

    private LocalVm vm;

    @BeforeAll
    void start() {
        vm = LocalVm.builder(GuestKind.TINY).start();
        vm.shell("mkdir -p /root/box && printf 'one\\n' > /root/box/a.txt && printf 'two' > '/root/box/b 100%.txt'");
        vm.saveSnapshot("clean");
    }

    @BeforeEach
    void reset() {
        vm.restoreSnapshot("clean");
    }

    @AfterAll
    void stop() {
        if (vm != null) {
            vm.close();
        }
    }

    @Test
    void snapshotsAreFoundByName() {
        assertThat(vm).hasSnapshot("clean").doesNotHaveSnapshot("dirty");

        assertThatThrownBy(() -> assertThat(vm).hasSnapshot("dirty")).hasMessageStartingWith(
                "Expecting the VM to have a snapshot named \"dirty\"\nbut it has only [").hasMessageContaining("\"clean\"");
        assertThatThrownBy(() -> assertThat(vm).doesNotHaveSnapshot("clean"))
                .hasMessageStartingWith("Expecting the VM not to have a snapshot named \"clean\"\nbut it has, among [");
    }

    @Test
    void filesAreFoundAndMissingOnesNamedWithTheirDirectory() {
        assertThat(vm).hasFile("/root/box/a.txt").hasFile("/root/box/b 100%.txt")
                .doesNotHaveFile("/root/box/c.txt").doesNotHaveFile("/nowhere/at/all");

        assertThatThrownBy(() -> assertThat(vm).hasFile("/root/box/c.txt")).hasMessage("""
                Expecting the VM to have the file /root/box/c.txt
                but there is nothing at that path; its directory holds: a.txt, b 100%.txt""");
        assertThatThrownBy(() -> assertThat(vm).hasFile("/nowhere/x"))
                .hasMessageEndingWith("but there is nothing at that path; its directory is empty or missing");
        assertThatThrownBy(() -> assertThat(vm).hasFile("/root/box"))
                .hasMessageEndingWith("/root/box\nbut there is a directory at that path");
        assertThatThrownBy(() -> assertThat(vm).doesNotHaveFile("/root/box/a.txt"))
                .hasMessage("Expecting the VM not to have /root/box/a.txt\nbut there is a file at that path");
    }

    @Test
    void pathsReachTheGuestAsWritten() {
        vm.shell("printf x > \"/root/\\$HOME 'q' \\\"d\\\" ;\"");

        assertThat(vm).hasFile("/root/$HOME 'q' \"d\" ;").doesNotHaveFile("/root/$HOME");
    }

    @Test
    void fileContentIsComparedExactly() {
        assertThat(vm).hasFileWithContent("/root/box/a.txt", "one\n").hasFileWithContent("/root/box/b 100%.txt", "two");

        AssertionFailedError error = catchThrowableOfType(AssertionFailedError.class,
                () -> assertThat(vm).hasFileWithContent("/root/box/a.txt", "one"));
        assertThat(error).hasMessage("""
                Expecting the file /root/box/a.txt in the VM to have the content:
                  "one"
                but it has:
                  "one\\n"

                content (1 line):
                  one""");
        assertThat(error.getActual().getValue()).isEqualTo("one\n");
        assertThatThrownBy(() -> assertThat(vm).hasFileWithContent("/root/box/c.txt", "one"))
                .hasMessageStartingWith("Expecting the VM to have the file /root/box/c.txt\n");
    }

    @Test
    void shellNamesTheCommandInItsMessages() {
        assertThat(vm).shell("echo hi").succeeded().hasStdout("hi\n");

        assertThatThrownBy(() -> assertThat(vm).shell("echo out; echo err >&2; exit 4").succeeded()).hasMessageStartingWith("""
                Expecting the command `echo out; echo err >&2; exit 4` to succeed (exit code 0)
                but it exited with code 4

                exit code 4 after""").hasMessageEndingWith("""
                stdout (1 line):
                  out
                stderr (1 line):
                  err""");
    }

    @Test
    void restoringASnapshotBringsItsStateBack() {
        vm.shell("echo dirty > /root/marker");
        assertThat(vm).hasFile("/root/marker");

        assertThat(vm).afterRestoring("clean")
                .doesNotHaveFile("/root/marker")
                .hasFileWithContent("/root/box/a.txt", "one\n")
                .shellResult("ls /root", ls -> ls.succeeded().hasStdout("box\n"));
    }

    @Test
    void restoringSaysWhichSnapshotItLookedAt() {
        vm.shell("echo dirty > /root/marker");
        vm.saveSnapshot("dirty");
        try {
            assertThatThrownBy(() -> assertThat(vm).afterRestoring("dirty").doesNotHaveFile("/root/marker")).hasMessage(
                    "Expecting the VM, after restoring snapshot \"dirty\", not to have /root/marker\n"
                            + "but there is a file at that path");
            assertThatThrownBy(() -> assertThat(vm).as("leftovers").afterRestoring("clean")
                    .shellResult("cat /root/marker", cat -> cat.succeeded()))
                    .hasMessageStartingWith("[leftovers] Expecting the command `cat /root/marker` (run after restoring"
                            + " snapshot \"clean\") to succeed (exit code 0)\nbut it exited with code 1");
        } finally {
            vm.deleteSnapshot("dirty");
        }
    }

    @Test
    void anUnknownSnapshotIsNamedWithTheExistingOnes() {
        assertThatThrownBy(() -> assertThat(vm).afterRestoring("nope")).hasMessageStartingWith(
                "Expecting the VM to have a snapshot named \"nope\" to restore\nbut it has only [");
    }
}
