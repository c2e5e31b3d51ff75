package dev.osrun.bench;

import java.nio.file.Path;
import java.util.List;

/**
 * The RAM-template rows of {@code bin/bench reset}: template reset per size, the warm-clone hand-over and the memory
 * of 4 concurrent clones. Written against the engine's template API (package {@code dev.osrun.engine.template});
 * until that exists, every row is reported as not measured.
 */
final class TemplateResets {

    static final String NO_API = "not measured: no template API";

    private TemplateResets() {
    }

    /** Measures the template rows for {@code disks} into {@code results} and {@code report}. */
    static void measure(List<FilledDisk> disks, Results results, ResetReport report, Path work) {
        for (FilledDisk disk : disks) {
            report.notMeasured("reset_template_" + disk.label(), NO_API);
        }
        report.notMeasured("reset_warm_1g", NO_API);
        report.notMeasuredValue("clones4_rss_ratio", NO_API);
    }
}
