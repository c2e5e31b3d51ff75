package dev.osrun.testcontainers;

import com.fasterxml.jackson.databind.JsonNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.containers.ContainerLaunchException;
import org.testcontainers.containers.wait.strategy.AbstractWaitStrategy;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * Waits until {@code GET /v1/health} (with the container's token) answers 200 {@code {"status":"ready"}}. Meanwhile
 * it follows {@code /v1/events} and logs each step of the VM's start (a first start provisions the guest, which
 * takes minutes), and at least every {@link #PROGRESS_EVERY} says what it is still waiting for. It gives up at once
 * when health reports {@code failed} or the container stops, and after the startup timeout otherwise; the
 * exception then holds the container's last log lines.
 */
final class OsrunWaitStrategy extends AbstractWaitStrategy {

    /** How often, at least, the wait says where the start stands. */
    static final Duration PROGRESS_EVERY = Duration.ofSeconds(30);

    private static final Logger log = LoggerFactory.getLogger(OsrunWaitStrategy.class);
    private static final Duration POLL = Duration.ofSeconds(1);
    private static final Duration HEALTH_TIMEOUT = Duration.ofSeconds(30);
    private static final int LOG_TAIL_LINES = 60;

    private final String token;
    private final int port;

    OsrunWaitStrategy(String token, int port) {
        this.token = token;
        this.port = port;
    }

    @Override
    protected void waitUntilReady() {
        URI api = URI.create("http://" + waitStrategyTarget.getHost() + ":" + waitStrategyTarget.getMappedPort(port));
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).version(HttpClient.Version.HTTP_1_1).build();
        long started = System.nanoTime();
        long deadline = started + startupTimeout.toNanos();
        long nextReport = started + PROGRESS_EVERY.toNanos();
        String lastHealth = "no answer yet";
        try (EventFollower events = new EventFollower(http, api, token)) {
            while (true) {
                if (!waitStrategyTarget.isRunning()) {
                    throw failure("The osrun container stopped before its VM was ready (last health: " + lastHealth + ").");
                }
                events.ensureFollowing();
                Health health = health(http, api);
                if (health.ready()) {
                    log.info("The {} VM is ready after {} s", health.guest(), seconds(started));
                    return;
                }
                if (health.failed()) {
                    throw failure("The osrun container's VM did not start: " + health.message());
                }
                lastHealth = health.describe();
                long now = System.nanoTime();
                if (now - deadline > 0) {
                    throw failure("The osrun container's VM was not ready within " + startupTimeout.toSeconds()
                            + " s (last health: " + lastHealth + "; last step: " + events.lastStep() + "). A first start "
                            + "provisions the guest; give it more time with withStartupTimeout(...), or look at the log.");
                }
                if (now - nextReport > 0) {
                    log.info("Waiting for the VM ({} s of {} s): {}; health: {}", seconds(started),
                            startupTimeout.toSeconds(), events.lastStep(), lastHealth);
                    nextReport = now + PROGRESS_EVERY.toNanos();
                }
                LockSupport.parkNanos(POLL.toNanos());
                if (Thread.interrupted()) {
                    Thread.currentThread().interrupt();
                    throw new ContainerLaunchException("Interrupted while waiting for the osrun container's VM");
                }
            }
        }
    }

    private Health health(HttpClient http, URI api) {
        HttpRequest request = HttpRequest.newBuilder(api.resolve("/v1/health")).timeout(HEALTH_TIMEOUT)
                .header("Authorization", "Bearer " + token).GET().build();
        try {
            HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
            JsonNode body = ControlApi.json(response.body());
            if (body == null) {
                return new Health(response.statusCode(), "", "HTTP " + response.statusCode(), "");
            }
            return new Health(response.statusCode(), body.path("status").asText(), body.path("message").asText(""),
                    body.path("guest").asText(""));
        } catch (IOException e) {
            return new Health(0, "", "not answering (" + e.getClass().getSimpleName() + ")", "");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ContainerLaunchException("Interrupted while waiting for the osrun container's VM", e);
        }
    }

    private ContainerLaunchException failure(String message) {
        return new ContainerLaunchException(message + "\nLast lines of the container's log:\n" + logTail());
    }

    private String logTail() {
        try {
            List<String> lines = waitStrategyTarget.getLogs().lines().toList();
            return String.join("\n", lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()));
        } catch (RuntimeException e) {
            return "(the log could not be read: " + e.getMessage() + ")";
        }
    }

    private static long seconds(long since) {
        return Duration.ofNanos(System.nanoTime() - since).toSeconds();
    }

    /** One answer of {@code /v1/health}. */
    private record Health(int status, String state, String message, String guest) {
        boolean ready() {
            return status == 200 && state.equals("ready");
        }

        boolean failed() {
            return state.equals("failed");
        }

        String describe() {
            return (state.isEmpty() ? "" : state + ": ") + message;
        }
    }
}
