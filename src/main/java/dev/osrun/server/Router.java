package dev.osrun.server;

import dev.osrun.ExecTimeoutException;
import dev.osrun.GuestNotRespondingException;
import dev.osrun.GuestPathNotFoundException;
import dev.osrun.InvalidInputException;
import dev.osrun.SnapshotReadOnlyException;
import dev.osrun.VmBrokenException;
import dev.osrun.OsrunException;
import dev.osrun.SnapshotNotFoundException;
import dev.osrun.VmClosedException;
import dev.osrun.VmCrashedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.Map;

/**
 * The control API's single handler: checks the bearer token before anything else (no body is read without it),
 * picks the route by path and turns whatever a route throws before it started its response into a JSON error
 * with the right status. Stack traces stay in the log.
 *
 * <p>Statuses: 400 bad input; 401 no or wrong token; 404 no such endpoint, guest path or snapshot; 405 wrong
 * method; 408 a body that stalled; 409 the VM is busy with another request; 413 too large; 502 the guest or QEMU
 * failed what was asked (a guest copy that exited non-zero, a monitor command refused); 503 the VM is starting,
 * gone, closed or not responding, or too many connections; 500 only for a bug in osrun.
 */
final class Router implements HttpListener.Handler {

    private static final Logger log = LoggerFactory.getLogger(Router.class);
    private static final String SNAPSHOTS = "/v1/snapshots";

    private final Auth auth;
    private final Map<String, Route> routes;
    private final Route snapshots;
    private final EventStream events;

    Router(Auth auth, Map<String, Route> routes, Route snapshots, EventStream events) {
        this.auth = auth;
        this.routes = Map.copyOf(routes);
        this.snapshots = snapshots;
        this.events = events;
    }

    @Override
    public void handle(Exchange exchange) {
        try {
            auth.check(exchange);
            String path = exchange.getRequestURI().getRawPath();
            if (path.equals("/v1/events")) {
                Route.requireMethod(exchange, "GET");
                events.subscribe(exchange); // returns when the stream ends
                return;
            }
            route(path).handle(exchange);
        } catch (Exception e) {
            fail(exchange, e);
        } catch (Error e) {
            fail(exchange, e);
            throw e;
        }
    }

    private Route route(String path) {
        Route route = routes.get(path);
        if (route != null) {
            return route;
        }
        if (path.equals(SNAPSHOTS) || path.startsWith(SNAPSHOTS + "/")) {
            return snapshots;
        }
        throw ApiException.notFound("No such endpoint: " + printable(path) + ". The control API offers /v1/health, /v1/exec, "
                + "/v1/files, /v1/snapshots, /v1/screenshot and /v1/events.");
    }

    private static String printable(String text) {
        String shown = text.length() > 200 ? text.substring(0, 200) + "…" : text;
        return shown.replaceAll("\\p{Cntrl}", "?");
    }

    private void fail(Exchange exchange, Throwable e) {
        if (exchange.getResponseCode() != -1) {
            // The response has started: all we can do is cut it short.
            log.debug("{} {} failed after its response started", exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(), e);
            return;
        }
        ApiException error = toApiError(exchange, e);
        try {
            error.headers().forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
            Json.send(exchange, error.status(), error.body());
        } catch (IOException | RuntimeException sendFailed) {
            log.debug("Could not send the error response", sendFailed);
        }
    }

    /** The status and message for what a route threw. */
    static ApiException toApiError(Exchange exchange, Throwable e) {
        if (e instanceof ApiException api) {
            return api;
        }
        if (e instanceof SnapshotNotFoundException missing) {
            return new ApiException(404, missing.getMessage(), Map.of("existing", missing.existing()), Map.of());
        }
        if (e instanceof GuestPathNotFoundException) {
            return new ApiException(404, e.getMessage());
        }
        if (e instanceof InvalidInputException || e instanceof IllegalArgumentException) {
            return ApiException.badRequest(e.getMessage());
        }
        if (e instanceof SnapshotReadOnlyException) {
            return new ApiException(409, e.getMessage());
        }
        if (e instanceof VmCrashedException || e instanceof GuestNotRespondingException || e instanceof VmClosedException
                || e instanceof VmBrokenException) {
            return new ApiException(503, e.getMessage());
        }
        if (e instanceof ExecTimeoutException) {
            return new ApiException(503, e.getMessage());
        }
        if (e instanceof OsrunException) {
            return new ApiException(502, e.getMessage());
        }
        log.warn("{} {} failed", exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(), e);
        return new ApiException(500, "Internal error in osrun (" + e.getClass().getSimpleName() + "): " + e.getMessage()
                + ". The server's log has the details; please report it.");
    }
}
