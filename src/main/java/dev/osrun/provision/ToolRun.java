package dev.osrun.provision;

import dev.osrun.OsrunException;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs one external tool (qemu-img, aria2c, wimlib-imagex …) with a bounded wait. Its output (stdout and stderr
 * together) is read on a thread of its own, so the timeout fires even while the tool keeps writing, and only the
 * last lines are kept.
 */
final class ToolRun {

    private static final int KEPT_LINES = 60;

    private ToolRun() {
    }

    /**
     * What a tool run ended with.
     *
     * @param command  the command line
     * @param exitCode the tool's exit code
     * @param output   its last lines of output
     */
    record Result(List<String> command, int exitCode, String output) {

        /**
         * This result when the tool succeeded.
         *
         * @throws OsrunException when it exited non-zero, with its output
         */
        Result requireSuccess() {
            if (exitCode != 0) {
                throw new OsrunException("'" + String.join(" ", command) + "' failed (exit " + exitCode + "): " + output.strip());
            }
            return this;
        }
    }

    /** Runs {@code command} and waits at most {@code timeout}; {@code installHint} tells how to get a missing tool. */
    static Result run(List<String> command, Duration timeout, String installHint) {
        return run(command, null, timeout, installHint, line -> { });
    }

    /**
     * Runs {@code command} in {@code workDir} (null: the current directory), hands every output line to
     * {@code lines} as it comes, and waits at most {@code timeout}.
     *
     * @throws OsrunException when the tool cannot be started (with {@code installHint}) or does not finish in time
     */
    static Result run(List<String> command, Path workDir, Duration timeout, String installHint, Consumer<String> lines) {
        return run(command, workDir, null, timeout, installHint, lines);
    }

    /** Like {@link #run(List, Path, Duration, String, Consumer)}, with {@code stdin} (null: none) as the tool's input. */
    static Result run(List<String> command, Path workDir, Path stdin, Duration timeout, String installHint, Consumer<String> lines) {
        Process process;
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
            if (workDir != null) {
                builder.directory(workDir.toFile());
            }
            if (stdin != null) {
                builder.redirectInput(stdin.toFile());
            }
            process = builder.start();
        } catch (IOException e) {
            throw new OsrunException("Cannot run '" + command.get(0) + "': " + e.getMessage() + ". " + installHint, e);
        }
        if (stdin == null) {
            try {
                process.getOutputStream().close();
            } catch (IOException e) {
                // stdin is not used; a tool that exited already has closed it.
            }
        }
        Deque<String> tail = new ArrayDeque<>();
        Thread reader = new Thread(() -> read(process, tail, lines), "tool-output-" + command.get(0));
        reader.setDaemon(true);
        reader.start();
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
                throw new OsrunException("'" + String.join(" ", command) + "' did not finish within " + timeout.toSeconds()
                        + " s and was stopped. Its last output:\n" + join(tail));
            }
            reader.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new OsrunException("Interrupted while running " + command.get(0), e);
        }
        return new Result(List.copyOf(command), process.exitValue(), join(tail));
    }

    private static void read(Process process, Deque<String> tail, Consumer<String> lines) {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                synchronized (tail) {
                    tail.addLast(line);
                    if (tail.size() > KEPT_LINES) {
                        tail.removeFirst();
                    }
                }
                lines.accept(line);
            }
        } catch (IOException e) {
            // The process ended or was killed: what was read is kept.
        }
    }

    private static String join(Deque<String> tail) {
        synchronized (tail) {
            return String.join("\n", tail);
        }
    }
}
