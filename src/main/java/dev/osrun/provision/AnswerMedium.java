package dev.osrun.provision;

import dev.osrun.OsrunException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The answer file's own small CD: {@code autounattend.xml} at its root (Setup searches the root of every removable
 * medium for it, read-only media included) plus the step scripts and tools that travel with it, so Setup never
 * needs the SMB share before the scripts have configured the SMB client. Built with {@code genisoimage} (ISO 9660
 * with Joliet and Rock Ridge names); the Windows ISO itself is never rebuilt.
 */
final class AnswerMedium {

    /** The volume label of the medium, so scripts can find its drive letter. */
    public static final String VOLUME_ID = "OSRUN_INIT";

    private static final Duration TIMEOUT = Duration.ofMinutes(2);

    private AnswerMedium() {
    }

    /**
     * Writes an ISO holding every regular file of {@code sourceDir} (recursively, names kept) to {@code iso},
     * under a temporary name first.
     *
     * @throws OsrunException when {@code sourceDir} has no {@code autounattend.xml} at its top, or genisoimage fails
     */
    public static void build(Path sourceDir, Path iso) {
        try (Stream<Path> top = Files.list(sourceDir)) {
            if (top.noneMatch(p -> p.getFileName().toString().equalsIgnoreCase("autounattend.xml"))) {
                throw new OsrunException("Expected autounattend.xml at the top of " + sourceDir + ", but it is not there. "
                        + "Point OSRUN_WIN11_INIT at osrun's win11-init directory.");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + sourceDir, e);
        }
        Path partial = iso.resolveSibling("." + iso.getFileName() + ".partial-" + ProcessHandle.current().pid());
        List<String> command = new ArrayList<>(List.of("genisoimage", "-quiet", "-input-charset", "utf-8",
                "-J", "-joliet-long", "-r", "-V", VOLUME_ID, "-o", partial.toString(), sourceDir.toString()));
        try {
            ToolRun.run(command, TIMEOUT, "Install genisoimage (Debian: apt-get install genisoimage).").requireSuccess();
            Files.move(partial, iso, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + iso, e);
        } finally {
            try {
                Files.deleteIfExists(partial);
            } catch (IOException e) {
                // nothing to clean then
            }
        }
    }
}
