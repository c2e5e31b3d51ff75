package dev.osrun.server;


import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The control API's bearer token: every request must carry {@code Authorization: Bearer <token>}. The comparison
 * takes the same time whatever the guess (both sides are hashed, then compared with
 * {@link MessageDigest#isEqual}), and the token is never logged.
 */
public final class Auth {

    /** The environment variable that holds the token in serve mode. */
    public static final String TOKEN_ENV = "OSRUN_TOKEN";

    private static final SecureRandom RANDOM = new SecureRandom();

    private final byte[] expectedDigest;

    /**
     * Accepts requests that carry {@code token}.
     *
     * @throws IllegalArgumentException when the token is blank
     */
    public Auth(String token) {
        Objects.requireNonNull(token, "token");
        if (token.isBlank()) {
            throw new IllegalArgumentException("The control API's token must not be blank");
        }
        this.expectedDigest = sha256(token);
    }

    /** A fresh random token: 32 bytes from {@link SecureRandom}, base64url without padding. */
    public static String randomToken() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /**
     * Checks the request's {@code Authorization} header.
     *
     * @throws ApiException 401 with {@code WWW-Authenticate: Bearer} when it is missing or wrong
     */
    void check(Exchange exchange) {
        List<String> values = exchange.getRequestHeaders().get("Authorization");
        String presented = values == null || values.size() != 1 ? null : bearer(values.get(0));
        // Compare even when nothing was presented, so that every refusal takes the same path.
        boolean ok = MessageDigest.isEqual(expectedDigest, sha256(presented == null ? "" : presented)) && presented != null;
        if (!ok) {
            throw new ApiException(401, values == null
                    ? "This request needs the header 'Authorization: Bearer <token>' (the token is OSRUN_TOKEN, or the "
                    + "OSRUN_TOKEN=... line osrun serve printed when it started)."
                    : "The bearer token is wrong.",
                    Map.of(), Map.of("WWW-Authenticate", "Bearer realm=\"osrun\""));
        }
    }

    private static String bearer(String header) {
        String trimmed = header.strip();
        int space = trimmed.indexOf(' ');
        if (space < 0 || !trimmed.substring(0, space).toLowerCase(Locale.ROOT).equals("bearer")) {
            return null;
        }
        return trimmed.substring(space + 1).strip();
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("This JVM has no SHA-256", e);
        }
    }
}
