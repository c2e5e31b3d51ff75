package dev.osrun.it.windows;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Marks the {@code windows} suite: tests against a real Windows 11 guest, which the image installs on first use
 * (about 20-60 minutes with KVM, downloading about 4 GB from Windows Update). It needs a machine with KVM and
 * internet, so everywhere else (CI included) its condition skips it and prints why once; the {@code windows} tag
 * selects it alone. Run it with:
 *
 * <pre>
 * OSRUN_WINDOWS_SUITE=1 OSRUN_CACHE_VOLUME=osrun-windows-cache mvn -f integration-tests/pom.xml verify -Pwindows
 * </pre>
 *
 * (after building the image as the README says). {@code OSRUN_ISO=/path/to/Win11.iso} installs from your own ISO
 * instead of downloading. The Windows cache lives in the Docker volume {@code osrun-windows-cache}, kept between
 * runs: delete it to install anew.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Tag("windows")
@ExtendWith(WindowsSuite.Condition.class)
@interface WindowsSuite {

    /** The command that runs the suite, for messages. */
    String COMMAND = "OSRUN_WINDOWS_SUITE=1 OSRUN_CACHE_VOLUME=osrun-windows-cache mvn -f integration-tests/pom.xml verify -Pwindows";

    /**
     * Runs the suite only when asked for ({@code OSRUN_WINDOWS_SUITE=1}) and only where KVM is usable; says why not
     * otherwise. Asked for without KVM it fails: the suite would take days under software emulation.
     */
    final class Condition implements ExecutionCondition {
        private static final AtomicBoolean TOLD = new AtomicBoolean();

        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            if (!"1".equals(System.getenv("OSRUN_WINDOWS_SUITE"))) {
                String reason = "The windows suite is skipped: it installs Windows 11 (needs KVM, internet or OSRUN_ISO, "
                        + "about 40 GB of disk and an hour the first time). Run it with: " + COMMAND;
                if (TOLD.compareAndSet(false, true)) {
                    System.err.println(reason);
                }
                return ConditionEvaluationResult.disabled(reason);
            }
            Path kvm = Path.of("/dev/kvm");
            if (!Files.isReadable(kvm) || !Files.isWritable(kvm)) {
                throw new IllegalStateException("OSRUN_WINDOWS_SUITE=1 but /dev/kvm is missing or not usable by this user: "
                        + "the windows suite needs KVM (add the user to the 'kvm' group, or run it on a machine with KVM).");
            }
            return ConditionEvaluationResult.enabled("OSRUN_WINDOWS_SUITE=1 and KVM is usable");
        }
    }
}
