package dev.osrun.server;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A request that cannot be served, with the HTTP status and the message the client gets as
 * {@code {"error": message, ...extra}}. Thrown by handlers before they start a response.
 */
final class ApiException extends RuntimeException {

    private final int status;
    private final Map<String, Object> extra;
    private final Map<String, String> headers;

    ApiException(int status, String message) {
        this(status, message, Map.of(), Map.of());
    }

    ApiException(int status, String message, Map<String, Object> extra, Map<String, String> headers) {
        super(message);
        this.status = status;
        this.extra = Map.copyOf(extra);
        this.headers = Map.copyOf(headers);
    }

    static ApiException badRequest(String message) {
        return new ApiException(400, message);
    }

    static ApiException notFound(String message) {
        return new ApiException(404, message);
    }

    static ApiException methodNotAllowed(String method, String path, String... allowed) {
        String allow = String.join(", ", allowed);
        return new ApiException(405, method + " is not allowed on " + path + ". Allowed: " + allow + ".",
                Map.of(), Map.of("Allow", allow));
    }

    /** The HTTP status to answer with. */
    int status() {
        return status;
    }

    /** The JSON body: the message under {@code error}, then the extra fields. */
    Map<String, Object> body() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", getMessage());
        body.putAll(extra);
        return body;
    }

    /** Headers to add to the error response ({@code Allow}, {@code WWW-Authenticate}). */
    Map<String, String> headers() {
        return headers;
    }
}
