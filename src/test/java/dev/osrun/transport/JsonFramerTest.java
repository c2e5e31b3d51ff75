package dev.osrun.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class JsonFramerTest {

    private final JsonFramer framer = new JsonFramer(1024);
    private final List<String> frames = new ArrayList<>();

    private void feed(byte[] bytes) throws Exception {
        framer.feed(bytes, 0, bytes.length, frame -> frames.add(describe(frame)));
    }

    private void feed(String text) throws Exception {
        feed(text.getBytes(StandardCharsets.UTF_8));
    }

    private static String describe(JsonFramer.Frame frame) {
        if (frame instanceof JsonFramer.Delimiter delimiter) {
            return "<FF discarded " + delimiter.discardedBytes() + ">";
        }
        return ((JsonFramer.Text) frame).asString();
    }

    @Test
    void splitsObjectsWithOrWithoutNewlines() throws Exception {
        feed("{\"a\": 1}\r\n{\"b\": {\"c\": [1, {}]}}{\"d\": 2}");

        assertThat(frames).containsExactly("{\"a\": 1}", "{\"b\": {\"c\": [1, {}]}}", "{\"d\": 2}");
    }

    @Test
    void reassemblesAnObjectSplitAcrossReads() throws Exception {
        feed("{\"return\": {\"sta");
        assertThat(frames).isEmpty();

        feed("tus\": \"running\"}}\n");

        assertThat(frames).containsExactly("{\"return\": {\"status\": \"running\"}}");
    }

    @Test
    void ignoresBracesAndEscapedQuotesInsideStrings() throws Exception {
        feed("{\"desc\": \"a } and a { and \\\" quote \\\\\"}{\"next\": true}");

        assertThat(frames).containsExactly("{\"desc\": \"a } and a { and \\\" quote \\\\\"}", "{\"next\": true}");
    }

    @Test
    void keepsNonAsciiText() throws Exception {
        feed("{\"text\": \"héllo ✓ 日本\"}");

        assertThat(frames).containsExactly("{\"text\": \"héllo ✓ 日本\"}");
    }

    @Test
    void sentinelDiscardsAPartialObjectAndIsReported() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.writeBytes("{\"return\": {\"stale".getBytes(StandardCharsets.UTF_8));
        bytes.write(0xFF);
        bytes.writeBytes("{\"return\": 42}\n".getBytes(StandardCharsets.UTF_8));

        feed(bytes.toByteArray());

        assertThat(frames).containsExactly("<FF discarded 18>", "{\"return\": 42}");
    }

    @Test
    void strayTextBecomesAFrameOfItsOwnUpToTheNextNewlineOrObject() throws Exception {
        feed("garbage\n junk{\"ok\": 1}");

        assertThat(frames).containsExactly("garbage", "junk", "{\"ok\": 1}");
    }

    @Test
    void rejectsAnObjectLargerThanTheMaximum() {
        String huge = "{\"x\": \"" + "a".repeat(2000) + "\"}";

        assertThatThrownBy(() -> feed(huge))
                .isInstanceOf(JsonFramer.FrameTooLargeException.class)
                .hasMessageContaining("beyond 1024 bytes")
                .hasMessageContaining("{\"x\": \"aaa");
    }
}
