package dev.osrun.local;

import dev.osrun.GuestKind;
import dev.osrun.SnapshotNotFoundException;
import dev.osrun.VmCrashedException;
import dev.osrun.testing.RequiresTinyGuest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/** What the local engine does when things go wrong, and without a share. */
@RequiresTinyGuest
class LocalVmFailureTest {

    @Test
    void qemuKilledFromOutsideMakesTheNextCallFailFastWithTheExitAndTheSerialLog() {
        try (LocalVm vm = LocalVm.builder(GuestKind.TINY).start()) {
            vm.shell("echo last words on the console > /dev/ttyS0");
            ProcessHandle.of(vm.machine().pid()).orElseThrow().destroyForcibly();

            assertTimeoutPreemptively(Duration.ofSeconds(10), () ->
                    assertThatThrownBy(() -> vm.shell("echo hi"))
                            .isInstanceOfSatisfying(VmCrashedException.class, e -> {
                                assertThat(e.getMessage()).contains("QEMU exited unexpectedly", "killed by signal 9");
                                assertThat(e.qemuExitCode()).hasValue(137);
                                assertThat(e.serialTail()).contains("last words on the console");
                            }));
        }
    }

    @Test
    void startingFromAnUnknownSnapshotListsTheOnesThatExist() {
        assertThatThrownBy(() -> LocalVm.builder(GuestKind.TINY).snapshot("nope").start())
                .isInstanceOf(SnapshotNotFoundException.class)
                .hasMessageContaining("Existing snapshots: provisioned");
    }

    @Test
    void withoutAShareOutputAndFilesGoThroughTheAgent(@TempDir Path tmp) throws IOException {
        try (LocalVm vm = LocalVm.builder(GuestKind.TINY).withoutShare().start()) {
            assertThat(vm.machine().shareMounted()).isFalse();
            var result = vm.exec(java.util.List.of("sh", "-c", "cat; echo oops >&2; exit 4"),
                    dev.osrun.ExecOptions.defaults().withStdin("Grüße\n"));
            assertThat(result.exitCode()).isEqualTo(4);
            assertThat(result.stdout()).isEqualTo("Grüße\n");
            assertThat(result.stderr()).isEqualTo("oops\n");

            Path file = tmp.resolve("data.bin");
            byte[] bytes = new byte[3 * 1024 * 1024 + 17];
            new java.util.Random(7).nextBytes(bytes);
            Files.write(file, bytes);
            vm.upload(file, "/tmp/data.bin");
            Path back = tmp.resolve("back.bin");
            vm.download("/tmp/data.bin", back);
            assertThat(Files.mismatch(file, back)).isEqualTo(-1L);

            assertThatThrownBy(() -> vm.upload(tmp, "/tmp/dir")).hasMessageContaining("SMB share");
        }
    }
}
