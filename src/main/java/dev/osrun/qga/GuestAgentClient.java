package dev.osrun.qga;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osrun.transport.JsonSocket;
import dev.osrun.transport.ProtocolException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client of the QEMU guest agent (qemu-ga) through QEMU's chardev socket: runs processes, moves files, sets the
 * clock and shuts the guest down.
 *
 * <p>The agent's replies carry no id, so calls are serialised: one is in flight at a time, others wait their turn
 * (within their own timeout). Before the first call, {@link #sync} finds the start of the agent's next reply with
 * {@code guest-sync-delimited}; it retries until the agent answers, which makes it the way to wait for a guest to
 * boot. After any client-side timeout the next call resynchronises first, so that a late reply is never taken as
 * the answer to a later call. Payloads ({@code input-data}, {@code buf-b64}, {@code env}, output) appear in logs and
 * exception messages only as their size.
 *
 * <pre>{@code
 * try (GuestAgentClient agent = GuestAgentClient.connect(socket, Duration.ofSeconds(10))) {
 *     agent.sync(Duration.ofMinutes(2)); // waits for the guest to boot
 *     long pid = agent.exec(GuestExecRequest.capturing("/bin/sh", "-c", "uname -a"));
 *     GuestExecStatus status = agent.execStatus(pid); // poll until status.exited()
 * }
 * }</pre>
 */
public final class GuestAgentClient implements AutoCloseable {

    /** The timeout of calls that take none, unless changed with {@link #setDefaultTimeout}. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    /** How long {@link #shutdown(String)} waits for an error reply before it counts the silence as success. */
    public static final Duration SHUTDOWN_REPLY_WAIT = Duration.ofSeconds(2);

    private static final Logger log = LoggerFactory.getLogger(GuestAgentClient.class);
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final Set<String> SHUTDOWN_MODES = Set.of("powerdown", "reboot", "halt");

    private final GuestAgentSession session;
    private volatile Duration defaultTimeout = DEFAULT_TIMEOUT;

    private GuestAgentClient(GuestAgentSession session) {
        this.session = session;
    }

    /**
     * Connects to the guest agent's socket without talking to the agent yet (the guest may not have booted): QEMU
     * accepts the connection as soon as it runs. Connecting is retried until {@code timeout}, since QEMU creates
     * the socket shortly after it starts. Call {@link #sync} next.
     *
     * @param socket  QEMU's chardev socket ({@code -chardev socket,path=PATH,server=on,wait=off,id=...})
     * @param timeout how long to wait for the socket to accept
     * @return the client
     * @throws IllegalArgumentException      when the socket path is too long for a unix socket
     * @throws GuestAgentConnectionException when nothing accepted a connection in time
     */
    public static GuestAgentClient connect(Path socket, Duration timeout) {
        JsonSocket transport;
        try {
            transport = JsonSocket.connect(socket, timeout);
        } catch (IOException e) {
            throw new GuestAgentConnectionException("Could not connect to the guest agent socket: " + e.getMessage()
                    + ". Is QEMU running with -chardev socket,path=" + socket + ",server=on,wait=off,id=qga0 and "
                    + "-device virtserialport,chardev=qga0,name=org.qemu.guest_agent.0?", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GuestAgentConnectionException("Interrupted while connecting to the guest agent socket "
                    + socket, e);
        }
        GuestAgentSession session = new GuestAgentSession(transport);
        session.start();
        log.debug("Connected to the guest agent socket {}", socket);
        return new GuestAgentClient(session);
    }

    /**
     * Sets the timeout of the calls that take none.
     *
     * @param timeout the new default, positive
     * @throws IllegalArgumentException when the timeout is zero or negative
     */
    public void setDefaultTimeout(Duration timeout) {
        if (timeout.isZero() || timeout.isNegative()) {
            throw new IllegalArgumentException("The default guest agent timeout must be positive, but was "
                    + timeout);
        }
        this.defaultTimeout = timeout;
    }

    /**
     * Returns the timeout of the calls that take none.
     *
     * @return {@link #DEFAULT_TIMEOUT} unless changed
     */
    public Duration defaultTimeout() {
        return defaultTimeout;
    }

    /**
     * Synchronises with the agent using {@code guest-sync-delimited} and a random id: everything before the agent's
     * {@code 0xFF} sentinel, and any reply with another id, is discarded. Retries until the agent answers, so it
     * works before the guest has booted.
     *
     * @param timeout how long to keep trying
     * @throws GuestAgentTimeoutException          when the agent did not answer in time
     * @throws GuestAgentConnectionClosedException when the connection closes
     */
    public void sync(Duration timeout) {
        session.sync(timeout);
    }

    /**
     * Runs an agent command and returns its result: the raw escape hatch beside the typed methods.
     *
     * @param command   the command, e.g. {@code guest-get-host-name}
     * @param arguments a JSON object of arguments, or {@code null} for none
     * @param timeout   how long to wait, including for a call in progress to finish
     * @return the {@code return} member of the agent's reply
     * @throws IllegalArgumentException            when {@code arguments} is not a JSON object
     * @throws GuestAgentCommandException          when the agent answers with an error
     * @throws GuestAgentTimeoutException          when no reply arrives in time
     * @throws GuestAgentConnectionClosedException when the connection is closed or closes before the reply
     * @throws GuestAgentProtocolException         when the agent's answer cannot be understood
     */
    public JsonNode execute(String command, JsonNode arguments, Duration timeout) {
        ObjectNode reply = session.call(requireCommand(command), requireObject(arguments), timeout, false);
        return result(command, arguments, reply);
    }

    /**
     * Checks that the agent answers, with {@code guest-ping}.
     *
     * @param timeout how long to wait
     * @throws ProtocolException when the agent does not answer (see {@link #execute})
     */
    public void ping(Duration timeout) {
        execute("guest-ping", null, timeout);
    }

    /**
     * Starts a process in the guest with {@code guest-exec} and returns at once.
     *
     * @param request what to run
     * @return the process id to pass to {@link #execStatus}
     * @throws GuestAgentCommandException when the agent cannot start it (e.g. the program does not exist)
     * @throws ProtocolException         when the call fails otherwise (see {@link #execute})
     */
    public long exec(GuestExecRequest request) {
        ObjectNode arguments = JSON.objectNode().put("path", request.path());
        ArrayNode args = arguments.putArray("arg");
        request.args().forEach(args::add);
        if (request.env() != null) {
            ArrayNode env = arguments.putArray("env");
            request.env().forEach(env::add);
        }
        if (request.inputData() != null) {
            arguments.put("input-data", Base64.getEncoder().encodeToString(request.inputData()));
        }
        arguments.put("capture-output", request.captureOutput());
        JsonNode result = execute("guest-exec", arguments, defaultTimeout);
        return requireNumber(result, "pid", "guest-exec").asLong();
    }

    /**
     * Returns the state of a process started with {@link #exec}, with its output once it has exited. The agent
     * forgets the process after reporting it exited.
     *
     * @param pid the id returned by {@link #exec}
     * @return the status, output decoded from base64
     * @throws GuestAgentCommandException when the agent knows no such process
     * @throws ProtocolException         when the call fails otherwise (see {@link #execute})
     */
    public GuestExecStatus execStatus(long pid) {
        JsonNode result = execute("guest-exec-status", JSON.objectNode().put("pid", pid), defaultTimeout);
        return new GuestExecStatus(
                result.path("exited").asBoolean(),
                result.hasNonNull("exitcode") ? result.get("exitcode").asInt() : null,
                result.hasNonNull("signal") ? result.get("signal").asInt() : null,
                decode(result, "out-data", "guest-exec-status"),
                decode(result, "err-data", "guest-exec-status"),
                result.path("out-truncated").asBoolean(),
                result.path("err-truncated").asBoolean());
    }

    /**
     * Opens a file in the guest with {@code guest-file-open}.
     *
     * @param path the file, as the guest names it
     * @param mode an {@code fopen} mode such as {@code r}, {@code w}, {@code a+}; {@code null} means {@code r}
     * @return the handle for the other file calls
     * @throws GuestAgentCommandException when the guest cannot open it
     * @throws ProtocolException         when the call fails otherwise (see {@link #execute})
     */
    public long fileOpen(String path, String mode) {
        ObjectNode arguments = JSON.objectNode().put("path", path);
        if (mode != null) {
            arguments.put("mode", mode);
        }
        return requireNumber(execute("guest-file-open", arguments, defaultTimeout), null, "guest-file-open")
                .asLong();
    }

    /**
     * Reads up to {@code count} bytes from an open guest file with {@code guest-file-read}.
     *
     * @param handle the handle from {@link #fileOpen}
     * @param count  how many bytes to read at most (the agent allows up to 48 MiB)
     * @return the bytes read and whether the end of the file was reached
     * @throws GuestAgentCommandException when the read fails in the guest
     * @throws ProtocolException         when the call fails otherwise (see {@link #execute})
     */
    public FileChunk fileRead(long handle, int count) {
        ObjectNode arguments = JSON.objectNode().put("handle", handle).put("count", count);
        JsonNode result = execute("guest-file-read", arguments, defaultTimeout);
        return new FileChunk(decode(result, "buf-b64", "guest-file-read"), result.path("eof").asBoolean());
    }

    /**
     * Writes bytes to an open guest file with {@code guest-file-write}.
     *
     * @param handle the handle from {@link #fileOpen}
     * @param data   the bytes to write
     * @return how many bytes the guest wrote
     * @throws GuestAgentCommandException when the write fails in the guest
     * @throws ProtocolException         when the call fails otherwise (see {@link #execute})
     */
    public int fileWrite(long handle, byte[] data) {
        ObjectNode arguments = JSON.objectNode().put("handle", handle)
                .put("buf-b64", Base64.getEncoder().encodeToString(data));
        return requireNumber(execute("guest-file-write", arguments, defaultTimeout), "count", "guest-file-write")
                .asInt();
    }

    /**
     * Closes an open guest file with {@code guest-file-close}.
     *
     * @param handle the handle from {@link #fileOpen}
     * @throws GuestAgentCommandException when the agent knows no such handle
     * @throws ProtocolException         when the call fails otherwise (see {@link #execute})
     */
    public void fileClose(long handle) {
        execute("guest-file-close", JSON.objectNode().put("handle", handle), defaultTimeout);
    }

    /**
     * Sets the guest's clock with {@code guest-set-time} (needed after restoring a snapshot).
     *
     * @param time the time to set, with nanosecond precision
     * @throws GuestAgentCommandException when the guest refuses (e.g. the agent lacks the privilege)
     * @throws ProtocolException         when the call fails otherwise (see {@link #execute})
     */
    public void setTime(Instant time) {
        long nanos = Math.addExact(Math.multiplyExact(time.getEpochSecond(), 1_000_000_000L), time.getNano());
        execute("guest-set-time", JSON.objectNode().put("time", nanos), defaultTimeout);
    }

    /**
     * Returns the guest operating system's description from {@code guest-get-osinfo}.
     *
     * @return e.g. {@code {"id": "mswindows", "version": "Microsoft Windows 11", "kernel-release": "22631", ...}}
     * @throws ProtocolException when the call fails (see {@link #execute})
     */
    public JsonNode osInfo() {
        return execute("guest-get-osinfo", null, defaultTimeout);
    }

    /**
     * Returns the names of the commands the agent supports and has enabled, from {@code guest-info}.
     *
     * @return the enabled command names, e.g. {@code guest-exec}
     * @throws ProtocolException when the call fails (see {@link #execute})
     */
    public List<String> supportedCommands() {
        JsonNode info = execute("guest-info", null, defaultTimeout);
        List<String> names = new ArrayList<>();
        for (JsonNode command : info.path("supported_commands")) {
            if (command.path("enabled").asBoolean(true)) {
                names.add(command.path("name").asText());
            }
        }
        return List.copyOf(names);
    }

    /**
     * Asks the guest to shut down with {@code guest-shutdown}, waiting {@link #SHUTDOWN_REPLY_WAIT} for an error.
     *
     * @param mode {@code powerdown}, {@code reboot} or {@code halt}
     * @throws IllegalArgumentException   when the mode is none of those
     * @throws GuestAgentCommandException when the agent refuses
     * @throws ProtocolException         when the command cannot be sent
     * @see #shutdown(String, Duration)
     */
    public void shutdown(String mode) {
        shutdown(mode, SHUTDOWN_REPLY_WAIT);
    }

    /**
     * Asks the guest to shut down with {@code guest-shutdown}. The agent does not answer when it succeeds, so
     * silence for {@code replyWait}, or the connection closing, counts as success; only an error reply fails.
     *
     * @param mode      {@code powerdown}, {@code reboot} or {@code halt}
     * @param replyWait how long to wait for an error reply
     * @throws IllegalArgumentException            when the mode is none of those
     * @throws GuestAgentCommandException          when the agent refuses
     * @throws GuestAgentConnectionClosedException when the connection was closed before the command was sent
     * @throws ProtocolException                  when the command cannot be sent otherwise
     */
    public void shutdown(String mode, Duration replyWait) {
        if (!SHUTDOWN_MODES.contains(mode)) {
            throw new IllegalArgumentException("guest-shutdown mode must be one of " + SHUTDOWN_MODES + ", but was '"
                    + mode + "'");
        }
        ObjectNode arguments = JSON.objectNode().put("mode", mode);
        ObjectNode reply = session.call("guest-shutdown", arguments, replyWait, true);
        if (reply != null) {
            result("guest-shutdown", arguments, reply);
        }
        log.info("Asked the guest on {} to shut down ({})", session.name(), mode);
    }

    /**
     * Returns whether the connection to the agent's socket is open (not whether the agent answers).
     *
     * @return {@code false} once QEMU has closed the socket or {@link #close()} was called
     */
    public boolean isOpen() {
        return session.isOpen();
    }

    /**
     * Closes the connection and ends its reader thread; a call in progress fails with
     * {@link GuestAgentConnectionClosedException}. Closing twice does nothing.
     */
    @Override
    public void close() {
        session.socket().close();
    }

    /**
     * Describes the connection for logs.
     *
     * @return e.g. {@code GuestAgentClient[qga.sock, open]}
     */
    @Override
    public String toString() {
        return "GuestAgentClient[" + session.name() + ", " + (isOpen() ? "open" : "closed") + "]";
    }

    private static JsonNode result(String command, JsonNode arguments, ObjectNode reply) {
        JsonNode error = reply.get("error");
        if (error != null) {
            throw new GuestAgentCommandException(command, GuestAgentSession.REDACTOR.redact(arguments),
                    error.path("class").asText("(no class)"), error.path("desc").asText("(no description)"));
        }
        if (!reply.has("return")) {
            String raw = String.valueOf(GuestAgentSession.REDACTOR.redact(reply));
            throw new GuestAgentProtocolException("The guest agent's reply to '" + command + "' has neither 'return'"
                    + " nor 'error': " + raw, raw, null);
        }
        return reply.get("return");
    }

    private static JsonNode requireNumber(JsonNode result, String member, String command) {
        JsonNode value = member == null ? result : result.get(member);
        if (value == null || !value.isIntegralNumber()) {
            String raw = String.valueOf(GuestAgentSession.REDACTOR.redact(result));
            throw new GuestAgentProtocolException("Expected " + (member == null ? "an integer" : "an integer '"
                    + member + "'") + " in the result of '" + command + "', but got " + raw, raw, null);
        }
        return value;
    }

    private static byte[] decode(JsonNode result, String member, String command) {
        JsonNode value = result.get(member);
        if (value == null || value.isNull()) {
            return new byte[0];
        }
        try {
            return Base64.getDecoder().decode(value.asText());
        } catch (IllegalArgumentException e) {
            throw new GuestAgentProtocolException("'" + member + "' in the result of '" + command + "' is not "
                    + "valid base64 (" + value.asText().length() + " chars): " + e.getMessage(),
                    String.valueOf(GuestAgentSession.REDACTOR.redact(result)), e);
        }
    }

    private static String requireCommand(String command) {
        if (command == null || command.isBlank()) {
            throw new IllegalArgumentException("A guest agent command name is required, but was '" + command + "'");
        }
        return command;
    }

    private static ObjectNode requireObject(JsonNode arguments) {
        if (arguments != null && !arguments.isObject()) {
            throw new IllegalArgumentException("Guest agent arguments must be a JSON object or null, but were "
                    + GuestAgentSession.REDACTOR.redact(arguments));
        }
        return (ObjectNode) arguments;
    }
}
