package dev.osrun.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Echoes the guest's status log ({@code \\10.0.2.4\qemu\status.txt}, {@code /mnt/qemu/status.txt} in the tiny
 * guest) as the guest appends to it: each complete line goes to stderr as {@code osrun: status: <line>}. The
 * Windows recipe writes its progress there; any command may too.
 */
final class StatusLog implements AutoCloseable {

    static final String FILE_NAME = "status.txt";
    private static final long POLL_MILLIS = 200;

    private final Path file;
    private final PrintStream err;
    private final Thread follower;
    private final StringBuilder partial = new StringBuilder();
    private long position;
    private volatile boolean stopping;

    private StatusLog(Path file, PrintStream err) {
        this.file = file;
        this.err = err;
        this.follower = new Thread(this::follow, "osrun-status-log");
        this.follower.setDaemon(true);
    }

    /** Starts following {@code status.txt} in {@code shareDir}; a null share gives a follower that does nothing. */
    static StatusLog follow(Path shareDir, PrintStream err) {
        StatusLog log = new StatusLog(shareDir == null ? null : shareDir.resolve(FILE_NAME), err);
        if (shareDir != null) {
            log.follower.start();
        }
        return log;
    }

    private void follow() {
        while (!stopping) {
            poll();
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private synchronized void poll() {
        if (file == null || !Files.isRegularFile(file)) {
            return;
        }
        try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
            if (in.length() < position) {
                position = 0; // the guest started the log afresh
            }
            in.seek(position);
            byte[] bytes = new byte[(int) Math.min(in.length() - position, 1 << 20)];
            in.readFully(bytes);
            position += bytes.length;
            partial.append(new String(bytes, StandardCharsets.UTF_8).replace("\r", "").replace("\0", ""));
            int newline;
            while ((newline = partial.indexOf("\n")) >= 0) {
                err.println("osrun: status: " + partial.substring(0, newline));
                partial.delete(0, newline + 1);
            }
        } catch (IOException e) {
            // the guest may be rewriting it; the next poll tries again
        }
    }

    /** Stops following, after echoing what the guest wrote last. */
    @Override
    public void close() {
        stopping = true;
        follower.interrupt();
        try {
            follower.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        poll();
    }
}
