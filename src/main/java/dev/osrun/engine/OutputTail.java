package dev.osrun.engine;

import java.io.ByteArrayOutputStream;
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
 * Follows one output file of a running command as it grows: keeps every byte and hands the text, decoded
 * incrementally (a character split across two reads is held back until it is whole), to a consumer.
 */
final class OutputTail {

    private final Path file;
    private final Consumer<String> consumer;
    private final CharsetDecoder decoder;
    private final ByteArrayOutputStream all = new ByteArrayOutputStream();
    private final ByteBuffer buffer = ByteBuffer.allocate(1 << 16);
    private final CharBuffer chars = CharBuffer.allocate(1 << 16);
    private final Charset charset;
    private long position;

    OutputTail(Path file, Charset charset, Consumer<String> consumer) {
        this.file = file;
        this.charset = charset;
        this.consumer = consumer;
        this.decoder = charset.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE);
    }

    /** Reads whatever was appended since the last call and passes it on. */
    void poll() {
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
                position += n;
                all.write(buffer.array(), start, n);
                buffer.flip();
                decode(false);
                buffer.compact();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the command's output from " + file, e);
        }
    }

    /** Reads to the end and flushes any held-back bytes. */
    void finish() {
        poll();
        buffer.flip();
        decode(true);
        decoder.flush(chars);
        emit();
        buffer.clear();
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
            consumer.accept(chars.toString());
        }
        chars.clear();
    }

    /** Everything read so far, decoded as a whole. */
    String text() {
        return all.toString(charset);
    }
}
