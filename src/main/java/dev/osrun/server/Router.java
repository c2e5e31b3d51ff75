package dev.osrun.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.osrun.ExecTimeoutException;
import dev.osrun.GuestNotRespondingException;
import dev.osrun.OsrunException;
import dev.osrun.SnapshotNotFoundException;
import dev.osrun.VmCrashedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.Map;

/**
 * The control API's single handler: checks the bearer token, picks the route by path and turns whatever a route
 * throws before it started its response into a JSON error with the right status. Stack traces stay in the log.
 */
final class Router implements HttpHandler {

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
    public void handle(HttpExchange exchange) {
        try {
            auth.check(exchange);
            String path = exchange.getRequestURI().getRawPath();
            if (path.equals("/v1/events")) {
                Route.requireMethod(exchange, "GET");
                events.subscribe(exchange);
                return; // the event stream closes the exchange when the client goes
            }
            route(path).handle(exchange);
            exchange.close();
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
        throw ApiException.notFound("No such endpoint: " + path + ". The control API offers /v1/health, /v1/exec, "
                + "/v1/files, /v1/snapshots, /v1/screenshot and /v1/events.");
    }

    private void fail(HttpExchange exchange, Throwable e) {
        try {
            if (exchange.getResponseCode() != -1) {
                // The response has started: all we can do is cut it short.
                log.debug("{} {} failed after its response started", exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(), e);
                return;
            }
            ApiException error = toApiError(exchange, e);
            error.headers().forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
            Json.send(exchange, error.status(), error.body());
        } catch (IOException | RuntimeException sendFailed) {
            log.debug("Could not send the error response", sendFailed);
        } finally {
            exchange.close();
        }
    }

    private static ApiException toApiError(HttpExchange exchange, Throwable e) {
        if (e instanceof ApiException api) {
            return api;
        }
        if (e instanceof SnapshotNotFoundException missing) {
            return new ApiException(404, missing.getMessage(), Map.of("existing", missing.existing()), Map.of());
        }
        if (e instanceof VmCrashedException || e instanceof GuestNotRespondingException) {
            return new ApiException(503, e.getMessage());
        }
        if (e instanceof IllegalArgumentException) {
            return ApiException.badRequest(e.getMessage());
        }
        if (e instanceof ExecTimeoutException || e instanceof OsrunException) {
            return new ApiException(500, e.getMessage());
        }
        log.warn("{} {} failed", exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(), e);
        return new ApiException(500, "Internal error (" + e.getClass().getSimpleName() + "): " + e.getMessage()
                + ". The server's log has the details.");
    }
}
