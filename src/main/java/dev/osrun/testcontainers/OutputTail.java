package dev.osrun.testcontainers;

/**
 * The last {@code limit} characters of one output stream, as an {@link dev.osrun.ExecResult} keeps them; remembers
 * whether anything before them was cut.
 */
final class OutputTail {

    private final int limit;
    private final int slack;
    private final StringBuilder text = new StringBuilder();
    private boolean cut;

    OutputTail(int limit) {
        this.limit = limit;
        this.slack = Math.max(4096, Math.min(limit, 1 << 20));
    }

    /** Appends a piece of output, dropping the head once the text outgrows the limit (by a margin, to copy rarely). */
    void append(String piece) {
        text.append(piece);
        if (text.length() > limit + slack) {
            trim();
        }
    }

    /** Replaces what was gathered by {@code whole} (the server sent the whole output at once). */
    void replace(String whole) {
        text.setLength(0);
        text.append(whole);
    }

    /** Whether nothing was gathered. */
    boolean isEmpty() {
        return text.length() == 0 && !cut;
    }

    /** The kept text: at most {@code limit} characters. */
    String text() {
        trim();
        return text.toString();
    }

    /** Whether the head of the stream was cut. */
    boolean truncated() {
        trim();
        return cut;
    }

    private void trim() {
        int excess = text.length() - limit;
        if (excess > 0) {
            if (excess < text.length() && Character.isLowSurrogate(text.charAt(excess))) {
                excess++; // never keep half of a surrogate pair
            }
            text.delete(0, excess);
            cut = true;
        }
    }
}
