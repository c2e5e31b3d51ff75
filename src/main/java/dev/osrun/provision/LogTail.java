package dev.osrun.provision;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/** The last lines of a guest's log (serial console, status log) that may be large and still growing. */
final class LogTail {

    private static final int MAX_BYTES = 16 * 1024;

    private LogTail() {
    }

    /** The last {@code lines} lines of {@code file}, or {@code (empty)} when it does not exist or holds nothing. */
    static String of(Path file, int lines) {
        if (file == null || !Files.isRegularFile(file)) {
            return "(empty)";
        }
        try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
            long length = in.length();
            int size = (int) Math.min(length, MAX_BYTES);
            byte[] bytes = new byte[size];
            in.seek(length - size);
            in.readFully(bytes);
            String text = new String(bytes, StandardCharsets.UTF_8).replace("\r", "").strip();
            if (text.isEmpty()) {
                return "(empty)";
            }
            List<String> all = Arrays.asList(text.split("\n"));
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(could not read " + file + ": " + e.getMessage() + ")";
        }
    }
}
