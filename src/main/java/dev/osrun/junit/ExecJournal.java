package dev.osrun.junit;

import dev.osrun.ExecResult;
import dev.osrun.ExecTimeoutException;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The commands one test ran in its VM, for the failure evidence: each command with its exit code and the tails of
 * its output, or the exception it ended with. Keeps the last {@value #MAX_ENTRIES} commands.
 */
final class ExecJournal {

    static final int MAX_ENTRIES = 50;
    static final int TAIL_CHARS = 4000;

    private final Deque<String> entries = new ArrayDeque<>();
    private int dropped;

    /** Notes a command that finished. */
    synchronized void finished(String command, ExecResult result) {
        add("$ " + command + "\nexit code " + result.exitCode() + " after " + result.duration().toMillis() + " ms"
                + (result.truncated() ? " (output truncated)" : "")
                + "\n--- stdout (tail)\n" + tail(result.stdout()) + "\n--- stderr (tail)\n" + tail(result.stderr()));
    }

    /** Notes a command that ended with an exception (a timeout keeps its partial output). */
    synchronized void failed(String command, RuntimeException e) {
        String output = e instanceof ExecTimeoutException timeout
                ? "\n--- stdout so far (tail)\n" + tail(timeout.partialStdout()) + "\n--- stderr so far (tail)\n"
                        + tail(timeout.partialStderr())
                : "";
        add("$ " + command + "\nfailed: " + e + output);
    }

    /** The journal as text, oldest command first. */
    synchronized String text() {
        if (entries.isEmpty()) {
            return "(the test ran no command in the VM)\n";
        }
        StringBuilder text = new StringBuilder();
        if (dropped > 0) {
            text.append("(").append(dropped).append(" earlier command(s) not kept)\n\n");
        }
        for (String entry : entries) {
            text.append(entry).append("\n\n");
        }
        return text.toString();
    }

    private void add(String entry) {
        if (entries.size() == MAX_ENTRIES) {
            entries.removeFirst();
            dropped++;
        }
        entries.addLast(entry);
    }

    private static String tail(String s) {
        return s.length() <= TAIL_CHARS ? s : "…(" + (s.length() - TAIL_CHARS) + " chars before)…" + s.substring(s.length() - TAIL_CHARS);
    }
}
