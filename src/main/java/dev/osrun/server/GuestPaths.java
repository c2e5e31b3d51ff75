package dev.osrun.server;

import dev.osrun.GuestOs;

import java.util.regex.Pattern;

/**
 * Checks guest paths from requests: absolute ({@code /...} on Linux; {@code C:\...}, {@code C:/...} or
 * {@code \\server\share\...} on Windows), normalised (no {@code .} or {@code ..} segments), not a root, and free
 * of NUL and other control characters, at most 4096 characters long with names of at most 255.
 */
final class GuestPaths {

    private static final Pattern WINDOWS_DRIVE = Pattern.compile("[A-Za-z]:[\\\\/].*", Pattern.DOTALL);
    private static final int MAX_PATH = 4096;
    private static final int MAX_NAME = 255;
    private static final Pattern WINDOWS_ROOT = Pattern.compile("[A-Za-z]:[\\\\/]*");

    private GuestPaths() {
    }

    /**
     * Returns {@code path} if it is usable.
     *
     * @throws ApiException 400 saying what is wrong with it
     */
    static String require(String path, GuestOs os) {
        if (path == null || path.isEmpty()) {
            throw ApiException.badRequest("The query needs 'path', an absolute path in the guest");
        }
        if (path.length() > MAX_PATH) {
            throw ApiException.badRequest("The guest path is " + path.length() + " characters long; at most " + MAX_PATH + " are accepted");
        }
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) {
                throw ApiException.badRequest("The guest path holds a control character (code " + (int) c + " at index " + i + ")");
            }
        }
        boolean absolute = os == GuestOs.WINDOWS
                ? WINDOWS_DRIVE.matcher(path).matches() || path.startsWith("\\\\")
                : path.startsWith("/");
        if (!absolute) {
            throw ApiException.badRequest("The guest path must be absolute, "
                    + (os == GuestOs.WINDOWS ? "such as C:\\Users\\me\\file.txt" : "such as /root/file.txt") + "; it is '" + path + "'");
        }
        for (String segment : path.split(os == GuestOs.WINDOWS ? "[\\\\/]" : "/")) {
            if (segment.equals(".") || segment.equals("..")) {
                throw ApiException.badRequest("The guest path must not hold '.' or '..' segments: '" + path + "'");
            }
            if (segment.length() > MAX_NAME) {
                throw ApiException.badRequest("A name in the guest path is " + segment.length() + " characters long; file "
                        + "systems take at most " + MAX_NAME);
            }
        }
        boolean root = os == GuestOs.WINDOWS ? WINDOWS_ROOT.matcher(path).matches() : path.chars().allMatch(c -> c == '/');
        if (root) {
            throw ApiException.badRequest("The guest path must not be the root of a file system: '" + path + "'");
        }
        return path;
    }
}
