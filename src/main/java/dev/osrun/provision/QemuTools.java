package dev.osrun.provision;

import dev.osrun.OsrunException;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/** Runs QEMU's command-line tools: {@code qemu-img}, and {@code qemu-system-x86_64 --version}. */
public final class QemuTools {

    /**
     * The qcow2 options of every image the recipes write: zstd compression (QEMU 5.1 and later; checked with the
     * QEMU 7.2 of Debian 12), sub-cluster allocation and 128 KiB clusters, as the original osrun uses.
     */
    public static final String QCOW2_OPTIONS = "compression_type=zstd,extended_l2=on,cluster_size=128k";

    private static final ConcurrentHashMap<String, String> VERSIONS = new ConcurrentHashMap<>();
    private static final Duration QUICK = Duration.ofSeconds(60);
    private static final Duration CONVERT_TIMEOUT = Duration.ofMinutes(60);

    private QemuTools() {
    }

    /** The first line of {@code qemuBinary --version}, remembered per binary. */
    public static String version(String qemuBinary) {
        return VERSIONS.computeIfAbsent(qemuBinary, binary -> run(List.of(binary, "--version")).lines().findFirst().orElse("").strip());
    }

    /** Creates an empty qcow2 image of {@code size} (e.g. {@code 1G}). */
    public static void createQcow2(Path file, String size) {
        run(List.of("qemu-img", "create", "-q", "-f", "qcow2", "-o", QCOW2_OPTIONS, file.toString(), size));
    }

    /** Creates a qcow2 overlay of {@code backing}. */
    public static void createOverlay(Path file, Path backing) {
        run(List.of("qemu-img", "create", "-q", "-f", "qcow2", "-o", QCOW2_OPTIONS, "-F", "qcow2",
                "-b", backing.toAbsolutePath().toString(), file.toString()));
    }

    /**
     * Checks a qcow2 image's consistency ({@code qemu-img check}): leaked clusters, corrupt tables and a dirty
     * image all fail it.
     *
     * @throws OsrunException when the check finds anything; the message carries its report
     */
    public static void check(Path image) {
        try {
            run(List.of("qemu-img", "check", "-q", "-f", "qcow2", image.toString()), QUICK.multipliedBy(5));
        } catch (OsrunException e) {
            throw new OsrunException("The disk " + image.getFileName() + " failed 'qemu-img check', so it is not kept "
                    + "(was QEMU killed while writing it?): " + e.getMessage(), e);
        }
    }

    /** Writes {@code source} (and its backing chain) into one standalone, zstd-compressed qcow2 {@code target}. */
    public static void convertCompressed(Path source, Path target) {
        run(List.of("qemu-img", "convert", "-c", "-f", "qcow2", "-O", "qcow2", "-o", QCOW2_OPTIONS,
                source.toString(), target.toString()), CONVERT_TIMEOUT);
    }

    /** The backing file {@code image} names, or null when it has none. */
    public static String backingFile(Path image) {
        for (String line : run(List.of("qemu-img", "info", "-U", image.toString())).lines().toList()) {
            if (line.startsWith("backing file:")) {
                return line.substring("backing file:".length()).strip();
            }
        }
        return null;
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
     * Runs a tool and returns its output, giving it at most 60 s.
     *
     * @throws OsrunException when it cannot start, exits non-zero or times out; the message carries its output
     */
    static String run(List<String> command) {
        return run(command, QUICK);
    }

    /** Runs a tool and returns its output, giving it at most {@code timeout}. */
    static String run(List<String> command, Duration timeout) {
        ToolRun.Result result = ToolRun.run(command, timeout, "Install QEMU's tools (Debian: apt-get install qemu-utils qemu-system-x86).");
        return result.requireSuccess().output();
    }
}
