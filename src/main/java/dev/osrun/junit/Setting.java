package dev.osrun.junit;

import java.util.Locale;
import java.util.function.Function;

/**
 * One configuration key of the extension: its {@link Osrun} attribute (if any), its system property and
 * configuration parameter {@code osrun.<key>}, its environment variable {@code OSRUN_<KEY>} and its default.
 */
enum Setting {
    GUEST("guest", Osrun::guest, "windows11"),
    SNAPSHOT("snapshot", Osrun::snapshot, "provisioned"),
    MEMORY("memory", osrun -> osrun.memory() == 0 ? "" : Integer.toString(osrun.memory()), ""),
    CPUS("cpus", osrun -> osrun.cpus() == 0 ? "" : Integer.toString(osrun.cpus()), "1"),
    ACCEL("accel", Osrun::accel, "auto"),
    NETWORK("network", Osrun::network, "nat"),
    BACKEND("backend", Osrun::backend, "auto"),
    IMAGE("image", Osrun::image, ""),
    CACHE_VOLUME("cache.volume", null, ""),
    VNC("vnc", null, "false"),
    POOL_SIZE("pool.size", null, ""),
    REPORTS_DIR("reports.dir", null, "target/osrun-reports");

    private final String key;
    private final Function<Osrun, String> attribute;
    private final String defaultValue;

    Setting(String key, Function<Osrun, String> attribute, String defaultValue) {
        this.key = key;
        this.attribute = attribute;
        this.defaultValue = defaultValue;
    }

    /** The system property and configuration parameter, e.g. {@code osrun.pool.size}. */
    String property() {
        return "osrun." + key;
    }

    /** The environment variable, e.g. {@code OSRUN_POOL_SIZE}. */
    String env() {
        return "OSRUN_" + key.toUpperCase(Locale.ROOT).replace('.', '_');
    }

    /** The annotation attribute's name, or null when the annotation has none for this key. */
    String attributeName() {
        return attribute == null ? null : key;
    }

    /** What {@code osrun} sets for this key, or {@code ""} when it leaves it to the next source. */
    String attributeValue(Osrun osrun) {
        return attribute == null ? "" : attribute.apply(osrun).trim();
    }

    /** The value used when no source sets one ({@code ""}: the backend's own default). */
    String defaultValue() {
        return defaultValue;
    }

    /** How a user sets this key, for error messages: {@code @Osrun(guest = ...), -Dosrun.guest=... or OSRUN_GUEST=...}. */
    String howToSet(String example) {
        String viaAnnotation = attribute == null ? "" : "@Osrun(" + key + " = " + quoteForAnnotation(example) + "), ";
        return viaAnnotation + "-D" + property() + "=" + example + " or " + env() + "=" + example;
    }

    private String quoteForAnnotation(String example) {
        return this == MEMORY || this == CPUS ? example : '"' + example + '"';
    }
}
