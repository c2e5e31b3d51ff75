package dev.osrun.testcontainers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.osrun.OsrunException;
import dev.osrun.VmCrashedException;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;

/**
 * The transport under {@link RemoteVm}: requests to osrun's control API with the bearer token, and its error
 * answers ({@code {"error": "..."}}) turned into osrun's exceptions.
 */
final class ControlApi {

    /** Jackson, shared: configured once, thread-safe. */
    static final ObjectMapper JSON = new ObjectMapper();

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(20);
    /** Until the response starts: a Windows snapshot or a large file can take minutes. */
    private static final Duration RESPONSE_TIMEOUT = Duration.ofMinutes(30);
    private static final String SERIAL_MARKER = "\nLast lines of the serial log:\n";
    private static final String SERIAL_EMPTY = "\n(the serial log is empty)";
    private static final int BODY_IN_MESSAGE = 2000;

    private final URI base;
    private final String token;
    private final HttpClient http;

    ControlApi(URI base, String token) {
        this.base = Objects.requireNonNull(base, "base");
        this.token = Objects.requireNonNull(token, "token");
        this.http = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).version(HttpClient.Version.HTTP_1_1).build();
    }

    /** The API's base address. */
    URI base() {
        return base;
    }

    /** A request for {@code pathAndQuery} that carries the token. */
    HttpRequest.Builder request(String pathAndQuery) {
        return HttpRequest.newBuilder(base.resolve(pathAndQuery))
                .timeout(RESPONSE_TIMEOUT)
                .header("Authorization", "Bearer " + token);
    }

    /**
     * Sends a request.
     *
     * @throws OsrunException when the API cannot be reached; {@code what} says what was being done
     */
    <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler, String what) {
        try {
            return http.send(request, handler);
        } catch (IOException e) {
            throw new OsrunException("Could not " + what + ": the control API at " + base + " did not answer (" + e
                    + "). Is the osrun container still running? Its log says why it stopped.", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OsrunException("Interrupted while trying to " + what, e);
        }
    }

    /**
     * Sends a request and returns the body of a response with status {@code expected}.
     *
     * @throws OsrunException (or a subtype, see {@link #error}) for any other status
     */
    byte[] call(HttpRequest request, String what, int expected) {
        HttpResponse<byte[]> response = send(request, HttpResponse.BodyHandlers.ofByteArray(), what);
        if (response.statusCode() != expected) {
            throw error(what, response.statusCode(), response.body());
        }
        return response.body();
    }

    /**
     * The exception for an error answer: {@link VmCrashedException} (with the serial tail) when the VM is gone,
     * otherwise an {@link OsrunException} whose message holds the status and the API's message.
     */
    OsrunException error(String what, int status, byte[] body) {
        String message = message(body);
        if (status == 503) {
            VmCrashedException crash = crash(message);
            if (crash != null) {
                return crash;
            }
        }
        String hint = switch (status) {
            case 401, 403 -> " The token was refused: use the one the container was started with (OsrunContainer.getToken()).";
            case 409, 503 -> " The VM is busy, starting or gone; GET /v1/health says which.";
            case 413 -> " The request body is larger than the server accepts.";
            default -> "";
        };
        return new OsrunException("Could not " + what + ": the control API answered HTTP " + status + ": " + message + hint);
    }

    /** A crash report in an error message, or null when the message reports something else. */
    static VmCrashedException crash(String message) {
        int marker = message.indexOf(SERIAL_MARKER);
        if (marker >= 0) {
            return new VmCrashedException(message.substring(0, marker), null, message.substring(marker + SERIAL_MARKER.length()));
        }
        if (message.endsWith(SERIAL_EMPTY)) {
            return new VmCrashedException(message.substring(0, message.length() - SERIAL_EMPTY.length()), null, "");
        }
        return null;
    }

    /** The parsed JSON of an error body, or null when it is not JSON. */
    static JsonNode json(byte[] body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            return null;
        }
    }

    /** The {@code error} field of a JSON error body, else the body itself (shortened). */
    static String message(byte[] body) {
        JsonNode json = json(body);
        if (json != null && json.path("error").isTextual()) {
            return json.get("error").asText();
        }
        if (json != null && json.path("error").path("message").isTextual()) {
            return json.get("error").get("message").asText();
        }
        String text = new String(body, StandardCharsets.UTF_8).strip();
        if (text.isEmpty()) {
            return "(empty body)";
        }
        return text.length() <= BODY_IN_MESSAGE ? text : text.substring(0, BODY_IN_MESSAGE) + "…";
    }

    /** Encodes a query parameter's value. */
    static String query(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    /** Encodes one path segment (a snapshot name): {@code +} and spaces survive the server's decoding. */
    static String segment(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
