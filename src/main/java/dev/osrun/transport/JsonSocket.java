package dev.osrun.transport;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.Closeable;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A unix-socket connection that exchanges JSON objects with QEMU: the transport under both the QMP client in
 * {@code dev.osrun.qmp} and the guest agent client in {@code dev.osrun.qga}.
 *
 * <p>One daemon thread reads, frames and parses incoming messages and hands them to a {@link Listener}; it ends
 * when the connection ends, whichever side ends it. Writes happen on the caller's thread, are bounded by a timeout
 * and may come from several threads (one at a time). The socket is non-blocking underneath so that neither side
 * can block forever.
 */
public final class JsonSocket implements AutoCloseable {

    /** Receives what the reader thread finds; every method runs on the reader thread and must not block. */
    public interface Listener {

        /**
         * Called for each JSON object received.
         *
         * @param message the parsed object
         */
        void onMessage(ObjectNode message);

        /**
         * Called for each {@code 0xFF} sentinel received (the guest agent sends one before a
         * {@code guest-sync-delimited} reply).
         *
         * @param discardedBytes how many bytes of an unfinished message the sentinel discarded
         */
        void onDelimiter(int discardedBytes);

        /**
         * Called for text that is not a JSON object.
         *
         * @param raw     the text as received
         * @param problem why it was rejected
         */
        void onMalformed(String raw, String problem);

        /**
         * Called once, last, when the connection has ended.
         *
         * @param reason why it ended, in words (e.g. "the peer closed the connection")
         * @param cause  the I/O failure that ended it, or {@code null}
         */
        void onClosed(String reason, IOException cause);
    }

    /** Thrown by {@link #send} when the peer did not take the whole message within the timeout. */
    public static final class WriteTimeoutException extends IOException {
        private static final long serialVersionUID = 1L;

        private final int bytesWritten;

        WriteTimeoutException(String message, int bytesWritten) {
            super(message);
            this.bytesWritten = bytesWritten;
        }

        /**
         * Returns how many bytes of the message were written before the timeout.
         *
         * @return 0 when nothing was written, so the stream is still in step
         */
        public int bytesWritten() {
            return bytesWritten;
        }
    }

    private static final Logger log = LoggerFactory.getLogger(JsonSocket.class);

    /** Larger than any guest agent reply: 48 MiB file chunks and 2 x 16 MiB exec output grow by a third as base64. */
    static final int MAX_MESSAGE_BYTES = 128 << 20;

    /** Longest unix socket path Linux accepts (sun_path is 108 bytes including the terminating NUL). */
    private static final int MAX_SOCKET_PATH_BYTES = 107;

