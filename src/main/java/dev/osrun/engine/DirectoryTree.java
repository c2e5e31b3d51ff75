package dev.osrun.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Removes a file or a directory with everything in it (run directories, job directories, scratch space). */
public final class DirectoryTree {

    private DirectoryTree() {
    }

    /**
     * Deletes {@code root} and everything below it; nothing happens when it does not exist. Symbolic links are
     * removed, never followed.
     *
     * @throws IOException when something cannot be deleted; what could be is gone
     */
    public static void delete(Path root) throws IOException {
        if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
