package dev.osrun.server;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * {@code GET /v1/events}: a server-sent event stream of JSON events ({@code {"type":"status","message":"ready"}},
 * {@code {"type":"crashed",...}}, {@code {"type":"exec",...}}).
 *
 * <p>A new client first gets the latest status or crash event, then every event published after it. Each client
 * is served by its connection's thread; a client that stops reading is dropped when its queue fills (or when the
 * server's write watchdog gives up on it). {@link #close()} ends every stream once it has
 * sent the events published before (the last "stopping" status among them).
 */
final class EventStream implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EventStream.class);
    private static final int MAX_CLIENTS = 32;
    private static final int QUEUE_LIMIT = 1024;
    private static final Duration KEEPALIVE = Duration.ofSeconds(15);
    private static final Map<String, Object> END = new java.util.HashMap<>(); // compared by identity

    private final Set<Client> clients = ConcurrentHashMap.newKeySet();
    private Map<String, Object> latestState;
    private boolean closed;

    /** Sends {@code event} to every connected client; status and crash events are also kept for later clients. */
    synchronized void publish(Map<String, Object> event) {
        if (closed) {
            return;
        }
        Object type = event.get("type");
        if ("status".equals(type) || "crashed".equals(type)) {
            latestState = event;
        }
        for (Client client : clients) {
            client.offer(event);
        }
    }

    /**
     * Streams to this exchange on the calling thread (the connection's own) until the client goes away or the
     * stream closes.
     *
     * @throws ApiException 503 when too many clients are connected or the server is stopping
     */
    void subscribe(Exchange exchange) throws IOException {
        Client client;
        synchronized (this) {
            if (closed) {
                throw new ApiException(503, "The server is stopping");
            }
            if (clients.size() >= MAX_CLIENTS) {
                throw new ApiException(503, "Too many event stream clients (at most " + MAX_CLIENTS + ")");
            }
            exchange.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
            exchange.getResponseHeaders().set("Cache-Control", "no-store");
            exchange.sendResponseHeaders(200, 0);
            client = new Client(exchange);
            clients.add(client);
            if (latestState != null) {
                client.offer(latestState);
            }
        }
        client.run();
    }

    /** The number of connected clients. */
    int clientCount() {
        return clients.size();
    }

    /** Ends every stream after the events already queued for it; publishing afterwards does nothing. */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        for (Client client : clients) {
            client.finish();
        }
    }

    private final class Client {
        private final Exchange exchange;
        private final BlockingQueue<Map<String, Object>> queue = new LinkedBlockingQueue<>(QUEUE_LIMIT);

        Client(Exchange exchange) {
            this.exchange = exchange;
        }

        void offer(Map<String, Object> event) {
            if (!queue.offer(event)) {
                log.debug("Dropping an event stream client that stopped reading");
                end();
            }
        }

        /** Ends the stream at once, dropping what is queued (a client that stopped reading). */
        void end() {
            queue.clear();
            queue.offer(END);
        }

        /** Ends the stream after the events already queued, such as the last "stopping" status. */
        void finish() {
            if (!queue.offer(END)) {
                end();
            }
        }

        void run() {
            try (OutputStream out = exchange.getResponseBody()) {
                while (true) {
                    Map<String, Object> event = queue.poll(KEEPALIVE.toMillis(), TimeUnit.MILLISECONDS);
                    if (event == END) {
                        return;
                    }
                    byte[] frame = event == null
                            ? ": keepalive\n\n".getBytes(StandardCharsets.UTF_8)
                            : ("data: " + new String(Json.bytes(event), StandardCharsets.UTF_8) + "\n\n").getBytes(StandardCharsets.UTF_8);
                    out.write(frame);
                    out.flush();
                }
            } catch (IOException e) {
                log.debug("An event stream client went away: {}", e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                clients.remove(this);
            }
        }
    }
}
