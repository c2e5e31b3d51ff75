package dev.osrun.provision;

import dev.osrun.OsrunException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/** Runs QEMU's command-line tools: {@code qemu-img}, and {@code qemu-system-x86_64 --version}. */
public final class QemuTools {

    private static final ConcurrentHashMap<String, String> VERSIONS = new ConcurrentHashMap<>();

    private QemuTools() {
    }

    /** The first line of {@code qemuBinary --version}, remembered per binary. */
    public static String version(String qemuBinary) {
        return VERSIONS.computeIfAbsent(qemuBinary, binary -> run(List.of(binary, "--version")).lines().findFirst().orElse("").strip());
    }

    /** Creates an empty qcow2 image of {@code size} (e.g. {@code 1G}). */
    public static void createQcow2(Path file, String size) {
        run(List.of("qemu-img", "create", "-q", "-f", "qcow2", file.toString(), size));
    }

    /** Creates a qcow2 overlay of {@code backing}. */
    public static void createOverlay(Path file, Path backing) {
        run(List.of("qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", backing.toAbsolutePath().toString(), file.toString()));
    }

    /**
     * Checks a qcow2 image's consistency ({@code qemu-img check}).
     *
     * @throws OsrunException when the image has errors or leaks that make it unsafe to use; the message carries the report
     */
    public static void check(Path image) {
        run(List.of("qemu-img", "check", "-q", image.toString()));
    }

    /** The snapshot names in a qcow2 image that no running QEMU holds. */
    public static List<String> snapshotNames(Path image) {
        List<String> names = new ArrayList<>();
        String output = run(List.of("qemu-img", "snapshot", "-l", "-U", image.toString()));
        output.lines().skip(2).forEach(line -> {
            String[] columns = line.trim().split("\\s+");
            if (columns.length > 1) {
                names.add(columns[1]);
            }
        });
        return names;
    }

    /**
     * Runs a tool and returns its stdout.
     *
     * @throws OsrunException when it cannot start or exits non-zero; the message carries its output
     */
    static String run(List<String> command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new OsrunException("'" + String.join(" ", command) + "' did not finish within 60 s");
            }
            if (process.exitValue() != 0) {
                throw new OsrunException("'" + String.join(" ", command) + "' failed (exit " + process.exitValue() + "): " + output.strip());
            }
            return output;
        } catch (IOException e) {
            throw new OsrunException("Cannot run '" + command.get(0) + "': " + e.getMessage()
                    + ". Install QEMU's tools (Debian: apt-get install qemu-utils qemu-system-x86).", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OsrunException("Interrupted while running " + command.get(0), e);
        }
    }
}
