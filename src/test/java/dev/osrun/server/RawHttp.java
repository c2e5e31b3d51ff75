package dev.osrun.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** Hand-written HTTP on a plain socket to 127.0.0.1, for requests a well-behaved client never sends. */
final class RawHttp implements AutoCloseable {

    /** A parsed response: status, raw head and body (the body as it arrived, chunked or not). */
    record Response(int status, String head, String body) {
    }

    private final Socket socket;

    private RawHttp(Socket socket) {
        this.socket = socket;
    }

    /** Connects to the server on 127.0.0.1; reads time out after {@code readTimeout}. */
    static RawHttp connect(int port, Duration readTimeout) throws IOException {
        Socket socket = new Socket();
        socket.setReceiveBufferSize(4096);
        socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 10_000);
        socket.setSoTimeout((int) readTimeout.toMillis());
        return new RawHttp(socket);
    }

    /** Sends one complete request and reads the response to the end of the connection. */
    static Response exchange(int port, String request) throws IOException {
        try (RawHttp http = connect(port, Duration.ofSeconds(60))) {
            http.write(request.getBytes(StandardCharsets.ISO_8859_1));
            return http.readResponse();
        }
    }

    void write(byte[] bytes) throws IOException {
        socket.getOutputStream().write(bytes);
        socket.getOutputStream().flush();
    }

    void write(String text) throws IOException {
        write(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Reads until the server closes the connection. */
    Response readResponse() throws IOException {
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        int n;
        while ((n = in.read(buffer)) >= 0) {
            all.write(buffer, 0, n);
        }
        String text = all.toString(StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        if (!text.startsWith("HTTP/1.1 ") || end < 0) {
            return new Response(-1, text, "");
        }
        return new Response(Integer.parseInt(text.substring(9, 12)), text.substring(0, end), text.substring(end + 4));
    }

    /** Reads what has arrived up to the first occurrence of {@code marker}. */
    String readUntil(String marker) throws IOException {
        InputStream in = socket.getInputStream();
        StringBuilder seen = new StringBuilder();
        while (seen.indexOf(marker) < 0) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("The connection ended before '" + marker + "'; got: " + seen);
            }
            seen.append((char) c);
        }
        return seen.toString();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
