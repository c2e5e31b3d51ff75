package dev.osrun.assertj;

import dev.osrun.ExecResult;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

import java.time.Duration;
import java.util.regex.PatternSyntaxException;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static dev.osrun.assertj.OsrunAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** Every assertion on an {@link ExecResult}, passing and failing, with its whole message: no VM needed. */
class ExecResultAssertTest {

    private static final ExecResult HELLO = result(0, "hello\n", "");
    private static final ExecResult OOPS = result(3, "hello\n", "oops\n");

    private static ExecResult result(int exitCode, String stdout, String stderr) {
        return new ExecResult(exitCode, stdout, stderr, Duration.ofMillis(12));
    }

    @Test
    void passingAssertionsChain() {
        assertThat(HELLO).succeeded().hasExitCode(0).hasStdout("hello\n").hasStdoutContaining("ell")
                .hasStdoutMatching("h.llo\\n").hasStderr("").hasStderrMatching("").wasNotTruncated();
        assertThat(OOPS).failed().hasExitCode(3).hasStderrContaining("oops").hasStderrMatching("o+ps\\s*");
    }

    @Test
    void aFailedCommandShowsItsExitCodeAndBothStreams() {
        assertThatThrownBy(() -> assertThat(OOPS).succeeded()).isInstanceOf(AssertionError.class).hasMessage("""
                Expecting the command to succeed (exit code 0)
                but it exited with code 3

                exit code 3 after 12 ms
                stdout (1 line):
                  hello
                stderr (1 line):
                  oops""");
    }

    @Test
    void theDescriptionNamesTheCommand() {
        assertThatThrownBy(() -> assertThat(OOPS).as("make test").succeeded())
                .hasMessageStartingWith("[make test] Expecting the command to succeed (exit code 0)\n");
    }

    @Test
    void aSucceededCommandFailsFailed() {
        assertThatThrownBy(() -> assertThat(HELLO).failed()).hasMessage("""
                Expecting the command to fail (a non-zero exit code)
                but it exited with code 0

                exit code 0 after 12 ms
                stdout (1 line):
                  hello
                stderr: (empty)""");
    }

    @Test
    void anotherExitCodeIsNamed() {
        assertThatThrownBy(() -> assertThat(OOPS).hasExitCode(2))
                .hasMessageStartingWith("Expecting the command to exit with code 2\nbut it exited with code 3\n\n");
    }

    @Test
    void aDifferentStdoutIsShownQuotedAndForADiff() {
        AssertionFailedError error = catchThrowableOfType(AssertionFailedError.class,
                () -> assertThat(HELLO).hasStdout("hello"));

        assertThat(error).hasMessage("""
                Expecting the stdout of the command to be:
                  "hello"
                but was:
                  "hello\\n"

                exit code 0 after 12 ms
                stdout (1 line):
                  hello
                stderr: (empty)""");
        assertThat(error.getActual().getValue()).isEqualTo("hello\n");
        assertThat(error.getExpected().getValue()).isEqualTo("hello");
    }

    @Test
    void aDifferentStderrIsShownQuoted() {
        assertThatThrownBy(() -> assertThat(OOPS).hasStderr("oops"))
                .hasMessageStartingWith("Expecting the stderr of the command to be:\n  \"oops\"\nbut was:\n  \"oops\\n\"\n\n");
    }

    @Test
    void missingTextIsNamed() {
        assertThatThrownBy(() -> assertThat(OOPS).hasStdoutContaining("bye")).hasMessage("""
                Expecting the stdout of the command to contain:
                  "bye"
                but it does not

                exit code 3 after 12 ms
                stdout (1 line):
                  hello
                stderr (1 line):
                  oops""");
        assertThatThrownBy(() -> assertThat(OOPS).hasStderrContaining("bye"))
                .hasMessageStartingWith("Expecting the stderr of the command to contain:\n  \"bye\"\nbut it does not\n\n");
    }

    @Test
    void matchingTakesTheWholeOutput() {
        assertThat(HELLO).hasStdoutMatching("(?s).*ll.*");

        assertThatThrownBy(() -> assertThat(HELLO).hasStdoutMatching("ll")).hasMessageStartingWith("""
                Expecting the stdout of the command to match the regular expression:
                  ll
                but it does not

                """);
        assertThatThrownBy(() -> assertThat(OOPS).hasStderrMatching("x"))
                .hasMessageStartingWith("Expecting the stderr of the command to match the regular expression:\n  x\n");
        assertThatThrownBy(() -> assertThat(HELLO).hasStdoutMatching("(")).isInstanceOf(PatternSyntaxException.class);
    }

    @Test
    void aTruncatedResultIsNamed() {
        ExecResult cut = new ExecResult(0, "tail\n", "", Duration.ofMillis(12), true);

        assertThatThrownBy(() -> assertThat(cut).wasNotTruncated()).hasMessage("""
                Expecting the command to have kept its whole output
                but the result holds only the tail of stdout or stderr (at most ExecOptions.outputLimit() characters of each; raise it with ExecOptions.withOutputLimit)

                exit code 0 after 12 ms; the result kept only the output's tail (see ExecOptions.withOutputLimit)
                stdout (1 line):
                  tail
                stderr: (empty)""");
    }

    @Test
    void longOutputShowsItsLastFortyLines() {
        String stdout = IntStream.rangeClosed(1, 100).mapToObj(i -> "line " + i + "\n").collect(Collectors.joining());
        ExecResult result = result(1, stdout, "no newline");

        String message = catchThrowableOfType(AssertionError.class, () -> assertThat(result).succeeded()).getMessage();

        assertThat(message)
                .contains("stdout (last 40 of 100 lines):\n  line 61\n")
                .endsWith("  line 100\nstderr (1 line, no line break at the end):\n  no newline")
                .doesNotContain("line 60\n");
    }

    @Test
    void aLongStdoutIsNotQuotedWhole() {
        String stdout = "x".repeat(3000);

        assertThatThrownBy(() -> assertThat(result(0, stdout, "")).hasStdout("y"))
                .hasMessageContaining("but was:\n  (3000 characters; the last lines are below)\n");
    }

    @Test
    void percentSignsInTheOutputStayAsTheyAre() {
        ExecResult percent = result(1, "100% done %s %n\n", "");

        assertThatThrownBy(() -> assertThat(percent).succeeded()).hasMessageEndingWith("  100% done %s %n\nstderr: (empty)");
    }

    @Test
    void windowsLineBreaksShowAsLines() {
        ExecResult windows = result(1, "one\r\ntwo\r\n", "");

        assertThatThrownBy(() -> assertThat(windows).succeeded()).hasMessageContaining("stdout (2 lines):\n  one\n  two\n");
    }

    @Test
    void nullIsReportedFirst() {
        assertThatThrownBy(() -> assertThat((ExecResult) null).succeeded())
                .hasMessageContaining("Expecting actual not to be null");
        assertThatThrownBy(() -> assertThat((ExecResult) null).hasStdout("x"))
                .hasMessageContaining("Expecting actual not to be null");
    }

    @Test
    void aUsersOwnMessageWins() {
        assertThatThrownBy(() -> assertThat(OOPS).withFailMessage("the build broke").succeeded())
                .hasMessage("the build broke");
    }

    @Test
    void assertJsOwnAssertThatStaysUsableBesideIt() {
        assertThat("text").startsWith("t");
        assertThat(OOPS.exitCode()).isEqualTo(3);
    }
}
