package dev.osrun.local;

import dev.osrun.GuestKind;
import dev.osrun.testing.RequiresTinyGuest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A JVM that runs a VM is killed with {@code kill -9} (as a test runner's fork timeout does): its QEMU dies with
 * it, the next start sweeps what it left, and the cache it ran on is usable at once.
 */
@RequiresTinyGuest
class KilledJvmTest {

    @Test
    void qemuDiesWithItsJvmAndTheNextStartSweepsWhatWasLeft(@TempDir Path tmp) throws Exception {
        Path cache = tmp.resolve("cache");
        Path disk = TinyCaches.copyOfProvisioned(cache);
        Path childLog = tmp.resolve("child.log");
        Process child = new ProcessBuilder(javaBinary(), "-cp", System.getProperty("java.class.path"),
                VmInChildJvm.class.getName(), cache.toString())
                .redirectError(childLog.toFile())
                .start();
        String[] ready;
        try {
            ready = awaitReady(child, childLog);
        } catch (RuntimeException | Error e) {
            child.destroyForcibly();
            throw e;
        }
        long qemuPid = Long.parseLong(ready[1]);
        Path runDir = Path.of(ready[2]);
        Path share = Path.of(ready[3]);
        List<Path> smbDirs = smbDirsServing(share);
        assertThat(smbDirs).as("QEMU's Samba directory for " + share).hasSize(1);

        child.destroyForcibly();   // SIGKILL: no shutdown hook, no finally, nothing runs in the child
        assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();

        await("QEMU (pid " + qemuPid + ") to die with its JVM").atMost(Duration.ofSeconds(30))
                .until(() -> ProcessHandle.of(qemuPid).map(ProcessHandle::isAlive).orElse(false), alive -> !alive);
        assertThat(runDir).as("the dead run's directory before the next start").exists();

        try (LocalVm next = LocalVm.builder(GuestKind.TINY).cache(cache).persistent(true)
                .lockTimeout(Duration.ofSeconds(60)).start()) {
            assertThat(runDir).as("the dead run's directory after the next start").doesNotExist();
            assertThat(smbDirs.get(0)).as("QEMU's Samba directory of the dead QEMU").doesNotExist();
            assertThat(next.shell("echo usable").stdout()).isEqualTo("usable\n");
        }
        Process check = new ProcessBuilder("qemu-img", "check", disk.toString()).redirectErrorStream(true).start();
        String report = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(check.waitFor(60, TimeUnit.SECONDS)).isTrue();
        // 0: clean; 3: only leaked clusters, which a killed QEMU may leave and which harm nothing. 2 is corruption.
        assertThat(check.exitValue()).as("qemu-img check: " + report).isIn(0, 3);
    }

    private static String[] awaitReady(Process child, Path childLog) throws IOException {
        BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        List<String> seen = new ArrayList<>();
        String[] ready = new String[1];
        await("the child JVM to start its VM").atMost(Duration.ofMinutes(3)).until(() -> {
            String line = out.readLine();
            if (line == null) {
                throw new AssertionError("The child JVM ended before its VM was up; its stderr:\n" + Files.readString(childLog));
            }
            seen.add(line);
            ready[0] = line;
            return line.startsWith("READY ");
        });
        return ready[0].split(" ");
    }

    private static List<Path> smbDirsServing(Path share) throws IOException {
        String tmpdir = System.getenv("TMPDIR");
        try (Stream<Path> dirs = Files.list(Path.of(tmpdir != null ? tmpdir : "/tmp"))) {
            return dirs.filter(d -> d.getFileName().toString().startsWith("qemu-smb."))
                    .filter(d -> {
                        try {
                            return Files.readAllLines(d.resolve("smb.conf")).contains("path=" + share);
                        } catch (IOException e) {
                            return false;
                        }
                    })
                    .toList();
        }
    }

    private static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
