package dev.osrun.server;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/** The HTTP/1.1 body framings the control API reads and writes: fixed length and chunked. */
final class HttpBodies {

    private static final int MAX_CHUNK_LINE = 1024;

    private HttpBodies() {
    }

    /** A request body of {@code length} bytes; a stall longer than the socket's timeout fails with 408. */
    static InputStream fixed(InputStream in, long length) {
        return new FixedIn(in, length);
    }

    /** A chunked request body (RFC 9112 section 7.1); trailers are read and dropped. */
    static InputStream chunked(InputStream in) {
        return new ChunkedIn(in);
    }

    /**
     * {@code body}, failing with 413 once more than {@code limit} bytes have come; {@code what} names the limit
     * and how to raise it.
     */
    static InputStream limited(InputStream body, long limit, String what) {
        return new Limited(body, limit, what);
    }

    static ApiException tooLarge(long limit, String what) {
        return new ApiException(413, "The request is too large: " + what + " is limited to " + limit + " bytes");
    }

    private static ApiException stalled(SocketTimeoutException e) {
        return new ApiException(408, "The request body stopped arriving (" + e.getMessage() + "); the server gave up on it");
    }

    private static final class FixedIn extends InputStream {
        private final InputStream in;
        private long remaining;

        FixedIn(InputStream in, long length) {
            this.in = in;
            this.remaining = length;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int n;
            try {
                n = in.read(b, off, (int) Math.min(len, remaining));
            } catch (SocketTimeoutException e) {
                throw stalled(e);
            }
            if (n < 0) {
                throw new ApiException(400, "The request body ended " + remaining + " bytes before its Content-Length");
            }
            remaining -= n;
            return n;
        }
    }

    private static final class ChunkedIn extends InputStream {
        private final InputStream in;
        private long chunkLeft;
        private boolean done;

        ChunkedIn(InputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                if (done) {
                    return -1;
                }
                if (chunkLeft == 0) {
                    chunkLeft = nextChunkSize();
                    if (chunkLeft == 0) {
                        while (!line().isEmpty()) {
                            // trailer fields are dropped
                        }
                        done = true;
                        return -1;
                    }
                }
                int n = in.read(b, off, (int) Math.min(len, chunkLeft));
                if (n < 0) {
                    throw new ApiException(400, "The chunked request body ended inside a chunk");
                }
                chunkLeft -= n;
                if (chunkLeft == 0 && !line().isEmpty()) {
                    throw new ApiException(400, "A chunk of the request body does not end with CRLF");
                }
                return n;
            } catch (SocketTimeoutException e) {
                throw stalled(e);
            }
        }

        private long nextChunkSize() throws IOException {
            String line = line();
            int semicolon = line.indexOf(';');
            String size = (semicolon < 0 ? line : line.substring(0, semicolon)).strip();
            try {
                long value = Long.parseLong(size, 16);
                if (value < 0) {
                    throw new NumberFormatException();
                }
                return value;
            } catch (NumberFormatException e) {
                throw new ApiException(400, "Bad chunk size in the chunked request body: '" + size + "'");
            }
        }

        private String line() throws IOException {
            StringBuilder line = new StringBuilder();
            while (true) {
                int c = in.read();
                if (c < 0) {
                    throw new ApiException(400, "The chunked request body ended early");
                }
                if (c == '\n') {
                    int end = line.length();
                    return end > 0 && line.charAt(end - 1) == '\r' ? line.substring(0, end - 1) : line.toString();
                }
                if (line.length() >= MAX_CHUNK_LINE) {
                    throw new ApiException(400, "A chunk header of the request body is longer than " + MAX_CHUNK_LINE + " bytes");
                }
                line.append((char) c);
            }
        }
    }

    private static final class Limited extends FilterInputStream {
        private final long limit;
        private final String what;
        private long count;

        Limited(InputStream in, long limit, String what) {
            super(in);
            this.limit = limit;
            this.what = what;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, (int) Math.min(len, limit - count + 1));
            if (n > 0) {
                count += n;
                if (count > limit) {
                    throw tooLarge(limit, what);
                }
            }
            return n;
        }
    }

    /** A response body of exactly the announced length. */
    static final class FixedOut extends OutputStream {
        private final OutputStream out;
        private long remaining;

        FixedOut(OutputStream out, long length) {
            this.out = out;
            this.remaining = length;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (len > remaining) {
                throw new IOException("The response is longer than its announced length");
            }
            out.write(b, off, len);
            remaining -= len;
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }

        @Override
        public void close() throws IOException {
            out.flush();
        }
    }

    /** A chunked response body; {@link #close()} writes the last chunk. */
    static final class ChunkedOut extends OutputStream {
        private static final byte[] CRLF = {'\r', '\n'};
        private final OutputStream out;
        private boolean closed;

        ChunkedOut(OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (closed) {
                throw new IOException("The response has ended");
            }
            if (len == 0) {
                return;
            }
            out.write((Integer.toHexString(len) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(b, off, len);
            out.write(CRLF);
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }

        @Override
        public void close() throws IOException {
            if (!closed) {
                closed = true;
                out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
        }
    }
}
