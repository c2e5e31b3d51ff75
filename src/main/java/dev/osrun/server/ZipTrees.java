package dev.osrun.server;

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
 * Directory trees as zip archives. Extraction checks every entry's name before it writes anything: names that
 * are absolute, carry a drive letter, a backslash, a control character or a {@code .}/{@code ..} segment, or
 * that would land outside the target directory, reject the whole archive.
 */
final class ZipTrees {

    private ZipTrees() {
    }

    /**
     * Extracts {@code zip} into the empty directory {@code target}.
     *
     * @throws ApiException 400 when the archive is not a zip or one of its names is unsafe; nothing is extracted then
     * @throws IOException  when the host cannot write the files
     */
    static void extract(Path zip, Path target) throws IOException {
        Path root = target.toAbsolutePath().normalize();
        try (ZipFile archive = new ZipFile(zip.toFile())) {
            List<ZipEntry> entries = new ArrayList<>();
            for (Enumeration<? extends ZipEntry> all = archive.entries(); all.hasMoreElements(); ) {
                ZipEntry entry = all.nextElement();
                destination(root, entry.getName());
                entries.add(entry);
            }
            for (ZipEntry entry : entries) {
                Path destination = destination(root, entry.getName());
                if (entry.isDirectory()) {
                    Files.createDirectories(destination);
                    continue;
                }
                Files.createDirectories(destination.getParent());
                try (InputStream in = archive.getInputStream(entry)) {
                    Files.copy(in, destination);
                }
            }
        } catch (java.nio.file.FileAlreadyExistsException e) {
            throw ApiException.badRequest("The zip archive names one path twice, or as both a file and a directory: "
                    + root.relativize(Path.of(e.getFile())) + ". Nothing was uploaded.");
        } catch (ZipException e) {
            throw ApiException.badRequest("The request body is not a readable zip archive: " + e.getMessage());
        }
    }

    /** Where an entry goes, after the checks. */
    private static Path destination(Path root, String name) {
        if (name.isEmpty() || name.startsWith("/")) {
            throw unsafe(name, "it is absolute");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                throw unsafe(name, "it holds a control character");
            }
        }
        if (name.indexOf('\\') >= 0) {
            throw unsafe(name, "it holds a backslash (zip names use '/')");
        }
        if (name.length() >= 2 && name.charAt(1) == ':') {
            throw unsafe(name, "it starts with a drive letter");
        }
        String relative = name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
        for (String segment : relative.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                throw unsafe(name, "it has an empty, '.' or '..' segment");
            }
        }
        Path destination = root.resolve(relative).normalize();
        if (!destination.startsWith(root) || destination.equals(root)) {
            throw unsafe(name, "it would land outside the target directory");
        }
        return destination;
    }

    private static ApiException unsafe(String name, String why) {
        return ApiException.badRequest("The zip entry '" + name.replaceAll("\\p{Cntrl}", "?") + "' is refused: " + why
                + ". Nothing was extracted.");
    }

    /** Writes the tree under {@code directory} as a zip to {@code out}: its files, and its directories as entries. */
    static void write(Path directory, OutputStream out) throws IOException {
        try (ZipOutputStream zip = new ZipOutputStream(out); Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.sorted().toList()) {
                if (path.equals(directory)) {
                    continue;
                }
                String name = directory.relativize(path).toString().replace(java.io.File.separatorChar, '/');
                if (Files.isDirectory(path)) {
                    zip.putNextEntry(new ZipEntry(name + "/"));
                    zip.closeEntry();
                } else {
                    zip.putNextEntry(new ZipEntry(name));
                    Files.copy(path, zip);
                    zip.closeEntry();
                }
            }
        }
    }
}
