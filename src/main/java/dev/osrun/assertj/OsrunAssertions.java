package dev.osrun.assertj;

import dev.osrun.ExecResult;
import dev.osrun.Vm;

/**
 * The entry point of osrun's AssertJ assertions, to import statically beside AssertJ's own {@code assertThat}
 * (this class does not extend {@code Assertions}; Java picks the right overload for an {@link ExecResult} or a
 * {@link Vm}):
 *
 * <pre>{@code
 * import static dev.osrun.assertj.OsrunAssertions.assertThat;
 * import static org.assertj.core.api.Assertions.assertThat;
 *
 * assertThat(vm.shell("echo hi")).succeeded().hasStdout("hi\n");
 * assertThat(vm).afterRestoring("clean").doesNotHaveFile("/root/marker");
 * }</pre>
 *
 * <p>Needs {@code org.assertj:assertj-core} on the test classpath: osrun depends on it as an optional dependency.
 */
public final class OsrunAssertions {

    private OsrunAssertions() {
    }

    /**
     * Assertions on a finished command's exit code and output. Name the command with {@code as("...")} for the
     * messages, or run it through {@link VmAssert#shell(String)}, which names it for you.
     */
    public static ExecResultAssert assertThat(ExecResult actual) {
        return new ExecResultAssert(actual, "the command");
    }

    /** Assertions on a VM's snapshots and guest files, now or after restoring a snapshot. */
    public static VmAssert assertThat(Vm actual) {
        return new VmAssert(actual, null);
    }
}
