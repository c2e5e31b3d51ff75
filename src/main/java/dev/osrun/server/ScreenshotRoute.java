package dev.osrun.server;


import java.io.IOException;
import java.io.OutputStream;

/** {@code GET /v1/screenshot}: a PNG picture of the VM's screen. */
final class ScreenshotRoute implements Route {

    private final ServedVm served;

    ScreenshotRoute(ServedVm served) {
        this.served = served;
    }

    @Override
    public void handle(Exchange exchange) throws IOException {
        Route.requireMethod(exchange, "GET");
        byte[] png = served.call("a screenshot", vm -> vm.screenshotPng());
        exchange.getResponseHeaders().set("Content-Type", "image/png");
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.sendResponseHeaders(200, png.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(png);
        }
    }
}
