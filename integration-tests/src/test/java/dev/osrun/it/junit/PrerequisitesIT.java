package dev.osrun.it.junit;

import dev.osrun.Vm;
import dev.osrun.junit.Osrun;
import org.junit.jupiter.api.Test;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

/**
 * On a machine where the backend's prerequisite is missing (here: QEMU for the local backend, hidden by a PATH
 * without it), tests that need a VM are skipped with the reason and the fix, but fail under {@code CI=true}. Each
 * case runs in a JVM of its own, with the environment a user would have.
 */
class PrerequisitesIT {

    /** The user's test, which needs a VM. */
    @Osrun(guest = "tiny")
    static class NeedsAVm {
        @Test
        void runs(Vm vm) {
            vm.shell("true");
        }
    }

    /** Runs {@link NeedsAVm} in this JVM and prints each outcome on a line: what happened and why. */
    public static final class Child {
        public static void main(String[] args) {
            EngineExecutionResults results = EngineTestKit.engine("junit-jupiter")
                    .selectors(selectClass(NeedsAVm.class)).execute();
            for (Event event : results.allEvents().list()) {
                switch (event.getType()) {
                    case SKIPPED -> System.out.println("SKIPPED " + event.getPayload(String.class).orElse(""));
                    case FINISHED -> event.getPayload(TestExecutionResult.class)
                            .filter(result -> result.getStatus() != TestExecutionResult.Status.SUCCESSFUL)
                            .ifPresent(result -> System.out.println("FAILED " + result.getThrowable().map(Throwable::getMessage).orElse("")));
                    default -> { }
                }
            }
            System.out.flush();
        }
    }

    @Test
    void withoutQemuTheTestsAreSkippedWithTheReasonAndTheFix() throws Exception {
        String output = runWithoutQemu(Map.of());

        assertThat(output).startsWith("SKIPPED osrun cannot run a VM here: qemu-system-x86_64 is not on the PATH")
                .contains("apt-get install qemu-system-x86 qemu-utils samba")
                .doesNotContain("FAILED");
    }

    @Test
    void underCiTheyFailInstead() throws Exception {
        String output = runWithoutQemu(Map.of("CI", "true"));

        assertThat(output).startsWith("FAILED")
                .contains("qemu-system-x86_64 is not on the PATH")
                .contains("Under CI=true this fails the tests instead of skipping them")
                .doesNotContain("SKIPPED");
    }

    private static String runWithoutQemu(Map<String, String> extraEnv) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
                "-Dosrun.backend=local", Child.class.getName()));
        builder.environment().remove("CI");
        builder.environment().put("PATH", "/nonexistent");
        builder.environment().putAll(extraEnv);
        builder.redirectError(ProcessBuilder.Redirect.DISCARD);
        Process child = builder.start();
        byte[] stdout = child.getInputStream().readAllBytes();
        assertThat(child.waitFor(2, TimeUnit.MINUTES)).as("the child JVM finished").isTrue();
        return new String(stdout, StandardCharsets.UTF_8);
    }
}
