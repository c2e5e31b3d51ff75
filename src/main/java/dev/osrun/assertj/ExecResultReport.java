package dev.osrun.assertj;

import dev.osrun.ExecResult;

import java.util.Arrays;
import java.util.List;

/**
 * Renders an {@link ExecResult} for a failure message: the exit code, the duration and the last lines of stdout and
 * stderr, each line indented so that the output stands apart from the message around it.
 */
final class ExecResultReport {

    /** How many lines of each stream a failure message shows at most. */
    static final int TAIL_LINES = 40;

    private static final String INDENT = "  ";

    private ExecResultReport() {
    }

    /** The exit code, duration and both output tails, as lines ending with a line break. */
    static String render(ExecResult result) {
        StringBuilder text = new StringBuilder()
                .append("exit code ").append(result.exitCode())
                .append(" after ").append(result.duration().toMillis()).append(" ms");
        if (result.truncated()) {
            text.append("; the result kept only the output's tail (see ExecOptions.withOutputLimit)");
        }
        text.append('\n');
        appendStream(text, "stdout", result.stdout());
        appendStream(text, "stderr", result.stderr());
        return text.toString();
    }

    /** The last {@link #TAIL_LINES} lines of {@code output} under a heading that names the stream and counts them. */
    static void appendStream(StringBuilder text, String name, String output) {
        if (output.isEmpty()) {
            text.append(name).append(": (empty)\n");
            return;
        }
        List<String> lines = lines(output);
        int shown = Math.min(lines.size(), TAIL_LINES);
        text.append(name).append(" (");
        if (shown < lines.size()) {
            text.append("last ").append(shown).append(" of ");
        }
        text.append(lines.size()).append(lines.size() == 1 ? " line" : " lines");
        if (!output.endsWith("\n")) {
            text.append(", no line break at the end");
        }
        text.append("):\n");
        for (String line : lines.subList(lines.size() - shown, lines.size())) {
            text.append(INDENT).append(line).append('\n');
        }
    }

    /** {@code text} as a Java string literal: quoted, with line breaks, tabs, quotes and backslashes escaped. */
    static String quote(String text) {
        StringBuilder quoted = new StringBuilder(text.length() + 2).append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '\n' -> quoted.append("\\n");
                case '\r' -> quoted.append("\\r");
                case '\t' -> quoted.append("\\t");
                case '"' -> quoted.append("\\\"");
                case '\\' -> quoted.append("\\\\");
                default -> quoted.append(c);
            }
        }
        return quoted.append('"').toString();
    }

    private static List<String> lines(String output) {
        String body = output.endsWith("\r\n") ? output.substring(0, output.length() - 2)
                : output.endsWith("\n") ? output.substring(0, output.length() - 1) : output;
        return Arrays.asList(body.split("\r?\n", -1));
    }
}
