package dev.osrun.junit;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Skips the tests, with the reason and the fix, when no backend can run their VMs on this machine; under
 * {@code CI=true} fails them instead, so that a missing prerequisite never turns into a green run.
 */
final class Prerequisites {

    private Prerequisites() {
    }

    /** The condition for {@code context}. @throws IllegalStateException under CI when a prerequisite is missing */
    static ConditionEvaluationResult evaluate(ExtensionContext context, VmLending lending) {
        Settings settings = Settings.of(context);
        VmConfig config = VmConfig.from(settings);
        BackendSelection selection = lending.selection(context, config);
        if (selection.missing().isEmpty()) {
            return ConditionEvaluationResult.enabled("osrun can run " + config.guest().id() + " VMs with the "
                    + selection.backend().kind().id() + " backend");
        }
        String reason = "osrun cannot run a VM here: " + selection.missing().get();
        if (settings.underCi()) {
            throw new IllegalStateException(reason + " Under CI=true this fails the tests instead of skipping them.");
        }
        return ConditionEvaluationResult.disabled(reason);
    }
}
