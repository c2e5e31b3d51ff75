package dev.osrun.provision;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.osrun.OsrunException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;

/**
 * Talks to UUP dump: the website's aria2 file list for a set ({@code get.php?id=…&pack=…&edition=…&aria2=2}) and
 * the JSON API's build listing ({@code listid.php}). UUP dump only lists files; the bytes come from Microsoft's
 * servers. Rate limits (HTTP 429, or the {@code USER_RATE_LIMITED} marker) are waited out with a growing pause,
 * a bounded number of times.
 */
final class UupDumpClient {

    /** Overrides the website's address (default {@code https://uupdump.net}). */
    public static final String ENV_SITE = "OSRUN_UUPDUMP_URL";
    /** Overrides the JSON API's address (default {@code https://api.uupdump.net}). */
    public static final String ENV_API = "OSRUN_UUPDUMP_API_URL";
    /** The default website. */
    public static final String DEFAULT_SITE = "https://uupdump.net";
    /** The default JSON API. */
    public static final String DEFAULT_API = "https://api.uupdump.net";

    /** UUP dump's error codes that mean the set is gone from Windows Update or was never there. */
    private static final List<String> SET_GONE = List.of("EMPTY_FILELIST", "NO_FILES", "MISSING_FILES", "NO_UPDATE_FOUND",
            "INCORRECT_ID", "UNSUPPORTED_LANG", "UNSUPPORTED_COMBINATION", "XML_PARSE_ERROR", "NO_FILEINFO_DIR");
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(90);

    private static final Logger log = LoggerFactory.getLogger(UupDumpClient.class);

    private final URI site;
    private final URI api;
    private final int attempts;
    private final Duration firstPause;
    private final HttpClient http;
    private final ObjectMapper json = new ObjectMapper();

