package dev.osrun.junit;

import java.util.Locale;

/**
 * How many VMs of one configuration may run at once: {@code osrun.pool.size} when set, else as many as JUnit runs
 * tests at once (its parallelism when {@code junit.jupiter.execution.parallel.enabled=true}, else 1).
 */
final class PoolSize {

    private PoolSize() {
    }

    /** The pool size for these settings. */
    static int of(Settings settings) {
        SettingValue configured = settings.get(Setting.POOL_SIZE);
        if (!configured.isUnset()) {
            return configured.positiveInt("VMs");
        }
        boolean parallel = settings.junitParameter("junit.jupiter.execution.parallel.enabled")
                .map(Boolean::parseBoolean).orElse(false);
        if (!parallel) {
            return 1;
        }
        int cores = Runtime.getRuntime().availableProcessors();
        String strategy = settings.junitParameter("junit.jupiter.execution.parallel.config.strategy")
                .orElse("dynamic").toLowerCase(Locale.ROOT);
        try {
            if (strategy.equals("fixed")) {
                return Math.max(1, Integer.parseInt(settings.junitParameter(
                        "junit.jupiter.execution.parallel.config.fixed.parallelism").orElse("1")));
            }
            if (strategy.equals("dynamic")) {
                double factor = Double.parseDouble(settings.junitParameter(
                        "junit.jupiter.execution.parallel.config.dynamic.factor").orElse("1"));
                return Math.max(1, (int) Math.round(factor * cores));
            }
        } catch (NumberFormatException e) {
            // JUnit itself rejects a malformed value; the pool then follows the number of cores
        }
        return Math.max(1, cores);
    }
}
