package dev.osrun.engine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.Consumer;

/**
 * Follows one output file of a running command as it grows: hands the text, decoded incrementally (a character
 * split across two reads is held back until it is whole), to a consumer, and keeps only the last
 * {@code limit} characters for the result, so that a command's output costs bounded memory however much it writes.
 */
final class OutputTail {

    private final Path file;
    private final Consumer<String> consumer;
    private final CharsetDecoder decoder;
    private final TextTail kept;
    private final ByteBuffer buffer = ByteBuffer.allocate(1 << 16);
    private final CharBuffer chars = CharBuffer.allocate(1 << 16);
    private long position;

    OutputTail(Path file, Charset charset, Consumer<String> consumer, int limit) {
        this.file = file;
        this.consumer = consumer;
        this.kept = new TextTail(limit);
        this.decoder = charset.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE);
    }

    /**
     * Reads whatever was appended since the last call and passes it on, up to the first NUL byte. The guest's
     * SMB client writes cached pages back in no particular order, so while the command runs the file can have
     * holes that read as zeros and are filled later; a NUL is therefore taken only by {@link #finish()}, when
     * the guest has closed the file.
     */
    void poll() {
        read(false);
    }

    /** Reads to the end, NULs included (the command is over and its files closed), and flushes held-back bytes. */
    void finish() {
        read(true);
        buffer.flip();
        decode(true);
        decoder.flush(chars);
        emit();
        buffer.clear();
    }

    private void read(boolean toTheEnd) {
        if (!Files.exists(file)) {
            return;
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            channel.position(position);
            while (true) {
                int start = buffer.position();
                int n = channel.read(buffer);
                if (n <= 0) {
                    break;
                }
                int taken = toTheEnd ? n : untilNul(start, n);
                buffer.position(start + taken);
                position += taken;
                buffer.flip();
                decode(false);
                buffer.compact();
                if (taken < n) {
                    break;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the command's output from " + file, e);
        }
    }

    private int untilNul(int start, int length) {
        byte[] bytes = buffer.array();
        for (int i = 0; i < length; i++) {
            if (bytes[start + i] == 0) {
                return i;
            }
        }
        return length;
    }

    private void decode(boolean endOfInput) {
        while (true) {
            var result = decoder.decode(buffer, chars, endOfInput);
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

    /** The last characters read so far, at most the limit. */
    String text() {
        return kept.text();
    }

    /** Whether {@link #text()} lost its head to the limit. */
    boolean truncated() {
        return kept.truncated();
    }
}
