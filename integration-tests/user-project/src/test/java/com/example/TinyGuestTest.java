package com.example;

import dev.osrun.LinuxVm;
import dev.osrun.junit.Osrun;
import dev.osrun.junit.OsrunExtension;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static dev.osrun.assertj.OsrunAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(OsrunExtension.class)
@Osrun(guest = "tiny")                      // every test gets the VM back in its "provisioned" snapshot
class TinyGuestTest {

    @Test
    void runsCommands(LinuxVm vm) {
        assertThat(vm.shell("echo hello; echo oops >&2; exit 3"))
                .hasExitCode(3)
                .hasStdout("hello\n")
                .hasStderr("oops\n");
        assertThat(vm).shell("uname -s").succeeded().hasStdoutMatching("Linux\\s*");
    }

    @RepeatedTest(2)
    void startsFromTheSnapshot(LinuxVm vm) {     // the second run does not see the first one's file
        assertThat(vm).doesNotHaveFile("/root/marker");

        vm.shell("echo written > /root/marker");

        assertThat(vm).hasFileWithContent("/root/marker", "written\n");
    }

    @Test
    void movesFiles(LinuxVm vm, @TempDir Path tmp) throws Exception {
        Files.writeString(tmp.resolve("in.txt"), "b\na\n");
        vm.upload(tmp.resolve("in.txt"), "/root/in.txt");      // files and trees, through the share

        assertThat(vm).shell("sort /root/in.txt").succeeded().hasStdout("a\nb\n");

        vm.download("/root/in.txt", tmp.resolve("back.txt"));
        assertThat(tmp.resolve("back.txt")).hasContent("b\na");
    }

    @Test
    void restoringASnapshotUndoesChanges(LinuxVm vm) {
        vm.shell("echo dirty > /root/marker");

        assertThat(vm).hasSnapshot("provisioned")
                .afterRestoring("provisioned")
                .doesNotHaveFile("/root/marker")
                .shellResult("ls /root", ls -> ls.succeeded().hasStdout(""));
    }
}
