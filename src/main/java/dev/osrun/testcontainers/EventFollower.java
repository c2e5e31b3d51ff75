package dev.osrun.testcontainers;

import com.fasterxml.jackson.databind.JsonNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * Follows {@code GET /v1/events} (server-sent events) on a daemon thread while a container starts, and logs each
 * status step the server publishes ({@code launching}, {@code provisioning}, …, with a percentage when an event has
 * one). Reconnects when asked after the stream broke (the server may not be listening yet).
 */
final class EventFollower implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EventFollower.class);
    private static final AtomicInteger THREADS = new AtomicInteger();

    private final HttpClient http;
    private final URI api;
    private final String token;
    private volatile String lastStep = "no event yet";
    private volatile Thread follower;
    private volatile InputStream stream;
    private volatile boolean closed;

    EventFollower(HttpClient http, URI api, String token) {
        this.http = http;
        this.api = api;
        this.token = token;
    }

    /** Starts following, unless a follower runs already. */
    void ensureFollowing() {
        Thread current = follower;
        if (closed || (current != null && current.isAlive())) {
            return;
        }
        Thread thread = new Thread(this::follow, "osrun-events-" + THREADS.incrementAndGet());
        thread.setDaemon(true);
        follower = thread;
        thread.start();
    }

    /** The last step the server reported, in words. */
    String lastStep() {
        return lastStep;
    }

    private void follow() {
        HttpRequest request = HttpRequest.newBuilder(api.resolve("/v1/events"))
                .header("Authorization", "Bearer " + token).header("Accept", "text/event-stream").GET().build();
        try {
            HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
            stream = response.body();
            if (response.statusCode() != 200 || closed) {
                response.body().close();
                return;
            }
            try (Stream<String> lines = new java.io.BufferedReader(new java.io.InputStreamReader(response.body(),
                    java.nio.charset.StandardCharsets.UTF_8)).lines()) {
                lines.filter(line -> line.startsWith("data:")).forEach(line -> event(line.substring(5).strip()));
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            log.debug("The event stream ended: {}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void event(String data) {
        JsonNode event = ControlApi.json(data.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        if (event == null || closed) {
            return;
        }
        String type = event.path("type").asText();
        if (!type.equals("status") && !type.equals("crashed")) {
            return;
        }
        String step = event.path("message").asText(type);
        String detail = event.path("detail").asText("");
        String percent = event.path("percent").isNumber() ? " " + event.get("percent").asInt() + "%" : "";
        lastStep = step + percent + (detail.isEmpty() ? "" : " (" + detail + ")");
        if (type.equals("crashed")) {
            log.warn("osrun: the VM crashed: {}", step);
        } else if (!step.equals("ready")) {
            log.info("osrun: {}", lastStep);
        }
    }

    @Override
    public void close() {
        closed = true;
        InputStream current = stream;
        if (current != null) {
            try {
                current.close();
            } catch (IOException e) {
                log.debug("Closing the event stream: {}", e.toString());
            }
        }
        Thread thread = follower;
        if (thread != null) {
            thread.interrupt();
        }
    }
}
