package dev.osrun.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/** Reading JSON request bodies and writing JSON responses and frames. */
final class Json {

    /** The largest JSON request body accepted (an exec's base64 stdin included). */
    static final int MAX_REQUEST_BYTES = 64 * 1024 * 1024;

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {
    }

    /** An ordered JSON object from alternating names and values. */
    static Map<String, Object> object(Object... namesAndValues) {
        Map<String, Object> object = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            object.put((String) namesAndValues[i], namesAndValues[i + 1]);
        }
        return object;
    }

    /** {@code value} as UTF-8 JSON bytes. */
    static byte[] bytes(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("Cannot write " + value.getClass().getSimpleName() + " as JSON", e);
        }
    }

    /** Sends {@code body} as the whole JSON response with this status. */
    static void send(HttpExchange exchange, int status, Object body) throws IOException {
        byte[] bytes = bytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** Sends an empty response with this status (204, say). */
    static void sendEmpty(HttpExchange exchange, int status) throws IOException {
        exchange.sendResponseHeaders(status, -1);
        exchange.close();
    }

    /**
     * Reads the request body as one JSON value.
     *
     * @throws ApiException 400 when it is not JSON, 413 when it is larger than {@link #MAX_REQUEST_BYTES}
     */
    static JsonNode read(HttpExchange exchange) throws IOException {
        byte[] body;
        try (InputStream in = exchange.getRequestBody()) {
            body = in.readNBytes(MAX_REQUEST_BYTES + 1);
        }
        if (body.length > MAX_REQUEST_BYTES) {
            throw new ApiException(413, "The request body is larger than " + MAX_REQUEST_BYTES + " bytes");
        }
        if (body.length == 0) {
            throw ApiException.badRequest("The request needs a JSON body");
        }
        try {
            return MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("The request body is not valid JSON: " + e.getOriginalMessage());
        }
    }
}
