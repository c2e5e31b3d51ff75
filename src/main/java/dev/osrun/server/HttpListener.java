package dev.osrun.server;

import com.sun.net.httpserver.Headers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

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
    private static final int MAX_HEAD_BYTES = 16 * 1024;
    private static final Duration DRAIN = Duration.ofMillis(500);
    private static final Duration EVICT_WAIT = Duration.ofSeconds(2);
    private static final int DRAIN_BYTES = 1 << 20;
    private static final AtomicInteger THREADS = new AtomicInteger();

    private final ServerSocket server;
    private final ServerLimits limits;
    private final Handler handler;
    private final Semaphore slots;
    private final Semaphore reserve = new Semaphore(HEALTH_RESERVE);
    private final Set<Connection> open = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService watchdog;
    private final Thread acceptor;
    private volatile boolean closed;

    private HttpListener(ServerSocket server, ServerLimits limits, Handler handler) {
        this.server = server;
        this.limits = limits;
        this.handler = handler;
        this.slots = new Semaphore(limits.maxConnections());
        this.watchdog = Executors.newSingleThreadScheduledExecutor(runnable -> daemon(runnable, "osrun-api-watchdog"));
        this.acceptor = daemon(this::acceptLoop, "osrun-api-accept");
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
        Connection slowest = null;
        for (Connection connection : open) {
            long since = connection.headSince;
            if (since != 0 && !connection.reserved && (slowest == null || since - slowest.headSince < 0)) {
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
        Connection connection;
        try {
            connection = new Connection(socket, healthOnly);
        } catch (IOException e) {
            slot.release();
            closeQuietly(socket);
            return;
        }
        open.add(connection);
        try {
            daemon(() -> {
                try {
                    serve(connection, healthOnly);
                } finally {
                    connection.close();
                    open.remove(connection);
                    slot.release();
                }
            }, "osrun-api-" + THREADS.incrementAndGet()).start();
        } catch (RuntimeException | OutOfMemoryError e) {
            connection.close();
            open.remove(connection);
            slot.release();
            log.warn("Could not start a thread for a control API connection: {}", e.toString());
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

    private void serve(Connection connection, boolean healthOnly) {
        Exchange exchange;
        try {
            exchange = connection.readHead(healthOnly ? RESERVE_HEADER_TIMEOUT : limits.headerTimeout());
        } catch (HeadException e) {
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
        for (Connection connection : open) {
            long since = connection.writingSince;
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
        closeQuietly(server);
        long deadline = System.nanoTime() + grace.toNanos();
        while (!open.isEmpty() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        for (Connection connection : open) {
            connection.close();
        }
        watchdog.shutdownNow();
    }

    @Override
    public void close() {
        stop(Duration.ZERO);
    }

    private static Thread daemon(Runnable runnable, String name) {
        Thread thread = new Thread(runnable, name);
        thread.setDaemon(true);
        return thread;
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            log.trace("close failed", e);
        }
    }

    /** A request head the server refuses before routing it. */
    private static final class HeadException extends Exception {
        final int status;

        HeadException(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    /** One accepted connection: its streams, its write watch and whether its client has gone. */
    final class Connection {
        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;
        private final AtomicBoolean gone = new AtomicBoolean();
        private final AtomicBoolean closed = new AtomicBoolean();
        private final boolean reserved;
        private volatile long writingSince;
        private volatile long headSince = System.nanoTime();
        private volatile Thread watcher;

        Connection(Socket socket, boolean reserved) throws IOException {
            this.socket = socket;
            this.reserved = reserved;
            socket.setTcpNoDelay(true);
            this.in = new BufferedInputStream(socket.getInputStream(), 1 << 16);
            this.out = new BufferedOutputStream(new WatchedOut(socket.getOutputStream()), 1 << 16);
        }

        InputStream input() {
            return in;
        }

        OutputStream output() {
            return out;
        }

        /** Reads the request line and headers within {@code timeout}; null when the client sent nothing. */
        Exchange readHead(Duration timeout) throws IOException, HeadException {
            long deadline = System.nanoTime() + timeout.toNanos();
            byte[] head = new byte[MAX_HEAD_BYTES];
            int length = 0;
            while (true) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    throw new HeadException(408, "The request line and headers did not arrive within " + timeout.toMillis() + " ms");
                }
                socket.setSoTimeout((int) Math.min(left, Integer.MAX_VALUE));
                int c;
                try {
                    c = in.read();
                } catch (SocketTimeoutException e) {
                    continue;
                }
                if (c < 0) {
                    if (length == 0) {
                        return null;
                    }
                    throw new IOException("The client closed the connection inside its request headers");
                }
                if (length == MAX_HEAD_BYTES) {
                    throw new HeadException(431, "The request line and headers are longer than " + MAX_HEAD_BYTES + " bytes");
                }
                head[length++] = (byte) c;
                if (endsHead(head, length)) {
                    break;
                }
            }
            headSince = 0;
            return parse(new String(head, 0, length, StandardCharsets.ISO_8859_1));
        }

        private static boolean endsHead(byte[] head, int length) {
            if (length >= 2 && head[length - 1] == '\n' && head[length - 2] == '\n') {
                return true;
            }
            return length >= 4 && head[length - 1] == '\n' && head[length - 2] == '\r'
                    && head[length - 3] == '\n' && head[length - 4] == '\r';
        }

        private Exchange parse(String head) throws HeadException {
            String[] lines = head.split("\r?\n");
            int first = 0;
            while (first < lines.length && lines[first].isEmpty()) {
                first++;
            }
            if (first == lines.length) {
                throw new HeadException(400, "The request has no request line");
            }
            String[] parts = lines[first].split(" ", -1);
            if (parts.length != 3 || !parts[0].matches("[A-Z]{1,16}") || !parts[2].matches("HTTP/1\\.[01]")) {
                throw new HeadException(400, "Bad request line; expected 'METHOD /path HTTP/1.1'");
            }
            URI uri;
            try {
                uri = new URI(parts[1]);
            } catch (URISyntaxException e) {
                throw new HeadException(400, "Bad request target: " + e.getReason());
            }
            if (uri.getRawPath() == null || !uri.getRawPath().startsWith("/")) {
                throw new HeadException(400, "The request target must be a path such as /v1/health");
            }
            Headers headers = new Headers();
            for (int i = first + 1; i < lines.length; i++) {
                String line = lines[i];
                if (line.isEmpty()) {
                    continue;
                }
                int colon = line.indexOf(':');
                if (colon <= 0 || line.charAt(0) == ' ' || line.charAt(0) == '\t') {
                    throw new HeadException(400, "Bad header line (folded headers are not accepted)");
                }
                String name = line.substring(0, colon).strip();
                if (!name.matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+")) {
                    throw new HeadException(400, "Bad header name");
                }
                headers.add(name, line.substring(colon + 1).strip());
            }
            if (headers.containsKey("Transfer-Encoding") && headers.containsKey("Content-Length")) {
                throw new HeadException(400, "The request has both Transfer-Encoding and Content-Length");
            }
            List<String> lengths = headers.get("Content-Length");
            if (lengths != null && lengths.size() > 1) {
                throw new HeadException(400, "The request has more than one Content-Length");
            }
            return new Exchange(this, parts[0], uri, headers);
        }

        /** From now on reads wait at most the body timeout between bytes. */
        void startBody() throws SocketException {
            socket.setSoTimeout((int) Math.min(limits.bodyIdleTimeout().toMillis(), Integer.MAX_VALUE));
        }

        void writeRaw(byte[] bytes) throws IOException {
            out.write(bytes);
            out.flush();
        }

        /** Answers a JSON error on a connection whose request was not routed. */
        void answer(int status, String message) {
            try {
                Exchange exchange = new Exchange(this, "GET", URI.create("/"), new Headers());
                Json.send(exchange, status, Json.object("error", message));
                exchange.close();
            } catch (IOException e) {
                log.debug("Could not answer {}: {}", status, e.toString());
            }
            finish();
        }

        /**
         * Ends the connection politely: flushes, half-closes, and reads away (briefly, boundedly) what the client
         * still sends, so that an answer given before the body was read (401, 413) reaches it instead of a reset.
         */
        void finish() {
            if (closed.get()) {
                return;
            }
            try {
                out.flush();
                socket.shutdownOutput();
                socket.setSoTimeout((int) DRAIN.toMillis());
                long deadline = System.nanoTime() + DRAIN.toNanos();
                byte[] sink = new byte[8192];
                int drained = 0;
                while (drained < DRAIN_BYTES && System.nanoTime() < deadline && watcher == null) {
                    int n = in.read(sink);
                    if (n < 0) {
                        break;
                    }
                    drained += n;
                }
            } catch (IOException e) {
                log.trace("While ending a connection: {}", e.toString());
            }
        }

        boolean clientGone() {
            return gone.get();
        }

        void markGone() {
            gone.set(true);
        }

        /** Starts a thread that reads the (otherwise idle) connection and calls {@code onGone} when it ends. */
        void watchForDisconnect(Runnable onGone) {
            Thread thread = daemon(() -> {
                try {
                    socket.setSoTimeout(500);
                    byte[] sink = new byte[256];
                    while (!closed.get()) {
                        try {
                            if (in.read(sink) < 0) {
                                break;
                            }
                        } catch (SocketTimeoutException e) {
                            // still there
                        }
                    }
                } catch (IOException e) {
                    log.trace("The watched connection failed: {}", e.toString());
                }
                if (!closed.get()) {
                    markGone();
                    onGone.run();
                }
            }, "osrun-api-watch-" + THREADS.incrementAndGet());
            watcher = thread;
            thread.start();
        }

        void close() {
            if (closed.compareAndSet(false, true)) {
                closeQuietly(socket);
                Thread w = watcher;
                if (w != null && w != Thread.currentThread()) {
                    try {
                        w.join(2000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
        }

        /** The socket's output, timed for the watchdog. */
        private final class WatchedOut extends OutputStream {
            private final OutputStream socketOut;

            WatchedOut(OutputStream socketOut) {
                this.socketOut = socketOut;
            }

            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                writingSince = System.nanoTime();
                try {
                    socketOut.write(b, off, len);
                } catch (IOException e) {
                    markGone();
                    throw e;
                } finally {
                    writingSince = 0;
                }
            }

            @Override
            public void flush() throws IOException {
                writingSince = System.nanoTime();
                try {
                    socketOut.flush();
                } finally {
                    writingSince = 0;
                }
            }
        }
    }
}
