package dev.osrun.it;

import com.github.dockerjava.api.exception.NotFoundException;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.testcontainers.DockerClientFactory;

import java.util.Optional;

/**
 * Checks, once per run, that a Docker engine answers and that the osrun image exists. Disables the tests with the
 * reason when not, or throws under {@code CI=true}.
 */
final class OsrunImagePrerequisites implements ExecutionCondition {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(OsrunImagePrerequisites.class);

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        Optional<String> missing = context.getRoot().getStore(NAMESPACE)
                .getOrComputeIfAbsent("missing", key -> missing(), Optional.class);
        if (missing.isEmpty()) {
            return ConditionEvaluationResult.enabled("Docker answers and the image " + OsrunImage.name() + " exists");
        }
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            throw new IllegalStateException("CI=true and a prerequisite of the image tests is missing: " + missing.get()
                    + " Under CI a missing prerequisite fails the run instead of skipping the tests.");
        }
        return ConditionEvaluationResult.disabled(missing.get());
    }

    private static Optional<String> missing() {
        if (!DockerClientFactory.instance().isDockerAvailable()) {
            return Optional.of("No Docker engine answers (Testcontainers found no usable Docker environment; its log says "
                    + "what it tried). Start one: bin/test does so as root, or run 'sudo systemctl start docker'.");
        }
        String image = OsrunImage.name();
        try {
            DockerClientFactory.instance().client().inspectImageCmd(image).exec();
            return Optional.empty();
        } catch (NotFoundException e) {
            return Optional.of("The image " + image + " does not exist. Build it with bin/test, or with: "
                    + "mvn -q package -DskipTests && (. bin/lib/docker-env.sh && osrun_image_build " + image + ")");
        }
    }
}
