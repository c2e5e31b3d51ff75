package dev.osrun.qmp;

import dev.osrun.transport.JsonSocket;
import dev.osrun.transport.ProtocolException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client of the QEMU Machine Protocol on a unix socket: sends commands, matches replies by {@code id}, and
 * delivers asynchronous events to listeners.
 *
 * <p>{@link #connect} reads QEMU's greeting and negotiates capabilities, so a client is ready for commands as soon
 * as it is returned. Any number of threads may call {@link #execute} at once. Events and the end of the connection
 * are delivered on the connection's reader thread ({@code qmp-reader-<socket name>}); listeners must return quickly
 * and must not call {@code execute}. To wait for an event that a command triggers, use {@link #awaitEvent}, which
 * registers its listener before it runs the command.
 *
 * <pre>{@code
 * try (QmpClient qmp = QmpClient.connect(socket, Duration.ofSeconds(10))) {
 *     qmp.awaitEvent("STOP", Duration.ofSeconds(5), () -> qmp.execute("stop", null));
 *     String status = qmp.queryStatus(); // "paused"
 * }
 * }</pre>
 */
public final class QmpClient implements AutoCloseable {

    /** The timeout of calls that take none, unless changed with {@link #setDefaultTimeout}. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    private static final Logger log = LoggerFactory.getLogger(QmpClient.class);
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final Duration MIN_HANDSHAKE_TIME = Duration.ofSeconds(1);

    private final QmpConnection connection;
    private volatile Duration defaultTimeout = DEFAULT_TIMEOUT;

    private QmpClient(QmpConnection connection) {
        this.connection = connection;
    }

    /**
     * Connects to QEMU's QMP socket, reads the greeting and sends {@code qmp_capabilities}. QEMU creates the socket
     * shortly after it starts, so connecting is retried until {@code timeout}.
     *
     * @param socket  the socket QEMU listens on ({@code -qmp unix:PATH,server=on,wait=off})
     * @param timeout how long to wait for the socket, the greeting and the negotiation together (at least one
     *                second is always left for the handshake once connected)
     * @return a client ready for commands
     * @throws IllegalArgumentException when the socket path is too long for a unix socket
     * @throws QmpConnectionException   when nothing accepted a connection in time, no greeting arrived, or the
     *                                  negotiation failed; the message says what was awaited and what was seen
     */
    public static QmpClient connect(Path socket, Duration timeout) {
        long start = System.nanoTime();
        JsonSocket transport;
        try {
            transport = JsonSocket.connect(socket, timeout);
        } catch (IOException e) {
            throw new QmpConnectionException("Could not connect to the QMP socket: " + e.getMessage()
                    + ". Is QEMU running with -qmp unix:" + socket + ",server=on,wait=off?", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new QmpConnectionException("Interrupted while connecting to the QMP socket " + socket, e);
        }
        QmpConnection connection = new QmpConnection(transport);
        Duration left = timeout.minusNanos(System.nanoTime() - start);
        try {
            connection.open(left.compareTo(MIN_HANDSHAKE_TIME) < 0 ? MIN_HANDSHAKE_TIME : left);
        } catch (RuntimeException e) {
            transport.close();
            throw e;
        }
        QmpClient client = new QmpClient(connection);
        log.info("Connected to QMP on {} (QEMU {})", socket, client.qemuVersion());
        return client;
    }

    /**
     * Returns the greeting QEMU sent when the connection was made.
     *
     * @return a copy of the greeting, e.g. {@code {"QMP": {"version": {...}, "capabilities": [...]}}}
     */
    public JsonNode greeting() {
        return connection.greeting().deepCopy();
    }

    /**
     * Returns QEMU's version from the greeting.
     *
     * @return {@code major.minor.micro}, e.g. {@code 7.2.22}
     */
    public String qemuVersion() {
        JsonNode qemu = connection.greeting().path("QMP").path("version").path("qemu");
        return qemu.path("major").asInt() + "." + qemu.path("minor").asInt() + "." + qemu.path("micro").asInt();
    }

    /**
     * Sets the timeout of the calls that take none.
     *
     * @param timeout the new default, positive
     * @throws IllegalArgumentException when the timeout is zero or negative
     */
    public void setDefaultTimeout(Duration timeout) {
        if (timeout.isZero() || timeout.isNegative()) {
            throw new IllegalArgumentException("The default QMP timeout must be positive, but was " + timeout);
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
     * Runs a QMP command and returns its result, waiting at most the default timeout.
     *
     * @param command   the command, e.g. {@code query-status}
     * @param arguments a JSON object of arguments, or {@code null} for none
     * @return the {@code return} member of QEMU's reply
     * @throws QmpCommandException          when QEMU answers with an error
     * @throws QmpTimeoutException          when no reply arrives within the default timeout
     * @throws QmpConnectionClosedException when the connection is closed or closes before the reply
     * @throws QmpProtocolException         when QEMU's answer cannot be understood
     */
    public JsonNode execute(String command, JsonNode arguments) {
        return execute(command, arguments, defaultTimeout);
    }

    /**
     * Runs a QMP command and returns its result. The reply is matched by {@code id}, so other threads may run
     * commands at the same time; a reply that arrives after the timeout is dropped.
     *
     * @param command   the command, e.g. {@code query-status}
     * @param arguments a JSON object of arguments, or {@code null} for none
     * @param timeout   how long to wait for the reply
     * @return the {@code return} member of QEMU's reply
     * @throws IllegalArgumentException     when {@code arguments} is not a JSON object
     * @throws IllegalStateException        when called from a listener (on the reader thread)
     * @throws QmpCommandException          when QEMU answers with an error
     * @throws QmpTimeoutException          when no reply arrives within {@code timeout}
     * @throws QmpConnectionClosedException when the connection is closed or closes before the reply
     * @throws QmpProtocolException         when QEMU's answer cannot be understood
     */
    public JsonNode execute(String command, JsonNode arguments, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        QmpConnection.Pending call = connection.send(requireCommand(command), requireObject(arguments), timeout);
        return connection.awaitReply(call, timeout, deadline);
    }

    /**
     * Runs a human monitor (HMP) command through {@code human-monitor-command} and returns its output.
     *
     * @param commandLine the HMP command line, e.g. {@code info version}
     * @param timeout     how long to wait for the reply
     * @return the text HMP printed (may be empty)
     * @throws QmpCommandException          when QEMU rejects the command
     * @throws QmpTimeoutException          when no reply arrives within {@code timeout}
     * @throws QmpConnectionClosedException when the connection closes
     */
    public String humanMonitorCommand(String commandLine, Duration timeout) {
        ObjectNode arguments = JSON.objectNode().put("command-line", commandLine);
        return execute("human-monitor-command", arguments, timeout).asText();
    }

    /**
     * Returns the VM's run state from {@code query-status}, waiting at most the default timeout.
     *
     * @return e.g. {@code running}, {@code paused}, {@code prelaunch}, {@code shutdown}, {@code guest-panicked}
     * @throws ProtocolException when the command fails (see {@link #execute(String, JsonNode, Duration)})
     */
    public String queryStatus() {
        return execute("query-status", null).path("status").asText();
    }

    /**
     * Saves the VM's display as a PNG file with {@code screendump} (QEMU 7.1 or later). QEMU writes the file, so
     * the path is resolved where QEMU runs.
     *
     * @param file where QEMU writes the PNG
     * @throws QmpCommandException when QEMU cannot take the screenshot (e.g. the VM has no display device)
     * @throws ProtocolException  when the command fails otherwise
     */
    public void screendumpPng(Path file) {
        ObjectNode arguments = JSON.objectNode()
                .put("filename", file.toAbsolutePath().toString())
                .put("format", "png");
        execute("screendump", arguments);
    }

    /**
     * Tells QEMU to exit with {@code quit}. QEMU may close the connection before its reply arrives; that counts as
     * success.
     *
     * @throws QmpConnectionClosedException when the connection was already closed before the command was sent
     * @throws QmpTimeoutException          when QEMU neither answers nor closes within the default timeout
     */
    public void quit() {
        quit(defaultTimeout);
    }

    /**
     * Tells QEMU to exit with {@code quit}, waiting at most {@code timeout} for its answer or the connection's end.
     *
     * @param timeout how long to wait
     * @throws QmpConnectionClosedException when the connection was already closed before the command was sent
     * @throws QmpTimeoutException          when QEMU neither answers nor closes within {@code timeout}
     */
    public void quit(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        QmpConnection.Pending call = connection.send("quit", null, timeout);
        try {
            connection.awaitReply(call, timeout, deadline);
        } catch (QmpConnectionClosedException e) {
            log.debug("QMP connection {} closed after quit, as expected", connection.name());
        }
    }

    /**
     * Runs a command that starts a background job ({@code snapshot-save}, {@code snapshot-load},
     * {@code snapshot-delete}, ...) and waits until the job has concluded: the {@code JOB_STATUS_CHANGE} event with
     * status {@code concluded}, awaited with a listener registered before the command is sent. Then reads the job's
     * error from {@code query-jobs} and dismisses the job ({@code job-dismiss}), so QEMU keeps no finished jobs.
     *
     * @param command   the command, e.g. {@code snapshot-load}
     * @param arguments its arguments without {@code job-id}, which this method adds
     * @param jobId     the id to give the job; it must not be in use
     * @param timeout   how long the job may take
     * @throws QmpJobException      when the job concluded with an error; carries QEMU's error text
     * @throws QmpCommandException  when QEMU refuses to start the job
     * @throws QmpTimeoutException  when the job has not concluded within {@code timeout}; says the job's last status
     * @throws ProtocolException   when the connection fails meanwhile
     */
    public void runJob(String command, ObjectNode arguments, String jobId, Duration timeout) {
        ObjectNode withId = (arguments == null ? JSON.objectNode() : arguments.deepCopy()).put("job-id", jobId);
        try {
            awaitEvent(event -> event.is("JOB_STATUS_CHANGE") && jobId.equals(event.data().path("id").asText())
                            && "concluded".equals(event.data().path("status").asText()),
                    timeout, () -> execute(command, withId));
        } catch (QmpTimeoutException e) {
            throw new QmpTimeoutException("QMP job '" + jobId + "' (" + command + ") did not conclude within " + timeout
                    + "; its state: " + jobState(jobId) + " (" + e.getMessage() + ")", command, timeout);
        }
        String error = jobState(jobId).path("error").asText(null);
        try {
            execute("job-dismiss", JSON.objectNode().put("id", jobId));
        } catch (QmpCommandException e) {
            log.debug("Could not dismiss job {}", jobId, e);
        }
        if (error != null) {
            throw new QmpJobException(command, jobId, error);
        }
    }

    private JsonNode jobState(String jobId) {
        for (JsonNode job : execute("query-jobs", null)) {
            if (jobId.equals(job.path("id").asText())) {
                return job;
            }
        }
        return JSON.objectNode();
    }

    /**
     * Registers a listener for every event QEMU sends from now on. It runs on the reader thread: it must return
     * quickly and must not call {@link #execute}.
     *
     * @param listener receives each event
     * @return a subscription; close it to remove the listener
     */
    public Subscription addEventListener(Consumer<QmpEvent> listener) {
        return connection.listeners().addEventListener(Objects.requireNonNull(listener, "listener"));
    }

    /**
     * Registers a listener that runs once when the connection ends, whoever ends it (QEMU exiting, or
     * {@link #close()}); it runs at once, on the calling thread, when the connection has already ended.
     *
     * @param listener runs once, on the reader thread, when the connection ends
     * @return a subscription; close it to remove the listener
     */
    public Subscription addCloseListener(Runnable listener) {
        return connection.listeners().addCloseListener(Objects.requireNonNull(listener, "listener"));
    }

    /**
     * Waits for the first event with the given name that arrives after this call begins; the listener is
     * registered before {@code trigger} runs, so an event the trigger causes cannot be missed.
     *
     * @param eventName the event name, e.g. {@code RESUME}
     * @param timeout   how long to wait after the trigger has run
     * @param trigger   what causes the event, e.g. {@code () -> qmp.execute("cont", null)}; may be {@code null}
     * @return the event
     * @throws QmpTimeoutException          when no such event arrives in time; the message lists the events seen
     * @throws QmpConnectionClosedException when the connection closes while waiting
     */
    public QmpEvent awaitEvent(String eventName, Duration timeout, Runnable trigger) {
        Objects.requireNonNull(eventName, "eventName");
        return awaitEvent(event -> event.is(eventName), "named " + eventName, timeout, trigger);
    }

    /**
     * Waits for the first event matching {@code match} that arrives after this call begins; the listener is
     * registered before {@code trigger} runs, so an event the trigger causes cannot be missed.
     *
     * @param match   selects the awaited event
     * @param timeout how long to wait after the trigger has run
     * @param trigger what causes the event; may be {@code null}
     * @return the event
     * @throws IllegalStateException        when called from a listener (on the reader thread)
     * @throws QmpTimeoutException          when no matching event arrives in time; the message lists the events seen
     * @throws QmpConnectionClosedException when the connection closes while waiting
     */
    public QmpEvent awaitEvent(Predicate<QmpEvent> match, Duration timeout, Runnable trigger) {
        return awaitEvent(Objects.requireNonNull(match, "match"), "matching the condition", timeout, trigger);
    }

    private QmpEvent awaitEvent(Predicate<QmpEvent> match, String what, Duration timeout, Runnable trigger) {
        connection.requireNotReaderThread("awaitEvent");
        CompletableFuture<QmpEvent> found = new CompletableFuture<>();
        List<String> seen = new ArrayList<>();
        Consumer<QmpEvent> listener = event -> {
            try {
                if (match.test(event)) {
                    found.complete(event);
                } else {
                    synchronized (seen) {
                        seen.add(event.name());
                    }
                }
            } catch (RuntimeException e) {
                found.completeExceptionally(e);
            }
        };
        Subscription events = addEventListener(listener);
        Subscription closing = addCloseListener(() -> found.completeExceptionally(connection.closedException()));
        try {
            if (trigger != null) {
                trigger.run();
            }
            return found.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            String seenNames;
            synchronized (seen) {
                seenNames = seen.toString();
            }
            throw new QmpTimeoutException("No QMP event " + what + " arrived on " + connection.name() + " within "
                    + timeout + "; events seen meanwhile: " + seenNames, null, timeout);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof QmpConnectionClosedException closed) {
                throw new QmpConnectionClosedException("While waiting for a QMP event " + what + ": "
                        + closed.getMessage(), closed);
            }
            throw new QmpException("The event condition failed while waiting for an event " + what, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new QmpException("Interrupted while waiting for a QMP event " + what + " on " + connection.name(),
                    e);
        } finally {
            events.close();
            closing.close();
        }
    }

    /**
     * Returns whether the connection is open.
     *
     * @return {@code false} once QEMU has closed the connection or {@link #close()} was called
     */
    public boolean isOpen() {
        return connection.isOpen();
    }

    /**
     * Closes the connection and ends its reader thread. Calls still waiting fail with
     * {@link QmpConnectionClosedException}, and close listeners have run when this returns (unless it is called
     * from a listener). Closing twice does nothing.
     */
    @Override
    public void close() {
        connection.socket().close();
    }

    /**
     * Describes the connection for logs.
     *
     * @return e.g. {@code QmpClient[qmp.sock, open]}
     */
    @Override
    public String toString() {
        return "QmpClient[" + connection.name() + ", " + (isOpen() ? "open" : "closed") + "]";
    }

    private static String requireCommand(String command) {
        if (command == null || command.isBlank()) {
            throw new IllegalArgumentException("A QMP command name is required, but was '" + command + "'");
        }
        return command;
    }

    private static JsonNode requireObject(JsonNode arguments) {
        if (arguments != null && !arguments.isObject()) {
            throw new IllegalArgumentException("QMP arguments must be a JSON object or null, but were " + arguments);
        }
        return arguments;
    }
}
