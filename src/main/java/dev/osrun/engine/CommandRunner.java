package dev.osrun.engine;

import dev.osrun.ExecOptions;
import dev.osrun.ExecResult;
import dev.osrun.ExecTimeoutException;
import dev.osrun.OsrunException;
import dev.osrun.qga.GuestExecStatus;
import dev.osrun.transport.Backoff;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * Runs guest commands through the agent's {@code guest-exec}, keeping stdout and stderr apart.
 *
 * <p>When the share is mounted, the command reads stdin from and writes stdout and stderr to files of a job
 * directory in the share, which this class follows while the command runs: output streams as it is produced and
 * has no size limit. Without a share the agent captures the output itself, which it returns only at exit and caps
 * at 16 MB per stream. A command that outlives its timeout has its whole process tree killed in the guest.
 */
final class CommandRunner {

    private static final Logger log = LoggerFactory.getLogger(CommandRunner.class);
    /** Job directories sit at the share's top level: every path component costs the guest an SMB lookup. */
    private static final String JOB_PREFIX = ".osrun-job-";
    private static final Duration KILL_WAIT = Duration.ofSeconds(10);

    private final Machine machine;

    CommandRunner(Machine machine) {
        this.machine = machine;
    }

    ExecResult run(Command command, ExecOptions options) {
        long started = System.nanoTime();
        Path jobDir = machine.shareMounted() ? createJobDir(options.stdin()) : null;
        try {
            GuestProfile profile = machine.profile();
            Optional<String> guestJobDir = Optional.ofNullable(jobDir)
                    .map(dir -> profile.sharePath(dir.getFileName().toString()));
            AgentExec exec = profile.build(command, options.environment(), options.workingDirectory(), guestJobDir);
            long pid = machine.startProcess(exec, jobDir == null ? nonEmpty(options.stdin()) : null, jobDir == null);
            Output out = new Output(jobDir, "out", profile.charset(), options.stdoutConsumer());
            Output err = new Output(jobDir, "err", profile.charset(), options.stderrConsumer());
            GuestExecStatus status = await(pid, options.timeout(), out, err);
            if (status == null) {
                GuestExecStatus killed = kill(pid);
                out.finish(killed);
                err.finish(killed);
                throw new ExecTimeoutException(command.describe(), options.timeout(), out.text(), err.text());
            }
            out.finish(status);
            err.finish(status);
            return new ExecResult(exitCode(status), out.text(), err.text(), Duration.ofNanos(System.nanoTime() - started));
        } finally {
            if (jobDir != null) {
                deleteTree(jobDir);
            }
        }
    }

    /** Polls until the process exits (its status) or the timeout expires (null), following the output meanwhile. */
    private GuestExecStatus await(long pid, Duration timeout, Output out, Output err) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Backoff backoff = Backoff.forExecPolling();
        while (true) {
            GuestExecStatus status = machine.processStatus(pid);
            if (status.exited()) {
                return status;
            }
            out.poll();
            err.poll();
            if (System.nanoTime() >= deadline) {
                return null;
            }
            backoff.pause(deadline);
        }
    }

    private GuestExecStatus kill(long pid) {
        log.debug("Timeout: killing guest process tree {}", pid);
        machine.runToCompletion(machine.profile().killTree(pid), KILL_WAIT);
        long deadline = System.nanoTime() + KILL_WAIT.toNanos();
        Backoff backoff = Backoff.forExecPolling();
        while (System.nanoTime() < deadline) {
            GuestExecStatus status = machine.processStatus(pid);
            if (status.exited()) {
                return status;
            }
            backoff.pause(deadline);
        }
        throw new OsrunException("Guest process " + pid + " outlived its timeout and was still running "
                + KILL_WAIT.toSeconds() + " s after it was killed");
    }

    private static int exitCode(GuestExecStatus status) {
        if (status.exitCode() != null) {
            return status.exitCode();
        }
        return status.signal() != null ? 128 + status.signal() : -1;
    }

    private static byte[] nonEmpty(byte[] bytes) {
        return bytes.length == 0 ? null : bytes;
    }

    private Path createJobDir(byte[] stdin) {
        Path dir = machine.spec().shareDir().resolve(JOB_PREFIX + UUID.randomUUID());
        try {
            Files.createDirectories(dir);
            Files.write(dir.resolve("in"), stdin);
            Files.createFile(dir.resolve("out"));
            Files.createFile(dir.resolve("err"));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create the job directory " + dir + " in the share", e);
        }
    }

    /** Deletes a job or transfer directory in the share; a failure only warns (the share dies with the VM). */
    static void deleteTree(Path root) {
        try {
            DirectoryTree.delete(root);
        } catch (IOException e) {
            log.warn("Could not delete {}: {}", root, e.toString());
        }
    }

    /** One output stream: followed in the share while the command runs, or taken from the agent at exit. */
    private static final class Output {
        private final OutputTail tail;
        private final String stream;
        private final Charset charset;
        private final Consumer<String> consumer;
        private String captured = "";

        Output(Path jobDir, String stream, Charset charset, Consumer<String> consumer) {
            this.tail = jobDir == null ? null : new OutputTail(jobDir.resolve(stream), charset, consumer);
            this.stream = stream;
            this.charset = charset;
            this.consumer = consumer;
        }

        void poll() {
            if (tail != null) {
                tail.poll();
            }
        }

        void finish(GuestExecStatus status) {
            if (tail != null) {
                tail.finish();
                return;
            }
            byte[] bytes = stream.equals("out") ? status.stdout() : status.stderr();
            captured = bytes == null ? "" : new String(bytes, charset);
            if (!captured.isEmpty()) {
                consumer.accept(captured);
            }
            if (stream.equals("out") ? status.stdoutTruncated() : status.stderrTruncated()) {
                log.warn("The guest agent truncated the command's std{} at 16 MB (no share is mounted)", stream);
            }
        }

        String text() {
            return tail != null ? tail.text() : captured;
        }
    }
}
