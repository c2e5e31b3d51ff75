package dev.osrun.engine;

import dev.osrun.qga.FileChunk;
import dev.osrun.qga.GuestAgentCommandException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.util.function.Consumer;

/**
 * Follows one guest-local output file of a running command through the agent's {@code guest-file-open},
 * {@code guest-file-read} and {@code guest-file-close}: hands the text, decoded incrementally (a character split
 * across two reads is held back until it is whole), to a consumer, and keeps only the last {@code limit}
 * characters for the result, so that a command's output costs bounded memory on the host however much it writes.
 */
final class OutputTail {

    private static final Logger log = LoggerFactory.getLogger(OutputTail.class);
    /** The first read asks for little: the agent allocates (and zeroes) the whole count for every read. */
    private static final int FIRST_READ = 64 * 1024;
    private static final int LARGEST_READ = 4 * 1024 * 1024;
    /** While the command runs, one poll reads at most this many chunks, so that the status is polled too. */
    private static final int READS_PER_POLL = 4;

    private final Machine machine;
    private final String path;
    private final Consumer<String> consumer;
    private final CharsetDecoder decoder;
    private final TextTail kept;
    private final CharBuffer chars = CharBuffer.allocate(1 << 16);
    private ByteBuffer pending = ByteBuffer.allocate(0);
    private Long handle;
    private int count = FIRST_READ;
    private boolean finished;

    OutputTail(Machine machine, String path, Charset charset, Consumer<String> consumer, int limit) {
        this.machine = machine;
        this.path = path;
        this.consumer = consumer;
        this.kept = new TextTail(limit);
        this.decoder = charset.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE);
    }

    /** Reads some of what the command appended since the last call and passes it on; nothing when the file is not there yet. */
    void poll() {
        if (open(false)) {
            for (int i = 0; i < READS_PER_POLL && !readOnce().eof(); i++) {
                // the file holds more than one chunk: read on, within bounds
            }
        }
    }

    /**
     * Reads to the end (the command is over), flushes held-back bytes and closes the file. A file that was never
     * created (the launcher failed before) counts as empty.
     */
    void finish() {
        if (finished) {
            return;
        }
        finished = true;
        if (open(true)) {
            try {
                while (!readOnce().eof()) {
                    // read on to the end
                }
            } finally {
                close();
            }
        }
        decode(true);
        decoder.flush(chars);
        emit();
    }

    /**
     * Like {@link #finish()} when the file was opened while the command ran; else nothing (the launcher said the
     * file is empty, so it is not opened at all).
     */
    void finishIfOpen() {
        if (handle != null) {
            finish();
        } else {
            finished = true;
        }
    }

    /** Closes the file if it is open, without reading on (the command failed on the host side). */
    void closeQuietly(RuntimeException cause) {
        try {
            close();
        } catch (RuntimeException e) {
            cause.addSuppressed(e);
        }
    }

    private boolean open(boolean last) {
        if (handle != null) {
            return true;
        }
        // A refusal is answered inside the call: Machine.call would first wait for QEMU to exit, as after a crash.
        handle = machine.call("opening " + path, () -> {
            try {
                return machine.agent().fileOpen(path, "r");
            } catch (GuestAgentCommandException e) {
                // Not created yet (the launcher has not run so far), or never (it failed before: it says so on stderr).
                if (last) {
                    log.debug("No output file {}: {}", path, e.getMessage());
                }
                return null;
            }
        });
        return handle != null;
    }

    private FileChunk readOnce() {
        long h = handle;
        int asked = count;
        FileChunk chunk = machine.call("reading " + path, () -> machine.agent().fileRead(h, asked));
        byte[] data = chunk.data();
        if (data.length == asked && count < LARGEST_READ) {
            count = Math.min(LARGEST_READ, count * 2);
        }
        if (data.length > 0) {
            ByteBuffer joined = ByteBuffer.allocate(pending.remaining() + data.length);
            joined.put(pending).put(data).flip();
            pending = joined;
            decode(false);
            pending.compact().flip();
        }
        // A short read is the end of what is there now, whatever the agent says about eof.
        return data.length < asked ? new FileChunk(data, true) : chunk;
    }

    private void close() {
        if (handle != null) {
            long h = handle;
            handle = null;
            machine.call("closing " + path, () -> {
                machine.agent().fileClose(h);
                return null;
            });
        }
    }

    private void decode(boolean endOfInput) {
        while (true) {
            var result = decoder.decode(pending, chars, endOfInput);
            emit();
            if (!result.isOverflow()) {
                return;
            }
        }
    }

    private void emit() {
        chars.flip();
        if (chars.hasRemaining()) {
            String piece = chars.toString();
            kept.append(piece);
            consumer.accept(piece);
        }
        chars.clear();
    }

    /** Adds text that did not come from the file (the launcher's own error message), as if the command wrote it. */
    void append(String text) {
        if (!text.isEmpty()) {
            kept.append(text);
            consumer.accept(text);
        }
    }

    /** The last characters read so far, at most the limit. */
    String text() {
        return kept.text();
    }

    /** Whether {@link #text()} lost its head to the limit. */
    boolean truncated() {
        return kept.truncated();
    }
}
