package dev.osrun.qmp;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Finds the programs that local-QEMU tests need. A missing program skips the test with the reason, except under
 * CI ({@code CI=true}), where it fails it: a missing prerequisite must never turn into a green run.
 */
public final class Prerequisites {

    private Prerequisites() {
    }

    /**
     * Returns the program's path, or skips (fails under CI) the calling test when it is not installed.
     *
     * @param program     an executable name such as {@code qemu-system-x86_64}, looked up on PATH and in /usr/sbin
     * @param debPackage  the Debian package that provides it, for the message
     * @return the program's path
     */
    public static Path requireProgram(String program, String debPackage) {
        Optional<Path> found = find(program);
        if (found.isPresent()) {
            return found.get();
        }
        String reason = program + " is not installed, so this test cannot run against the real program. Install it "
                + "with: apt-get install " + debPackage;
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            Assertions.fail(reason + " (CI=true: missing prerequisites fail the build instead of skipping)");
        }
        Assumptions.abort(reason);
        throw new AssertionError("unreachable");
    }

    private static Optional<Path> find(String program) {
        String path = System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin";
        return Stream.of(path.split(":"))
                .filter(dir -> !dir.isEmpty())
                .map(dir -> Path.of(dir, program))
                .filter(Files::isExecutable)
                .findFirst();
    }
}
