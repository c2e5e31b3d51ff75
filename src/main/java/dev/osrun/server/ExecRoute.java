package dev.osrun.server;

import com.sun.net.httpserver.HttpExchange;
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

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * {@code POST /v1/exec}: runs a command and streams its output as it is written, one JSON object per line
 * ({@code application/x-ndjson}): {@code {"stdout":"..."}} and {@code {"stderr":"..."}} frames, then
 * {@code {"exit":N,"durationMs":M}}, or {@code {"error":{"type":...,"message":...},"stdout":...,"stderr":...}}
 * when the command timed out ({@code timeout}, with its partial output), the VM crashed ({@code crashed}), the
 * guest stopped answering ({@code not-responding}) or anything else went wrong ({@code failed}).
 *
 * <p>A bad request is answered 400 before anything streams. When the client goes away, the command still runs
 * to its end or its timeout; its output is dropped.
 */
final class ExecRoute implements Route {

    private static final Logger log = LoggerFactory.getLogger(ExecRoute.class);

    private final ServedVm served;

    ExecRoute(ServedVm served) {
        this.served = served;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        Route.requireMethod(exchange, "POST");
        ExecRequest request = ExecRequest.parse(Json.read(exchange));
        if (request.kind() == ExecRequest.Kind.POWERSHELL && served.guest().os() != GuestOs.WINDOWS) {
            throw ApiException.badRequest("PowerShell is not supported on Linux guests. Use 'shell' or 'argv' instead.");
        }
        served.call(vm -> {
            stream(exchange, vm, request);
            return null;
        });
    }

    private void stream(HttpExchange exchange, Vm vm, ExecRequest request) {
        if (request.kind() == ExecRequest.Kind.POWERSHELL && !(vm instanceof WindowsVm)) {
            throw ApiException.badRequest("PowerShell needs a Windows guest; this VM runs " + vm.os() + ".");
        }
        try {
            exchange.getResponseHeaders().set("Content-Type", "application/x-ndjson; charset=utf-8");
            exchange.getResponseHeaders().set("Cache-Control", "no-store");
            exchange.sendResponseHeaders(200, 0);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start the exec response", e);
        }
        try (Frames frames = new Frames(exchange.getResponseBody())) {
            ExecOptions options = request.options()
                    .withStdoutConsumer(text -> frames.write(Json.object("stdout", text)))
                    .withStderrConsumer(text -> frames.write(Json.object("stderr", text)));
            try {
                ExecResult result = run(vm, request, options);
                frames.write(Json.object("exit", result.exitCode(), "durationMs", result.duration().toMillis()));
                served.publish(Json.object("type", "exec", "exit", result.exitCode(), "durationMs", result.duration().toMillis()));
            } catch (ExecTimeoutException e) {
                frames.write(Json.object("error", error("timeout", e.getMessage()),
                        "stdout", e.partialStdout(), "stderr", e.partialStderr()));
            } catch (VmCrashedException e) {
                served.crashed(e);
                frames.write(Json.object("error", error("crashed", e.getMessage())));
            } catch (GuestNotRespondingException e) {
                frames.write(Json.object("error", error("not-responding", e.getMessage())));
            } catch (RuntimeException e) {
                log.debug("exec failed", e);
                frames.write(Json.object("error", error("failed", e.getMessage())));
            }
        }
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

    /** Writes one frame per line and flushes it; after the client has gone, drops the rest. */
    private static final class Frames implements AutoCloseable {
        private final OutputStream out;
        private boolean clientGone;

        Frames(OutputStream out) {
            this.out = out;
        }

        void write(Map<String, Object> frame) {
            if (clientGone) {
                return;
            }
            try {
                out.write(Json.bytes(frame));
                out.write('\n');
                out.flush();
            } catch (IOException e) {
                clientGone = true;
                log.debug("The exec client went away; the command runs on: {}", e.toString());
            }
        }

        @Override
        public void close() {
            try {
                out.close();
            } catch (IOException e) {
                log.debug("Could not end the exec response: {}", e.toString());
            }
        }
    }
}
