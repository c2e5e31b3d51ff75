package dev.osrun.qga;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osrun.transport.JsonRedactor;
import dev.osrun.transport.JsonSocket;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The guest agent session on one {@link JsonSocket}: one call at a time (the agent's replies carry no id),
 * {@code guest-sync-delimited} to find the start of the next reply, and a resync after any client-side timeout.
 * {@link GuestAgentClient} is its public face.
 */
final class GuestAgentSession {

    /** Secrets and bulky base64 payloads, shown only as their size in logs and exception messages. */
    static final JsonRedactor REDACTOR = JsonRedactor.forMembers("input-data", "buf-b64", "env", "out-data",
            "err-data", "password", "keys");

    private static final Logger log = LoggerFactory.getLogger(GuestAgentSession.class);
    private static final Logger wire = LoggerFactory.getLogger("dev.osrun.qga.wire");
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final String SYNC = "guest-sync-delimited";
    private static final Duration FIRST_SYNC_WINDOW = Duration.ofMillis(200);
    private static final Duration MAX_SYNC_WINDOW = Duration.ofSeconds(2);

    private final JsonSocket socket;
    private final String name;
    private final ReentrantLock callLock = new ReentrantLock(true);
    private final AtomicReference<Expectation> current = new AtomicReference<>();
    private boolean needsSync; // guarded by callLock: set when a reply may still be on its way
    private volatile String inFlight;
    private volatile String closeReason;

    /** What the caller waits for; the reader thread completes {@code reply}. */
    private static final class Expectation {
        final String command;
        final Long syncId; // null for an ordinary call
        final CompletableFuture<ObjectNode> reply = new CompletableFuture<>();
        final AtomicInteger discarded = new AtomicInteger();
        volatile boolean delimiterSeen;

        Expectation(String command, Long syncId) {
            this.command = command;
            this.syncId = syncId;
        }
    }

    GuestAgentSession(JsonSocket socket) {
        this.socket = socket;
        this.name = String.valueOf(socket.path().getFileName());
    }

    void start() {
        socket.start("qga-reader-" + name, new Reader());
    }

    String name() {
        return name;
    }

    JsonSocket socket() {
        return socket;
    }

    boolean isOpen() {
        return closeReason == null && socket.isOpen();
    }

    /** Synchronises with the agent, retrying until the timeout (the agent may not be running yet). */
    void sync(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        lock(SYNC, timeout, deadline);
        try {
            syncLocked(timeout, deadline);
        } finally {
            callLock.unlock();
        }
    }

    /**
     * Runs one command and returns the agent's reply object ({@code return} or {@code error} member).
     *
     * @param noReplyOnSuccess for commands such as {@code guest-shutdown}: a timeout, or the connection closing
     *                         after the command was sent, returns {@code null} instead of throwing
     */
    ObjectNode call(String command, ObjectNode arguments, Duration timeout, boolean noReplyOnSuccess) {
        long deadline = System.nanoTime() + timeout.toNanos();
        lock(command, timeout, deadline);
        try {
            if (needsSync) {
                log.debug("Resynchronising with the guest agent on {} before '{}'", name, command);
                syncLocked(timeout, deadline);
            }
            return roundTrip(command, arguments, timeout, deadline, noReplyOnSuccess);
        } finally {
            callLock.unlock();
        }
    }

    private void lock(String command, Duration timeout, long deadline) {
        try {
            if (!callLock.tryLock(Math.max(deadline - System.nanoTime(), 0), TimeUnit.NANOSECONDS)) {
                throw new GuestAgentTimeoutException("Waited " + timeout + " to send '" + command + "' to the guest "
                        + "agent on " + name + ", but the previous call ('" + inFlight + "') did not finish",
                        command, timeout);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GuestAgentException("Interrupted while waiting to send '" + command + "' to the guest agent", e);
        }
    }

    private void syncLocked(Duration timeout, long deadline) {
        Duration window = FIRST_SYNC_WINDOW;
        int attempts = 0;
        int discarded = 0;
        while (true) {
            long id = ThreadLocalRandom.current().nextLong(1, 1L << 53);
            Expectation expectation = new Expectation(SYNC, id);
            ObjectNode arguments = JSON.objectNode().put("id", id);
            attempts++;
            send(expectation, arguments, true, timeout, deadline);
            long wait = Math.min(window.toNanos(), deadline - System.nanoTime());
            try {
                await(expectation, Math.max(wait, 0));
                needsSync = false;
                log.debug("Synchronised with the guest agent on {} after {} attempt(s)", name, attempts);
                return;
            } catch (TimeoutException e) {
                discarded += expectation.discarded.get();
                if (deadline - System.nanoTime() <= 0) {
                    needsSync = true;
                    throw new GuestAgentTimeoutException("The guest agent on " + name + " did not answer "
                            + SYNC + " within " + timeout + " (" + attempts + " attempts, " + discarded
                            + " stale messages discarded). Has the guest booted, and is qemu-ga running in it?",
                            SYNC, timeout);
                }
                window = window.multipliedBy(2).compareTo(MAX_SYNC_WINDOW) > 0 ? MAX_SYNC_WINDOW
                        : window.multipliedBy(2);
            } finally {
                current.compareAndSet(expectation, null);
            }
        }
    }

    private ObjectNode roundTrip(String command, ObjectNode arguments, Duration timeout, long deadline,
            boolean noReplyOnSuccess) {
        Expectation expectation = new Expectation(command, null);
        send(expectation, arguments, false, timeout, deadline);
        try {
            return await(expectation, Math.max(deadline - System.nanoTime(), 0));
        } catch (TimeoutException e) {
            needsSync = true; // the reply may still come: the next call must not mistake it for its own
            if (noReplyOnSuccess) {
                return null;
            }
            throw new GuestAgentTimeoutException("The guest agent on " + name + " did not answer '" + command + "'"
                    + describe(arguments) + " within " + timeout + "; the next call resynchronises first",
                    command, timeout);
        } catch (GuestAgentProtocolException e) {
            needsSync = true; // after garbage, the next reply's start is uncertain
            throw e;
        } catch (GuestAgentConnectionClosedException e) {
            if (noReplyOnSuccess) {
                log.debug("The guest agent connection {} closed after '{}', as it may on success", name, command);
                return null;
            }
            throw e;
        } finally {
            current.compareAndSet(expectation, null);
        }
    }

    private void send(Expectation expectation, ObjectNode arguments, boolean sentinelFirst, Duration timeout,
            long deadline) {
        ObjectNode message = JSON.objectNode().put("execute", expectation.command);
        if (arguments != null) {
            message.set("arguments", arguments);
        }
        inFlight = expectation.command;
        current.set(expectation);
        if (closeReason != null) { // checked after publishing: the reader fails the expectation after setting it
            current.compareAndSet(expectation, null);
            throw closed("Cannot send '" + expectation.command + "'", null);
        }
        if (wire.isDebugEnabled()) {
            wire.debug("{} --> {}{}", name, sentinelFirst ? "\\xff" : "", REDACTOR.redact(message));
        }
        try {
            socket.send(message, sentinelFirst, Duration.ofNanos(Math.max(deadline - System.nanoTime(), 1)));
        } catch (JsonSocket.WriteTimeoutException e) {
            current.compareAndSet(expectation, null);
            needsSync = true; // the 0xFF of the next sync makes the agent drop a partly written request
            throw new GuestAgentTimeoutException("Could not send '" + expectation.command + "' to the guest agent on "
                    + name + " within " + timeout + ": " + e.getMessage(), expectation.command, timeout);
        } catch (IOException e) {
            current.compareAndSet(expectation, null);
            throw closed("Could not send '" + expectation.command + "'", e);
        }
    }

    private ObjectNode await(Expectation expectation, long nanos) throws TimeoutException {
        try {
            return expectation.reply.get(nanos, TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof GuestAgentConnectionClosedException closedException) {
                throw closed("'" + expectation.command + "' got no reply", closedException);
            }
            if (cause instanceof GuestAgentProtocolException protocol) {
                throw new GuestAgentProtocolException("'" + expectation.command + "' got no usable reply: "
                        + protocol.getMessage(), protocol.rawMessage(), protocol);
            }
            throw new GuestAgentException("'" + expectation.command + "' failed: " + cause, cause);
        } catch (InterruptedException e) {
            needsSync = true;
            Thread.currentThread().interrupt();
            throw new GuestAgentException("Interrupted while waiting for the guest agent's reply to '"
                    + expectation.command + "'", e);
        }
    }

    private GuestAgentConnectionClosedException closed(String what, Throwable cause) {
        return new GuestAgentConnectionClosedException(what + ": the guest agent connection " + socket.path()
                + " is closed (" + (closeReason != null ? closeReason : "closed") + ")", cause);
    }

    static String describe(JsonNode arguments) {
        return arguments == null ? "" : " with arguments " + REDACTOR.redact(arguments);
    }

    /** Handles what the reader thread receives; runs on that thread only. */
    private final class Reader implements JsonSocket.Listener {

        @Override
        public void onMessage(ObjectNode message) {
            if (wire.isDebugEnabled()) {
                wire.debug("{} <-- {}", name, REDACTOR.redact(message));
            }
            Expectation expectation = current.get();
            if (expectation == null) {
                log.debug("Dropped a guest agent message on {} that no call waits for: {}", name,
                        REDACTOR.redact(message));
                return;
            }
            if (expectation.syncId != null) {
                JsonNode echoed = message.get("return");
                boolean match = expectation.delimiterSeen && echoed != null && echoed.isIntegralNumber()
                        && echoed.longValue() == expectation.syncId;
                if (!match) {
                    expectation.discarded.incrementAndGet();
                    log.debug("Discarded a stale guest agent message on {} while synchronising", name);
                    return;
                }
            }
            if (expectation.reply.complete(message)) {
                current.compareAndSet(expectation, null);
            }
        }

        @Override
        public void onDelimiter(int discardedBytes) {
            wire.debug("{} <-- \\xff (discarding {} bytes before it)", name, discardedBytes);
            Expectation expectation = current.get();
            if (expectation != null && expectation.syncId != null) {
                expectation.delimiterSeen = true;
            }
        }

        @Override
        public void onMalformed(String raw, String problem) {
            String shown = raw.length() <= 500 ? raw : raw.substring(0, 500) + "... (" + raw.length() + " chars)";
            wire.debug("{} <-- (malformed: {}) {}", name, problem, shown);
            Expectation expectation = current.get();
            if (expectation == null || expectation.syncId != null) {
                if (expectation != null) {
                    expectation.discarded.incrementAndGet();
                }
                return; // stale bytes; a sync skips them by design
            }
            expectation.reply.completeExceptionally(new GuestAgentProtocolException("the guest agent on " + name
                    + " sent something that is not a valid reply (" + problem + "): " + shown, shown, null));
        }

        @Override
        public void onClosed(String reason, IOException cause) {
            closeReason = reason;
            if (socket.closedByClient()) {
                log.debug("Guest agent connection {} ended: {}", socket.path(), reason);
            } else {
                log.info("Guest agent connection {} ended: {}", socket.path(), reason);
            }
            Expectation expectation = current.get();
            if (expectation != null) {
                expectation.reply.completeExceptionally(closed("the connection ended", cause));
            }
        }
    }
}
