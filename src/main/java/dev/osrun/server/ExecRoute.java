package dev.osrun.server;

import dev.osrun.ExecCancelledException;
import dev.osrun.ExecOptions;
import dev.osrun.ExecResult;
import dev.osrun.ExecTimeoutException;
import dev.osrun.GuestNotRespondingException;
import dev.osrun.GuestOs;
import dev.osrun.Vm;
import dev.osrun.VmCrashedException;
import dev.osrun.WindowsVm;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * {@code POST /v1/exec}: runs a command and streams its output as it is written, one JSON object per line
 * ({@code application/x-ndjson}): {@code {"stdout":"..."}} and {@code {"stderr":"..."}} frames, then
 * {@code {"exit":N,"durationMs":M}}, or {@code {"error":{"type":...,"message":...}}} when the command timed out
 * ({@code timeout}; its output is in the frames before), the VM crashed ({@code crashed}), the guest stopped
 * answering ({@code not-responding}) or anything else went wrong ({@code failed}).
 *
 * <p>The body is the JSON request ({@code application/json}, stdin as base64 within the JSON limit) or, with
 * {@code Content-Type: }{@value #STDIN_STREAM_TYPE}, the JSON request on the first line and the raw stdin bytes
 * after its {@code \n} up to the end of the body (within the stdin limit).
 *
 * <p>A bad request is answered 400 before anything streams. Frames are written by their own thread, so the
 * command's timeout holds whatever the client does; a client that disconnects, or stops reading for the write
 * timeout, ends its command: the process tree is killed in the guest.
 */
final class ExecRoute implements Route {

    /** The content type of the streamed form: a JSON line, then stdin. */
    static final String STDIN_STREAM_TYPE = "application/vnd.osrun.exec-stdin";

    private static final Logger log = LoggerFactory.getLogger(ExecRoute.class);
    /** The server uses only the exit code of the result; the output goes to the frames. */
    private static final int RESULT_TAIL = 4096;
    private static final int DESCRIBE = 60;

    private final ServedVm served;
    private final ServerLimits limits;

    ExecRoute(ServedVm served, ServerLimits limits) {
        this.served = served;
        this.limits = limits;
    }

    @Override
    public void handle(Exchange exchange) throws IOException {
        Route.requireMethod(exchange, "POST");
        ExecRequest request = read(exchange);
        if (request.kind() == ExecRequest.Kind.POWERSHELL && served.guest().os() != GuestOs.WINDOWS) {
            throw ApiException.badRequest("PowerShell is not supported on Linux guests. Use 'shell' or 'argv' instead.");
        }
        served.call("exec of '" + describe(request) + "'", vm -> {
            stream(exchange, vm, request);
            return null;
        });
    }

    private ExecRequest read(Exchange exchange) throws IOException {
        String type = Optional.ofNullable(exchange.getRequestHeaders().getFirst("Content-Type")).orElse("application/json");
        if (!type.strip().toLowerCase(Locale.ROOT).startsWith(STDIN_STREAM_TYPE)) {
            String what = "the JSON body (" + ServerLimits.MAX_JSON_ENV + "; send large stdin in the streamed form, "
                    + "Content-Type: " + STDIN_STREAM_TYPE + ")";
            return ExecRequest.parse(Json.read(exchange, limits.maxJsonBytes(), what), limits.maxExecTimeout(), null);
        }
        long total = limits.maxJsonBytes() + 1 + limits.maxStdinBytes();
        String whole = "the JSON line and stdin (" + ServerLimits.MAX_JSON_ENV + " + " + ServerLimits.MAX_STDIN_ENV + ")";
        if (exchange.declaredLength() > total) {
            throw HttpBodies.tooLarge(total, whole);
        }
        try (InputStream in = exchange.getRequestBody()) {
            byte[] spec = firstLine(in);
            String what = "stdin (" + ServerLimits.MAX_STDIN_ENV + ")";
            byte[] stdin = HttpBodies.limited(in, limits.maxStdinBytes(), what).readAllBytes();
            return ExecRequest.parse(Json.parse(spec), limits.maxExecTimeout(), stdin);
        }
    }

    private byte[] firstLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (true) {
            int c = in.read();
            if (c < 0) {
                throw ApiException.badRequest("The streamed exec body needs its JSON request on the first line, ended by \\n");
            }
            if (c == '\n') {
                return line.toByteArray();
            }
            if (line.size() >= limits.maxJsonBytes()) {
                throw HttpBodies.tooLarge(limits.maxJsonBytes(), "the JSON line (" + ServerLimits.MAX_JSON_ENV + ")");
            }
            line.write(c);
        }
    }

    private static String describe(ExecRequest request) {
        String text = request.kind() == ExecRequest.Kind.ARGV ? String.join(" ", request.argv()) : request.script();
        text = text.replaceAll("\\p{Cntrl}", " ");
        return text.length() <= DESCRIBE ? text : text.substring(0, DESCRIBE) + "…";
    }

    private void stream(Exchange exchange, Vm vm, ExecRequest request) {
        if (request.kind() == ExecRequest.Kind.POWERSHELL && !(vm instanceof WindowsVm)) {
            throw ApiException.badRequest("PowerShell needs a Windows guest; this VM runs " + vm.os() + ".");
        }
        try {
            exchange.getResponseHeaders().set("Content-Type", "application/x-ndjson; charset=utf-8");
            exchange.getResponseHeaders().set("Cache-Control", "no-store");
            exchange.sendResponseHeaders(200, 0);
        } catch (IOException e) {
            log.debug("The exec client went away before the command started: {}", e.toString());
            return;
        }
        FrameWriter frames = new FrameWriter(exchange.getResponseBody());
        exchange.watchForDisconnect(frames::clientGone);
        ExecOptions options = request.options()
                .withOutputLimit(RESULT_TAIL)
                .withCancellation(frames::isClientGone)
                .withStdoutConsumer(text -> frames.send(Json.object("stdout", text)))
                .withStderrConsumer(text -> frames.send(Json.object("stderr", text)));
        Map<String, Object> last;
        try {
            ExecResult result = run(vm, request, options);
            last = Json.object("exit", result.exitCode(), "durationMs", result.duration().toMillis());
            served.publish(Json.object("type", "exec", "exit", result.exitCode(), "durationMs", result.duration().toMillis()));
        } catch (ExecCancelledException e) {
            log.info("An exec client went away; its command was killed in the guest");
            last = Json.object("error", error("cancelled", e.getMessage()));
        } catch (ExecTimeoutException e) {
            // The first line only: the output it goes on to quote is in the frames already.
            last = Json.object("error", error("timeout", e.getMessage().lines().findFirst().orElse("timeout")));
        } catch (VmCrashedException e) {
            served.crashed(e);
            last = Json.object("error", error("crashed", e.getMessage()));
        } catch (GuestNotRespondingException e) {
            last = Json.object("error", error("not-responding", e.getMessage()));
        } catch (RuntimeException e) {
            log.debug("exec failed", e);
            last = Json.object("error", error("failed", e.getMessage()));
        }
        frames.finish(last, limits.writeTimeout());
    }

    private static ExecResult run(Vm vm, ExecRequest request, ExecOptions options) {
        return switch (request.kind()) {
            case ARGV -> vm.exec(request.argv(), options);
            case SHELL -> vm.shell(request.script(), options);
            case POWERSHELL -> ((WindowsVm) vm).powershell(request.script(), options);
        };
    }

    private static Map<String, Object> error(String type, String message) {
        return Json.object("type", type, "message", message == null ? type : message);
    }

    /**
     * Writes frames on its own thread, one JSON object per line, flushing when it has caught up. The command's
     * thread only queues (waiting while the queue is full, as long as the client reads); once the client is gone,
     * frames are dropped and the command is cancelled.
     */
    private static final class FrameWriter {
        private static final int QUEUE_FRAMES = 256;
        private static final byte[] END = new byte[0];
        private final OutputStream out;
        private final BlockingQueue<byte[]> queue = new ArrayBlockingQueue<>(QUEUE_FRAMES);
        private final Thread thread;
        private volatile boolean gone;

        FrameWriter(OutputStream out) {
            this.out = out;
            this.thread = new Thread(this::run, "osrun-exec-frames");
            thread.setDaemon(true);
            thread.start();
        }

        void clientGone() {
            gone = true;
        }

        boolean isClientGone() {
            return gone;
        }

        void send(Map<String, Object> frame) {
            byte[] bytes = line(frame);
            try {
                while (!gone && !queue.offer(bytes, 100, TimeUnit.MILLISECONDS)) {
                    // the client reads slowly: wait, unless it is gone (the write watchdog decides that)
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                gone = true;
            }
        }

        /** Queues the last frame and waits (at most {@code wait}, plus a little) for the writer to send it. */
        void finish(Map<String, Object> last, Duration wait) {
            send(last);
            try {
                while (!gone && !queue.offer(END, 100, TimeUnit.MILLISECONDS)) {
                    // as in send
                }
                if (gone) {
                    queue.clear();
                    queue.offer(END);
                }
                thread.join(wait.toMillis() + 5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private static byte[] line(Map<String, Object> frame) {
            byte[] json = Json.bytes(frame);
            byte[] line = Arrays.copyOf(json, json.length + 1);
            line[json.length] = '\n';
            return line;
        }

        private void run() {
            try {
                while (true) {
                    byte[] frame = queue.take();
                    if (frame == END) {
                        return;
                    }
                    if (gone) {
                        continue;
                    }
                    try {
                        out.write(frame);
                        if (queue.isEmpty()) {
                            out.flush();
                        }
                    } catch (IOException e) {
                        gone = true;
                        log.debug("The exec client went away: {}", e.toString());
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
