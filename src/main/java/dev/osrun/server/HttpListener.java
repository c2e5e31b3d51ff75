package dev.osrun.server;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The control API's HTTP/1.1 server: one thread per connection, one request per connection. It exists because
 * the JDK's built-in server has no per-server header or body timeouts and no connection limit.
 *
 * <ul>
 *   <li>At most {@link ServerLimits#maxConnections()} connections are served. When all are taken, a new one
 *       replaces the connection that has spent longest sending its request head (slow clients cannot lock others
 *       out); when all are busy with requests, a few more are accepted for {@code GET /v1/health} alone (others
 *       get 503), and beyond those a connection gets a 503 at once.</li>
 *   <li>The request line and headers must arrive within {@link ServerLimits#headerTimeout()} (then 408) and
 *       fit in 16 KiB (then 431); a body may stall at most {@link ServerLimits#bodyIdleTimeout()}.</li>
 *   <li>A watchdog closes a connection whose client has not taken a write for {@link ServerLimits#writeTimeout()}.</li>
 * </ul>
 */
final class HttpListener implements AutoCloseable {

    /** What serves one parsed request. */
    interface Handler {
        /** Serves the exchange; the listener ends the response and closes the connection afterwards. */
        void handle(Exchange exchange);
    }

    static final String HEALTH = "/v1/health";
    private static final Logger log = LoggerFactory.getLogger(HttpListener.class);
    private static final int HEALTH_RESERVE = 4;
    private static final Duration RESERVE_HEADER_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration EVICT_WAIT = Duration.ofSeconds(2);

    private final ServerSocket server;
    private final ServerLimits limits;
    private final Handler handler;
    private final Semaphore slots;
    private final Semaphore reserve = new Semaphore(HEALTH_RESERVE);
    private final Set<HttpConnection> open = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService watchdog;
    private final Thread acceptor;
    private volatile boolean closed;

    private HttpListener(ServerSocket server, ServerLimits limits, Handler handler) {
        this.server = server;
        this.limits = limits;
        this.handler = handler;
        this.slots = new Semaphore(limits.maxConnections());
        this.watchdog = Executors.newSingleThreadScheduledExecutor(runnable -> HttpConnection.daemon(runnable, "osrun-api-watchdog"));
        this.acceptor = HttpConnection.daemon(this::acceptLoop, "osrun-api-accept");
    }

    /** Listens on {@code address} and starts accepting. */
    static HttpListener start(InetSocketAddress address, ServerLimits limits, Handler handler) throws IOException {
        ServerSocket socket = new ServerSocket();
        try {
            socket.setReuseAddress(true);
            socket.bind(address, 128);
        } catch (IOException e) {
            socket.close();
            throw e;
        }
        HttpListener listener = new HttpListener(socket, limits, handler);
        listener.watchdog.scheduleWithFixedDelay(listener::checkWriters, 250, 250, TimeUnit.MILLISECONDS);
        listener.acceptor.start();
        return listener;
    }

    /** The address listened on. */
    InetSocketAddress address() {
        return new InetSocketAddress(server.getInetAddress(), server.getLocalPort());
    }

    /** The connections open now. */
    int openConnections() {
        return open.size();
    }

    private void acceptLoop() {
        while (!closed) {
            Socket socket;
            try {
                socket = server.accept();
            } catch (IOException e) {
                if (!closed) {
                    log.warn("The control API stopped accepting connections: {}", e.toString());
                }
                return;
            }
            if (slots.tryAcquire() || evictSlowestHead()) {
                spawn(socket, false, slots);
            } else if (reserve.tryAcquire()) {
                spawn(socket, true, reserve);
            } else {
                refuseAtOnce(socket);
            }
        }
    }

    /**
     * When every slot is taken, closes the connection that has spent longest sending its request head (a slow or
     * idle client that has not even been authenticated), so that it cannot lock out others, and takes its slot.
     */
    private boolean evictSlowestHead() {
        HttpConnection slowest = null;
        for (HttpConnection connection : open) {
            long since = connection.headSince();
            if (since != 0 && !connection.reserved() && (slowest == null || since - slowest.headSince() < 0)) {
                slowest = connection;
            }
        }
        if (slowest == null) {
            return false;
        }
        log.debug("All {} connections are taken: closing the one that has sent its head longest", limits.maxConnections());
        slowest.close();
        try {
            return slots.tryAcquire(EVICT_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void spawn(Socket socket, boolean healthOnly, Semaphore slot) {
        HttpConnection connection;
        try {
            connection = new HttpConnection(socket, healthOnly, limits);
        } catch (IOException e) {
            slot.release();
            HttpConnection.closeQuietly(socket);
            return;
        }
        open.add(connection);
        try {
            HttpConnection.daemon(() -> {
                try {
                    serve(connection, healthOnly);
                } finally {
                    connection.close();
                    forget(connection);
                    slot.release();
                }
            }, HttpConnection.threadName("osrun-api-")).start();
        } catch (RuntimeException | OutOfMemoryError e) {
            connection.close();
            forget(connection);
            slot.release();
            log.warn("Could not start a thread for a control API connection: {}", e.toString());
        }
    }

    private void forget(HttpConnection connection) {
        synchronized (open) {
            open.remove(connection);
            open.notifyAll();
        }
    }

    private void refuseAtOnce(Socket socket) {
        try (socket) {
            socket.setSoLinger(true, 0);
            byte[] body = Json.bytes(Json.object("error", tooManyMessage()));
            OutputStream out = socket.getOutputStream();
            out.write(("HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 1\r\n"
                    + "Content-Type: application/json; charset=utf-8\r\nContent-Length: " + body.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(body);
        } catch (IOException e) {
            log.debug("Could not refuse a connection: {}", e.toString());
        }
    }

    private String tooManyMessage() {
        return "The control API serves at most " + limits.maxConnections() + " connections at once and has that many "
                + "open; retry shortly, or raise " + ServerLimits.MAX_CONNECTIONS_ENV + ".";
    }

    private void serve(HttpConnection connection, boolean healthOnly) {
        Exchange exchange;
        try {
            exchange = connection.readHead(healthOnly ? RESERVE_HEADER_TIMEOUT : limits.headerTimeout());
        } catch (HttpConnection.HeadException e) {
            connection.answer(e.status, e.getMessage());
            return;
        } catch (IOException e) {
            log.debug("A control API client went away before its request was read: {}", e.toString());
            return;
        }
        if (exchange == null) {
            return; // the client connected and left
        }
        if (healthOnly && !exchange.getRequestURI().getRawPath().equals(HEALTH)) {
            connection.answer(503, tooManyMessage());
            return;
        }
        try {
            handler.handle(exchange);
        } finally {
            exchange.close();
            connection.finish();
        }
    }

    private void checkWriters() {
        long now = System.nanoTime();
        for (HttpConnection connection : open) {
            long since = connection.writingSince();
            if (since != 0 && now - since > limits.writeTimeout().toNanos()) {
                log.debug("Closing a control API connection whose client has not read for {} ms", limits.writeTimeout().toMillis());
                connection.markGone();
                connection.close();
            }
        }
    }

    /** Stops accepting, gives open connections {@code grace} to end, then closes them. */
    void stop(Duration grace) {
        closed = true;
        HttpConnection.closeQuietly(server);
        long deadline = System.nanoTime() + grace.toNanos();
        synchronized (open) {
            while (!open.isEmpty()) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    break;
                }
                try {
                    open.wait(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        for (HttpConnection connection : open) {
            connection.close();
        }
        watchdog.shutdownNow();
    }

    @Override
    public void close() {
        stop(Duration.ZERO);
    }

}
