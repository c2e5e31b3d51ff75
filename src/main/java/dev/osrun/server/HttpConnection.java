package dev.osrun.server;

import com.sun.net.httpserver.Headers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One accepted connection of the {@link HttpListener}: reads its request head within a deadline, hands out its
 * streams, times its writes for the listener's watchdog, and knows whether its client has gone.
 */
final class HttpConnection {

    private static final Logger log = LoggerFactory.getLogger(HttpConnection.class);
    private static final int MAX_HEAD_BYTES = 16 * 1024;
    /*
     * Lingering close, as nginx does it: after an early answer, keep reading what the client still sends for at
     * most DRAIN in all and DRAIN_IDLE between reads. Closing with unread bytes would make the kernel reset the
     * connection, and a reset can discard the answer before the client has read it.
     */
    private static final Duration DRAIN = Duration.ofSeconds(5);
    private static final Duration DRAIN_IDLE = Duration.ofSeconds(1);
    private static final long DRAIN_BYTES = 256L << 20;
    private static final AtomicInteger THREADS = new AtomicInteger();

    /** A request head the server refuses before routing it. */
    static final class HeadException extends Exception {
        final int status;

        HeadException(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final AtomicBoolean gone = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final boolean reserved;
    private final ServerLimits limits;
    private volatile long writingSince;
    private volatile long headSince = System.nanoTime();
    private volatile Thread watcher;

    HttpConnection(Socket socket, boolean reserved, ServerLimits limits) throws IOException {
        this.socket = socket;
        this.reserved = reserved;
        this.limits = limits;
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
            socket.setSoTimeout((int) DRAIN_IDLE.toMillis());
            long deadline = System.nanoTime() + DRAIN.toNanos();
            byte[] sink = new byte[64 * 1024];
            long drained = 0;
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
        }, threadName("osrun-api-watch-"));
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

    /** Whether this connection was accepted beyond the limit, for {@code /v1/health} alone. */
    boolean reserved() {
        return reserved;
    }

    /** When the current write started (System.nanoTime), or 0 when none is under way. */
    long writingSince() {
        return writingSince;
    }

    /** When reading the request head started, or 0 once it has been read. */
    long headSince() {
        return headSince;
    }

    static String threadName(String prefix) {
        return prefix + THREADS.incrementAndGet();
    }

    static Thread daemon(Runnable runnable, String name) {
        Thread thread = new Thread(runnable, name);
        thread.setDaemon(true);
        return thread;
    }

    static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            log.trace("close failed", e);
        }
    }
}
