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
 * that would land outside the target directory, reject the whole archive, as do more entries than the limit.
 * While it writes, it refuses (413) an archive that expands beyond the unzipped-size limit or an entry that
 * expands more than {@value #MAX_RATIO} times its compressed size (past the first MiB): a zip bomb. Entries are
 * written as plain files and directories; a symbolic link arrives as a file holding its target's text.
 */
final class ZipTrees {

    /** The most an entry may expand, once it is past {@link #RATIO_GRACE} bytes. */
    static final int MAX_RATIO = 200;
    private static final long RATIO_GRACE = 1024 * 1024;

    private ZipTrees() {
    }

    /**
     * Extracts {@code zip} into the empty directory {@code target}.
     *
     * @throws ApiException 400 when the archive is not a zip or one of its names is unsafe; nothing is extracted then
     * @throws IOException  when the host cannot write the files
     */
    static void extract(Path zip, Path target, ServerLimits limits) throws IOException {
        Path root = target.toAbsolutePath().normalize();
        try (ZipFile archive = new ZipFile(zip.toFile())) {
            if (archive.size() > limits.maxZipEntries()) {
                throw new ApiException(413, "The zip archive has " + archive.size() + " entries; the limit is "
                        + limits.maxZipEntries() + " (" + ServerLimits.MAX_ZIP_ENTRIES_ENV + "). Nothing was uploaded.");
            }
            List<ZipEntry> entries = new ArrayList<>();
            for (Enumeration<? extends ZipEntry> all = archive.entries(); all.hasMoreElements(); ) {
                ZipEntry entry = all.nextElement();
                destination(root, entry.getName());
                entries.add(entry);
            }
            long[] total = {0};
            for (ZipEntry entry : entries) {
                Path destination = destination(root, entry.getName());
                if (entry.isDirectory()) {
                    Files.createDirectories(destination);
                    continue;
                }
                Files.createDirectories(destination.getParent());
                try (InputStream in = new Bounded(archive.getInputStream(entry), entry, total, limits.maxUnzippedBytes())) {
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

    /** An entry's bytes, counted against the archive's total and the entry's expansion ratio. */
    private static final class Bounded extends java.io.FilterInputStream {
        private final ZipEntry entry;
        private final long[] total;
        private final long limit;
        private long count;

        Bounded(InputStream in, ZipEntry entry, long[] total, long limit) {
            super(in);
            this.entry = entry;
            this.total = total;
            this.limit = limit;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0) {
                count += n;
                total[0] += n;
                if (total[0] > limit) {
                    throw new ApiException(413, "The zip archive expands to more than " + limit + " bytes, the limit ("
                            + ServerLimits.MAX_UNZIPPED_ENV + "). Nothing was uploaded.");
                }
                long compressed = Math.max(1, entry.getCompressedSize());
                if (count > RATIO_GRACE && count > MAX_RATIO * compressed) {
                    throw new ApiException(413, "The zip entry '" + entry.getName().replaceAll("\\p{Cntrl}", "?")
                            + "' expands more than " + MAX_RATIO + " times its compressed size (" + compressed
                            + " bytes): refused as a zip bomb. Nothing was uploaded.");
                }
            }
            return n;
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
