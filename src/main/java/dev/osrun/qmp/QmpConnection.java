package dev.osrun.qmp;

import dev.osrun.transport.JsonRedactor;
import dev.osrun.transport.JsonSocket;
import dev.osrun.transport.ProtocolException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The QMP session on one {@link JsonSocket}: greeting, id-correlated calls and event dispatch. {@link QmpClient} is
 * its public face.
 */
final class QmpConnection {

    static final JsonRedactor REDACTOR = JsonRedactor.forMembers("password");

    private static final Logger log = LoggerFactory.getLogger(QmpConnection.class);
    private static final Logger wire = LoggerFactory.getLogger("dev.osrun.qmp.wire");
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final String ID_PREFIX = "osrun-";

    private final JsonSocket socket;
    private final String name;
    private final QmpListeners listeners;
    private final AtomicLong nextId = new AtomicLong(1);
    private final Map<String, Pending> pending = new ConcurrentHashMap<>();
    private final CompletableFuture<ObjectNode> greeting = new CompletableFuture<>();
    private volatile String closeReason;

    /** A command sent and not yet answered; the reader thread completes {@code reply}. */
    record Pending(String id, String command, JsonNode arguments, CompletableFuture<ObjectNode> reply) {
    }

    QmpConnection(JsonSocket socket) {
        this.socket = socket;
        this.name = String.valueOf(socket.path().getFileName());
        this.listeners = new QmpListeners(name);
    }

