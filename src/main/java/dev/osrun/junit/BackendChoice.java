package dev.osrun.junit;

import java.util.Locale;

/** Where the extension runs VMs, as configured by {@code osrun.backend}. */
enum BackendChoice {
    /** The osrun image in a container, through Testcontainers. */
    DOCKER,
    /** QEMU on this host, driven from the test JVM ({@link dev.osrun.local.LocalVm}). */
    LOCAL,
    /** Docker when an engine answers, else local when QEMU is installed. */
    AUTO;

    /** Parses the configured value; a bad one is reported with its source. */
    static BackendChoice parse(SettingValue value) {
        try {
            return valueOf(value.text().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw value.invalid("docker, local or auto", "docker");
        }
    }

    /** The word used in configuration. */
    String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
