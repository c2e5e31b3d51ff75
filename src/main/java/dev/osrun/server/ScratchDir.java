package dev.osrun.server;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.osrun.engine.DirectoryTree;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A fresh private temporary directory for one request, deleted with everything in it on {@link #close()}. */
final class ScratchDir implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ScratchDir.class);

    private final Path path;

    private ScratchDir(Path path) {
        this.path = path;
    }

    /** Creates the directory. */
    static ScratchDir create() {
        try {
            return new ScratchDir(Files.createTempDirectory("osrun-serve-"));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create a temporary directory for the transfer", e);
        }
    }

    /** The directory. */
    Path path() {
        return path;
    }

    /** A name inside the directory; {@code name} is always one of the server's own constants. */
    Path resolve(String name) {
        return path.resolve(name);
    }

    @Override
    public void close() {
        try {
            DirectoryTree.delete(path);
        } catch (IOException e) {
            log.warn("Could not remove the temporary directory {}: {}", path, e.toString());
        }
    }
}
