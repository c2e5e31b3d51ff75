package dev.osrun.engine;

import dev.osrun.qmp.QmpClient;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Pictures of one {@link Machine}'s screen: QEMU writes a PNG ({@code screendump}) into the run directory, which is
 * read and deleted.
 */
final class Screenshots {

    private final QmpClient qmp;
    private final CallGuard guard;
    private final Path runDir;

    Screenshots(QmpClient qmp, CallGuard guard, Path runDir) {
        this.qmp = qmp;
        this.guard = guard;
        this.runDir = runDir;
    }

    /** A PNG picture of the screen. */
    byte[] png() {
        Path file = runDir.resolve("screenshot-" + System.nanoTime() + ".png");
        guard.call("taking a screenshot", false, () -> {
            qmp.screendumpPng(file);
            return null;
        });
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("QEMU wrote no screenshot to " + file, e);
        } finally {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // a leftover file in the run directory is harmless
            }
        }
    }
}
