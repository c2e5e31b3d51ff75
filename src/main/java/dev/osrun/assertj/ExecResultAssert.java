package dev.osrun.assertj;

import dev.osrun.ExecResult;
import org.assertj.core.api.AbstractAssert;

import java.util.regex.Pattern;

/**
 * Assertions on what a guest command left: its exit code and its output. Get one from
 * {@link OsrunAssertions#assertThat(ExecResult)} or, with the command named in every message, from
 * {@link VmAssert#shell(String)}.
 *
 * <pre>{@code
 * assertThat(vm.shell("uname -s")).succeeded().hasStdout("Linux\n");
 * assertThat(vm.shell("cat /etc/hostname")).as("the guest's name").hasStdoutMatching("[a-z]+\\n");
 * }</pre>
 *
 * <p>A failure says what was expected, what the command did instead, and shows its exit code, its duration and the
 * last {@value ExecResultReport#TAIL_LINES} lines of both stdout and stderr. An {@link ExecResult} does not know the
 * command that made it: name it with {@code as("...")}, or use {@link VmAssert#shell(String)}.
 */
public final class ExecResultAssert extends AbstractAssert<ExecResultAssert, ExecResult> {

    private final String subject;

    ExecResultAssert(ExecResult actual, String subject) {
        super(actual, ExecResultAssert.class);
        this.subject = subject;
    }

    /**
     * Verifies that the command exited with code 0.
     *
     * @throws AssertionError when it exited with another code, or the result is null
     */
    public ExecResultAssert succeeded() {
        isNotNull();
        if (actual.exitCode() != 0) {
            fail("Expecting " + subject + " to succeed (exit code 0)\nbut it exited with code " + actual.exitCode());
        }
        return this;
    }

    /**
     * Verifies that the command exited with a code other than 0.
     *
     * @throws AssertionError when it exited with code 0, or the result is null
     */
    public ExecResultAssert failed() {
        isNotNull();
        if (actual.exitCode() == 0) {
            fail("Expecting " + subject + " to fail (a non-zero exit code)\nbut it exited with code 0");
        }
        return this;
    }

    /**
     * Verifies that the command exited with {@code expected}.
     *
     * @throws AssertionError when it exited with another code, or the result is null
     */
    public ExecResultAssert hasExitCode(int expected) {
        isNotNull();
        if (actual.exitCode() != expected) {
            fail("Expecting " + subject + " to exit with code " + expected + "\nbut it exited with code "
                    + actual.exitCode());
        }
        return this;
    }

    /**
     * Verifies that the command's stdout is exactly {@code expected}, line breaks included.
     *
     * @throws AssertionError when it differs (the error carries both texts, for an IDE's diff), or the result is null
     */
    public ExecResultAssert hasStdout(String expected) {
        return hasOutput("stdout", checked().stdout(), expected);
    }

    /**
     * Verifies that the command's stderr is exactly {@code expected}, line breaks included.
     *
     * @throws AssertionError when it differs, or the result is null
     */
    public ExecResultAssert hasStderr(String expected) {
        return hasOutput("stderr", checked().stderr(), expected);
    }

    /**
     * Verifies that the command's stdout contains {@code expected}.
     *
     * @throws AssertionError when it does not, or the result is null
     */
    public ExecResultAssert hasStdoutContaining(String expected) {
        return hasOutputContaining("stdout", checked().stdout(), expected);
    }

    /**
     * Verifies that the command's stderr contains {@code expected}.
     *
     * @throws AssertionError when it does not, or the result is null
     */
    public ExecResultAssert hasStderrContaining(String expected) {
        return hasOutputContaining("stderr", checked().stderr(), expected);
    }

    /**
     * Verifies that the whole of the command's stdout matches {@code regex} (as {@link String#matches} does), line
     * breaks included: {@code "\\d+\\n"} matches a line holding a number; add {@code (?s)} to let {@code .} match
     * line breaks.
     *
     * @throws AssertionError when it does not match, or the result is null
     * @throws java.util.regex.PatternSyntaxException when {@code regex} is not a regular expression
     */
    public ExecResultAssert hasStdoutMatching(String regex) {
        return hasOutputMatching("stdout", checked().stdout(), regex);
    }

    /**
     * Verifies that the whole of the command's stderr matches {@code regex}, as {@link #hasStdoutMatching} does.
     *
     * @throws AssertionError when it does not match, or the result is null
     */
    public ExecResultAssert hasStderrMatching(String regex) {
        return hasOutputMatching("stderr", checked().stderr(), regex);
    }

    /**
     * Verifies that the result holds the whole output of both streams: no head was cut to keep it within
     * {@link dev.osrun.ExecOptions#outputLimit()}.
     *
     * @throws AssertionError when the result was truncated, or is null
     */
    public ExecResultAssert wasNotTruncated() {
        isNotNull();
        if (actual.truncated()) {
            fail("Expecting " + subject + " to have kept its whole output\nbut the result holds only the tail of"
                    + " stdout or stderr (at most ExecOptions.outputLimit() characters of each; raise it with"
                    + " ExecOptions.withOutputLimit)");
        }
        return this;
    }

    private ExecResult checked() {
        isNotNull();
        return actual;
    }

    private ExecResultAssert hasOutput(String stream, String output, String expected) {
        if (!output.equals(expected)) {
            String shown = output.length() <= 2000 ? ExecResultReport.quote(output)
                    : "(" + output.length() + " characters; the last lines are below)";
            String message = "Expecting the " + stream + " of " + subject + " to be:\n  "
                    + ExecResultReport.quote(expected) + "\nbut was:\n  " + shown;
            failWithActualExpectedAndMessage(output, expected, escape(withReport(message)));
        }
        return this;
    }

    private ExecResultAssert hasOutputContaining(String stream, String output, String expected) {
        if (!output.contains(expected)) {
            fail("Expecting the " + stream + " of " + subject + " to contain:\n  " + ExecResultReport.quote(expected)
                    + "\nbut it does not");
        }
        return this;
    }

    private ExecResultAssert hasOutputMatching(String stream, String output, String regex) {
        if (!Pattern.compile(regex).matcher(output).matches()) {
            fail("Expecting the " + stream + " of " + subject + " to match the regular expression:\n  " + regex
                    + "\nbut it does not");
        }
        return this;
    }

    private void fail(String message) {
        failWithMessage(escape(withReport(message)));
    }

    private String withReport(String message) {
        String report = ExecResultReport.render(actual);
        return message + "\n\n" + report.substring(0, report.length() - 1);
    }

    /** AssertJ formats the message with {@link String#format}: a {@code %} in the output must stay a {@code %}. */
    private static String escape(String message) {
        return message.replace("%", "%%");
    }
}
