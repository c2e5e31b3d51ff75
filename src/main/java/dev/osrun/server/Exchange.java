package dev.osrun.server;

import com.sun.net.httpserver.Headers;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * One request on one connection of the control API and its response (the server answers one request per
 * connection and then closes it). The method names follow {@code com.sun.net.httpserver.Exchange}.
 *
 * <p>The request body is not read until a route asks for it, after the token was checked.
 */
final class Exchange implements AutoCloseable {

    private final HttpConnection connection;
    private final String method;
    private final URI uri;
    private final Headers requestHeaders;
    private final Headers responseHeaders = new Headers();
    private InputStream requestBody;
    private OutputStream responseBody;
    private int responseCode = -1;

    Exchange(HttpConnection connection, String method, URI uri, Headers requestHeaders) {
        this.connection = connection;
        this.method = method;
        this.uri = uri;
        this.requestHeaders = requestHeaders;
    }

    String getRequestMethod() {
        return method;
    }

    URI getRequestURI() {
        return uri;
    }

    Headers getRequestHeaders() {
        return requestHeaders;
    }

    Headers getResponseHeaders() {
        return responseHeaders;
    }

    /** The status sent, or -1 before {@link #sendResponseHeaders}. */
    int getResponseCode() {
        return responseCode;
    }

    /** The length the client announced, or -1 (chunked, or none given). */
    long declaredLength() {
        String length = requestHeaders.getFirst("Content-Length");
        if (length == null || isChunked()) {
            return -1;
        }
        return parseLength(length);
    }

    private boolean isChunked() {
        String encoding = requestHeaders.getFirst("Transfer-Encoding");
        return encoding != null && encoding.strip().equalsIgnoreCase("chunked");
    }

    private static long parseLength(String length) {
        try {
            long value = Long.parseLong(length.strip());
            if (value >= 0) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw ApiException.badRequest("Bad Content-Length: '" + length + "'");
    }

    /**
     * The request body. Reading it stalls at most the body timeout between bytes (then 408).
     *
     * @throws ApiException 400 for an unknown transfer encoding or a bad length
     */
    InputStream getRequestBody() throws IOException {
        if (requestBody == null) {
            String encoding = requestHeaders.getFirst("Transfer-Encoding");
            if (encoding != null && !isChunked()) {
                throw ApiException.badRequest("Unsupported Transfer-Encoding '" + encoding + "'; send chunked or a Content-Length");
            }
            String expect = requestHeaders.getFirst("Expect");
            if (expect != null && expect.equalsIgnoreCase("100-continue") && responseCode == -1) {
                connection.writeRaw("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            connection.startBody();
            InputStream in = connection.input();
            if (isChunked()) {
                requestBody = HttpBodies.chunked(in);
            } else {
                String length = requestHeaders.getFirst("Content-Length");
                requestBody = HttpBodies.fixed(in, length == null ? 0 : parseLength(length));
            }
        }
        return requestBody;
    }

    /**
     * Sends the status line and headers. {@code length} is the body's length, 0 for a chunked body of unknown
     * length, or -1 for none.
     */
    void sendResponseHeaders(int code, long length) throws IOException {
        if (responseCode != -1) {
            throw new IOException("The response headers were sent already");
        }
        responseCode = code;
        StringBuilder head = new StringBuilder("HTTP/1.1 ").append(code).append(' ').append(reason(code)).append("\r\n");
        responseHeaders.remove("Content-Length");
        responseHeaders.remove("Transfer-Encoding");
        responseHeaders.set("Connection", "close");
        if (length > 0) {
            responseHeaders.set("Content-Length", Long.toString(length));
        } else if (length == 0) {
            responseHeaders.set("Transfer-Encoding", "chunked");
        } else if (code != 204) {
            responseHeaders.set("Content-Length", "0");
        }
        for (Map.Entry<String, List<String>> header : responseHeaders.entrySet()) {
            for (String value : header.getValue()) {
                head.append(header.getKey()).append(": ").append(value.replaceAll("[\\r\\n]", " ")).append("\r\n");
            }
        }
        head.append("\r\n");
        OutputStream out = connection.output();
        out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        if (length > 0) {
            responseBody = new HttpBodies.FixedOut(out, length);
        } else if (length == 0) {
            responseBody = new HttpBodies.ChunkedOut(out);
        } else {
            responseBody = new HttpBodies.FixedOut(out, 0);
            out.flush();
        }
    }

    /** The response body, after {@link #sendResponseHeaders}. */
    OutputStream getResponseBody() {
        if (responseBody == null) {
            throw new IllegalStateException("sendResponseHeaders first");
        }
        return responseBody;
    }

    /** Whether the client closed its side of the connection (checked without blocking, see {@link HttpConnection}). */
    boolean clientGone() {
        return connection.clientGone();
    }

    /**
     * Watches the connection for the client going away once the request body has been read, calling {@code onGone}
     * at most once when it does. Ends with the exchange.
     */
    void watchForDisconnect(Runnable onGone) {
        connection.watchForDisconnect(onGone);
    }

    /** Ends the response (the last chunk of a chunked body). */
    @Override
    public void close() {
        if (responseBody != null) {
            try {
                responseBody.close();
            } catch (IOException e) {
                connection.markGone();
            }
        }
    }

    private static String reason(int code) {
        return switch (code) {
            case 100 -> "Continue";
            case 200 -> "OK";
            case 201 -> "Created";
            case 204 -> "No Content";
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 408 -> "Request Timeout";
            case 409 -> "Conflict";
            case 413 -> "Content Too Large";
            case 431 -> "Request Header Fields Too Large";
            case 500 -> "Internal Server Error";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            default -> "Status";
        };
    }
}
