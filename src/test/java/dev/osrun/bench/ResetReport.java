package dev.osrun.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code bin/bench reset}'s figures against the goals: one Markdown table (row, p50, p95, n, goal, met) and
 * the JSON rows it merges into results.json. A row that could not be measured says why instead of a number.
 */
final class ResetReport {

    /** The rows results.json must hold, in the order. */
    static final List<String> REQUIRED = List.of("reset_loadvm_inplace_1g", "reset_loadvm_newproc_1g", "reset_template_512m",
            "reset_template_1g", "reset_template_2g", "reset_warm_1g", "exec_engine", "exec_bare");

    private static final double TEMPLATE_P50_GOAL_MS = 150;
    private static final double FLAT_GOAL = 1.5;
    private static final double SPEEDUP_GOAL = 5;
    private static final double WARM_GOAL_MS = 20;
    private static final double EXEC_GOAL = 1.2;
    private static final double CLONES_GOAL = 1.5;

    private final Results results;
    private final Map<String, String> notMeasured = new LinkedHashMap<>();
    private final Map<String, String> notMeasuredValues = new LinkedHashMap<>();
    private final Map<String, Double> values = new LinkedHashMap<>();
    private final Map<String, String> valueDescriptions = new LinkedHashMap<>();

    ResetReport(Results results) {
        this.results = results;
    }

    /** Records that {@code metric} was not measured, and why (printed and written instead of a figure). */
    void notMeasured(String metric, String why) {
        notMeasured.put(metric, why);
    }

    /** Records that the single-value row {@code metric} was not measured, and why. */
    void notMeasuredValue(String metric, String why) {
        notMeasuredValues.put(metric, why);
    }

    /** A single-value row ({@code {"value": …}}), e.g. a memory ratio. */
    void value(String metric, double value, String description) {
        values.put(metric, value);
        valueDescriptions.put(metric, description);
    }

    /** The timing rows, the value rows and the not-measured rows, as merged into results.json. */
    ObjectNode json() {
        ObjectNode root = results.toJson();
        for (Map.Entry<String, Double> value : values.entrySet()) {
            root.putObject(value.getKey()).put("value", Results.round(value.getValue()));
        }
        for (Map.Entry<String, String> missing : notMeasured.entrySet()) {
            ObjectNode node = root.putObject(missing.getKey());
            node.putNull("p50_ms");
            node.putNull("p95_ms");
            node.put("n", 0);
            node.put("not_measured", missing.getValue());
        }
        for (Map.Entry<String, String> missing : notMeasuredValues.entrySet()) {
            root.putObject(missing.getKey()).putNull("value").put("not_measured", missing.getValue());
        }
        for (String required : REQUIRED) {
            if (!root.has(required)) {
                throw new IllegalStateException("results.json would miss the row " + required + ": it was neither measured "
                        + "nor reported as not measured");
            }
        }
        if (!root.has("clones4_rss_ratio")) {
            throw new IllegalStateException("results.json would miss clones4_rss_ratio");
        }
        return root;
    }

    /** The Markdown table: every timing row, then the goals with the figures they compare and whether they are met. */
    void printMarkdown(PrintStream out) {
        out.println("| row | p50 ms | p95 ms | n | what |");
        out.println("|---|---:|---:|---:|---|");
        for (Samples s : results.all()) {
            out.println("| `" + s.metric() + "` | " + Results.format(s.percentile(50)) + " | " + Results.format(s.percentile(95))
                    + " | " + s.n() + " | " + s.description() + " |");
        }
        for (Map.Entry<String, Double> value : values.entrySet()) {
            out.println("| `" + value.getKey() + "` | " + String.format("%.2f", value.getValue()) + " (value) | | | "
                    + valueDescriptions.get(value.getKey()) + " |");
        }
        for (Map.Entry<String, String> missing : notMeasured.entrySet()) {
            out.println("| `" + missing.getKey() + "` | not measured | | | " + missing.getValue() + " |");
        }
        for (Map.Entry<String, String> missing : notMeasuredValues.entrySet()) {
            out.println("| `" + missing.getKey() + "` | not measured | | | " + missing.getValue() + " |");
        }
        out.println();
        out.println("| goal | figure | met |");
        out.println("|---|---|---|");
        for (String size : List.of("512m", "1g", "2g")) {
            goal("template reset ≤ " + (int) TEMPLATE_P50_GOAL_MS + " ms p50 (" + size + ")", p50("reset_template_" + size)
                    .map(p -> new Figure(Results.format(p) + " ms", p <= TEMPLATE_P50_GOAL_MS)), out);
        }
        goal("template reset flat: 2 GiB within " + FLAT_GOAL + "× of 512 MiB", ratio("reset_template_2g", "reset_template_512m")
                .map(r -> new Figure(String.format("%.2f×", r), r <= FLAT_GOAL)), out);
        goal("template reset ≥ " + (int) SPEEDUP_GOAL + "× faster than in-place loadvm at 1 GiB",
                ratio("reset_loadvm_inplace_1g", "reset_template_1g").map(r -> new Figure(String.format("%.1f×", r), r >= SPEEDUP_GOAL)), out);
        goal("warm hand-over ≤ " + (int) WARM_GOAL_MS + " ms p50", p50("reset_warm_1g")
                .map(p -> new Figure(Results.format(p) + " ms", p <= WARM_GOAL_MS)), out);
        goal("exec through the engine ≤ " + EXEC_GOAL + "× the bare protocol (p50)", ratio("exec_engine", "exec_bare")
                .map(r -> new Figure(String.format("%.2f× (%s vs %s ms)", r, Results.format(p50("exec_engine").orElseThrow()),
                        Results.format(p50("exec_bare").orElseThrow())), r <= EXEC_GOAL)), out);
        goal("4 clones ≤ " + CLONES_GOAL + "× the memory (PSS) of one", Optional.ofNullable(values.get("clones4_rss_ratio"))
                .map(r -> new Figure(String.format("%.2f×", r), r <= CLONES_GOAL)), out);
    }

    private void goal(String goal, Optional<Figure> figure, PrintStream out) {
        out.println("| " + goal + " | " + figure.map(Figure::text).orElse("not measured") + " | "
                + figure.map(f -> f.met() ? "yes" : "**no**").orElse("—") + " |");
    }

    private Optional<Double> p50(String metric) {
        return results.find(metric).filter(s -> s.n() > 0).map(s -> s.percentile(50));
    }

    private Optional<Double> ratio(String numerator, String denominator) {
        return p50(numerator).flatMap(a -> p50(denominator).map(b -> a / b));
    }

    private record Figure(String text, boolean met) {
    }
}
