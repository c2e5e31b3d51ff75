package dev.osrun.cli;

import dev.osrun.local.LocalVm;
import dev.osrun.server.Auth;
import dev.osrun.server.ControlServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code osrun serve}: keeps a VM running behind the control API (HTTP/JSON on one port, bearer token) for a test
 * JVM. The port opens first; the VM is provisioned and started in the background, so health says
 * {@code starting} meanwhile. Stops the VM on SIGTERM or SIGINT.
 *
 * <p>The token is {@code OSRUN_TOKEN}; when that is unset, a random one is made and printed once on stdout as
 * {@code OSRUN_TOKEN=<token>}, and nowhere else.
 */
@Command(name = "serve", sortOptions = false, usageHelpAutoWidth = true,
        description = "Keeps a VM running behind the control API (HTTP/JSON, bearer token) until SIGTERM/SIGINT.",
        footer = {"", "Environment: OSRUN_TOKEN (else a random token is printed once as OSRUN_TOKEN=...), OSRUN_GUEST, "
                + "OSRUN_ACCEL, OSRUN_NETWORK (nat|isolated), OSRUN_CACHE."})
final class ServeCommand implements Callable<Integer> {

    private static final Logger log = LoggerFactory.getLogger(ServeCommand.class);

    @Spec
    CommandSpec spec;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Display this help")
    boolean help;

    @Mixin
    VmOptions vm = new VmOptions();

    @Option(names = {"-s", "--use-snapshot"}, paramLabel = "NAME", defaultValue = "provisioned",
            description = "Start from this snapshot (default: ${DEFAULT-VALUE})")
    String snapshot;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "5460",
            description = "The control API's port (default: ${DEFAULT-VALUE}; 0 picks a free one)")
    int port;

    @Option(names = "--bind", paramLabel = "ADDRESS",
            description = "Listen on this address (default: OSRUN_BIND_ADDRESS, else 0.0.0.0 in a container, else 127.0.0.1)")
    String bind;

    @Option(names = "--forward", paramLabel = "PORT",
            description = "Forward this TCP port of the guest to the same port here (repeatable)")
    List<Integer> forwards = new ArrayList<>();

    @Option(names = "--vnc",
            description = "Show the guest's screen through noVNC on port 8000 (no password: whoever reaches the port sees it)")
    boolean vnc;

    @Option(names = "--persistent",
            description = "Run on the cached disk itself, so saved snapshots outlive the server (one server per cache at a time)")
    boolean persistent;

    /** The control API's address: {@code --bind}, else {@code OSRUN_BIND_ADDRESS}, else every interface in a container, else loopback. */
    private String bindAddress() {
        String fromEnvironment = System.getenv("OSRUN_BIND_ADDRESS");
        if (bind != null) {
            return bind;
        }
        if (fromEnvironment != null && !fromEnvironment.isBlank()) {
            return fromEnvironment.trim();
        }
        return RunCommand.Environment.inContainer() ? "0.0.0.0" : "127.0.0.1";
    }

    @Override
    public Integer call() throws InterruptedException {
        if (port < 0 || port > 65535) {
            throw new ParameterException(spec.commandLine(), "--port must be between 0 and 65535; it is " + port);
        }
        RunCommand.Environment.warnings(vm.accel()).forEach(warning -> log.warn("{}", warning));
        String token = System.getenv(Auth.TOKEN_ENV);
        boolean generated = token == null || token.isBlank();
        if (generated) {
            token = Auth.randomToken();
        }
        ControlServer server = ControlServer.builder(vm.guest)
                .token(token)
                .bindAddress(bindAddress())
                .port(port)
                .start();
        if (generated) {
            PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
            out.println(Auth.TOKEN_ENV + "=" + token);
            out.flush();
        }
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "osrun-serve-stop"));

        LocalVm.Builder builder = vm.builder(snapshot)
                .persistent(persistent)
                .progress(server::progress);
        String address = bindAddress();
        forwards.forEach(port -> builder.forward(address, port, port));
        try (DebugPorts debugPorts = new DebugPorts(false, vnc, address)) {
            debugPorts.configure(builder);
            debugPorts.openNoVnc();   // before the VM starts, so that a first run's provisioning can be watched too
            server.launch(() -> {
                LocalVm started = builder.start();
                debugPorts.open(started);
                return started;
            });
            server.awaitStop();
        }
        return 0;
    }
}
