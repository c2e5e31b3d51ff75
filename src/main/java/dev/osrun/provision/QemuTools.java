package dev.osrun.provision;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.osrun.OsrunException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/** Runs QEMU's command-line tools: {@code qemu-img}, and {@code qemu-system-x86_64 --version}. */
public final class QemuTools {

    /**
     * The qcow2 options of every image the recipes write: zstd compression (QEMU 5.1 and later; checked with the
     * QEMU 7.2 of Debian 12), sub-cluster allocation and 128 KiB clusters, as the original osrun uses.
     */
    public static final String QCOW2_OPTIONS = "compression_type=zstd,extended_l2=on,cluster_size=128k";

    private static final ConcurrentHashMap<String, String> VERSIONS = new ConcurrentHashMap<>();
    /** How long one tool run may take unless the caller says otherwise. */
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();
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
            run(List.of("qemu-img", "check", "-q", "-f", "qcow2", image.toString()), DEFAULT_TIMEOUT.multipliedBy(5));
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

    /** Writes the disk state of {@code snapshot} in {@code source} into a standalone qcow2 {@code target}. */
    public static void convertSnapshot(Path source, String snapshot, Path target) {
        run(List.of("qemu-img", "convert", "-U", "-f", "qcow2", "-O", "qcow2", "-o", QCOW2_OPTIONS,
                "-l", "snapshot.name=" + snapshot, source.toString(), target.toString()), CONVERT_TIMEOUT);
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

    /**
     * The snapshot names in a qcow2 image, read from {@code qemu-img info --output=json} (with {@code -U}, so an
     * image a running QEMU holds can be read too).
     */
    public static List<String> snapshotNames(Path image) {
        return snapshots(image).stream().map(snapshot -> snapshot.path("name").asText()).toList();
    }

    /**
     * The snapshots in a qcow2 image as {@code qemu-img info --output=json -U} gives them ({@code name}, {@code id},
     * {@code vm-state-size}, {@code date-sec}, {@code vm-clock-nsec}, ...).
     */
    public static List<JsonNode> snapshots(Path image) {
        String output = run(List.of("qemu-img", "info", "--output=json", "-U", image.toString()));
        JsonNode info;
        try {
            info = JSON.readTree(output);
        } catch (IOException e) {
            throw new OsrunException("'qemu-img info --output=json " + image + "' printed no JSON: " + output.strip(), e);
        }
        List<JsonNode> snapshots = new ArrayList<>();
        info.path("snapshots").forEach(snapshots::add);
        return snapshots;
    }

    /** Deletes the snapshot {@code name} from an image no QEMU has open. */
    public static void deleteSnapshot(Path image, String name) {
        run(List.of("qemu-img", "snapshot", "-d", name, image.toString()));
    }

    /**
     * Runs a tool and returns its stdout, waiting at most {@link #DEFAULT_TIMEOUT}.
     *
     * @throws OsrunException when it cannot start, exits non-zero or does not finish in time
     */
    static String run(List<String> command) {
        return run(command, DEFAULT_TIMEOUT);
    }

    /**
     * Runs a tool and returns what it printed (stdout and stderr together). Its output goes to a temporary file,
     * so the wait is bounded even when the tool (or a child it left behind) keeps its output open; on timeout the
     * tool and its children are killed.
     *
     * @throws OsrunException when it cannot start, exits non-zero (with its output) or does not finish within
     *                        {@code timeout} (naming the command)
     */
    static String run(List<String> command, Duration timeout) {
        String shown = String.join(" ", command);
        Path output = null;
        Process process = null;
        try {
            output = Files.createTempFile("osrun-tool-", ".out");
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(output.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                kill(process);
                throw new OsrunException("'" + shown + "' did not finish within " + timeout.toSeconds()
                        + " s and was killed. Output so far: " + read(output).strip()
                        + ". Check that the file it works on is not on a hung or very slow file system.");
            }
            String text = read(output);
            if (process.exitValue() != 0) {
                throw new OsrunException("'" + shown + "' failed (exit " + process.exitValue() + "): " + text.strip());
            }
            return text;
        } catch (IOException e) {
            throw new OsrunException("Cannot run '" + command.get(0) + "': " + e.getMessage()
                    + ". Install QEMU's tools (Debian: apt-get install qemu-utils qemu-system-x86).", e);
        } catch (InterruptedException e) {
            kill(process);
            Thread.currentThread().interrupt();
            throw new OsrunException("Interrupted while running '" + shown + "'", e);
        } finally {
            if (output != null) {
                try {
                    Files.deleteIfExists(output);
                } catch (IOException ignored) {
                    // a leftover temporary file is harmless
                }
            }
        }
    }

    private static void kill(Process process) {
        if (process == null) {
            return;
        }
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }

    private static String read(Path file) throws IOException {
        return Files.readString(file, StandardCharsets.UTF_8);
    }
}
