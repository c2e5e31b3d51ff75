package dev.osrun.testcontainers;

import dev.osrun.OsrunException;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * Directory trees as the control API moves them ({@code /v1/files?format=zip}): zip archives with {@code /}-separated
 * relative names, directories as entries of their own. An archive comes from the guest, which runs untrusted code:
 * every name is checked before anything is written.
 */
final class TreeArchive {

    private TreeArchive() {
    }

    /** Writes the tree under {@code directory} as a zip to {@code out}. */
    static void write(Path directory, OutputStream out) throws IOException {
        try (ZipOutputStream zip = new ZipOutputStream(out); Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.sorted().toList()) {
                if (path.equals(directory)) {
                    continue;
                }
                String name = directory.relativize(path).toString().replace(java.io.File.separatorChar, '/');
                if (Files.isDirectory(path)) {
                    zip.putNextEntry(new ZipEntry(name + "/"));
                } else {
                    zip.putNextEntry(new ZipEntry(name));
                    Files.copy(path, zip);
                }
                zip.closeEntry();
            }
        }
    }

    /**
     * Extracts {@code zip} into the empty directory {@code target}.
     *
     * @throws OsrunException when the archive is unreadable or names a path outside {@code target}; nothing is
     *                        written then
     */
    static void extract(Path zip, Path target, String what) throws IOException {
        Path root = target.toAbsolutePath().normalize();
        try (ZipFile archive = new ZipFile(zip.toFile())) {
            List<ZipEntry> entries = new ArrayList<>();
            for (Enumeration<? extends ZipEntry> all = archive.entries(); all.hasMoreElements(); ) {
                ZipEntry entry = all.nextElement();
                destination(root, entry.getName(), what);
                entries.add(entry);
            }
            for (ZipEntry entry : entries) {
                Path destination = destination(root, entry.getName(), what);
                if (entry.isDirectory()) {
                    Files.createDirectories(destination);
                    continue;
                }
                Files.createDirectories(destination.getParent());
                try (InputStream in = archive.getInputStream(entry)) {
                    Files.copy(in, destination);
                }
            }
        } catch (ZipException e) {
            throw new OsrunException("Could not " + what + ": the control API's answer is not a readable zip archive ("
                    + e.getMessage() + ")", e);
        }
    }

    private static Path destination(Path root, String name, String what) {
        String relative = name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
        boolean safe = !relative.isEmpty() && !relative.startsWith("/") && relative.indexOf('\\') < 0
                && !(relative.length() >= 2 && relative.charAt(1) == ':')
                && relative.chars().noneMatch(c -> c < 0x20 || c == 0x7f);
        if (safe) {
            for (String segment : relative.split("/", -1)) {
                safe &= !segment.isEmpty() && !segment.equals(".") && !segment.equals("..");
            }
        }
        Path destination = root.resolve(relative).normalize();
        if (!safe || !destination.startsWith(root) || destination.equals(root)) {
            throw new OsrunException("Could not " + what + ": the archive from the guest holds the unsafe name '"
                    + name.replaceAll("\\p{Cntrl}", "?") + "' (absolute, with '..', a drive letter, a backslash or a control "
                    + "character). Nothing was written.");
        }
        return destination;
    }
}
