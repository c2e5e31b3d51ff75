package dev.osrun.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osrun.qga.GuestAgentClient;
import dev.osrun.qga.GuestAgentCommandException;
import dev.osrun.transport.ProtocolException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The guest agent on a TCP port, for debugging (the seed's port 44444): each line a client sends is one agent
 * command in the agent's own JSON protocol; the reply comes back as the agent wrote it ({@code return} or
 * {@code error}). The engine keeps its own connection: commands from clients pass through the same
 * {@link GuestAgentClient}, one at a time, so neither side sees the other's replies. {@code guest-sync} and
 * {@code guest-sync-delimited} are answered here, since that connection is always in sync.
 *
 * <p>Nothing authenticates a client: whoever reaches the port runs commands in the guest. Open it only when a
 * user asks for debugging ports.
 */
public final class AgentPort implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AgentPort.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration CALL_TIMEOUT = Duration.ofMinutes(2);
    /** Stands for the 0xFF byte the agent writes before the reply to {@code guest-sync-delimited}. */
    private static final String DELIMITER = "\u00ff";

    private final ServerSocket server;
    private final GuestAgentClient agent;

    private AgentPort(ServerSocket server, GuestAgentClient agent) {
        this.server = server;
        this.agent = agent;
    }

    /**
     * Listens on {@code address} and relays each client's commands to {@code agent}.
     *
     * @throws UncheckedIOException when the port cannot be opened
     */
    public static AgentPort open(InetSocketAddress address, GuestAgentClient agent) {
        try {
            ServerSocket server = new ServerSocket();
            server.setReuseAddress(true);
            server.bind(address);
            AgentPort port = new AgentPort(server, agent);
            Thread acceptor = new Thread(port::accept, "osrun-agent-port");
            acceptor.setDaemon(true);
            acceptor.start();
            log.info("Guest agent relayed on {} (unauthenticated, for debugging)", address);
            return port;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot open the agent's debugging port " + address + ": " + e.getMessage(), e);
        }
    }

    /** The port it listens on. */
    public int port() {
        return server.getLocalPort();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Thread thread = new Thread(() -> serve(client), "osrun-agent-port-client");
                thread.setDaemon(true);
                thread.start();
            } catch (IOException e) {
                if (!server.isClosed()) {
                    log.warn("The agent's debugging port stopped accepting: {}", e.getMessage());
                }
                return;
            }
        }
    }

    private void serve(Socket client) {
        try (client;
             BufferedReader in = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8));
             OutputStream out = client.getOutputStream()) {
            String line;
            while ((line = in.readLine()) != null) {
                // A client's 0xFF (sent before guest-sync-delimited) is not UTF-8: it decodes as U+FFFD.
                String request = line.replace("\ufffd", "").strip();
                if (request.isEmpty()) {
                    continue;
                }
                String reply = reply(request);
                if (reply.startsWith(DELIMITER)) {
                    out.write(0xFF);
                    reply = reply.substring(1);
                }
                out.write(reply.getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        } catch (SocketException e) {
            log.debug("Agent port client gone: {}", e.getMessage());
        } catch (IOException e) {
            log.warn("Agent port client failed: {}", e.getMessage());
        }
    }

    /** One reply line (with a leading 0xFF for {@code guest-sync-delimited}, as the agent does). */
    String reply(String request) {
        ObjectNode answer = JSON.createObjectNode();
        JsonNode command;
        try {
            command = JSON.readTree(request);
        } catch (IOException e) {
            return error(answer, "GenericError", "Invalid JSON: " + e.getMessage());
        }
        String name = command.path("execute").asText("");
        JsonNode arguments = command.get("arguments");
        if (name.isEmpty()) {
            return error(answer, "GenericError", "Expected {\"execute\": \"guest-...\", \"arguments\": {...}}");
        }
        if (name.equals("guest-sync") || name.equals("guest-sync-delimited")) {
            answer.set("return", arguments == null ? null : arguments.get("id"));
            return (name.equals("guest-sync-delimited") ? DELIMITER : "") + answer + "\n";
        }
        try {
            answer.set("return", agent.execute(name, arguments, CALL_TIMEOUT));
            return answer + "\n";
        } catch (GuestAgentCommandException e) {
            return error(answer, e.errorClass(), e.description());
        } catch (ProtocolException e) {
            return error(answer, "GenericError", e.getMessage());
        }
    }

    private static String error(ObjectNode answer, String errorClass, String description) {
        ObjectNode error = answer.putObject("error");
        error.put("class", errorClass);
        error.put("desc", description);
        return answer + "\n";
    }

    /** Stops listening; clients already connected are dropped when the VM goes. */
    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            log.debug("Closing the agent port", e);
        }
    }
}
