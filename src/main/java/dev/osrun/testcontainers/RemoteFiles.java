package dev.osrun.testcontainers;

import dev.osrun.FileTransferException;
import dev.osrun.GuestPathNotFoundException;
import dev.osrun.OsrunException;
import dev.osrun.engine.HostPlacement;

import java.io.IOException;
import java.io.OutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
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
            throw new FileTransferException("Cannot upload " + hostPath + ": no such file or directory on the host");
        }
        String what = "upload " + hostPath + " to " + guestPath;
        Path name = hostPath.toAbsolutePath().normalize().getFileName();
        // The host's name, so that into an existing guest directory the upload lands under it (as LocalVm's does).
        String query = "/v1/files?path=" + ControlApi.query(guestPath)
                + (name == null ? "" : "&name=" + ControlApi.query(name.toString()));
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
            throw new FileTransferException("Could not " + what + ": cannot read the host's files (" + e + ")", e);
        }
    }

    void download(String guestPath, Path hostPath) {
        String what = "download " + guestPath + " to " + hostPath;
        String query = "/v1/files?path=" + ControlApi.query(guestPath);
        try {
            // Received beside the destination (one filesystem), then placed as docker cp does: nothing on the host
            // that the download does not replace is deleted, and a failure leaves the host as it was.
            Path parent = hostPath.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Path part = Files.createTempFile(parent, ".osrun-download-", ".part");
            try {
                int status = fetch(query, part, what, guestPath);
                if (status == 200) {
                    HostPlacement.placeDownload(part, hostPath, guestPath);
                    return;
                }
                // 409: the guest path is a directory; ask for its tree as a zip.
                if (fetch(query + "&format=zip", part, what, guestPath) != 200) {
                    throw new IllegalStateException("unreachable: fetch checks the status");
                }
                Path tree = Files.createTempDirectory(parent, ".osrun-download-");
                try {
                    TreeArchive.extract(part, tree, what);
                    HostPlacement.placeDownload(tree, hostPath, guestPath);
                } finally {
                    deleteTree(tree);
                }
            } finally {
                Files.deleteIfExists(part);
            }
        } catch (IOException e) {
            throw new FileTransferException("Could not " + what + ": cannot write on the host (" + e + ")", e);
        }
    }

    /** GETs into {@code into}; returns 200, or 409 for a raw request of a directory; throws for anything else. */
    private int fetch(String query, Path into, String what, String guestPath) throws IOException {
        HttpResponse<Path> response = api.send(api.request(query).GET().build(),
                HttpResponse.BodyHandlers.ofFile(into), what);
        int status = response.statusCode();
        if (status == 200) {
            return status;
        }
        byte[] body = Files.readAllBytes(into);
        if (status == 409 && !query.endsWith("format=zip") && ControlApi.message(body).contains("format=zip")) {
            return status; // "is a directory: ask with format=zip"
        }
        if (status == 404) {
            throw new GuestPathNotFoundException(guestPath, api.error(what, status, body));
        }
        OsrunException error = api.error(what, status, body);
        throw error.getClass() == OsrunException.class ? new FileTransferException(error.getMessage(), error) : error;
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
