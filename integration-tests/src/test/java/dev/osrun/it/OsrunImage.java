package dev.osrun.it;

import org.testcontainers.utility.DockerImageName;

/** The osrun image under test: system property {@code osrun.image}, else env {@code OSRUN_IMAGE}, else {@code osrun:latest}. */
final class OsrunImage {

    /** The image bin/test builds. */
    static final String DEFAULT = "osrun:latest";

    private OsrunImage() {
    }

    /** The image's name as configured. */
    static String name() {
        String property = System.getProperty("osrun.image");
        if (property != null && !property.isBlank()) {
            return property;
        }
        String env = System.getenv("OSRUN_IMAGE");
        return env != null && !env.isBlank() ? env : DEFAULT;
    }

    /** The image's name for Testcontainers. */
    static DockerImageName dockerImageName() {
        return DockerImageName.parse(name());
    }
}
