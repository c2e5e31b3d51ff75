package dev.osrun.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The metrics of one benchmark run, in the order they were measured: printed as a table and written as
 * {@code {"<metric>": {"p50_ms": …, "p95_ms": …, "n": …, "min_ms": …, "max_ms": …[, "mb_per_s": …]}}}.
 */
final class Results {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Map<String, Samples> metrics = new LinkedHashMap<>();

    /** A new or existing metric. */
    Samples metric(String name, String description) {
        return metric(name, description, 0);
    }

    /** A new or existing throughput metric whose every sample moves {@code megabytes} MiB. */
    Samples metric(String name, String description, double megabytes) {
        return metrics.computeIfAbsent(name, n -> new Samples(n, description, megabytes));
    }

    /** The metric {@code name}, if measured in this run. */
    java.util.Optional<Samples> find(String name) {
        return java.util.Optional.ofNullable(metrics.get(name));
    }

    /** Every metric with at least one sample, in the order they were created. */
    java.util.List<Samples> all() {
        return metrics.values().stream().filter(s -> s.n() > 0).toList();
    }

    /** Adds the samples of {@code source} (measured elsewhere) under the name {@code name}. */
    Samples copy(Samples source, String name, String description) {
        Samples copy = metric(name, description);
        copy.addAll(source);
        return copy;
    }

    /** Times {@code action} {@code n} times into the metric, after {@code warmup} untimed runs. */
    void time(Samples samples, int warmup, int n, Runnable action) {
        for (int i = 0; i < warmup; i++) {
            action.run();
        }
        for (int i = 0; i < n; i++) {
            long started = System.nanoTime();
            action.run();
            samples.add(System.nanoTime() - started);
        }
        Bench.progress(samples.metric() + ": p50 " + format(samples.percentile(50)) + " ms (n=" + samples.n() + ")");
    }

    void printTable(PrintStream out) {
        int width = metrics.keySet().stream().mapToInt(String::length).max().orElse(6);
        String header = String.format("%-" + width + "s %9s %9s %9s %9s %4s %8s  %s", "metric", "p50 ms", "p95 ms",
                "min ms", "max ms", "n", "MB/s", "what");
        out.println(header);
        out.println("-".repeat(header.length()));
        for (Samples s : metrics.values()) {
            if (s.n() == 0) {
                continue;
            }
            out.println(String.format("%-" + width + "s %9s %9s %9s %9s %4d %8s  %s", s.metric(), format(s.percentile(50)),
                    format(s.percentile(95)), format(s.min()), format(s.max()), s.n(),
                    s.megabytes() > 0 ? String.format("%.1f", s.mbPerSecondAtP50()) : "", s.description()));
        }
    }

    /** The same table as Markdown, for BENCHMARKS.md. */
    void printMarkdown(PrintStream out) {
        out.println("| metric | p50 ms | p95 ms | min ms | max ms | n | MB/s | what |");
        out.println("|---|---:|---:|---:|---:|---:|---:|---|");
        for (Samples s : metrics.values()) {
            if (s.n() == 0) {
                continue;
            }
            out.println("| `" + s.metric() + "` | " + format(s.percentile(50)) + " | " + format(s.percentile(95)) + " | "
                    + format(s.min()) + " | " + format(s.max()) + " | " + s.n() + " | "
                    + (s.megabytes() > 0 ? String.format("%.1f", s.mbPerSecondAtP50()) : "") + " | " + s.description() + " |");
        }
    }

    /** The metrics as {@code {"<metric>": {"p50_ms", "p95_ms", "n", "min_ms", "max_ms"[, "mb_per_s", "payload_mib"]}}}. */
    ObjectNode toJson() {
        ObjectNode root = JSON.createObjectNode();
        for (Samples s : metrics.values()) {
            if (s.n() == 0) {
                continue;
            }
            ObjectNode node = root.putObject(s.metric());
            node.put("p50_ms", round(s.percentile(50)));
            node.put("p95_ms", round(s.percentile(95)));
            node.put("n", s.n());
            node.put("min_ms", round(s.min()));
            node.put("max_ms", round(s.max()));
            if (s.megabytes() > 0) {
                node.put("mb_per_s", round(s.mbPerSecondAtP50()));
                node.put("payload_mib", s.megabytes());
            }
        }
        return root;
    }

    /** Writes these metrics to {@code file}, replacing it. */
    void writeJson(Path file) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            JSON.writeValue(file.toFile(), toJson());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + file, e);
        }
    }

    /** Writes these metrics into {@code file} with {@link #mergeInto}. */
    void mergeJson(Path file) {
        mergeInto(file, toJson());
    }

    /**
     * Writes {@code rows} into the JSON object in {@code file}: rows of the same name are replaced, the others the
     * file holds are kept. So {@code bin/bench engine} and {@code bin/bench reset} share one results.json, each
     * rewriting only its own rows.
     */
    static void mergeInto(Path file, ObjectNode rows) {
        try {
            ObjectNode root = JSON.createObjectNode();
            if (Files.exists(file)) {
                JsonNode existing = JSON.readTree(file.toFile());
                if (existing instanceof ObjectNode object) {
                    root = object;
                }
            }
            root.setAll(rows);
            Files.createDirectories(file.toAbsolutePath().getParent());
            JSON.writeValue(file.toFile(), root);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + file, e);
        }
    }

    static String format(double millis) {
        if (Double.isNaN(millis)) {
            return "-";
        }
        return millis >= 100 ? String.format("%.0f", millis) : String.format("%.1f", millis);
    }

    static double round(double value) {
        return Math.round(value * 100.0) / 100.0;
    }
}
