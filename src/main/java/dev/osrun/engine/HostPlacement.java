package dev.osrun.engine;

import dev.osrun.OsrunException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Puts a file or a directory tree that came from the guest at its place on the host, as {@code docker cp} does, and
 * never deletes anything it does not replace.
 *
 * <ul>
 *   <li>When the host path is an existing directory, what was downloaded goes inside it, under its own name.</li>
 *   <li>A file replaces a file (or a symbolic link) of the same path; a tree merges into a directory of the same
 *       path: its files replace files of the same name, everything else in the directory stays.</li>
 *   <li>A file where a directory is, or a directory where a file is, is refused before anything changes.</li>
 *   <li>Every file is written beside its destination under a temporary name ({@code .osrun-partial-*}), synced to
 *       disk, and only then renamed into place, after all of them were written: a failure while writing leaves the
 *       host as it was; each destination file is always either the old one or the new one, never half of either.</li>
 * </ul>
 */
public final class HostPlacement {

    /** The prefix of the temporary names files have while they are written beside their destination. */
    static final String PARTIAL_PREFIX = ".osrun-partial-";

    private static final Logger log = LoggerFactory.getLogger(HostPlacement.class);

    private HostPlacement() {
    }

    /** A file or tree written beside its destination, waiting to be renamed into place. */
    private record Staged(Path temporary, Path destination) {
    }

    /**
     * Puts a download of {@code guestPath} (the file or tree {@code source}, of osrun's own, which this consumes) at
     * {@code hostPath} by the rules above: inside it under the guest path's last name when it is an existing
     * directory, else at {@code hostPath}.
     *
     * @throws OsrunException when a file would replace a directory or a directory a file, or the host cannot be
     *                        written; nothing changed
     */
    public static void placeDownload(Path source, Path hostPath, String guestPath) {
        place(source, destination(hostPath, FileTransfer.lastName(guestPath)));
    }

    /**
     * Where a download named {@code name} lands when asked for at {@code hostPath}: inside {@code hostPath} when that
     * is an existing directory (or a link to one), else {@code hostPath} itself.
     *
     * @throws OsrunException when the download has to go inside a directory but has no usable name of its own
     */
    static Path destination(Path hostPath, String name) {
        if (!Files.isDirectory(hostPath)) {
            return hostPath;
        }
        if (name.isEmpty() || name.equals(".") || name.equals("..") || name.endsWith(":")) {
            throw new OsrunException("Cannot download into the directory " + hostPath + ": the guest path has no name "
                    + "to give the copy there ('" + name + "'). Name the host destination in full.");
        }
        return hostPath.resolve(name);
    }

    /**
     * Moves or copies {@code source} (a file or tree of osrun's own, which this consumes) to {@code destination},
     * creating missing parent directories.
     *
     * @throws OsrunException when a file would replace a directory or a directory a file, or the host cannot be
     *                        written; nothing changed
     */
    static void place(Path source, Path destination) {
        refuseConflicts(source, destination);
        Path createdAncestor = createParents(destination);
        List<Staged> staged = new ArrayList<>();
        boolean renamedAny = false;
        try {
            stage(source, destination, staged);
            for (Staged file : staged) {
                Files.move(file.temporary(), file.destination(), StandardCopyOption.ATOMIC_MOVE);
                renamedAny = true;
            }
            staged.stream().map(file -> file.destination().getParent()).distinct().forEach(HostPlacement::syncDirectory);
        } catch (IOException | RuntimeException e) {
            for (Staged file : staged) {
                CommandRunner.deleteTree(file.temporary());
            }
            if (createdAncestor != null && !renamedAny) {
                CommandRunner.deleteTree(createdAncestor);
            }
            if (e instanceof IOException io) {
                throw new OsrunException("Cannot write " + destination + (renamedAny
                        ? "; some of its files are already the downloaded ones, the others are as they were"
                        : "; nothing on the host was changed") + " (" + io + ")", io);
            }
            throw (RuntimeException) e;
        }
    }

    /** Refuses, before anything is written, a file that would replace a directory or a directory that would replace a file. */
    private static void refuseConflicts(Path source, Path destination) {
        try (Stream<Path> paths = Files.walk(source)) {
            for (Path path : paths.toList()) {
                Path target = destination.resolve(source.relativize(path).toString());
                if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                boolean sourceIsDirectory = Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS);
                boolean targetIsDirectory = Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS);
                if (sourceIsDirectory != targetIsDirectory) {
                    throw new OsrunException("Cannot download onto " + target + ": it is " + (targetIsDirectory
                            ? "a directory and the guest has a file there" : "a file (or a link) and the guest has a "
                            + "directory there") + ". Nothing on the host was changed. Move it away, or download to "
                            + "another path.");
                }
            }
        } catch (IOException e) {
            throw new OsrunException("Cannot read the downloaded " + source + " (" + e + ")", e);
        }
    }

    /** Creates the missing parents of {@code destination}; returns the topmost one created, or null. */
    private static Path createParents(Path destination) {
        Path parent = destination.toAbsolutePath().getParent();
        Path topmostMissing = null;
        for (Path p = parent; p != null && !Files.exists(p); p = p.getParent()) {
            topmostMissing = p;
        }
        try {
            Files.createDirectories(parent);
        } catch (IOException e) {
            throw new OsrunException("Cannot create the directory " + parent + " for the download (" + e + ")", e);
        }
        return topmostMissing;
    }

    /** Writes {@code source} beside {@code destination}, or merges it into the existing directory {@code destination}. */
    private static void stage(Path source, Path destination, List<Staged> staged) throws IOException {
        if (Files.isDirectory(destination, LinkOption.NOFOLLOW_LINKS)) {
            try (Stream<Path> children = Files.list(source)) {
                for (Path child : children.sorted().toList()) {
                    stage(child, destination.resolve(child.getFileName().toString()), staged);
                }
            }
            return;
        }
        Path temporary = destination.toAbsolutePath().resolveSibling(PARTIAL_PREFIX + UUID.randomUUID());
        staged.add(new Staged(temporary, destination));
        moveOrCopy(source, temporary);
        syncTree(temporary);
    }

    /** A rename when both are on one file system, else a copy (attributes kept, links copied as links). */
    private static void moveOrCopy(Path source, Path target) throws IOException {
        try {
            Files.move(source, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException otherFileSystem) {
            try (Stream<Path> paths = Files.walk(source)) {
                for (Path path : paths.toList()) {
                    Files.copy(path, target.resolve(source.relativize(path).toString()),
                            StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
                }
            }
        }
    }

    /** Forces the content of every regular file below {@code root} to disk. */
    private static void syncTree(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.toList()) {
                if (Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
                    try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
                        channel.force(true);
                    }
                } else if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
                    syncDirectory(path);
                }
            }
        }
    }

    /** Forces a directory's entries to disk, so that a rename survives a crash; best effort (not every system allows it). */
    private static void syncDirectory(Path directory) {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            log.debug("Cannot sync the directory {}: {}", directory, e.toString());
        }
    }
}
