package dev.osrun.testing;

import dev.osrun.OsrunException;
import dev.osrun.provision.TinyGuest;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** Checks for QEMU and the tiny guest; skips outside CI, fails under {@code CI=true}. */
final class TinyGuestPrerequisites implements BeforeAllCallback {

    @Override
    public void beforeAll(ExtensionContext context) {
        String missing = missing();
        if (missing == null) {
            return;
        }
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            throw new IllegalStateException("CI=true and a prerequisite is missing: " + missing);
        }
        Assumptions.abort(missing + " (bin/test installs and builds everything)");
    }

    private static String missing() {
        boolean qemu = Arrays.stream(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .anyMatch(dir -> Files.isExecutable(Path.of(dir, "qemu-system-x86_64")));
        if (!qemu) {
            return "qemu-system-x86_64 is not on the PATH";
        }
        try {
            TinyGuest.locate();
            return null;
        } catch (OsrunException e) {
            return e.getMessage();
        }
    }
}
