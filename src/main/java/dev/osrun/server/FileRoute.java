package dev.osrun.server;


import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * {@code /v1/files?path=<absolute guest path>[&format=zip]}: {@code PUT} writes the request body to that path
 * (one file, or with {@code format=zip} a zip of a directory tree that replaces the directory); {@code GET}
 * answers the file's bytes ({@code application/octet-stream}) or, with {@code format=zip}, a zip of the tree.
 *
 * <p>Bodies pass through a fresh temporary directory whose names are the server's own; request input never
 * names a host path. The directory is deleted whatever happens. An upload larger than
 * {@link ServerLimits#maxUploadBytes()}, or a zip beyond the zip limits, is 413; a download of a path where the
 * guest has nothing is 404, any other failed transfer 502.
 */
final class FileRoute implements Route {

    private static final Set<String> PARAMETERS = Set.of("path", "format", "name");
    private static final String PAYLOAD = "payload";
    private static final String ARCHIVE = "upload.zip";

    private final ServedVm served;
    private final ServerLimits limits;

    FileRoute(ServedVm served, ServerLimits limits) {
        this.served = served;
        this.limits = limits;
    }

    @Override
    public void handle(Exchange exchange) throws IOException {
        Route.requireMethod(exchange, "GET", "PUT");
        Query query = Query.parse(exchange.getRequestURI(), PARAMETERS);
        String guestPath = GuestPaths.require(query.get("path").orElse(null), served.guest().os());
        boolean zip = zip(query);
        try (ScratchDir scratch = ScratchDir.create()) {
            if (exchange.getRequestMethod().equals("PUT")) {
                put(exchange, scratch, guestPath, zip, uploadName(query));
            } else {
                get(exchange, scratch, guestPath, zip);
            }
        }
    }

    private static boolean zip(Query query) {
        String format = query.get("format").orElse("raw");
        if (!format.equals("raw") && !format.equals("zip")) {
            throw ApiException.badRequest("'format' must be 'zip' (a directory tree) or 'raw' (one file, the default); it is '" + format + "'");
        }
        return format.equals("zip");
    }

    /**
     * The name an upload has on the client ({@code name}, default {@code payload}): into an existing guest directory
     * the upload lands under it, as {@code vm.upload} of that file does. One plain name, nothing that is a path.
     */
    private static String uploadName(Query query) {
        String name = query.get("name").orElse(PAYLOAD);
        boolean plain = !name.isEmpty() && name.length() <= 255 && !name.equals(".") && !name.equals("..")
                && name.chars().noneMatch(c -> c == '/' || c == '\\' || c == ':' || c < 0x20 || c == 0x7f);
        if (!plain) {
            throw ApiException.badRequest("'name' must be one file name (no '/', '\\', ':', control characters, '.' or "
                    + "'..', at most 255 characters); it is '" + name.replaceAll("\\p{Cntrl}", "?") + "'");
        }
        return name;
    }

    private void put(Exchange exchange, ScratchDir scratch, String guestPath, boolean zip, String name) throws IOException {
        Path named = Files.createDirectory(scratch.resolve("in"));
        Path received = zip ? scratch.resolve(ARCHIVE) : named.resolve(name);
        String what = "an upload (" + ServerLimits.MAX_UPLOAD_ENV + ")";
        if (exchange.declaredLength() > limits.maxUploadBytes()) {
            throw HttpBodies.tooLarge(limits.maxUploadBytes(), what);
        }
        try (InputStream body = HttpBodies.limited(exchange.getRequestBody(), limits.maxUploadBytes(), what)) {
            Files.copy(body, received);
        }
        Path upload = received;
        if (zip) {
            upload = named.resolve(name);
            Files.createDirectory(upload);
            ZipTrees.extract(received, upload, limits);
            Files.delete(received);
        }
        Path source = upload;
        served.call("upload to " + guestPath, vm -> {
            vm.upload(source, guestPath);
            return null;
        });
        Json.sendEmpty(exchange, 204);
    }

    private void get(Exchange exchange, ScratchDir scratch, String guestPath, boolean zip) throws IOException {
        Path downloaded = scratch.resolve(PAYLOAD);
        served.call("download of " + guestPath, vm -> {
            vm.download(guestPath, downloaded);
            return null;
        });
        if (!Files.exists(downloaded)) {
            throw ApiException.notFound("The guest has nothing at " + guestPath);
        }
        if (zip != Files.isDirectory(downloaded)) {
            throw new ApiException(409, zip
                    ? guestPath + " is a file, not a directory: ask without format=zip"
                    : guestPath + " is a directory: ask with format=zip for a zip of its tree");
        }
        if (zip) {
            exchange.getResponseHeaders().set("Content-Type", "application/zip");
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream out = exchange.getResponseBody()) {
                ZipTrees.write(downloaded, out);
            }
            return;
        }
        long size = Files.size(downloaded);
        exchange.getResponseHeaders().set("Content-Type", "application/octet-stream");
        exchange.sendResponseHeaders(200, size == 0 ? -1 : size);
        try (OutputStream out = exchange.getResponseBody()) {
            Files.copy(downloaded, out);
        }
    }
}
