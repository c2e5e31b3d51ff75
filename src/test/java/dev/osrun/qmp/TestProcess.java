package dev.osrun.qmp;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real program (QEMU, qemu-ga) started by a test, with its output in a log file, that the test can suspend,
 * resume and kill to make the peer hang or die.
 */
public final class TestProcess implements AutoCloseable {

    private final Process process;
    private final Path log;

    private TestProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /**
     * Starts the command with stdout and stderr going to {@code log}.
     *
     * @param command the program and its arguments
     * @param log     where its output goes
     * @return the running process
     * @throws IOException when it cannot be started
     */
    public static TestProcess start(List<String> command, Path log) throws IOException {
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        return new TestProcess(process, log);
    }

    /** Returns the process id. */
    public long pid() {
        return process.pid();
    }

    /** Returns whether the process is still running. */
    public boolean isAlive() {
        return process.isAlive();
    }

    /** Stops the process with SIGSTOP: it keeps its sockets open but answers nothing. */
    public void suspend() throws IOException, InterruptedException {
        signal("STOP");
    }

    /** Resumes a suspended process with SIGCONT. */
    public void resume() throws IOException, InterruptedException {
        signal("CONT");
    }

    /** Kills the process with SIGKILL and waits for it to end. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /**
     * Waits for the process to exit by itself.
     *
     * @return whether it exited within the timeout
     */
    public boolean awaitExit(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Returns what the process has printed so far, for failure messages. */
    public String output() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(could not read " + log + ": " + e + ")";
        }
    }

    private void signal(String name) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
        if (kill.waitFor() != 0) {
            throw new IOException("kill -" + name + " " + process.pid() + " failed");
        }
    }

    /** Kills the process (SIGKILL ends a suspended process too) and waits for it to end. */
    @Override
    public void close() throws Exception {
        kill();
    }
}
