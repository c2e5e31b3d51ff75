package dev.osrun.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What {@code bin/bench reset} writes: the rows, "not measured" instead of a number, results.json shared. */
class ResetReportTest {

    @Test
    void mergingKeepsTheOtherBenchmarksRowsAndReplacesItsOwn(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("results.json");
        Files.writeString(file, "{\"exec_roundtrip\": {\"p50_ms\": 58.0}, \"exec_bare\": {\"p50_ms\": 1.0}}");

        Results.mergeInto(file, completeReport().json());

        JsonNode root = new ObjectMapper().readTree(file.toFile());
        assertThat(root.path("exec_roundtrip").path("p50_ms").asDouble()).isEqualTo(58.0);
        assertThat(root.path("exec_bare").path("p50_ms").asDouble()).isEqualTo(20.0);
        assertThat(root.path("reset_template_1g").path("not_measured").asText()).isEqualTo("not measured: no template API");
        assertThat(root.path("reset_template_1g").path("p50_ms").isNull()).isTrue();
        assertThat(root.path("clones4_rss_ratio").path("value").asDouble()).isEqualTo(1.25);
    }

    @Test
    void aMissingRowIsAnErrorNotASilentGap() {
        Results results = new Results();
        ResetReport report = new ResetReport(results);
        report.value("clones4_rss_ratio", 1.25, "ratio");

        assertThatThrownBy(report::json).hasMessageContaining("reset_loadvm_inplace_1g");
    }

    @Test
    void theTableShowsEachGoalWithItsFigureAndWhetherItIsMet() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        completeReport().printMarkdown(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String table = bytes.toString(StandardCharsets.UTF_8);

        assertThat(table).contains("| exec through the engine ≤ 1.2× the bare protocol (p50) | 1.10× (22.0 vs 20.0 ms) | yes |")
                .contains("| template reset ≤ 150 ms p50 (1g) | not measured | — |")
                .contains("| template reset ≥ 5× faster than in-place loadvm at 1 GiB | not measured | — |")
                .contains("| 4 clones ≤ 1.5× the memory (PSS) of one | 1.25× | yes |");
    }

    private static ResetReport completeReport() {
        Results results = new Results();
        ResetReport report = new ResetReport(results);
        for (String row : ResetReport.REQUIRED) {
            if (row.startsWith("reset_template") || row.startsWith("reset_warm")) {
                report.notMeasured(row, "not measured: no template API");
            } else {
                results.metric(row, row).add(row.equals("exec_engine") ? 22_000_000 : 20_000_000);
            }
        }
        report.value("clones4_rss_ratio", 1.25, "ratio");
        return report;
    }
}
