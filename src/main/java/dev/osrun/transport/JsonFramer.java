package dev.osrun.transport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.function.Consumer;

/**
 * Splits a byte stream into JSON objects, one at a time, and reports the QEMU guest agent's {@code 0xFF} sentinel.
 *
 * <p>QMP and the guest agent both send one JSON object after another, usually separated by a newline. The framer
 * tracks brace depth (ignoring braces inside strings) so it needs no newlines. A {@code 0xFF} byte, which never
 * occurs in UTF-8 text, discards whatever partial object precedes it and is reported as a {@link Delimiter}: the
 * agent sends it before the reply to {@code guest-sync-delimited} so that a client can flush stale bytes. Bytes
 * outside an object that do not start one are reported as a {@link Text} frame of their own (up to the next
 * newline), which will not parse: the client decides whether that is an error.
 *
 * <p>Not thread-safe: one reader thread feeds it.
 */
final class JsonFramer {

    /** What the framer found in the stream. */
    sealed interface Frame permits Text, Delimiter {
    }

    /**
     * One complete JSON object, or one run of stray bytes, as received.
     *
     * @param bytes the UTF-8 bytes
     */
    record Text(byte[] bytes) implements Frame {
        String asString() {
            return new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    /**
     * A {@code 0xFF} sentinel.
     *
     * @param discardedBytes how many bytes of an unfinished object it discarded
     */
    record Delimiter(int discardedBytes) implements Frame {
    }

    /** Thrown when one object grows beyond the configured maximum; the stream cannot be trusted after that. */
    static final class FrameTooLargeException extends IOException {
        private static final long serialVersionUID = 1L;

        FrameTooLargeException(String message) {
            super(message);
        }
    }

    private enum State { BETWEEN, OBJECT, STRAY }

    private static final int SENTINEL = 0xFF;

    private final int maxFrameBytes;
    private static final int INITIAL_BUFFER = 4096;

    private ByteArrayOutputStream buffer = new ByteArrayOutputStream(INITIAL_BUFFER);
    private State state = State.BETWEEN;
    private int depth;
    private boolean inString;
    private boolean escaped;

    /**
     * Creates a framer.
     *
     * @param maxFrameBytes the largest object accepted, in bytes
     */
    JsonFramer(int maxFrameBytes) {
        this.maxFrameBytes = maxFrameBytes;
    }

    /**
     * Consumes bytes and hands every frame they complete to {@code sink}, in stream order.
     *
     * @throws FrameTooLargeException when an object exceeds the maximum size
     */
    void feed(byte[] bytes, int offset, int length, Consumer<Frame> sink) throws FrameTooLargeException {
        for (int i = offset; i < offset + length; i++) {
            int b = bytes[i] & 0xFF;
            if (b == SENTINEL) {
                int discarded = buffer.size();
                reset();
                sink.accept(new Delimiter(discarded));
                continue;
            }
            switch (state) {
                case BETWEEN -> between(b, sink);
                case OBJECT -> inObject(b, sink);
                case STRAY -> stray(b, sink);
                default -> throw new IllegalStateException(state.name());
            }
        }
    }

    private void between(int b, Consumer<Frame> sink) throws FrameTooLargeException {
        if (b == ' ' || b == '\t' || b == '\r' || b == '\n') {
            return;
        }
        if (b == '{' || b == '[') {
            state = State.OBJECT;
            depth = 1;
        } else {
            state = State.STRAY;
        }
        append(b);
    }

    private void inObject(int b, Consumer<Frame> sink) throws FrameTooLargeException {
        append(b);
        if (inString) {
            if (escaped) {
                escaped = false;
            } else if (b == '\\') {
                escaped = true;
            } else if (b == '"') {
                inString = false;
            }
            return;
        }
        if (b == '"') {
            inString = true;
        } else if (b == '{' || b == '[') {
            depth++;
        } else if (b == '}' || b == ']') {
            depth--;
            if (depth == 0) {
                emit(sink);
            }
        }
    }

    private void stray(int b, Consumer<Frame> sink) throws FrameTooLargeException {
        if (b == '\n') {
            emit(sink);
        } else if (b == '{' || b == '[') {
            emit(sink);
            between(b, sink);
        } else {
            append(b);
        }
    }

    private void append(int b) throws FrameTooLargeException {
        if (buffer.size() >= maxFrameBytes) {
            throw new FrameTooLargeException("a message grew beyond " + maxFrameBytes + " bytes without ending; "
                    + "first bytes: " + preview());
        }
        buffer.write(b);
    }

    private String preview() {
        String text = buffer.toString(java.nio.charset.StandardCharsets.UTF_8);
        return text.length() <= 200 ? text : text.substring(0, 200) + "...";
    }

    private void emit(Consumer<Frame> sink) {
        byte[] bytes = buffer.toByteArray();
        reset();
        sink.accept(new Text(bytes));
    }

    private void reset() {
        if (buffer.size() > 1 << 20) {
            buffer = new ByteArrayOutputStream(INITIAL_BUFFER); // do not keep a huge buffer for the connection's life
        } else {
            buffer.reset();
        }
        state = State.BETWEEN;
        depth = 0;
        inString = false;
        escaped = false;
    }
}
