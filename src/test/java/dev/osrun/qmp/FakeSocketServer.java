package dev.osrun.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A scripted peer on a unix socket, for the protocol errors that a real QEMU or agent cannot be made to produce.
 * The test accepts the client, then reads its requests and writes whatever bytes the scenario needs.
 */
public final class FakeSocketServer implements AutoCloseable {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final Path path;
    private final ServerSocketChannel server;

    private FakeSocketServer(Path path, ServerSocketChannel server) {
        this.path = path;
        this.server = server;
    }

    /**
     * Listens on a new socket file.
     *
     * @param path where to create the socket
     * @return the listening server
     */
    public static FakeSocketServer listen(Path path) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(path));
        return new FakeSocketServer(path, server);
    }

    /** Accepts the next client; blocks until one connects. */
    public Peer accept() throws IOException {
        return new Peer(server.accept());
    }

    @Override
    public void close() throws IOException {
        server.close();
        Files.deleteIfExists(path);
    }

    /** One accepted client connection; a background thread collects the lines the client sends. */
    public static final class Peer implements AutoCloseable {
        private final SocketChannel channel;
        private final BlockingQueue<byte[]> lines = new LinkedBlockingQueue<>();
        private final Thread reader;

        Peer(SocketChannel channel) {
            this.channel = channel;
            this.reader = new Thread(this::readLines, "fake-peer-reader");
            reader.setDaemon(true);
            reader.start();
        }

        private void readLines() {
            ByteBuffer buffer = ByteBuffer.allocate(8192);
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            try {
                while (channel.read(buffer.clear()) > 0) {
                    for (int i = 0; i < buffer.position(); i++) {
                        byte b = buffer.get(i);
                        if (b == '\n') {
                            lines.add(line.toByteArray());
                            line.reset();
                        } else {
                            line.write(b);
                        }
                    }
                }
            } catch (IOException e) {
                // the connection ended
            }
        }

        /**
         * Returns the next line the client sent, as raw bytes (a guest agent sync starts with 0xFF).
         *
         * @throws AssertionError when nothing arrives within the timeout
         */
        public byte[] receiveRaw(Duration timeout) throws InterruptedException {
            byte[] line = lines.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (line == null) {
                throw new AssertionError("the client sent nothing within " + timeout);
            }
            return line;
        }

        /** Returns the next request the client sent, parsed, with a leading 0xFF sentinel removed. */
        public JsonNode receive(Duration timeout) throws InterruptedException, IOException {
            byte[] line = receiveRaw(timeout);
            int start = line.length > 0 && line[0] == (byte) 0xFF ? 1 : 0;
            return MAPPER.readTree(new String(line, start, line.length - start, StandardCharsets.UTF_8));
        }

        /** Returns the next request, waiting at most five seconds. */
        public JsonNode receive() throws InterruptedException, IOException {
            return receive(Duration.ofSeconds(5));
        }

        /** Sends text as UTF-8, as is (add the newline yourself). */
        public void send(String text) throws IOException {
            sendBytes(text.getBytes(StandardCharsets.UTF_8));
        }

        /** Sends raw bytes. */
        public void sendBytes(byte[] bytes) throws IOException {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
        }

        @Override
        public void close() throws IOException, InterruptedException {
            channel.close();
            reader.join(5000);
        }
    }
}
