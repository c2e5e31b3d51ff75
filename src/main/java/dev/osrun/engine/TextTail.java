package dev.osrun.engine;

/**
 * The last {@code limit} characters of a stream of text, and whether anything before them was dropped. Appending
 * costs amortised O(length): the buffer is trimmed only when it holds twice the limit.
 */
final class TextTail {

    private final int limit;
    private final StringBuilder text = new StringBuilder();
    private boolean truncated;

    TextTail(int limit) {
        this.limit = limit;
    }

    void append(CharSequence piece) {
        text.append(piece);
        if (text.length() > 2L * limit + 1024) {
            trim();
        }
    }

    private void trim() {
        if (text.length() > limit) {
            text.delete(0, text.length() - limit);
            truncated = true;
        }
    }

    /** The kept text: at most {@code limit} characters. */
    String text() {
        trim();
        return text.toString();
    }

    /** Whether characters were dropped from the head. */
    boolean truncated() {
        trim();
        return truncated;
    }
}
