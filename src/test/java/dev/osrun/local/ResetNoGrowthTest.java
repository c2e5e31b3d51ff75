package dev.osrun.local;

import dev.osrun.GuestKind;
import dev.osrun.testing.RequiresTinyGuest;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * 500 resets to the base (each a hand-over to a new clone of the RAM template) leave the VM's disk use, the
 * template's files, this JVM's threads and open files, and the number of QEMU processes where they began.
 */
@RequiresTinyGuest
class ResetNoGrowthTest {

    private static final Logger log = LoggerFactory.getLogger(ResetNoGrowthTest.class);
    private static final int RESETS = Integer.getInteger("osrun.test.resets", 500);

    @Test
    void fiveHundredResetsLeaveDiskRamFilesThreadsAndOpenFilesWhereTheyBegan() throws IOException {
        try (LocalVm vm = LocalVm.builder(GuestKind.TINY).start()) {
            for (int i = 0; i < 20; i++) { // warm-up: the first resets start the pool's threads
                cycle(vm, i);
            }
            Path vmDir = vm.machine().spec().runDir().getParent();
            Path template = vm.machine().spec().ramFile().path().getParent();
            Snapshot before = Snapshot.take(vmDir, template);
            long started = System.nanoTime();
            for (int i = 0; i < RESETS; i++) {
                cycle(vm, i);
            }
            log.info("{} resets (each with a command that writes a file) took {} ms", RESETS, (System.nanoTime() - started) / 1_000_000);
            // Settled: replaced clones stopped, the next one started (both open and close files for a moment).
            await("replaced clones to be gone and the next one up").atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                Snapshot now = Snapshot.take(vmDir, template);
                assertThat(now.qemuProcesses).isLessThanOrEqualTo(before.qemuProcesses);
                assertThat(now.openFiles).isLessThanOrEqualTo(before.openFiles + 10);
            });
            Snapshot after = Snapshot.take(vmDir, template);
            log.info("before: {}\nafter:  {}", before, after);
            assertThat(after.templateFiles).as("the template's files (size and time)").isEqualTo(before.templateFiles);
            assertThat(after.vmDirBytes).as("bytes under the VM's run directory").isLessThan(before.vmDirBytes + (4L << 20));
            assertThat(after.openFiles).as("this JVM's open files (a leak of one a reset would be +" + RESETS + ")")
                    .isLessThanOrEqualTo(before.openFiles + 10);
            assertThat(after.threads).as("this JVM's threads").isLessThanOrEqualTo(before.threads + 3);
            assertThat(vm.shell("cat /root/written 2>/dev/null || echo none").stdout()).isEqualTo("none\n");
        }
    }

    private static void cycle(LocalVm vm, int i) {
        vm.restoreSnapshot("provisioned");
        if (i % 10 == 0) {
            assertThat(vm.shell("cat /root/written 2>/dev/null; head -c 1048576 /dev/urandom > /root/written; echo ok").stdout())
                    .isEqualTo("ok\n");
        }
    }

    private record Snapshot(long vmDirBytes, Map<String, String> templateFiles, long openFiles, int threads, long qemuProcesses) {
        static Snapshot take(Path vmDir, Path template) throws IOException {
            Map<String, String> files = new LinkedHashMap<>();
            try (Stream<Path> list = Files.list(template)) {
                for (Path file : list.sorted().toList()) {
                    FileTime time = Files.getLastModifiedTime(file);
                    files.put(file.getFileName().toString(), Files.size(file) + " " + time);
                }
            }
            long bytes;
            try (Stream<Path> walk = Files.walk(vmDir)) {
                bytes = walk.filter(Files::isRegularFile).mapToLong(p -> {
                    try {
                        return Files.size(p);
                    } catch (IOException e) {
                        return 0; // a clone's file removed while walking
                    }
                }).sum();
            }
            long fds;
            try (Stream<Path> list = Files.list(Path.of("/proc/self/fd"))) {
                fds = list.count();
            }
            long qemu = ProcessHandle.current().descendants()
                    .filter(p -> p.info().command().orElse("").contains("qemu-system")).count();
            return new Snapshot(bytes, files, fds, ManagementFactory.getThreadMXBean().getThreadCount(), qemu);
        }
    }
}
