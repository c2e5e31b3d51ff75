package dev.osrun.testcontainers;

import dev.osrun.OsrunException;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Files and trees through {@code /v1/files}: a file travels as raw bytes, a directory tree as a zip. A download
 * lands beside its target first and replaces the target only once it is complete, so a broken transfer leaves
 * what was there.
 */
final class RemoteFiles {

    private final ControlApi api;

    RemoteFiles(ControlApi api) {
        this.api = api;
    }

    void upload(Path hostPath, String guestPath) {
        if (!Files.exists(hostPath)) {
            throw new OsrunException("Cannot upload " + hostPath + ": no such file or directory on the host");
        }
        String what = "upload " + hostPath + " to " + guestPath;
        String query = "/v1/files?path=" + ControlApi.query(guestPath);
        try {
            if (!Files.isDirectory(hostPath)) {
                api.call(api.request(query).header("Content-Type", "application/octet-stream")
                        .PUT(HttpRequest.BodyPublishers.ofFile(hostPath)).build(), what, 204);
                return;
            }
            Path zip = Files.createTempFile("osrun-upload-", ".zip");
            try {
                try (OutputStream out = Files.newOutputStream(zip)) {
                    TreeArchive.write(hostPath, out);
                }
                api.call(api.request(query + "&format=zip").header("Content-Type", "application/zip")
                        .PUT(HttpRequest.BodyPublishers.ofFile(zip)).build(), what, 204);
            } finally {
                Files.deleteIfExists(zip);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not " + what + ": cannot read the host's files", e);
        }
    }

    void download(String guestPath, Path hostPath) {
        String what = "download " + guestPath + " to " + hostPath;
        String query = "/v1/files?path=" + ControlApi.query(guestPath);
        try {
            Path parent = hostPath.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Path part = Files.createTempFile(parent, ".osrun-download-", ".part");
            try {
                int status = fetch(query, part, what);
                if (status == 200) {
                    replace(part, hostPath);
                    return;
                }
                // 409: the guest path is a directory; ask for its tree as a zip.
                if (fetch(query + "&format=zip", part, what) != 200) {
                    throw new IllegalStateException("unreachable: fetch checks the status");
                }
                Path tree = Files.createTempDirectory(parent, ".osrun-download-");
                try {
                    TreeArchive.extract(part, tree, what);
                    replace(tree, hostPath);
                } finally {
                    deleteTree(tree);
                }
            } finally {
                Files.deleteIfExists(part);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not " + what + ": cannot write on the host", e);
        }
    }

    /** GETs into {@code into}; returns 200, or 409 for a raw request of a directory; throws for anything else. */
    private int fetch(String query, Path into, String what) throws IOException {
        HttpResponse<Path> response = api.send(api.request(query).GET().build(),
                HttpResponse.BodyHandlers.ofFile(into), what);
        int status = response.statusCode();
        if (status == 200 || (status == 409 && !query.endsWith("format=zip"))) {
            return status;
        }
        throw api.error(what, status, Files.readAllBytes(into));
    }

    /** Puts {@code complete} where {@code target} was, replacing it (file or tree). */
    private static void replace(Path complete, Path target) throws IOException {
        deleteTree(target);
        Files.move(complete, target, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void deleteTree(Path path) throws IOException {
        if (!Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(path)) {
            for (Path each : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(each);
            }
        }
    }
}
