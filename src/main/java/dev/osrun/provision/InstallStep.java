package dev.osrun.provision;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;

/**
 * One boot stage of an installation: one QEMU run that starts from the previous stage's disk and ends when the
 * guest shuts itself down.
 *
 * @param name    a short name for messages and progress, e.g. {@code setup} or {@code first-logon}
 * @param files   the files that decide what the stage does (its scripts, the answer file): their bytes key it
 * @param facts   further things that decide it and are not files here (e.g. the version of a medium), keyed too
 * @param timeout how long the stage may run before it counts as hung
 */
record InstallStep(String name, List<Path> files, List<String> facts, Duration timeout) {

    /** Copies the lists. */
    public InstallStep {
        files = List.copyOf(files);
        facts = List.copyOf(facts);
    }

    /** A step decided by its files alone. */
    public InstallStep(String name, List<Path> files, Duration timeout) {
        this(name, files, List.of(), timeout);
    }

    /** A hash of the files' names and bytes, and of the facts. */
    public String filesHash() {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (Path file : files) {
                sha.update(file.getFileName().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                sha.update((byte) 0);
                sha.update(Files.readAllBytes(file));
                sha.update((byte) 0);
            }
            for (String fact : facts) {
                sha.update(fact.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                sha.update((byte) 0);
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the files of step " + name, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
