package dev.osrun.it;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import static org.awaitility.Awaitility.await;

/**
 * Makes the Docker engine answer at {@code DOCKER_HOST=tcp://127.0.0.1:PORT}, as a remote engine does: starts
 * {@code socat} from that port to {@code /var/run/docker.sock} for the test run (bound to the loopback only, and
 * stopped at the end of the run). Registered before {@link RequiresOsrunImage}, whose check then talks TCP.
 * Disables the tests with the reason when {@code DOCKER_HOST} is not such an address or socat is missing, and
 * fails under {@code CI=true}.
 */
final class TcpEngineEndpoint implements ExecutionCondition {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(TcpEngineEndpoint.class);
    private static final Path SOCKET = Path.of("/var/run/docker.sock");

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        Optional<String> missing = context.getRoot().getStore(NAMESPACE)
                .getOrComputeIfAbsent("missing", key -> start(context), Optional.class);
        if (missing.isEmpty()) {
            return ConditionEvaluationResult.enabled("The engine answers at " + System.getenv("DOCKER_HOST"));
        }
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            throw new IllegalStateException("CI=true and the remote-engine test cannot run: " + missing.get());
        }
        return ConditionEvaluationResult.disabled(missing.get());
    }

    private static Optional<String> start(ExtensionContext context) {
        String dockerHost = System.getenv("DOCKER_HOST");
        if (dockerHost == null || !dockerHost.startsWith("tcp://127.0.0.1:")) {
            return Optional.of("DOCKER_HOST is '" + dockerHost + "', not tcp://127.0.0.1:PORT: run this class through the "
                    + "remote-engine execution of integration-tests/pom.xml (mvn verify does).");
        }
        int port = URI.create(dockerHost).getPort();
        if (listening(port)) {
            return Optional.empty(); // someone already forwards the engine there
        }
        if (!Files.exists(SOCKET)) {
            return Optional.of("No local engine socket at " + SOCKET + " to forward to port " + port);
        }
        Process socat;
        try {
            socat = new ProcessBuilder("socat", "TCP-LISTEN:" + port + ",bind=127.0.0.1,reuseaddr,fork",
                    "UNIX-CONNECT:" + SOCKET).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            return Optional.of("Cannot start socat (" + e.getMessage() + "); install it: apt-get install socat");
        }
        context.getRoot().getStore(NAMESPACE).put("socat", (ExtensionContext.Store.CloseableResource) () -> {
            socat.destroy();
            socat.waitFor();
        });
        await("socat listening on 127.0.0.1:" + port).atMost(Duration.ofSeconds(20))
                .until(() -> listening(port) || !socat.isAlive());
        if (!socat.isAlive()) {
            return Optional.of("socat exited at once (exit " + socat.exitValue() + "); is port " + port + " taken?");
        }
        return Optional.empty();
    }

    private static boolean listening(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
