package dev.osrun.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** A small client of the control API for tests: java.net.http with the bearer token, JSON and NDJSON helpers. */
public final class ApiClient {

    public static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private final URI base;
    private final String token;

    public ApiClient(int port, String token) {
        this(URI.create("http://127.0.0.1:" + port), token);
    }

    /** A client of the API at {@code base} (a container's mapped port, say). */
    public ApiClient(URI base, String token) {
        this.base = base;
        this.token = token;
    }

    /** A request to {@code pathAndQuery} with the token (or none, when this client's token is null). */
    public HttpRequest.Builder request(String pathAndQuery) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(base.resolve(pathAndQuery)).timeout(Duration.ofMinutes(2));
        return token == null ? builder : builder.header("Authorization", "Bearer " + token);
    }

    public HttpResponse<byte[]> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public HttpResponse<byte[]> send(String method, String pathAndQuery, byte[] body) {
        HttpRequest.BodyPublisher publisher = body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body);
        return send(request(pathAndQuery).method(method, publisher).build());
    }

    public HttpResponse<byte[]> get(String pathAndQuery) {
        return send("GET", pathAndQuery, null);
    }

    public HttpResponse<byte[]> postJson(String path, String json) {
        return send(request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build());
    }

    /** Starts an exec and returns its frames as they arrive, one JSON object per line. */
    public HttpResponse<Stream<String>> execStreaming(String json) {
        try {
            return http.send(request("/v1/exec").header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofLines());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Runs an exec to its end and returns every frame. */
    public List<JsonNode> exec(String json) {
        HttpResponse<Stream<String>> response = execStreaming(json);
        if (response.statusCode() != 200) {
            throw new AssertionError("Expecting exec to answer 200 but was " + response.statusCode() + ": "
                    + String.join("\n", response.body().toList()));
        }
        try (Stream<String> lines = response.body()) {
            return lines.map(ApiClient::parse).toList();
        }
    }

    /** Opens the event stream; its {@code data:} payloads arrive in the returned queue. */
    public Events events() {
        try {
            HttpResponse<Stream<String>> response = http.send(request("/v1/events").build(), HttpResponse.BodyHandlers.ofLines());
            return new Events(response);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static String path(String guestPath) {
        return URLEncoder.encode(guestPath, StandardCharsets.UTF_8);
    }

    public static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new AssertionError("Not JSON: " + json, e);
        }
    }

    public static JsonNode parse(byte[] json) {
        return parse(new String(json, StandardCharsets.UTF_8));
    }

    /** What an exec's frames add up to. */
    public record Frames(String stdout, String stderr, JsonNode last, int count) {
        public static Frames of(List<JsonNode> frames) {
            StringBuilder out = new StringBuilder();
            StringBuilder err = new StringBuilder();
            for (JsonNode frame : frames.subList(0, frames.size() - 1)) {
                if (frame.has("stdout")) {
                    out.append(frame.get("stdout").asText());
                } else if (frame.has("stderr")) {
                    err.append(frame.get("stderr").asText());
                } else {
                    throw new AssertionError("Expecting only stdout and stderr frames before the last but found " + frame);
                }
            }
            return new Frames(out.toString(), err.toString(), frames.get(frames.size() - 1), frames.size());
        }
    }

    /** An open event stream. */
    public static final class Events implements AutoCloseable {
        public final HttpResponse<Stream<String>> response;
        final BlockingQueue<JsonNode> received = new LinkedBlockingQueue<>();
        final List<String> lines = new ArrayList<>();
        private final Thread reader;
        volatile boolean ended;

        Events(HttpResponse<Stream<String>> response) {
            this.response = response;
            this.reader = new Thread(() -> {
                try (Stream<String> body = response.body()) {
                    body.forEach(line -> {
                        synchronized (lines) {
                            lines.add(line);
                        }
                        if (line.startsWith("data: ")) {
                            received.add(parse(line.substring(6)));
                        }
                    });
                } catch (RuntimeException e) {
                    // the stream was cut: the test looks at 'ended'
                } finally {
                    ended = true;
                }
            }, "test-events-reader");
            reader.setDaemon(true);
            reader.start();
        }

        /** Waits for the next event whose type (and message, if given) match; fails after {@code timeout}. */
        public JsonNode await(String type, String message, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            List<JsonNode> seen = new ArrayList<>();
            while (System.nanoTime() < deadline) {
                JsonNode event = received.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (event == null) {
                    break;
                }
                seen.add(event);
                if (event.path("type").asText().equals(type)
                        && (message == null || event.path("message").asText().equals(message))) {
                    return event;
                }
            }
            throw new AssertionError("Expecting an event of type '" + type + "'" + (message == null ? "" : " with message '" + message + "'")
                    + " within " + timeout + " but saw " + seen + (ended ? " and the stream ended" : ""));
        }

        /** Waits until the server ends the stream. */
        public boolean awaitEnd(Duration timeout) throws InterruptedException {
            reader.join(timeout.toMillis());
            return ended;
        }

        @Override
        public void close() {
            reader.interrupt();
            response.body().close();
        }
    }
}
