package dev.osrun.readme;

import dev.osrun.ExecOptions;
import dev.osrun.ExecResult;
import dev.osrun.GuestKind;
import dev.osrun.local.LocalVm;
import dev.osrun.testing.RequiresTinyGuest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The README's JUnit example, word for word but for this comment and the annotation. */
@RequiresTinyGuest
class GuestTest {

    static LocalVm vm;

    @BeforeAll
    static void start() {
        vm = LocalVm.builder(GuestKind.TINY).start();   // provisions on first use, then restores "provisioned"
        vm.saveSnapshot("clean");
    }

    @BeforeEach
    void reset() {
        vm.restoreSnapshot("clean");                     // in the running VM; the guest clock is set after it
    }

    @AfterAll
    static void stop() {
        vm.close();
    }

    @Test
    void runsCommands() {
        ExecResult result = vm.shell("echo hello; echo oops >&2; exit 3");

        assertThat(result.exitCode()).isEqualTo(3);
        assertThat(result.stdout()).isEqualTo("hello\n");
        assertThat(result.stderr()).isEqualTo("oops\n");
    }

    @Test
    void movesFilesAndKeepsTimeLimits(@TempDir Path tmp) throws Exception {
        Files.writeString(tmp.resolve("in.txt"), "b\na\n");
        vm.upload(tmp.resolve("in.txt"), "/root/in.txt");                // files and trees, through the share

        ExecResult sorted = vm.exec(List.of("sort", "/root/in.txt"), ExecOptions.defaults()
                .withTimeout(Duration.ofSeconds(30))                     // on timeout the process tree is killed
                .withStdoutConsumer(System.out::print));                 // streamed while the command runs
        assertThat(sorted.stdout()).isEqualTo("a\nb\n");

        vm.download("/root/in.txt", tmp.resolve("back.txt"));
        assertThat(tmp.resolve("back.txt")).hasContent("b\na");
    }
}