    private static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(MAX_MESSAGE_BYTES).build())
            .build());

    private static final Duration READER_JOIN_TIMEOUT = Duration.ofSeconds(5);

    private final Path path;
    private final SocketChannel channel;
    private final Selector readSelector;
    private final Selector writeSelector;
    private final Object writeLock = new Object();
    private final AtomicBoolean closeRequested = new AtomicBoolean();
    private volatile boolean open = true;
    private volatile Thread reader;

    private JsonSocket(Path path, SocketChannel channel) throws IOException {
        this.path = path;
        this.channel = channel;
        channel.configureBlocking(false);
        this.readSelector = Selector.open();
        this.writeSelector = Selector.open();
        channel.register(writeSelector, SelectionKey.OP_WRITE);
    }

    /**
     * Connects to a unix socket, retrying with a short backoff until something accepts or {@code timeout} passes:
     * QEMU creates its sockets shortly after it starts.
     *
     * @param socket  the socket file
     * @param timeout how long to keep trying
     * @return the connected socket; call {@link #start} to begin reading
     * @throws IllegalArgumentException when the path is too long for a unix socket
     * @throws IOException              when nothing accepted in time; the message says what was seen last
     * @throws InterruptedException     when the calling thread is interrupted while waiting
     */
    public static JsonSocket connect(Path socket, Duration timeout) throws IOException, InterruptedException {
        int pathBytes = socket.toString().getBytes(StandardCharsets.UTF_8).length;
        if (pathBytes > MAX_SOCKET_PATH_BYTES) {
            throw new IllegalArgumentException("Socket path " + socket + " is " + pathBytes + " bytes long; Linux "
                    + "accepts at most " + MAX_SOCKET_PATH_BYTES + ". Use a shorter directory, e.g. under /tmp.");
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        Backoff backoff = new Backoff(Duration.ofMillis(5), Duration.ofMillis(200));
        while (true) {
            SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                channel.connect(UnixDomainSocketAddress.of(socket));
                return new JsonSocket(socket, channel);
            } catch (IOException e) {
                channel.close();
                if (Thread.interrupted()) {
                    throw new InterruptedException("Interrupted while connecting to " + socket);
                }
                boolean again;
                try {
                    again = backoff.pause(deadline);
                } catch (dev.osrun.OsrunException interrupted) {
                    Thread.interrupted();
                    throw new InterruptedException("Interrupted while connecting to " + socket);
                }
                if (!again) {
                    throw new IOException("nothing accepted a connection on " + socket + " within " + timeout
                            + " (" + backoff.attempts() + " attempts; last error: " + e.getMessage() + ")", e);
                }
            }
        }
    }

    /**
     * Starts the reader thread; call it once, after the listener is ready to receive.
     *
     * @param threadName the reader thread's name, e.g. {@code qmp-reader-qmp.sock}
     * @param listener   receives messages and the end of the connection
     * @throws IllegalStateException when called twice
     */
    public synchronized void start(String threadName, Listener listener) {
        if (reader != null) {
            throw new IllegalStateException("the reader thread of " + path + " is already running");
        }
        Thread thread = new Thread(() -> readLoop(listener), threadName);
        thread.setDaemon(true);
        reader = thread;
        thread.start();
    }

    /**
     * Writes one message followed by a newline, optionally preceded by a {@code 0xFF} sentinel (which makes the
     * guest agent discard any partial request it holds).
     *
     * @param message       the message
     * @param sentinelFirst whether to write {@code 0xFF} first
     * @param timeout       how long the peer may take to accept the bytes
     * @throws WriteTimeoutException  when the peer did not accept the whole message in time
     * @throws ClosedChannelException when the connection is closed
     * @throws IOException            when the write fails otherwise
     */
    public void send(JsonNode message, boolean sentinelFirst, Duration timeout) throws IOException {
        byte[] json = MAPPER.writeValueAsBytes(message);
        ByteBuffer buffer = ByteBuffer.allocate(json.length + 2);
        if (sentinelFirst) {
            buffer.put((byte) 0xFF);
        }
        buffer.put(json).put((byte) '\n').flip();
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (writeLock) {
            int total = buffer.remaining();
            try {
                while (buffer.hasRemaining()) {
                    if (channel.write(buffer) == 0) {
                        long leftMillis = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                        if (leftMillis <= 0) {
                            int written = total - buffer.remaining();
                            throw new WriteTimeoutException("the peer accepted only " + written + " of " + total
                                    + " bytes within " + timeout + " (is it reading?)", written);
                        }
                        writeSelector.select(leftMillis);
                        writeSelector.selectedKeys().clear();
                    }
                }
            } catch (ClosedSelectorException e) {
                throw new ClosedChannelException();
            }
        }
    }

    /**
     * Returns whether the connection is still open.
     *
     * @return {@code false} once either side has closed it
     */
    public boolean isOpen() {
        return open;
    }

    /**
     * Returns the socket file this connection was made to.
     *
     * @return the socket path
     */
    public Path path() {
        return path;
    }

    /**
     * Returns whether this side ended the connection with {@link #close()}.
     *
     * @return {@code true} once {@code close()} has been called
     */
    public boolean closedByClient() {
        return closeRequested.get();
    }

    /**
     * Returns whether the calling thread is this connection's reader thread.
     *
     * @return {@code true} inside listener callbacks
     */
    public boolean isReaderThread() {
        return Thread.currentThread() == reader;
    }

    /**
     * Parses JSON text the way incoming messages are parsed.
     *
     * @param text JSON text
     * @return the parsed tree
     * @throws JsonProcessingException when the text is not valid JSON
     */
    public static JsonNode parse(String text) throws JsonProcessingException {
        return MAPPER.readTree(text);
    }

    /**
     * Closes the connection and waits (bounded) for the reader thread to end; the listener's
     * {@link Listener#onClosed} has run when this returns, unless it is called from the reader thread itself.
     * Closing twice does nothing.
     */
    @Override
    public void close() {
        if (closeRequested.compareAndSet(false, true)) {
            open = false;
            closeAll();
        }
        Thread thread = reader;
        if (thread == null || thread == Thread.currentThread()) {
            return;
        }
        try {
            thread.join(READER_JOIN_TIMEOUT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            log.warn("Reader thread {} did not end within {} after closing {}", thread.getName(),
                    READER_JOIN_TIMEOUT, path);
        }
    }

    private void readLoop(Listener listener) {
        JsonFramer framer = new JsonFramer(MAX_MESSAGE_BYTES);
        ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
        String reason = "the connection was closed by this client";
        IOException failure = null;
        try {
            channel.register(readSelector, SelectionKey.OP_READ);
            while (!closeRequested.get()) {
                buffer.clear();
                int count = channel.read(buffer);
                if (count < 0) {
                    reason = "the peer closed the connection";
                    break;
                }
                if (count == 0) {
                    readSelector.select();
                    readSelector.selectedKeys().clear();
                    continue;
                }
                framer.feed(buffer.array(), 0, count, frame -> dispatch(frame, listener));
            }
        } catch (ClosedChannelException | ClosedSelectorException e) {
            if (!closeRequested.get()) {
                reason = "the connection failed";
                failure = e instanceof IOException io ? io : new ClosedChannelException();
            }
        } catch (IOException e) {
            if (!closeRequested.get()) {
                reason = "the peer closed the connection (" + e.getMessage() + ")"; // e.g. reset: it died
                failure = e;
            }
        } catch (RuntimeException | Error e) {
            reason = "the reader thread failed: " + e;
            failure = new IOException(reason, e);
            log.error("Reader thread of {} failed", path, e);
        } finally {
            open = false;
            closeAll();
            try {
                listener.onClosed(reason, failure);
            } catch (RuntimeException e) {
                log.warn("Listener of {} failed while handling the end of the connection", path, e);
            }
        }
    }

    private void dispatch(JsonFramer.Frame frame, Listener listener) {
        try {
            if (frame instanceof JsonFramer.Delimiter delimiter) {
                listener.onDelimiter(delimiter.discardedBytes());
            } else if (frame instanceof JsonFramer.Text text) {
                JsonNode node;
                try {
                    node = MAPPER.readTree(text.bytes());
                } catch (IOException e) {
                    listener.onMalformed(text.asString(), "not valid JSON: " + e.getMessage());
                    return;
                }
                if (node instanceof ObjectNode object) {
                    listener.onMessage(object);
                } else {
                    listener.onMalformed(text.asString(), "not a JSON object");
                }
            }
        } catch (RuntimeException e) {
            log.warn("Listener of {} failed on a message; the connection stays open", path, e);
        }
    }

    private void closeAll() {
        closeQuietly(channel);
        closeQuietly(readSelector);
        closeQuietly(writeSelector);
    }

    private static void closeQuietly(Closeable closeable) {
        try {
            closeable.close();
        } catch (IOException e) {
            log.debug("Ignoring failure to close {}", closeable, e);
        }
    }
}
