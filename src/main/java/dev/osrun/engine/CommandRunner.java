package dev.osrun.engine;

import dev.osrun.ExecCancelledException;
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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Runs guest commands through the agent's {@code guest-exec}, keeping stdout and stderr apart, without the share.
 *
 * <p>The command writes stdout and stderr to guest-local files ({@link GuestProfile#execFilePrefix}; tmpfs on
 * Linux), which this class reads with the agent's file calls while the command runs and after it exits: output
 * streams to the consumers as it is produced, without limit, while the result keeps only the last
 * {@link ExecOptions#outputLimit()} characters of each stream. A command that ends within {@link #STREAM_AFTER}
 * costs one guest-exec, its status polls and one open, read and close per stream. Stdin up to
 * {@link #INLINE_STDIN} travels in the guest-exec call itself; more is written to a file first (in the share when it
 * is mounted, which is faster, else a guest-local one through the agent). The files are deleted by a later
 * command's launcher (every {@link GuestProfile#removalBatch()} commands), so they never pile up. A command that
 * outlives its timeout, is cancelled, or whose consumer throws has its whole process tree killed in the guest.
 */
final class CommandRunner {

    private static final Logger log = LoggerFactory.getLogger(CommandRunner.class);
    /** Stdin up to this size goes in the guest-exec call ({@code input-data}), larger stdin through a file. */
    static final int INLINE_STDIN = 1024 * 1024;
    /** How long a command runs before its output files are read while it runs (a short one is read once, at exit). */
    static final Duration STREAM_AFTER = Duration.ofMillis(40);
    private static final long READ_INTERVAL_NANOS = Duration.ofMillis(40).toNanos();
    private static final int STDIN_CHUNK = 1024 * 1024;
    private static final String SHARE_STDIN_PREFIX = ".osrun-stdin-";
    private static final Duration KILL_WAIT = Duration.ofSeconds(10);
    private static final String LAUNCHER_WARNING = "osrun-exec: warning: ";

    private final Machine machine;
    private final List<String> removable = new ArrayList<>();
    private int removableCommands;

    CommandRunner(Machine machine) {
        this.machine = machine;
    }

    ExecResult run(Command command, ExecOptions options) {
        long started = System.nanoTime();
        // Output does not need the share, but the command may (\\10.0.2.4\qemu, /mnt/qemu): after a restore it is
        // mounted in the background, so the first command waits for that mount; later ones find it done.
        machine.shareMounted();
        GuestProfile profile = machine.profile();
        String id = UUID.randomUUID().toString().replace("-", "");
        String prefix = profile.execFilePrefix(id);
        List<String> ownFiles = new ArrayList<>(List.of(prefix + ".out", prefix + ".err"));
        Stdin stdin = stageStdin(options.stdin(), id, prefix, ownFiles);
        List<String> remove = takeRemovable();
        try {
            ExecFiles files = new ExecFiles(id, prefix + ".out", prefix + ".err", stdin.guestPath(), remove);
            long pid;
            try {
                AgentExec exec = profile.build(command, options.environment(), options.workingDirectory(), files);
                pid = machine.startProcess(exec, stdin.inline(), true);
            } catch (RuntimeException e) {
                giveBack(remove);
                throw e;
            }
            Charset charset = profile.charset();
            OutputTail out = new OutputTail(machine, files.stdout(), charset, options.stdoutConsumer(), options.outputLimit());
            OutputTail err = new OutputTail(machine, files.stderr(), charset, options.stderrConsumer(), options.outputLimit());
            GuestExecStatus status;
            try {
                status = await(pid, options, out, err);
            } catch (RuntimeException e) {
                // A consumer failed (its client went away, say) or the wait broke: the command must not run on.
                killQuietly(pid, id, e);
                out.closeQuietly(e);
                err.closeQuietly(e);
                throw e;
            }
            if (status == null) {
                kill(pid, id);
                finishQuietly(out);
                finishQuietly(err);
                if (options.cancelled()) {
                    throw new ExecCancelledException(command.describe());
                }
                throw new ExecTimeoutException(command.describe(), options.timeout(), out.text(), err.text());
            }
            GuestProfile.OutputHint hint = profile.outputHint(status.exitCode(), status.signal());
            if (hint == GuestProfile.OutputHint.NONE) {
                out.finishIfOpen();
            } else {
                out.finish();
            }
            if (hint == GuestProfile.OutputHint.UNKNOWN) {
                err.finish();
            } else {
                err.finishIfOpen();
            }
            int exitCode = hint == GuestProfile.OutputHint.UNKNOWN ? exitCode(status) : 0;
            // The launcher's own words (it could not create the files, say): only then is anything captured.
            err.append(launcherErrors(text(status.stderr(), charset)));
            if (status.stdout() != null && status.stdout().length > 0) {
                log.debug("The launcher wrote to its own stdout: {}", text(status.stdout(), charset));
            }
            return new ExecResult(exitCode, out.text(), err.text(), Duration.ofNanos(System.nanoTime() - started),
                    out.truncated() || err.truncated());
        } finally {
            stdin.deleteHostFile();
            addRemovable(ownFiles);
        }
    }

    /**
     * Polls until the process exits (its status) or the timeout expires or the command is cancelled (null),
     * following the output meanwhile once the command has run for {@link #STREAM_AFTER}.
     */
    private GuestExecStatus await(long pid, ExecOptions options, OutputTail out, OutputTail err) {
        long start = System.nanoTime();
        long deadline = start + options.timeout().toNanos();
        long streamFrom = start + STREAM_AFTER.toNanos();
        long lastRead = start;
        Backoff backoff = Backoff.forExecPolling();
        while (true) {
            GuestExecStatus status = machine.processStatus(pid);
            if (status.exited()) {
                return status;
            }
            long now = System.nanoTime();
            if (now >= streamFrom && now - lastRead >= READ_INTERVAL_NANOS) {
                out.poll();
                err.poll();
                lastRead = System.nanoTime();
            }
            if (System.nanoTime() >= deadline || options.cancelled()) {
                return null;
            }
            backoff.pause(deadline);
        }
    }

    private void killQuietly(long pid, String id, RuntimeException cause) {
        try {
            kill(pid, id);
        } catch (RuntimeException e) {
            cause.addSuppressed(e);
        }
    }

    /** Reads what is left after a kill; a consumer that fails now (its client is gone) changes nothing. */
    private static void finishQuietly(OutputTail output) {
        try {
            output.finish();
        } catch (RuntimeException e) {
            log.debug("Could not hand the last output of a killed command on: {}", e.toString());
        }
    }

    private GuestExecStatus kill(long pid, String id) {
        log.debug("Killing guest process tree {} (command {})", pid, id);
        machine.runToCompletion(machine.profile().killTree(pid, id), KILL_WAIT);
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

    /** What the launcher said on its own stderr, less its warnings (logged: they are not the command's output). */
    private static String launcherErrors(String said) {
        StringBuilder errors = new StringBuilder();
        for (String line : said.split("(?<=\n)")) {
            if (line.startsWith(LAUNCHER_WARNING)) {
                log.warn("{}", line.strip());
            } else {
                errors.append(line);
            }
        }
        return errors.toString();
    }

    private static String text(byte[] bytes, Charset charset) {
        return bytes == null ? "" : new String(bytes, charset);
    }

    // ---- stdin ---------------------------------------------------------------------------------------------------

    /** How stdin reaches the command: in the guest-exec call, from a guest file, or not at all. */
    private record Stdin(byte[] inline, Optional<String> guestPath, Path hostFile) {
        void deleteHostFile() {
            if (hostFile != null) {
                try {
                    Files.deleteIfExists(hostFile);
                } catch (IOException e) {
                    log.warn("Could not delete {}: {}", hostFile, e.toString());
                }
            }
        }
    }

    private Stdin stageStdin(byte[] bytes, String id, String prefix, List<String> ownFiles) {
        if (bytes.length == 0) {
            return new Stdin(null, Optional.empty(), null);
        }
        if (bytes.length <= INLINE_STDIN) {
            return new Stdin(bytes, Optional.empty(), null);
        }
        if (machine.shareReady()) { // not waiting for a mount under way: the agent's file calls do without it
            String name = SHARE_STDIN_PREFIX + id;
            Path file = machine.spec().shareDir().resolve(name);
            try {
                Files.write(file, bytes);
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot write the command's stdin to " + file + " in the share", e);
            }
            return new Stdin(null, Optional.of(machine.profile().sharePath(name)), file);
        }
        String path = prefix + ".in";
        ownFiles.add(path);
        writeGuestFile(path, bytes);
        return new Stdin(null, Optional.of(path), null);
    }

    /** Writes stdin to a guest-local file through the agent, in chunks that each stay well within a call's timeout. */
    private void writeGuestFile(String path, byte[] bytes) {
        String directory = path.substring(0, Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')));
        Long handle = openForWriting(path);
        if (handle == null) {
            // The directory is made by the first command's launcher; this may be the first command.
            machine.runToCompletion(machine.profile().makeDirectory(directory), KILL_WAIT);
            handle = openForWriting(path);
            if (handle == null) {
                throw new OsrunException("Cannot create " + path + " in the guest for the command's stdin");
            }
        }
        long h = handle;
        try {
            for (int offset = 0; offset < bytes.length; offset += STDIN_CHUNK) {
                byte[] chunk = Arrays.copyOfRange(bytes, offset, Math.min(bytes.length, offset + STDIN_CHUNK));
                int written = machine.call("writing stdin to " + path, () -> machine.agent().fileWrite(h, chunk));
                if (written != chunk.length) {
                    throw new OsrunException("The guest wrote " + written + " of " + chunk.length + " bytes of stdin to " + path);
                }
            }
        } finally {
            machine.call("closing " + path, () -> {
                machine.agent().fileClose(h);
                return null;
            });
        }
    }

    /** Deletes a transfer directory in the share; a failure only warns (the share dies with the VM). */
    static void deleteTree(Path root) {
        try {
            DirectoryTree.delete(root);
        } catch (IOException e) {
            log.warn("Could not delete {}: {}", root, e.toString());
        }
    }

    /** The handle, or null when the guest refuses (answered inside the call, so that no crash check waits). */
    private Long openForWriting(String path) {
        return machine.call("creating " + path, () -> {
            try {
                return machine.agent().fileOpen(path, "wb");
            } catch (dev.osrun.qga.GuestAgentCommandException e) {
                log.debug("Cannot create {} yet: {}", path, e.getMessage());
                return null;
            }
        });
    }

    // ---- deleting the files of earlier commands ---------------------------------------------------------------

    private synchronized List<String> takeRemovable() {
        if (removableCommands < machine.profile().removalBatch() || removable.isEmpty()) {
            return List.of();
        }
        List<String> taken = List.copyOf(removable);
        removable.clear();
        removableCommands = 0;
        return taken;
    }

    private synchronized void giveBack(List<String> files) {
        removable.addAll(files);
    }

    private synchronized void addRemovable(List<String> files) {
        removable.addAll(files);
        removableCommands++;
    }
}
