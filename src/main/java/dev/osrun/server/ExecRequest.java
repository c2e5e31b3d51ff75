package dev.osrun.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.osrun.ExecOptions;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The body of {@code POST /v1/exec}, checked: exactly one of {@code argv} (array of strings), {@code shell} or
 * {@code powershell} (strings); optional {@code stdin} (base64; or, in the streamed form, the body after the
 * JSON line), {@code env} (object of strings), {@code workingDirectory} and {@code timeoutMs} (a positive integer
 * up to the server's limit).
 *
 * @param kind     which of argv, shell or powershell was given
 * @param argv     the program and its arguments (kind argv)
 * @param script   the shell line or PowerShell script (kinds shell and powershell)
 * @param options  stdin, environment, working directory and timeout; no consumers yet
 */
record ExecRequest(Kind kind, List<String> argv, String script, ExecOptions options) {

    /** How the command is given. */
    enum Kind { ARGV, SHELL, POWERSHELL }

    private static final Set<String> FIELDS = Set.of("argv", "shell", "powershell", "stdin", "env", "workingDirectory", "timeoutMs");

    /**
     * Reads and checks a request body.
     *
     * @throws ApiException 400 naming what is wrong
     */
    static ExecRequest parse(JsonNode body, Duration maxTimeout, byte[] streamedStdin) {
        if (!body.isObject()) {
            throw ApiException.badRequest("The exec request must be a JSON object such as {\"argv\":[\"ls\",\"/\"]} or {\"shell\":\"ls /\"}");
        }
        for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                throw ApiException.badRequest("Unknown field '" + name + "' in the exec request. Known fields: "
                        + "argv, shell, powershell, stdin, env, workingDirectory, timeoutMs.");
            }
        }
        int given = (body.has("argv") ? 1 : 0) + (body.has("shell") ? 1 : 0) + (body.has("powershell") ? 1 : 0);
        if (given != 1) {
            throw ApiException.badRequest("The exec request needs exactly one of 'argv' (an array of strings), 'shell' or "
                    + "'powershell' (a string); it has " + given + ".");
        }
        if (streamedStdin != null && body.has("stdin")) {
            throw ApiException.badRequest("With Content-Type " + ExecRoute.STDIN_STREAM_TYPE + " stdin is the body after "
                    + "the first line; the JSON line must not have a 'stdin' field as well");
        }
        ExecOptions options = options(body, maxTimeout);
        if (streamedStdin != null) {
            options = options.withStdin(streamedStdin);
        }
        if (body.has("argv")) {
            return new ExecRequest(Kind.ARGV, argv(body.get("argv")), null, options);
        }
        Kind kind = body.has("shell") ? Kind.SHELL : Kind.POWERSHELL;
        String field = kind == Kind.SHELL ? "shell" : "powershell";
        return new ExecRequest(kind, List.of(), text(body, field), options);
    }

    private static List<String> argv(JsonNode node) {
        if (!node.isArray() || node.isEmpty()) {
            throw ApiException.badRequest("'argv' must be a non-empty array of strings: the program, then its arguments");
        }
        List<String> argv = new ArrayList<>();
        for (JsonNode word : node) {
            if (!word.isTextual()) {
                throw ApiException.badRequest("'argv' must hold only strings; it holds " + word);
            }
            argv.add(word.asText());
        }
        return argv;
    }

    private static ExecOptions options(JsonNode body, Duration maxTimeout) {
        ExecOptions options = ExecOptions.defaults();
        if (body.has("stdin")) {
            try {
                options = options.withStdin(Base64.getDecoder().decode(text(body, "stdin")));
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("'stdin' must be base64 (RFC 4648, with padding): " + e.getMessage());
            }
        }
        if (body.has("env")) {
            JsonNode env = body.get("env");
            if (!env.isObject()) {
                throw ApiException.badRequest("'env' must be an object of names to string values");
            }
            for (Iterator<Map.Entry<String, JsonNode>> fields = env.fields(); fields.hasNext(); ) {
                Map.Entry<String, JsonNode> variable = fields.next();
                if (!variable.getValue().isTextual()) {
                    throw ApiException.badRequest("The value of env '" + variable.getKey() + "' must be a string");
                }
                try {
                    options = options.withEnv(variable.getKey(), variable.getValue().asText());
                } catch (IllegalArgumentException e) {
                    throw ApiException.badRequest(e.getMessage());
                }
            }
        }
        if (body.has("workingDirectory")) {
            options = options.withWorkingDirectory(text(body, "workingDirectory"));
        }
        if (body.has("timeoutMs")) {
            JsonNode timeout = body.get("timeoutMs");
            if (!timeout.canConvertToLong() || !timeout.isIntegralNumber() || timeout.asLong() <= 0) {
                throw ApiException.badRequest("'timeoutMs' must be a positive whole number of milliseconds; it is " + timeout);
            }
            if (timeout.asLong() > maxTimeout.toMillis()) {
                throw ApiException.badRequest("'timeoutMs' is " + timeout.asLong() + "; this server allows at most "
                        + maxTimeout.toMillis() + " ms (" + ServerLimits.MAX_EXEC_TIMEOUT_ENV + " raises it)");
            }
            options = options.withTimeout(Duration.ofMillis(timeout.asLong()));
        }
        return options;
    }

    private static String text(JsonNode body, String field) {
        JsonNode node = body.get(field);
        if (!node.isTextual()) {
            throw ApiException.badRequest("'" + field + "' must be a string; it is " + node);
        }
        return node.asText();
    }
}
