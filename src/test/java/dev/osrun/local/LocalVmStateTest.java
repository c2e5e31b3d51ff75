package dev.osrun.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.osrun.GuestKind;
import dev.osrun.OsrunException;
import dev.osrun.SnapshotInfo;
import dev.osrun.SnapshotReadOnlyException;
import dev.osrun.VmBrokenException;
import dev.osrun.engine.Machine;
import dev.osrun.testing.RequiresTinyGuest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * What the engine does when the VM's state is no longer the one it set up (a failed restore, a guest reboot), how
 * it stops QEMU, and the read-only {@code provisioned} snapshot of a cached disk. Each test has a VM of its own.
 */
@RequiresTinyGuest
class LocalVmStateTest {

    private static final Logger log = LoggerFactory.getLogger(LocalVmStateTest.class);
    private static final int CLUSTER = 64 * 1024;
    private static final byte[] VMSTATE_MAGIC = {'Q', 'E', 'V', 'M', 0, 0, 0, 3};

    @Test
    void aRestoreThatFailsInQemuLeavesABrokenVmThatSaysSoAtOnce() throws IOException {
        try (LocalVm vm = LocalVm.builder(GuestKind.TINY).start()) {
            vm.saveSnapshot("doomed");
            // Damage the memory state of every snapshot on the VM's own disk, behind QEMU's back.
            assertThat(corruptVmStates(vm.machine().spec().disk())).isGreaterThanOrEqualTo(1);

            assertThatThrownBy(() -> vm.restoreSnapshot("doomed"))
                    .isInstanceOf(VmBrokenException.class)
                    .hasMessageContaining("Restoring snapshot 'doomed' failed")
                    .hasMessageContaining("unknown state")
                    .hasMessageContaining("start a new one");

            // Not a 30 s wait for an agent that will never answer: the state is known to be lost.
            assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
                assertThatThrownBy(() -> vm.shell("echo hi")).isInstanceOf(VmBrokenException.class);
                assertThatThrownBy(() -> vm.restoreSnapshot("provisioned")).isInstanceOf(VmBrokenException.class);
            });
        }
    }

    @Test
    void aSnapshotSavedBeforeAResetToTheBaseCanStillBeRestored() {
        try (LocalVm vm = LocalVm.builder(GuestKind.TINY).start()) {
            vm.shell("echo kept > /root/state");
            vm.saveSnapshot("mine");
            vm.restoreSnapshot("provisioned"); // a new clone: the overlay holding 'mine' is set aside
            assertThat(vm.shell("cat /root/state 2>/dev/null || echo none").stdout()).isEqualTo("none\n");
            assertThat(vm.snapshots()).extracting(SnapshotInfo::name).contains("provisioned", "mine");
            vm.restoreSnapshot("mine");
            assertThat(vm.shell("cat /root/state").stdout()).isEqualTo("kept\n");
            vm.restoreSnapshot("provisioned");
            vm.restoreSnapshot("mine");
            assertThat(vm.shell("cat /root/state").stdout()).isEqualTo("kept\n");
        }
    }

    @Test
    void aDiskOnlySnapshotIsRefusedBeforeQemuTouchesTheVm() {
        try (LocalVm vm = LocalVm.builder(GuestKind.TINY).start()) {
            vm.shell("echo kept > /tmp/state");
            JsonNode blocks = vm.machine().qmp().execute("query-block", null);
            String device = blocks.get(0).path("device").asText();
            vm.machine().qmp().execute("blockdev-snapshot-internal-sync",
                    JsonNodeFactory.instance.objectNode().put("device", device).put("name", "disk-only"));
            assertThat(vm.snapshots()).filteredOn(s -> s.name().equals("disk-only"))
                    .extracting(SnapshotInfo::vmStateBytes).containsExactly(0L);

            assertThatThrownBy(() -> vm.restoreSnapshot("disk-only"))
                    .isInstanceOf(OsrunException.class)
                    .isNotInstanceOf(VmBrokenException.class)
                    .hasMessageContaining("holds no memory state")
                    .hasMessageContaining("the VM is unchanged");

            assertThat(vm.shell("cat /tmp/state").stdout()).isEqualTo("kept\n");
        }
    }

    @Test
    void aGuestRebootIsAClearErrorUntilASnapshotIsRestored() {
        try (LocalVm vm = LocalVm.builder(GuestKind.TINY).start()) {
            vm.machine().qmp().awaitEvent("RESET", Duration.ofSeconds(60),
                    () -> vm.shell("(sleep 1; reboot -f) >/dev/null 2>&1 &"));

            await("the reset to be noticed").atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThatThrownBy(() -> vm.shell("echo hi"))
                            .isInstanceOf(VmBrokenException.class)
                            .hasMessageContaining("The guest was reset (QMP RESET, reason: guest-reset")
                            .hasMessageContaining("Restore a snapshot"));
            assertThat(vm.snapshots()).extracting(SnapshotInfo::name).contains("provisioned");

            vm.restoreSnapshot("provisioned");

            assertThat(vm.shell("echo back").stdout()).isEqualTo("back\n");
        }
    }

    @Test
    void closeStopsAQemuThatCannotBeAskedWithSigtermNotSigkill() throws IOException {
        try (LocalVm vm = LocalVm.builder(GuestKind.TINY).start()) {
            Machine machine = vm.machine();
            ProcessHandle qemu = ProcessHandle.of(machine.pid()).orElseThrow();
            machine.qmp().close(); // no QMP: "quit" cannot be sent

            long started = System.nanoTime();
            machine.close();
            log.info("close() without QMP took {} ms", (System.nanoTime() - started) / 1_000_000);

            assertThat(qemu.isAlive()).isFalse();
            assertThat(Files.readString(machine.spec().qemuLog())).contains("terminating on signal 15");
        }
    }

    @Test
    void closeEndsAHungQemu() throws Exception {
        try (LocalVm vm = LocalVm.builder(GuestKind.TINY).start()) {
            ProcessHandle qemu = ProcessHandle.of(vm.machine().pid()).orElseThrow();
            assertThat(new ProcessBuilder("kill", "-STOP", Long.toString(qemu.pid())).start().waitFor()).isZero();

            long started = System.nanoTime();
            vm.close();
            log.info("close() of a stopped QEMU took {} ms", (System.nanoTime() - started) / 1_000_000);

            assertThat(qemu.isAlive()).isFalse();
        }
    }

    @Test
    void theProvisionedSnapshotOfACachedDiskIsReadOnly(@TempDir Path tmp) throws IOException {
        Path cache = tmp.resolve("cache");
        TinyCaches.copyOfProvisioned(cache);
        try (LocalVm vm = LocalVm.builder(GuestKind.TINY).cache(cache).persistent(true).start()) {
            assertThatThrownBy(() -> vm.saveSnapshot("provisioned"))
                    .isInstanceOf(SnapshotReadOnlyException.class)
                    .hasMessageContaining("'provisioned' is read-only")
                    .hasMessageContaining("Save your state under another name");
            assertThatThrownBy(() -> vm.deleteSnapshot("provisioned")).isInstanceOf(SnapshotReadOnlyException.class);
            vm.saveSnapshot("mine");
            vm.restoreSnapshot("provisioned");
            assertThat(vm.snapshots()).extracting(SnapshotInfo::name).contains("provisioned", "mine");
        }
        try (LocalVm copy = LocalVm.builder(GuestKind.TINY).cache(cache).start()) {
            // A private copy changes nothing in the cache: there, provisioned is the user's to replace.
            copy.saveSnapshot("provisioned");
            copy.deleteSnapshot("mine");
        }
    }

    /** Overwrites the start of every memory state in a qcow2 file (they begin at a cluster, with QEVM v3). */
    private static int corruptVmStates(Path disk) throws IOException {
        int corrupted = 0;
        byte[] header = new byte[VMSTATE_MAGIC.length];
        byte[] garbage = new byte[256];
        Arrays.fill(garbage, (byte) 0xff);
        try (RandomAccessFile file = new RandomAccessFile(disk.toFile(), "rw")) {
            for (long offset = 0; offset + header.length <= file.length(); offset += CLUSTER) {
                file.seek(offset);
                file.readFully(header);
                if (Arrays.equals(header, VMSTATE_MAGIC)) {
                    file.seek(offset + header.length);
                    file.write(garbage);
                    corrupted++;
                }
            }
        }
        log.info("Corrupted {} memory states in {}", corrupted, disk);
        return corrupted;
    }

}
