package dev.osrun.it;

import java.time.Duration;

/** What one run of the osrun CLI in a container did: its exit code, its two streams and how long it took. */
record CliRun(int exitCode, String stdout, String stderr, Duration took) {

    @Override
    public String toString() {
        return "exit " + exitCode + " after " + took.toMillis() + " ms\n--- stdout\n" + stdout + "\n--- stderr\n" + stderr;
    }
}
