package dev.osrun.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/** Reading JSON request bodies and writing JSON responses and frames. */
final class Json {

    private static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxStringLength(Integer.MAX_VALUE / 2).maxNestingDepth(64).build())
            .build());

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
    static void send(Exchange exchange, int status, Object body) throws IOException {
        byte[] bytes = bytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** Sends an empty response with this status (204, say). */
    static void sendEmpty(Exchange exchange, int status) throws IOException {
        exchange.sendResponseHeaders(status, -1);
    }

    /**
     * Reads the request body as one JSON value of at most {@code limit} bytes.
     *
     * @param what how the limit is named in a 413 ("the JSON body (OSRUN_MAX_JSON_BYTES)", say)
     * @throws ApiException 400 when it is not JSON, 413 when it is larger than {@code limit}
     */
    static JsonNode read(Exchange exchange, long limit, String what) throws IOException {
        return parse(readBytes(exchange, limit, what));
    }

    /** Reads a whole (small) request body, refusing it with 413 beyond {@code limit} bytes. */
    static byte[] readBytes(Exchange exchange, long limit, String what) throws IOException {
        if (exchange.declaredLength() > limit) {
            throw HttpBodies.tooLarge(limit, what);
        }
        try (InputStream in = HttpBodies.limited(exchange.getRequestBody(), limit, what)) {
            return in.readAllBytes();
        }
    }

    /** Parses JSON bytes. @throws ApiException 400 when they are empty or not JSON */
    static JsonNode parse(byte[] body) {
        if (body.length == 0) {
            throw ApiException.badRequest("The request needs a JSON body");
        }
        try {
            return MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("The request body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw ApiException.badRequest("The request body cannot be read as JSON: " + e.getMessage());
        }
    }
}