    /**
     * A client of the website at {@code site} and the API at {@code api}, trying a rate-limited request
     * {@code attempts} times with pauses from {@code firstPause}, doubling.
     */
    public UupDumpClient(URI site, URI api, int attempts, Duration firstPause) {
        this.site = site;
        this.api = api;
        this.attempts = attempts;
        this.firstPause = firstPause;
        this.http = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).followRedirects(HttpClient.Redirect.NORMAL).build();
    }

    /** A client of the addresses in {@code environment} (or UUP dump's own), with 6 attempts from 10 s. */
    public static UupDumpClient fromEnvironment(Map<String, String> environment) {
        return new UupDumpClient(URI.create(environment.getOrDefault(ENV_SITE, DEFAULT_SITE)),
                URI.create(environment.getOrDefault(ENV_API, DEFAULT_API)), 6, Duration.ofSeconds(10));
    }

    /** The website this client asks. */
    public URI site() {
        return site;
    }

    /**
     * Raised when UUP dump answers that a set cannot be listed (gone from Windows Update, a wrong id, …).
     */
    static final class SetUnavailableException extends OsrunException {
        private final String code;

        /** A set that UUP dump reported as unavailable with {@code code}. */
        public SetUnavailableException(UupSet set, String code) {
            super("UUP dump cannot list " + set.edition() + " " + set.language() + " of update " + set.updateId()
                    + ": " + code + " (the set was most likely removed from Windows Update)");
            this.code = code;
        }

        /** UUP dump's error code. */
        public String code() {
            return code;
        }
    }

    /**
     * Fetches the aria2 file list of {@code set}. Call it right before downloading: its links expire.
     *
     * @throws SetUnavailableException when UUP dump says the set cannot be had
     * @throws OsrunException          when UUP dump cannot be reached or keeps refusing (rate limit), saying what to do
     */
    public Aria2List fileList(UupSet set) {
        URI uri = site.resolve("/get.php?id=" + encode(set.updateId()) + "&pack=" + encode(set.language())
                + "&edition=" + encode(set.edition()) + "&aria2=2");
        String body = get(uri);
        Optional<String> error = Aria2List.errorCode(body);
        if (error.isPresent()) {
            throw new SetUnavailableException(set, error.get());
        }
        return Aria2List.parse(body);
    }

    /**
     * The newest build the API lists for {@code search} (e.g. {@code Windows 11}) on amd64, leaving out previews,
     * Insider and Server builds: the second source when the pinned set is gone.
     *
     * @throws OsrunException when the API cannot be reached or lists nothing that fits
     */
    public String latestUpdateId(String search) {
        URI uri = api.resolve("/listid.php?search=" + encode(search) + "&sortByDate=1");
        JsonNode reply;
        try {
            reply = json.readTree(get(uri));
        } catch (IOException e) {
            throw new OsrunException("UUP dump's API answered " + uri + " with something that is not JSON: " + e.getMessage(), e);
        }
        JsonNode response = reply.path("response");
        if (response.hasNonNull("error")) {
            throw new OsrunException("UUP dump's API lists no build for '" + search + "': " + response.get("error").asText());
        }
        // builds is an array, or an object with numeric keys when the server's filter left gaps.
        List<JsonNode> builds = new ArrayList<>();
        response.path("builds").elements().forEachRemaining(builds::add);
        return builds.stream()
                .filter(b -> "amd64".equals(b.path("arch").asText()))
                .filter(b -> {
                    String title = b.path("title").asText().toLowerCase(Locale.ROOT);
                    return title.contains(search.toLowerCase(Locale.ROOT)) && !title.contains("preview")
                            && !title.contains("insider") && !title.contains("server");
                })
                .max((a, b) -> Long.compare(a.path("created").asLong(), b.path("created").asLong()))
                .map(b -> b.path("uuid").asText())
                .orElseThrow(() -> new OsrunException("UUP dump's API lists no amd64 release build for '" + search
                        + "' (" + builds.size() + " builds listed)"));
    }

    private String get(URI uri) {
        Duration pause = firstPause;
        for (int attempt = 1; ; attempt++) {
            HttpResponse<String> response;
            try {
                HttpRequest request = HttpRequest.newBuilder(uri).timeout(REQUEST_TIMEOUT)
                        .header("User-Agent", "osrun (https://github.com/osrun)").GET().build();
                response = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new OsrunException("Could not reach UUP dump at " + uri.getScheme() + "://" + uri.getAuthority()
                        + " (" + describe(e) + "). The first Windows run downloads Windows 11 from Windows Update and "
                        + "needs internet access. Without it, bring your own Windows 11 ISO: --iso PATH, or "
                        + IsoSource.ENV_ISO + "=PATH, or put it in the cache as " + IsoSource.CACHED_ISO + ".", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new OsrunException("Interrupted while asking UUP dump", e);
            }
            boolean limited = response.statusCode() == 429
                    || Aria2List.errorCode(response.body()).filter("USER_RATE_LIMITED"::equals).isPresent();
            if (limited && attempt < attempts) {
                log.info("UUP dump is rate-limiting us (attempt {} of {}); waiting {} s", attempt, attempts, pause.toSeconds());
                LockSupport.parkNanos(pause.toNanos());
                if (Thread.interrupted()) {
                    Thread.currentThread().interrupt();
                    throw new OsrunException("Interrupted while waiting out UUP dump's rate limit");
                }
                pause = pause.multipliedBy(2);
                continue;
            }
            if (limited) {
                throw new OsrunException("UUP dump kept refusing (rate limit, HTTP " + response.statusCode() + ") after "
                        + attempts + " attempts over several minutes. Try again later, or bring your own ISO (--iso PATH).");
            }
            if (response.statusCode() >= 400 && Aria2List.errorCode(response.body()).isEmpty()
                    && !response.body().strip().startsWith("{")) {
                throw new OsrunException("UUP dump answered " + uri + " with HTTP " + response.statusCode()
                        + ". Try again later, or bring your own ISO (--iso PATH).");
            }
            return response.body();
        }
    }

    /** Whether {@code code} means the set is gone (so another build should be tried). */
    static boolean meansSetGone(String code) {
        return SET_GONE.contains(code);
    }

    private static String describe(IOException e) {
        String message = e.getMessage();
        return e.getClass().getSimpleName() + (message != null && !message.isBlank() ? ": " + message : "");
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
