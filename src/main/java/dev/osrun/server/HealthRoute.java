package dev.osrun.server;

import dev.osrun.ExecOptions;
import dev.osrun.ExecTimeoutException;
import dev.osrun.GuestNotRespondingException;
import dev.osrun.VmCrashedException;

import java.io.IOException;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * {@code GET /v1/health}: 200 {@code {"status":"ready",...}} when the guest runs a trivial command, 503
 * {@code {"status":"starting"|"failed"|"not-responding","message":...}} otherwise. While another request keeps
 * the VM busy, the VM counts as ready if its process is alive ({@code "busy":true}).
 */
final class HealthRoute implements Route {

    private static final Duration WAIT_FOR_VM = Duration.ofSeconds(1);
    private static final ExecOptions PING = ExecOptions.defaults().withTimeout(Duration.ofSeconds(20));

    private final ServedVm served;

    HealthRoute(ServedVm served) {
        this.served = served;
    }

    @Override
    public void handle(Exchange exchange) throws IOException {
        Route.requireMethod(exchange, "GET");
        switch (served.status()) {
            case STARTING -> unavailable(exchange, "starting", served.message());
            case FAILED -> unavailable(exchange, "failed", served.message());
            case READY -> ping(exchange);
        }
    }

    private void ping(Exchange exchange) throws IOException {
        Optional<Integer> exit;
        try {
            served.checkAlive();
            exit = served.tryCall("a health check", WAIT_FOR_VM, vm -> vm.shell("exit 0", PING).exitCode());
        } catch (VmCrashedException e) {
            unavailable(exchange, "failed", e.getMessage());
            return;
        } catch (GuestNotRespondingException | ExecTimeoutException e) {
            unavailable(exchange, "not-responding", e.getMessage());
            return;
        } catch (ApiException e) {
            unavailable(exchange, served.status() == ServedVm.Status.STARTING ? "starting" : "failed", served.message());
            return;
        }
        if (exit.isPresent() && exit.get() != 0) {
            unavailable(exchange, "not-responding", "The guest ran 'exit 0' but it exited with " + exit.get());
            return;
        }
        Map<String, Object> body = Json.object("status", "ready", "guest", served.guest().id(),
                "os", served.guest().os().name().toLowerCase(Locale.ROOT), "busy", exit.isEmpty());
        if (exit.isEmpty()) {
            body.put("busyWith", served.holder().orElse("another request"));
        }
        Json.send(exchange, 200, body);
    }

    private void unavailable(Exchange exchange, String status, String message) throws IOException {
        Json.send(exchange, 503, Json.object("status", status, "guest", served.guest().id(), "message", message));
    }
}
