package dev.osrun.assertj;

import dev.osrun.ExecResult;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Keeps the README's "Assertions" section true: its tiny-guest test class is the user project's test source, word
 * for word, and its sample failure message is what the assertions print.
 */
class ReadmeExampleTest {

    private static final Path README = Path.of("README.md");
    private static final Path USER_TEST =
            Path.of("integration-tests/user-project/src/test/java/com/example/TinyGuestTest.java");

    @Test
    void theReadmesTinyGuestClassIsTheUserProjectsTest() throws IOException {
        List<String> examples = codeBlocks("java").stream().filter(b -> b.contains("class TinyGuestTest")).toList();

        assertThat(examples).as("```java blocks of %s that hold class TinyGuestTest", README).hasSize(1);
        assertThat(examples.get(0))
                .as("the README's TinyGuestTest must be %s word for word: change both together", USER_TEST)
                .isEqualTo(Files.readString(USER_TEST));
    }

    @Test
    void theReadmesSampleMessageIsWhatTheAssertionPrints() throws IOException {
        ExecResult make = new ExecResult(2, "cc -o test test.c\n./test\n1 of 12 checks failed\n",
                "make: *** [Makefile:4: test] Error 1\n", Duration.ofMillis(5130));
        String sample = codeBlocks("").stream().filter(b -> b.startsWith("Expecting the command `make")).findFirst()
                .orElseThrow(() -> new AssertionError("README.md has no sample message that starts with "
                        + "\"Expecting the command `make\""));

        assertThatThrownBy(() -> new ExecResultAssert(make, "the command `make -C /src test`").succeeded())
                .hasMessage(sample.substring(0, sample.length() - 1));
    }

    /** The README's fenced code blocks in {@code language} ("" for none), each line ending in a line break. */
    private static List<String> codeBlocks(String language) throws IOException {
        List<String> blocks = new ArrayList<>();
        StringBuilder block = null;
        String blockLanguage = null;
        for (String line : Files.readAllLines(README)) {
            String fence = line.strip();
            if (block == null && fence.startsWith("```")) {
                block = new StringBuilder();
                blockLanguage = fence.substring(3);
            } else if (block != null && fence.equals("```")) {
                if (blockLanguage.equals(language)) {
                    blocks.add(block.toString());
                }
                block = null;
            } else if (block != null) {
                block.append(line).append('\n');
            }
        }
        return blocks;
    }
}