    /** Starts the reader thread, waits for the greeting and negotiates capabilities. */
    void open(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        socket.start("qmp-reader-" + name, new Reader());
        try {
            greeting.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new QmpConnectionException("Connected to " + socket.path() + " but no QMP greeting arrived within "
                    + timeout + ". QEMU serves one QMP client at a time on a socket: is another client connected?",
                    e);
        } catch (ExecutionException e) {
            throw new QmpConnectionException("Connected to " + socket.path() + " but did not get a QMP greeting: "
                    + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new QmpConnectionException("Interrupted while waiting for the QMP greeting on " + socket.path(), e);
        }
        try {
            Duration left = Duration.ofNanos(Math.max(deadline - System.nanoTime(), 1));
            awaitReply(send("qmp_capabilities", null, left), left, deadline);
        } catch (ProtocolException e) {
            throw new QmpConnectionException("QEMU on " + socket.path() + " sent its greeting but capability "
                    + "negotiation failed: " + e.getMessage(), e);
        }
    }

    String name() {
        return name;
    }

    JsonSocket socket() {
        return socket;
    }

    QmpListeners listeners() {
        return listeners;
    }

    ObjectNode greeting() {
        return greeting.join();
    }

    boolean isOpen() {
        return closeReason == null && socket.isOpen();
    }

    /** Sends a command and registers it as pending; the reply is awaited with {@link #awaitReply}. */
    Pending send(String command, JsonNode arguments, Duration timeout) {
        requireNotReaderThread("execute");
        String id = ID_PREFIX + nextId.getAndIncrement();
        ObjectNode message = JSON.objectNode().put("execute", command);
        if (arguments != null) {
            message.set("arguments", arguments);
        }
        message.put("id", id);
        Pending call = new Pending(id, command, arguments, new CompletableFuture<>());
        pending.put(id, call);
        if (closeReason != null) { // checked after registering: the reader drains pending after setting it
            pending.remove(id);
            throw new QmpConnectionClosedException("Cannot send QMP command '" + command + "': "
                    + closedException().getMessage(), null);
        }
        if (wire.isDebugEnabled()) {
            wire.debug("{} --> {}", name, REDACTOR.redact(message));
        }
        try {
            socket.send(message, false, timeout);
        } catch (JsonSocket.WriteTimeoutException e) {
            pending.remove(id);
            if (e.bytesWritten() > 0) {
                log.warn("Closing QMP connection {}: a partly written command would corrupt the stream", name);
                socket.close();
            }
            throw new QmpTimeoutException("Could not send QMP command '" + command + "' within " + timeout + ": "
                    + e.getMessage(), command, timeout);
        } catch (IOException e) {
            pending.remove(id);
            throw new QmpConnectionClosedException("Could not send QMP command '" + command + "' to " + name + ": "
                    + (closeReason != null ? closeReason : e.toString()), e);
        }
        return call;
    }

    /** Waits until {@code deadline} for the reply to {@code call} and returns its {@code return} member. */
    JsonNode awaitReply(Pending call, Duration timeout, long deadline) {
        ObjectNode reply;
        try {
            reply = call.reply().get(Math.max(deadline - System.nanoTime(), 0), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            pending.remove(call.id());
            throw new QmpTimeoutException("QEMU did not answer QMP command '" + call.command() + "'"
                    + describeArguments(call.arguments()) + " on " + name + " within " + timeout
                    + "; a late reply will be dropped. Is QEMU hung, or is the command slow?", call.command(),
                    timeout);
        } catch (ExecutionException e) {
            throw rethrownOnCaller(call, e.getCause());
        } catch (InterruptedException e) {
            pending.remove(call.id());
            Thread.currentThread().interrupt();
            throw new QmpException("Interrupted while waiting for the reply to QMP command '" + call.command() + "'",
                    e);
        }
        return interpret(call, reply);
    }

    void requireNotReaderThread(String method) {
        if (socket.isReaderThread()) {
            throw new IllegalStateException(method + "() was called from a listener, on the QMP reader thread of "
                    + name + "; it would wait for a message only that thread can read. Hand the work to another "
                    + "thread.");
        }
    }

    QmpConnectionClosedException closedException() {
        return new QmpConnectionClosedException("the QMP connection " + socket.path() + " is closed: "
                + (closeReason != null ? closeReason : "closed"), null);
    }

    private static JsonNode interpret(Pending call, ObjectNode reply) {
        JsonNode error = reply.get("error");
        if (error != null) {
            if (!error.path("class").isTextual()) {
                throw new QmpProtocolException("QEMU's error reply to '" + call.command() + "' has no class: "
                        + reply, reply.toString(), null);
            }
            throw new QmpCommandException(call.command(), call.arguments(), REDACTOR.redact(call.arguments()),
                    error.path("class").asText(), error.path("desc").asText());
        }
        if (!reply.has("return")) {
            throw new QmpProtocolException("QEMU's reply to '" + call.command() + "' has neither 'return' nor "
                    + "'error': " + reply, reply.toString(), null);
        }
        return reply.get("return");
    }

    /** Makes a failure seen on the reader thread into one with the caller's stack, keeping the original. */
    private static RuntimeException rethrownOnCaller(Pending call, Throwable cause) {
        String prefix = "QMP command '" + call.command() + "' got no reply: ";
        if (cause instanceof QmpConnectionClosedException closed) {
            return new QmpConnectionClosedException(prefix + closed.getMessage(), closed);
        }
        if (cause instanceof QmpProtocolException protocol) {
            return new QmpProtocolException(prefix + protocol.getMessage(), protocol.rawMessage(), protocol);
        }
        return new QmpException(prefix + cause, cause);
    }

    private static String describeArguments(JsonNode arguments) {
        return arguments == null ? "" : " with arguments " + REDACTOR.redact(arguments);
    }

    private void failAll(ProtocolException failure) {
        for (Pending call : pending.values()) {
            if (pending.remove(call.id(), call)) {
                call.reply().completeExceptionally(failure);
            }
        }
    }

    private static QmpEvent toEvent(ObjectNode message) {
        JsonNode data = message.get("data");
        JsonNode timestamp = message.path("timestamp");
        long seconds = timestamp.path("seconds").asLong(-1);
        long micros = timestamp.path("microseconds").asLong(0);
        Instant when = seconds < 0 ? Instant.now() : Instant.ofEpochSecond(seconds, micros * 1_000);
        return new QmpEvent(message.path("event").asText(), data == null ? JSON.objectNode() : data, when);
    }

    private static String abbreviate(String raw) {
        return raw.length() <= 500 ? raw : raw.substring(0, 500) + "... (" + raw.length() + " chars)";
    }

    /** Handles what the reader thread receives; runs on that thread only. */
    private final class Reader implements JsonSocket.Listener {

        @Override
        public void onMessage(ObjectNode message) {
            if (wire.isDebugEnabled()) {
                wire.debug("{} <-- {}", name, REDACTOR.redact(message));
            }
            if (!greeting.isDone()) {
                if (message.has("QMP")) {
                    greeting.complete(message);
                } else {
                    greeting.completeExceptionally(new QmpProtocolException("expected the QMP greeting "
                            + "{\"QMP\": ...} first, but got " + message, message.toString(), null));
                }
                return;
            }
            if (message.has("event")) {
                listeners.fireEvent(toEvent(message));
                return;
            }
            JsonNode id = message.get("id");
            if (id == null) {
                onReplyWithoutId(message);
                return;
            }
            Pending call = pending.remove(id.asText());
            if (call == null) {
                // qmp-spec: "Clients should drop all the responses that have an unknown 'id' field."
                log.debug("Dropped a reply with unknown id {} on {} (its caller gave up waiting): {}", id, name,
                        REDACTOR.redact(message));
                return;
            }
            call.reply().complete(message);
        }

        private void onReplyWithoutId(ObjectNode message) {
            if (message.has("error")) {
                // We always send an id, so QEMU answers without one only when it could not parse a request.
                failAll(new QmpProtocolException("QEMU answered with an error that has no id, which it does when it "
                        + "cannot parse a request: " + message, message.toString(), null));
            } else {
                log.warn("Dropped a QMP message without id on {}: {}", name, REDACTOR.redact(message));
            }
        }

        @Override
        public void onDelimiter(int discardedBytes) {
            onMalformed("\\xff", "a 0xFF byte, which QMP never sends (discarded " + discardedBytes + " bytes)");
        }

        @Override
        public void onMalformed(String raw, String problem) {
            wire.debug("{} <-- (malformed) {}", name, raw);
            QmpProtocolException failure = new QmpProtocolException("QEMU sent something that is not a QMP "
                    + "message (" + problem + "): " + abbreviate(raw), raw, null);
            if (!greeting.isDone()) {
                greeting.completeExceptionally(failure);
                return;
            }
            log.warn("Malformed QMP message on {} fails {} waiting call(s): {}", name, pending.size(), problem);
            failAll(failure);
        }

        @Override
        public void onClosed(String reason, IOException cause) {
            closeReason = reason;
            if (socket.closedByClient()) {
                log.debug("QMP connection {} ended: {}", socket.path(), reason);
            } else {
                log.info("QMP connection {} ended: {}", socket.path(), reason);
            }
            QmpConnectionClosedException closed = new QmpConnectionClosedException(
                    closedException().getMessage(), cause);
            greeting.completeExceptionally(closed);
            failAll(closed);
            listeners.fireClosed();
        }
    }
}
