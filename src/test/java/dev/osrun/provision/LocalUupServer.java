package dev.osrun.provision;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * UUP dump and Microsoft's CDN, replaced by a real HTTP server on 127.0.0.1: {@code /get.php} answers a real aria2
 * input file naming the files under {@code /cdn/}, which are served with range requests as a CDN does;
 * {@code /listid.php} lists builds as UUP dump's JSON API does. Switches provoke what the real servers do: an error
 * marker, a rate limit, a connection cut half-way, a corrupt file.
 */
final class LocalUupServer implements AutoCloseable {

    final Map<String, byte[]> files = new LinkedHashMap<>();
    /** Update ids whose file list answers {@code #UUPDUMP_ERROR:<code>}. */
    final Map<String, String> errors = new ConcurrentHashMap<>();
    /** How many more list requests get HTTP 429. */
    final AtomicInteger rateLimited = new AtomicInteger();
    /** Files whose next download is cut after half its bytes. */
    final List<String> cutOnce = new CopyOnWriteArrayList<>();
    /** Files served with one byte changed. */
    final List<String> corrupt = new CopyOnWriteArrayList<>();
    /** The Range header of every CDN request, by file ("" when none). */
    final Map<String, List<String>> ranges = new ConcurrentHashMap<>();
    /** The body of {@code /listid.php}. */
    volatile String buildList = "{\"response\":{\"error\":\"SEARCH_NO_RESULTS\"}}";
    final List<String> listRequests = new CopyOnWriteArrayList<>();

    private final HttpServer server;

    LocalUupServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.createContext("/get.php", this::fileList);
        server.createContext("/listid.php", this::buildList);
        server.createContext("/cdn/", this::file);
        server.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(8));
        server.start();
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    UupDumpClient client() {
        return new UupDumpClient(uri(), uri(), 3, java.time.Duration.ofMillis(50));
    }

    private void fileList(HttpExchange exchange) throws IOException {
        String query = exchange.getRequestURI().getQuery();
        listRequests.add(query);
        if (rateLimited.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            send(exchange, 429, "{\"response\":{\"error\":\"USER_RATE_LIMITED\"}}");
            return;
        }
        String id = param(query, "id");
        if (errors.containsKey(id)) {
            send(exchange, 200, Aria2List.ERROR_MARKER + errors.get(id) + "\n");
            return;
        }
        StringBuilder list = new StringBuilder();
        for (Map.Entry<String, byte[]> file : files.entrySet()) {
            list.append(uri()).append("/cdn/").append(file.getKey()).append("?P1=1700000000&id=").append(id).append('\n')
                    .append("  out=").append(file.getKey()).append('\n')
                    .append("  checksum=sha-1=").append(sha1(file.getValue())).append("\n\n");
        }
        list.append("# --- BEGIN UUP DUMP DEBUG INFO ---\n# e30=\n# --- END UUP DUMP DEBUG INFO ---\n");
        send(exchange, 200, list.toString());
    }

    private void buildList(HttpExchange exchange) throws IOException {
        send(exchange, 200, buildList);
    }

    private void file(HttpExchange exchange) throws IOException {
        String name = exchange.getRequestURI().getPath().substring("/cdn/".length());
        byte[] bytes = files.get(name);
        String range = exchange.getRequestHeaders().getFirst("Range");
        ranges.computeIfAbsent(name, n -> new CopyOnWriteArrayList<>()).add(range == null ? "" : range);
        if (bytes == null) {
            send(exchange, 404, "not found");
            return;
        }
        if (corrupt.contains(name)) {
            bytes = bytes.clone();
            bytes[bytes.length / 2] ^= 0x55;
        }
        int from = 0;
        int to = bytes.length - 1;
        if (range != null && range.startsWith("bytes=")) {
            String[] parts = range.substring(6).split("-", -1);
            from = Integer.parseInt(parts[0]);
            if (!parts[1].isEmpty()) {
                to = Math.min(to, Integer.parseInt(parts[1]));
            }
        }
        int length = to - from + 1;
        exchange.getResponseHeaders().set("Accept-Ranges", "bytes");
        exchange.getResponseHeaders().set("Content-Type", "application/octet-stream");
        if (range != null) {
            exchange.getResponseHeaders().set("Content-Range", "bytes " + from + "-" + to + "/" + bytes.length);
        }
        exchange.sendResponseHeaders(range != null ? 206 : 200, length);
        OutputStream out = exchange.getResponseBody();
        if (cutOnce.remove(name)) {
            out.write(bytes, from, length / 2);
            out.flush();
            // Drop the connection half-way, as a failing network does.
            throw new IOException("cut on purpose");
        }
        out.write(bytes, from, length);
        out.close();
    }

    private static void send(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static String param(String query, String name) {
        for (String pair : query.split("&")) {
            if (pair.startsWith(name + "=")) {
                return java.net.URLDecoder.decode(pair.substring(name.length() + 1), StandardCharsets.UTF_8);
            }
        }
        return "";
    }

    static String sha1(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
