package dev.osrun.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The timings of one metric, in milliseconds, with their percentiles (nearest rank: with n = 10, p95 is the
 * largest sample). {@code megabytes} is the payload of each sample for throughput metrics, else 0.
 */
final class Samples {

    private final String metric;
    private final String description;
    private final double megabytes;
    private final List<Double> millis = new ArrayList<>();

    Samples(String metric, String description, double megabytes) {
        this.metric = metric;
        this.description = description;
        this.megabytes = megabytes;
    }

    String metric() {
        return metric;
    }

    String description() {
        return description;
    }

    double megabytes() {
        return megabytes;
    }

    void add(long nanos) {
        millis.add(nanos / 1e6);
    }

    void addAll(Samples other) {
        millis.addAll(other.millis);
    }

    int n() {
        return millis.size();
    }

    double percentile(double p) {
        if (millis.isEmpty()) {
            return Double.NaN;
        }
        List<Double> sorted = new ArrayList<>(millis);
        Collections.sort(sorted);
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
    }

    double min() {
        return millis.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
    }

    double max() {
        return millis.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
    }

    /** Megabytes (MiB) per second at the median time, or NaN for a metric that moves no payload. */
    double mbPerSecondAtP50() {
        return megabytes > 0 ? megabytes / (percentile(50) / 1000.0) : Double.NaN;
    }
}
