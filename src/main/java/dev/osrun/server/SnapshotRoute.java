package dev.osrun.server;

import dev.osrun.SnapshotInfo;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * {@code /v1/snapshots}: {@code GET} lists them ({@code [{"name","vmStateBytes","created"}]});
 * {@code POST /v1/snapshots/{name}} saves one (201); {@code POST /v1/snapshots/{name}/restore} restores it (204);
 * {@code DELETE /v1/snapshots/{name}} deletes it (204). An unknown name is 404 with the {@code existing} ones,
 * an invalid name 400.
 */
final class SnapshotRoute implements Route {

    private static final String PREFIX = "/v1/snapshots";

    private final ServedVm served;

    SnapshotRoute(ServedVm served) {
        this.served = served;
    }

    @Override
    public void handle(Exchange exchange) throws IOException {
        String path = exchange.getRequestURI().getRawPath();
        if (path.equals(PREFIX)) {
            Route.requireMethod(exchange, "GET");
            List<Map<String, Object>> list = served.call("listing the snapshots", vm -> vm.snapshots()).stream().map(SnapshotRoute::json).toList();
            Json.send(exchange, 200, list);
            return;
        }
        String[] segments = path.substring(PREFIX.length() + 1).split("/", -1);
        String name = decode(segments[0]);
        if (segments.length == 1) {
            Route.requireMethod(exchange, "POST", "DELETE");
            if (exchange.getRequestMethod().equals("POST")) {
                SnapshotInfo saved = served.call("saving snapshot '" + name + "'", vm -> vm.saveSnapshot(name));
                exchange.getResponseHeaders().set("Location", PREFIX + "/" + segments[0]);
                Json.send(exchange, 201, json(saved));
            } else {
                served.call("deleting snapshot '" + name + "'", vm -> {
                    vm.deleteSnapshot(name);
                    return null;
                });
                Json.sendEmpty(exchange, 204);
            }
            return;
        }
        if (segments.length == 2 && segments[1].equals("restore")) {
            Route.requireMethod(exchange, "POST");
            served.call("restoring snapshot '" + name + "'", vm -> {
                vm.restoreSnapshot(name);
                return null;
            });
            Json.sendEmpty(exchange, 204);
            return;
        }
        throw ApiException.notFound("No such endpoint: " + path + ". Snapshots are at /v1/snapshots, /v1/snapshots/{name} "
                + "and /v1/snapshots/{name}/restore.");
    }

    private static String decode(String segment) {
        try {
            return URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("The snapshot name is not properly percent-encoded: " + e.getMessage());
        }
    }

    private static Map<String, Object> json(SnapshotInfo snapshot) {
        return Json.object("name", snapshot.name(), "vmStateBytes", snapshot.vmStateBytes(), "created", snapshot.created().toString());
    }
}
