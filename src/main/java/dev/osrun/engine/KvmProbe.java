package dev.osrun.engine;

import dev.osrun.transport.Backoff;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Finds out whether QEMU can run guest code with KVM here, not only open {@code /dev/kvm}: in some nested
 * virtual machines QEMU aborts under KVM ("failed to set MSR") or the guest does not get to execute for minutes,
 * while software emulation works. The probe starts QEMU with KVM and no disk and waits (at most
 * {@link #LIMIT}) for the firmware's first words on the debug console; the verdict is kept for the host's boot
 * in a small file (under {@code OSRUN_CACHE} when set, else the temporary directory), so it is paid once.
 */
final class KvmProbe {

    static final Duration LIMIT = Duration.ofSeconds(3);
    private static final Logger log = LoggerFactory.getLogger(KvmProbe.class);
    private static Boolean verdict;

    private KvmProbe() {
    }

    /** Whether a guest runs under KVM here; probes once per boot of the host. */
    static synchronized boolean kvmRunsGuests() {
        if (verdict == null) {
            verdict = remembered();
        }
        return verdict;
    }

    private static boolean remembered() {
        Path file = verdictFile();
        try {
            if (file != null && Files.isRegularFile(file)) {
                return Files.readString(file).strip().equals("ok");
            }
        } catch (IOException e) {
            log.debug("Cannot read {}", file, e);
        }
        boolean ok = probe();
        if (file != null) {
            try {
                Files.writeString(file, ok ? "ok\n" : "no\n");
            } catch (IOException e) {
                log.debug("Cannot keep the KVM verdict in {}", file, e);
            }
        }
        return ok;
    }

    private static Path verdictFile() {
        try {
            String boot = Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).strip();
            String cache = System.getenv("OSRUN_CACHE");
            Path dir = cache != null && Files.isDirectory(Path.of(cache)) ? Path.of(cache) : Path.of(System.getProperty("java.io.tmpdir"));
            return dir.resolve(".kvm-probe-" + boot);
        } catch (IOException e) {
            return null;
        }
    }

    private static boolean probe() {
        Path output = null;
        Process qemu = null;
        try {
            output = Files.createTempFile("osrun-kvm-probe", ".txt");
            qemu = new ProcessBuilder(List.of("qemu-system-x86_64", "-nodefaults", "-no-user-config",
                    "-machine", "q35,accel=kvm", "-cpu", "host", "-m", "64", "-display", "none",
                    "-chardev", "file,id=dbg,path=" + output, "-device", "isa-debugcon,iobase=0x402,chardev=dbg"))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            Backoff backoff = new Backoff(Duration.ofMillis(10), Duration.ofMillis(100));
            long deadline = System.nanoTime() + LIMIT.toNanos();
            while (System.nanoTime() < deadline) {
                if (Files.readString(output, StandardCharsets.ISO_8859_1).contains("SeaBIOS")) {
                    return true;
                }
                if (!qemu.isAlive()) {
                    log.info("QEMU exited under KVM at once (exit {}): using TCG", qemu.exitValue());
                    return false;
                }
                backoff.pause(deadline);
            }
            log.info("A guest did not start running under KVM within {} s (nested virtualisation?): using TCG",
                    LIMIT.toSeconds());
            return false;
        } catch (IOException e) {
            log.info("Cannot probe KVM ({}): using TCG", e.getMessage());
            return false;
        } finally {
            if (qemu != null) {
                qemu.destroyForcibly();
            }
            if (output != null) {
                try {
                    Files.deleteIfExists(output);
                } catch (IOException e) {
                    log.debug("Cannot delete {}", output, e);
                }
            }
        }
    }
}
