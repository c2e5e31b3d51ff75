package dev.osrun.it.junit;

import dev.osrun.ExecResult;
import dev.osrun.LinuxVm;
import dev.osrun.junit.Osrun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

// A test class for the tiny guest as a user writes it from the README (the README shows the same shape as TinyGuestTest).
@Osrun(guest = "tiny")
class ReadmeTinyGuestIT {

    @Test
    void runsCommands(LinuxVm vm) {
        ExecResult result = vm.shell("echo hello; echo oops >&2; exit 3");

        assertThat(result.exitCode()).isEqualTo(3);
        assertThat(result.stdout()).isEqualTo("hello\n");
        assertThat(result.stderr()).isEqualTo("oops\n");
    }

    @Test
    void startsEveryTestFromTheSnapshot(LinuxVm vm, @TempDir Path tmp) throws IOException {
        assertThat(vm.shell("test -e /root/in.txt").exitCode()).isNotZero();   // nothing from another test

        Files.writeString(tmp.resolve("in.txt"), "b\na\n");
        vm.upload(tmp.resolve("in.txt"), "/root/in.txt");
        assertThat(vm.exec("sort", "/root/in.txt").stdout()).isEqualTo("a\nb\n");

        vm.download("/root/in.txt", tmp.resolve("back.txt"));
        assertThat(tmp.resolve("back.txt")).hasContent("b\na");
    }
}
