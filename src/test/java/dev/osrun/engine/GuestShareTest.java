package dev.osrun.engine;

import dev.osrun.GuestKind;
import dev.osrun.local.LocalVm;
import dev.osrun.testing.RequiresTinyGuest;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * After a restore the share is mounted in the background: the restore does not wait for it, whatever needs the
 * share waits for it first, and the mount thread goes with the VM. Against the real tiny guest and its share.
 */
@RequiresTinyGuest
class GuestShareTest {

    private static final String HERE = "here";

    @Test
    void afterARestoreTheShareIsUsableOnceAwaited() throws IOException {
        try (LocalVm vm = LocalVm.builder(GuestKind.TINY).start()) {
            Machine machine = vm.machine();
            machine.saveSnapshot(HERE); // restored in place, as every snapshot but the base
            Path marker = machine.spec().shareDir().resolve("marker-" + System.nanoTime());
            Files.writeString(marker, "seen from the guest\n");

            machine.restoreSnapshot(HERE);

            assertThat(machine.shareMounted()).isTrue();
            assertThat(machine.shareReady()).as("mounted, and so ready without waiting").isTrue();
            String guestPath = machine.profile().sharePath(marker.getFileName().toString());
            assertThat(vm.exec("cat", guestPath).stdout()).isEqualTo("seen from the guest\n");
        }
    }

    @Test
    void restoresInARowEachMountTheShareAgainOnOneThreadAtMost() {
        try (LocalVm vm = LocalVm.builder(GuestKind.TINY).start()) {
            Machine machine = vm.machine();
            machine.saveSnapshot(HERE); // restored in place, as every snapshot but the base
            for (int i = 0; i < 3; i++) {
                machine.restoreSnapshot(HERE);
                assertThat(mountThreads(machine)).hasSizeLessThanOrEqualTo(1);
            }
            assertThat(machine.shareMounted()).isTrue();
            assertThat(vm.shell("echo hi > " + machine.profile().sharePath("written-by-guest")).exitCode()).isZero();
            assertThat(machine.spec().shareDir().resolve("written-by-guest")).hasContent("hi");
        }
    }

    @Test
    void closingTheVmRightAfterARestoreEndsTheMountThread() {
        Machine machine;
        try (LocalVm vm = LocalVm.builder(GuestKind.TINY).start()) {
            machine = vm.machine();
            machine.saveSnapshot(HERE);
            machine.restoreSnapshot(HERE);
        }
        await("the share's mount thread to end after close").atMost(Duration.ofSeconds(15))
                .untilAsserted(() -> assertThat(mountThreads(machine)).isEmpty());
        assertThat(machine.shareReady()).isFalse();
    }

    private static List<Thread> mountThreads(Machine machine) {
        String name = "osrun-share-" + machine.spec().runDir().getFileName();
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals(name) && t.isAlive()).toList();
    }
}
