package dev.osrun.windows;

import dev.osrun.qmp.Prerequisites;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs Windows programs under Debian's Wine with a prefix of this project's own ({@code build/wine-prefix}), and
 * cross-compiles the launcher and its test child with mingw-w64 ({@code docker/launcher/build.sh}). Missing tools
 * skip the calling test, or fail it under {@code CI=true}.
 */
final class Wine {

    static final Path WINE64 = Path.of("/usr/lib/wine/wine64");
    static final Path ROOT = Path.of("").toAbsolutePath();
    static final Path OUT = ROOT.resolve("build/launcher");
    static final Path PREFIX = ROOT.resolve("build/wine-prefix");

    /** What a finished Wine process left: its exit code and its own stderr (the launcher's, when not redirected). */
    record Run(int exitCode, String stderr) {
    }

    private Wine() {
    }

    /** Checks the tools, builds the two programs and starts Wine once (the first start creates the prefix). */
    static void prepare() {
        Prerequisites.requireProgram("x86_64-w64-mingw32-gcc", "gcc-mingw-w64-x86-64");
        if (!Files.isExecutable(WINE64)) {
            String reason = WINE64 + " is missing, so the launcher cannot be run here. Install it with: apt-get "
                    + "install wine64";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                Assertions.fail(reason + " (CI=true: missing prerequisites fail the build instead of skipping)");
            }
            Assumptions.abort(reason);
        }
        Run build = run(List.of(ROOT.resolve("docker/launcher/build.sh").toString(), OUT.toString(),
                "--with-test-child"), 120);
        if (build.exitCode() != 0) {
            throw new AssertionError("docker/launcher/build.sh failed: " + build.stderr());
        }
        Run first = wine(List.of(exe("test-child.exe")), 300);
        if (first.exitCode() != 90) {
            throw new AssertionError("Wine could not run test-child.exe (expected its exit code 90 for no mode, got "
                    + first.exitCode() + "): " + first.stderr());
        }
    }

    /** The Windows path (drive Z: is the Unix root under Wine) of a file or directory. */
    static String windowsPath(Path path) {
        return "Z:" + path.toAbsolutePath().toString().replace('/', '\\');
    }

    /** The Unix path of one of the built programs. */
    static String exe(String name) {
        return OUT.resolve(name).toString();
    }

    /** Runs {@code osrun-exec.exe} under Wine with these arguments. */
    static Run launcher(List<String> args, int timeoutSeconds) {
        List<String> command = new ArrayList<>(List.of(exe("osrun-exec.exe")));
        command.addAll(args);
        return wine(command, timeoutSeconds);
    }

    static Run wine(List<String> args, int timeoutSeconds) {
        List<String> command = new ArrayList<>(List.of(WINE64.toString()));
        command.addAll(args);
        return run(command, timeoutSeconds);
    }

    private static Run run(List<String> command, int timeoutSeconds) {
        try {
            Path stderr = Files.createTempFile("wine-stderr", ".txt");
            try {
                ProcessBuilder builder = new ProcessBuilder(command)
                        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .redirectError(stderr.toFile());
                builder.environment().put("WINEPREFIX", PREFIX.toString());
                builder.environment().put("WINEDEBUG", "-all");
                // No Mono or Gecko installer dialogs when the prefix is created.
                builder.environment().put("WINEDLLOVERRIDES", "mscoree,mshtml=");
                builder.environment().remove("DISPLAY");
                Process process = builder.start();
                if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    process.descendants().forEach(ProcessHandle::destroyForcibly);
                    process.destroyForcibly();
                    throw new AssertionError(command.get(0) + " " + command.get(1) + " did not finish within "
                            + timeoutSeconds + " s");
                }
                return new Run(process.exitValue(), new String(Files.readAllBytes(stderr), StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(stderr);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while running " + command, e);
        }
    }
}
