package dev.osrun.server;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A request's query parameters, decoded as {@code application/x-www-form-urlencoded} (what
 * {@link java.net.URLEncoder} writes: {@code +} is a space, a literal plus is {@code %2B}).
 */
final class Query {

    private final Map<String, String> values;

    private Query(Map<String, String> values) {
        this.values = values;
    }

    /**
     * Parses the query of {@code uri}.
     *
     * @throws ApiException 400 for a parameter given twice, one not in {@code known}, or bad percent-encoding
     */
    static Query parse(URI uri, Set<String> known) {
        Map<String, String> values = new LinkedHashMap<>();
        String raw = uri.getRawQuery();
        if (raw == null || raw.isEmpty()) {
            return new Query(values);
        }
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = decode(eq < 0 ? pair : pair.substring(0, eq));
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
            if (!known.contains(name)) {
                throw ApiException.badRequest("Unknown query parameter '" + name + "'. Known: " + String.join(", ", known.stream().sorted().toList()) + ".");
            }
            if (values.put(name, value) != null) {
                throw ApiException.badRequest("The query parameter '" + name + "' is given more than once");
            }
        }
        return new Query(values);
    }

    private static String decode(String text) {
        try {
            return URLDecoder.decode(text, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("The query is not properly percent-encoded: " + e.getMessage());
        }
    }

    /** The value of {@code name}, if given. */
    Optional<String> get(String name) {
        return Optional.ofNullable(values.get(name));
    }
}
