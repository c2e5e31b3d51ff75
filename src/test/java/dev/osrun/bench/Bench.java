package dev.osrun.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** What both benchmarks share: sample counts from system properties, progress lines, the machine's description. */
final class Bench {

    private Bench() {
    }

    /** The sample count for {@code name}: system property {@code bench.n.<name>}, else {@code bench.scale} × default. */
    static int n(String name, int defaultValue) {
        String value = System.getProperty("bench.n." + name);
        if (value != null) {
            return Integer.parseInt(value);
        }
        double scale = Double.parseDouble(System.getProperty("bench.scale", "1"));
        return Math.max(1, (int) Math.round(defaultValue * scale));
    }

    static void progress(String line) {
        System.err.println("bench: " + line);
    }

    /** nproc, CPU model, RAM, kernel, QEMU and Java versions, date: what BENCHMARKS.md records beside the numbers. */
    static ObjectNode machine(String accel) {
        ObjectNode node = new ObjectMapper().createObjectNode();
        node.put("date", OffsetDateTime.now().truncatedTo(ChronoUnit.SECONDS).toString());
        node.put("nproc", Runtime.getRuntime().availableProcessors());
        node.put("cpu", firstValue(Path.of("/proc/cpuinfo"), "model name"));
        node.put("mem_total", firstValue(Path.of("/proc/meminfo"), "MemTotal"));
        node.put("kernel", command("uname", "-r"));
        node.put("qemu", command("qemu-system-x86_64", "--version").lines().findFirst().orElse(""));
        node.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        node.put("accel", accel);
        node.put("loadavg_at_end", firstLine(Path.of("/proc/loadavg")));
        return node;
    }

    static void writeMachine(ObjectNode machine, Path file) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), machine);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + file, e);
        }
    }

    private static String firstLine(Path file) {
        try {
            return Files.readAllLines(file).stream().findFirst().orElse("");
        } catch (IOException e) {
            return "";
        }
    }

    private static String firstValue(Path file, String key) {
        try {
            return Files.readAllLines(file).stream().filter(l -> l.startsWith(key)).findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).strip()).orElse("");
        } catch (IOException e) {
            return "";
        }
    }

    /** Runs a short command and returns its output (stdout and stderr), or "" when it cannot run. */
    static String command(String... argv) {
        try {
            Process process = new ProcessBuilder(List.of(argv)).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes()).strip();
            process.waitFor(30, TimeUnit.SECONDS);
            return output;
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (var paths = Files.walk(root)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot delete " + root, e);
        }
    }
}
