package dev.osrun.provision;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The status lines win11-init's scripts write to COM1 (the serial log) and the share's {@code status.txt}:
 * {@code OSRUN <time> <phase> <INFO|WARN|DONE|FAIL> <message>}. A phase ends with one {@code DONE} line, or fails
 * with a {@code FAIL} line (after which the scripts power the VM off).
 */
final class StatusLines {

    private static final Pattern LINE = Pattern.compile("^OSRUN (\\S+) (\\S+) (INFO|WARN|DONE|FAIL) (.*)$");

    /** What a phase's lines say about it. */
    enum Outcome {
        /** The phase wrote its DONE line and no FAIL line. */
        DONE,
        /** The phase wrote a FAIL line. */
        FAILED,
        /** Neither (yet). */
        UNFINISHED
    }

    private StatusLines() {
    }

    /** What {@code log} (the whole serial log) says about {@code phase}. */
    static Outcome outcome(String log, String phase) {
        boolean done = false;
        for (String raw : log.split("\r?\n")) {
            Matcher line = LINE.matcher(raw.strip());
            if (line.matches() && line.group(2).equals(phase)) {
                if (line.group(3).equals("FAIL")) {
                    return Outcome.FAILED;
                }
                done |= line.group(3).equals("DONE");
            }
        }
        return done ? Outcome.DONE : Outcome.UNFINISHED;
    }

    /** The first FAIL line of {@code phase} in {@code log}. */
    static Optional<String> failLine(String log, String phase) {
        for (String raw : log.split("\r?\n")) {
            Matcher line = LINE.matcher(raw.strip());
            if (line.matches() && line.group(2).equals(phase) && line.group(3).equals("FAIL")) {
                return Optional.of(raw.strip());
            }
        }
        return Optional.empty();
    }
}
