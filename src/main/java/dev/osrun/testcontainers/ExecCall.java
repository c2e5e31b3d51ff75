package dev.osrun.testcontainers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osrun.ExecOptions;
import dev.osrun.ExecResult;
import dev.osrun.ExecTimeoutException;
import dev.osrun.GuestNotRespondingException;
import dev.osrun.OsrunException;
import dev.osrun.VmCrashedException;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One {@code POST /v1/exec}: sends the command, then reads the NDJSON frames as they come ({@code stdout},
 * {@code stderr}, then {@code exit} or {@code error}), handing output to the consumers at once and keeping its
 * tail for the result.
 *
 * <p>Stdin travels base64-encoded in the JSON body. The whole answer is bounded: when no exit or error frame has
 * come {@link #GRACE} after the command's own timeout, the call gives up.
 */
final class ExecCall {

    /** How long after the command's timeout the server may take to report it. */
    static final Duration GRACE = Duration.ofMinutes(2);

    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "osrun-exec-watchdog");
        thread.setDaemon(true);
        return thread;
    });

    private final ControlApi api;
    private final String kind;
    private final Object command;
    private final ExecOptions options;

    /**
     * @param kind    {@code argv}, {@code shell} or {@code powershell}
     * @param command a {@code List<String>} for argv, else the script
     */
    ExecCall(ControlApi api, String kind, Object command, ExecOptions options) {
        this.api = api;
        this.kind = kind;
        this.command = command;
        this.options = options;
    }

    /** Runs the command and returns its result once it has exited. */
    ExecResult run() {
        HttpRequest request = api.request("/v1/exec")
                .header("Content-Type", "application/json")
                .header("Accept", "application/x-ndjson")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body()))
                .build();
        HttpResponse<InputStream> response = api.send(request, HttpResponse.BodyHandlers.ofInputStream(), "run " + describe());
        if (response.statusCode() != 200) {
            byte[] body;
            try (InputStream in = response.body()) {
                body = in.readNBytes(64 * 1024);
            } catch (IOException e) {
                body = new byte[0];
            }
            throw api.error("run " + describe(), response.statusCode(), body);
        }
        AtomicBoolean expired = new AtomicBoolean();
        InputStream stream = response.body();
        Thread reader = Thread.currentThread();
        ScheduledFuture<?> watchdog = WATCHDOG.schedule(() -> {
            expired.set(true);
            closeQuietly(stream);
            reader.interrupt(); // a read blocked on the response's queue wakes up on an interrupt
        }, options.timeout().plus(GRACE).toMillis(), TimeUnit.MILLISECONDS);
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
            return read(lines);
        } catch (IOException e) {
            if (expired.get()) {
                throw new OsrunException("The control API did not report the end of " + describe() + " within "
                        + options.timeout().plus(GRACE).toSeconds() + " s (the command's timeout plus " + GRACE.toSeconds()
                        + " s); gave up waiting. The container's log may say why.", e);
            }
            throw new OsrunException("The exec stream of " + describe() + " broke off before the command's exit was "
                    + "reported (" + e + "). Is the osrun container still running?", e);
        } finally {
            watchdog.cancel(false);
            if (expired.get()) {
                Thread.interrupted(); // the interrupt was the watchdog's, not the caller's
            }
        }
    }

    private ExecResult read(BufferedReader lines) throws IOException {
        OutputTail stdout = new OutputTail(options.outputLimit());
        OutputTail stderr = new OutputTail(options.outputLimit());
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode frame = frame(line);
            if (frame.has("stdout") && !frame.has("error")) {
                String text = frame.get("stdout").asText();
                stdout.append(text);
                options.stdoutConsumer().accept(text);
            } else if (frame.has("stderr") && !frame.has("error")) {
                String text = frame.get("stderr").asText();
                stderr.append(text);
                options.stderrConsumer().accept(text);
            } else if (frame.has("exit")) {
                boolean truncated = stdout.truncated() || stderr.truncated();
                return new ExecResult(frame.get("exit").asInt(), stdout.text(), stderr.text(),
                        Duration.ofMillis(frame.path("durationMs").asLong()), truncated);
            } else if (frame.has("error")) {
                throw failure(frame, stdout, stderr);
            }
        }
        throw new OsrunException("The exec stream of " + describe() + " ended without the command's exit code; the "
                + "server may have stopped. Check the osrun container's log.");
    }

    private RuntimeException failure(JsonNode frame, OutputTail stdout, OutputTail stderr) {
        JsonNode error = frame.get("error");
        String type = error.path("type").asText("failed");
        String message = error.isTextual() ? error.asText() : error.path("message").asText(type);
        switch (type) {
            case "timeout" -> {
                // Today's server repeats the partial output in the error frame; a newer one leaves it to the frames.
                if (frame.path("stdout").isTextual()) {
                    stdout.replace(frame.get("stdout").asText());
                }
                if (frame.path("stderr").isTextual()) {
                    stderr.replace(frame.get("stderr").asText());
                }
                return new ExecTimeoutException(describe(), options.timeout(), stdout.text(), stderr.text());
            }
            case "crashed" -> {
                VmCrashedException crash = ControlApi.crash(message);
                return crash != null ? crash : new VmCrashedException(message, null, "");
            }
            case "not-responding" -> {
                return new GuestNotRespondingException(message, null);
            }
            default -> {
                return new OsrunException("Could not run " + describe() + ": " + message);
            }
        }
    }

    private JsonNode frame(String line) {
        try {
            return ControlApi.JSON.readTree(line);
        } catch (IOException e) {
            throw new OsrunException("The exec stream of " + describe() + " sent a line that is not JSON: "
                    + (line.length() > 200 ? line.substring(0, 200) + "…" : line), e);
        }
    }

    private byte[] body() {
        ObjectNode body = ControlApi.JSON.createObjectNode();
        if (command instanceof List<?> argv) {
            argv.forEach(word -> body.withArray("argv").add((String) word));
        } else {
            body.put(kind, (String) command);
        }
        byte[] stdin = options.stdin();
        if (stdin.length > 0) {
            body.put("stdin", Base64.getEncoder().encodeToString(stdin));
        }
        if (!options.environment().isEmpty()) {
            ObjectNode env = body.putObject("env");
            options.environment().forEach(env::put);
        }
        options.workingDirectory().ifPresent(dir -> body.put("workingDirectory", dir));
        body.put("timeoutMs", options.timeout().toMillis());
        try {
            return ControlApi.JSON.writeValueAsBytes(body);
        } catch (IOException e) {
            throw new OsrunException("Cannot encode the exec request of " + describe(), e);
        }
    }

    /** The command as messages show it. */
    String describe() {
        return command instanceof List<?> argv ? "argv " + argv : kind + " '" + command + "'";
    }

    private static void closeQuietly(InputStream stream) {
        try {
            stream.close();
        } catch (IOException ignored) {
            // closing is how the watchdog interrupts a blocked read; a failure to close changes nothing
        }
    }
}
