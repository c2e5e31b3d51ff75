package dev.osrun.provision;

import dev.osrun.OsrunException;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * An aria2 input file as UUP dump writes it ({@code get.php?…&aria2=2}): per file a URL line, then indented
 * {@code out=NAME} and {@code checksum=sha-1=HEX} lines. Errors arrive in an HTTP 200 body as a line
 * {@code #UUPDUMP_ERROR:CODE}.
 *
 * @param text    the file as received (what aria2c reads)
 * @param entries the files it names
 */
record Aria2List(String text, List<Entry> entries) {

    /** The line prefix with which UUP dump reports an error in a 200 answer. */
    public static final String ERROR_MARKER = "#UUPDUMP_ERROR:";

    private static final Pattern SHA1 = Pattern.compile("[0-9a-f]{40}");
    private static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9._~+-]{1,200}");

    /**
     * One file to download.
     *
     * @param url  where it is (Microsoft's CDN; the link expires)
     * @param name the file name to write
     * @param sha1 its SHA-1, lower-case hex
     */
    record Entry(String url, String name, String sha1) {
    }

    /** Copies the list. */
    public Aria2List {
        entries = List.copyOf(entries);
    }

    /** The error code of a {@code #UUPDUMP_ERROR:} answer, if {@code text} is one. */
    public static Optional<String> errorCode(String text) {
        return text.lines().map(String::strip).filter(l -> l.startsWith(ERROR_MARKER))
                .map(l -> l.substring(ERROR_MARKER.length()).strip()).findFirst();
    }

    /**
     * Parses an aria2 input file.
     *
     * @throws OsrunException when it is empty, holds an error marker, or an entry lacks its name or SHA-1 or has
     *                        an unsafe name (a path)
     */
    public static Aria2List parse(String text) {
        Optional<String> error = errorCode(text);
        if (error.isPresent()) {
            throw new OsrunException("UUP dump answered with the error " + error.get() + " instead of a file list");
        }
        List<Entry> entries = new ArrayList<>();
        String url = null;
        String name = null;
        String sha1 = null;
        int lineNumber = 0;
        for (String raw : (text + "\n\n").split("\r?\n", -1)) {
            lineNumber++;
            String line = raw.strip();
            if (line.startsWith("#")) {
                continue;
            }
            boolean indented = !raw.isEmpty() && Character.isWhitespace(raw.charAt(0));
            if (line.isEmpty() || !indented) {
                if (url != null) {
                    entries.add(entry(url, name, sha1, lineNumber));
                    url = null;
                    name = null;
                    sha1 = null;
                }
                if (!line.isEmpty()) {
                    if (!line.startsWith("http://") && !line.startsWith("https://")) {
                        throw new OsrunException("Line " + lineNumber + " of the aria2 file list should be a URL, but reads '" + shorten(line) + "'");
                    }
                    url = line;
                }
            } else if (url == null) {
                throw new OsrunException("Line " + lineNumber + " of the aria2 file list is an option with no URL before it: '" + shorten(line) + "'");
            } else if (line.startsWith("out=")) {
                name = line.substring(4);
            } else if (line.toLowerCase(Locale.ROOT).startsWith("checksum=sha-1=")) {
                sha1 = line.substring("checksum=sha-1=".length()).toLowerCase(Locale.ROOT);
            }
        }
        if (entries.isEmpty()) {
            throw new OsrunException("The aria2 file list from UUP dump names no files (" + text.length() + " characters received)");
        }
        Set<String> names = new HashSet<>();
        for (Entry entry : entries) {
            if (!names.add(entry.name().toLowerCase(Locale.ROOT))) {
                throw new OsrunException("The aria2 file list names " + entry.name() + " twice");
            }
        }
        return new Aria2List(text, entries);
    }

    private static Entry entry(String url, String name, String sha1, int lineNumber) {
        if (name == null || !SAFE_NAME.matcher(name).matches()) {
            throw new OsrunException("The aria2 file list entry before line " + lineNumber + " has no plain file name (out=" + name + ")");
        }
        if (sha1 == null || !SHA1.matcher(sha1).matches()) {
            throw new OsrunException("The aria2 file list entry for " + name + " has no SHA-1 checksum (checksum=sha-1=…), so it could not be verified");
        }
        return new Entry(url, name, sha1);
    }

    private static String shorten(String line) {
        return line.length() > 80 ? line.substring(0, 80) + "…" : line;
    }
}
