package dev.osrun.server;

import java.io.IOException;

/**
 * One resource of the control API. A route either completes the response or throws before starting it; the
 * {@link Router} turns what it throws into a JSON error.
 */
@FunctionalInterface
interface Route {

    /** Serves one authenticated request. */
    void handle(Exchange exchange) throws IOException;

    /** @throws ApiException 405 unless the request's method is one of {@code allowed} */
    static void requireMethod(Exchange exchange, String... allowed) {
        for (String method : allowed) {
            if (method.equals(exchange.getRequestMethod())) {
                return;
            }
        }
        throw ApiException.methodNotAllowed(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(), allowed);
    }
}
