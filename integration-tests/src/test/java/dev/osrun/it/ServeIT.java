package dev.osrun.it;

import dev.osrun.server.ApiClient;
import com.fasterxml.jackson.databind.JsonNode;
import dev.osrun.server.Auth;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.testcontainers.containers.Container.ExecResult;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static dev.osrun.server.TestBodies.randomBytes;
import static dev.osrun.server.TestBodies.unzip;
import static dev.osrun.server.TestBodies.zip;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every endpoint of the control API through a real container ({@code osrun serve --guest tiny}, port 5460 published),
 * as a test JVM on another host would use it. One container for the class; each test starts from the "clean"
 * snapshot, restored through the API.
 */
@RequiresOsrunImage
@SharedCache
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServeIT {

    private static final String TOKEN = Auth.randomToken();

    private OsrunServeContainer serve;
    private ApiClient api;

    @BeforeAll
    void start(CacheVolume cache) {
        serve = new OsrunServeContainer(TOKEN).withCache(cache);
        serve.start();
        api = serve.api();
        assertStatus(api.send("POST", "/v1/snapshots/clean", null), 201);
    }

    @BeforeEach
    void reset() {
        HttpResponse<byte[]> restored = api.send("POST", "/v1/snapshots/clean/restore", null);
        assertThat(restored.statusCode()).as(new String(restored.body(), StandardCharsets.UTF_8)).isEqualTo(204);
    }

    @AfterAll
    void stop() {
        if (serve != null) {
            serve.stop();
        }
    }

    // ---- authentication ------------------------------------------------------------------------------------

    @Test
    void everyEndpointRefusesARequestWithoutTheRightToken() {
        List<String[]> routes = List.of(
                new String[] {"GET", "/v1/health"}, new String[] {"GET", "/v1/events"},
                new String[] {"POST", "/v1/exec"}, new String[] {"PUT", "/v1/files?path=%2Froot%2Fintruder"},
                new String[] {"GET", "/v1/files?path=%2Fetc%2Fpasswd"}, new String[] {"GET", "/v1/snapshots"},
                new String[] {"POST", "/v1/snapshots/intruder"}, new String[] {"POST", "/v1/snapshots/clean/restore"},
                new String[] {"DELETE", "/v1/snapshots/clean"}, new String[] {"GET", "/v1/screenshot"},
                new String[] {"GET", "/v1/no-such-endpoint"});
        List<ApiClient> strangers = List.of(serve.apiWithToken(null), serve.apiWithToken(TOKEN + "x"),
                serve.apiWithToken(TOKEN.substring(1)), serve.apiWithToken(""));
        for (ApiClient stranger : strangers) {
            for (String[] route : routes) {
                HttpResponse<byte[]> response = stranger.send(route[0], route[1],
                        route[0].equals("GET") || route[0].equals("DELETE") ? null : "{\"shell\":\"touch /root/intruder\"}".getBytes(StandardCharsets.UTF_8));

                assertThat(response.statusCode()).as("%s %s", route[0], route[1]).isEqualTo(401);
                assertThat(response.headers().firstValue("WWW-Authenticate")).as("%s %s", route[0], route[1])
                        .hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
                assertThat(ApiClient.parse(response.body()).get("error").asText()).isNotBlank().doesNotContain(TOKEN);
            }
        }
        HttpResponse<byte[]> basic = api.send(api.request("/v1/health").header("Authorization", "Basic " + TOKEN).build());
        assertThat(basic.statusCode()).isEqualTo(401);

        assertThat(snapshotNames()).contains("clean").doesNotContain("intruder");
        assertThat(shell("test -e /root/intruder").last().get("exit").asInt()).isNotZero();
    }

    // ---- health ----------------------------------------------------------------------------------------------

    @Test
    void healthIsReadyWhenTheGuestAnswers() {
        HttpResponse<byte[]> response = api.get("/v1/health");

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode body = ApiClient.parse(response.body());
        assertThat(body.get("status").asText()).isEqualTo("ready");
        assertThat(body.get("guest").asText()).isEqualTo("tiny");
        assertStatus(api.send("POST", "/v1/health", new byte[0]), 405);
    }

    // ---- exec --------------------------------------------------------------------------------------------

    @Test
    void execStreamsStdoutAndStderrFramesApartThenTheExitCode() {
        HttpResponse<Stream<String>> response = api.execStreaming("{\"argv\":[\"sh\",\"-c\",\"echo out; echo err >&2; exit 3\"]}");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/x-ndjson"));

        ApiClient.Frames frames = ApiClient.Frames.of(response.body().map(ApiClient::parse).toList());

        assertThat(frames.stdout()).isEqualTo("out\n");
        assertThat(frames.stderr()).isEqualTo("err\n");
        assertThat(frames.last().get("exit").asInt()).isEqualTo(3);
        assertThat(frames.last().get("durationMs").asLong()).isNotNegative();
    }

    @Test
    void execOutputArrivesWhileTheCommandStillRuns() {
        HttpResponse<Stream<String>> response = api.execStreaming("{\"shell\":\"echo first; sleep 4; echo second\",\"timeoutMs\":60000}");
        List<JsonNode> frames = new ArrayList<>();
        long firstAt = -1;
        long lastAt;
        try (Stream<String> lines = response.body()) {
            Iterator<String> it = lines.iterator();
            while (it.hasNext()) {
                JsonNode frame = ApiClient.parse(it.next());
                frames.add(frame);
                if (firstAt < 0 && frame.path("stdout").asText().contains("first")) {
                    firstAt = System.nanoTime();
                }
            }
            lastAt = System.nanoTime();
        }

        assertThat(ApiClient.Frames.of(frames).stdout()).isEqualTo("first\nsecond\n");
        assertThat(frames.get(frames.size() - 1).path("exit").asInt(-1)).isZero();
        assertThat(firstAt).as("the time the 'first' frame arrived").isPositive();
        assertThat(Duration.ofNanos(lastAt - firstAt)).as("from the 'first' frame to the end of the stream")
                .isGreaterThan(Duration.ofSeconds(2));
    }

    @Test
    void aBadExecRequestIs400AndRunsNothing() {
        HttpResponse<byte[]> response = api.postJson("/v1/exec", "{\"shell\":\"touch /root/ran\",\"argv\":[\"touch\",\"/root/ran\"]}");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(ApiClient.parse(response.body()).get("error").asText()).isNotBlank();
        assertThat(api.postJson("/v1/exec", "{\"shell\":").statusCode()).isEqualTo(400);
        assertThat(api.get("/v1/exec").statusCode()).isEqualTo(405);
        assertThat(shell("test -e /root/ran").last().get("exit").asInt()).isNotZero();
    }

    // ---- files -------------------------------------------------------------------------------------------

    @Test
    void aFileGoesUpAndComesBackByteForByte() {
        byte[] bytes = randomBytes(1024 * 1024 + 7);
        String guestPath = "/root/my dir ü/data+1.bin";

        HttpResponse<byte[]> put = api.send("PUT", "/v1/files?path=" + ApiClient.path(guestPath), bytes);
        assertThat(put.statusCode()).isEqualTo(204);
        assertThat(shell("stat -c %s '" + guestPath + "'").stdout().strip()).isEqualTo(Integer.toString(bytes.length));

        HttpResponse<byte[]> get = api.get("/v1/files?path=" + ApiClient.path(guestPath));
        assertThat(get.statusCode()).isEqualTo(200);
        assertThat(get.headers().firstValue("Content-Type")).hasValue("application/octet-stream");
        assertThat(get.body()).isEqualTo(bytes);

        assertThat(api.get("/v1/files?path=%2Froot%2Fno-such-file").statusCode()).isEqualTo(404);
    }

    @Test
    void aZipOfATreeGoesUpAndComesBackWhole() {
        Map<String, byte[]> tree = new LinkedHashMap<>();
        tree.put("top.txt", "top\n".getBytes(StandardCharsets.UTF_8));
        tree.put("dir a/inner ü.txt", "inner — ✓\n".getBytes(StandardCharsets.UTF_8));
        tree.put("dir a/deeper/binary.bin", randomBytes(200_000));
        tree.put("empty dir/", new byte[0]);

        HttpResponse<byte[]> put = api.send("PUT", "/v1/files?format=zip&path=" + ApiClient.path("/root/the tree"), zip(tree));
        assertThat(put.statusCode()).isEqualTo(204);
        assertThat(shell("cat '/root/the tree/dir a/inner ü.txt'").stdout()).isEqualTo("inner — ✓\n");

        HttpResponse<byte[]> get = api.get("/v1/files?format=zip&path=" + ApiClient.path("/root/the tree"));
        assertThat(get.statusCode()).isEqualTo(200);
        assertThat(get.headers().firstValue("Content-Type")).hasValue("application/zip");
        Map<String, byte[]> back = unzip(get.body());

        assertThat(back.keySet()).contains("top.txt", "dir a/inner ü.txt", "dir a/deeper/binary.bin", "empty dir/");
        tree.forEach((name, content) -> assertThat(back.get(name)).as(name).isEqualTo(content));
        assertThat(api.get("/v1/files?path=" + ApiClient.path("/root/the tree")).statusCode()).as("a directory without format=zip").isEqualTo(409);
    }

    @Test
    void hostilePathsAndZipEntriesAre400AndNothingIsWrittenAnywhere() throws Exception {
        byte[] file = "payload".getBytes(StandardCharsets.UTF_8);
        List<String> badPaths = List.of("root%2Fescaped.txt", "escaped.txt", "..%2Fescaped.txt", "%2Froot%2F..%2Fescaped.txt",
                "%2Froot%2F.%2Fescaped.txt", "%2Froot%2Fa%00b", "%2Froot%2Fline%0Abreak", "%2F", "", "C%3A%5Cescaped.txt",
                "%2Froot%2F..", "%2F..%2F..%2Ftmp%2Fescaped.txt");
        for (String path : badPaths) {
            assertThat(api.send("PUT", "/v1/files?path=" + path, file).statusCode()).as("PUT %s", path).isEqualTo(400);
            assertThat(api.get("/v1/files?path=" + path).statusCode()).as("GET %s", path).isEqualTo(400);
        }
        assertThat(api.send("PUT", "/v1/files", file).statusCode()).as("no path").isEqualTo(400);
        assertThat(api.send("PUT", "/v1/files?path=%2Froot%2Fescaped.txt&path=%2Froot%2Fy", file).statusCode()).as("two paths").isEqualTo(400);
        assertThat(api.send("PUT", "/v1/files?path=%2Froot%2Fescaped.txt&format=tar", file).statusCode()).as("format=tar").isEqualTo(400);

        List<String> badEntries = List.of("../escaped.txt", "a/../../escaped.txt", "/tmp/escaped.txt",
                "a\\..\\..\\escaped.txt", "C:/escaped.txt", "a//escaped.txt", "./escaped.txt", "a/\u0000escaped.txt");
        for (String entry : badEntries) {
            Map<String, byte[]> tree = new LinkedHashMap<>();
            tree.put("fine.txt", file);
            tree.put(entry, file);
            HttpResponse<byte[]> response = api.send("PUT", "/v1/files?format=zip&path=%2Froot%2Fzipped", zip(tree));

            assertThat(response.statusCode()).as(entry).isEqualTo(400);
            assertThat(ApiClient.parse(response.body()).get("error").asText()).as(entry).contains("Nothing was extracted");
        }
        assertThat(api.send("PUT", "/v1/files?format=zip&path=%2Froot%2Fzipped", file).statusCode()).as("not a zip").isEqualTo(400);

        // Nothing in the guest, nothing in the container (where the server unpacks uploads), no temporary leftovers.
        assertThat(shell("find / \\( -path /proc -o -path /sys -o -path /dev \\) -prune -o "
                + "\\( -name escaped.txt -o -name fine.txt -o -name zipped \\) -print 2>/dev/null").stdout()).as("files in the guest").isEmpty();
        ExecResult inContainer = serve.execInContainer("sh", "-c",
                "find / -xdev \\( -name escaped.txt -o -name fine.txt \\) 2>/dev/null; ls -d /tmp/osrun-serve-* 2>/dev/null; true");
        assertThat(inContainer.getStdout()).as("files in the container").isEmpty();
    }

    // ---- snapshots ---------------------------------------------------------------------------------------

    @Test
    void snapshotsAreSavedListedRestoredAndDeleted() {
        shell("echo saved > /root/marker");
        HttpResponse<byte[]> saved = api.send("POST", "/v1/snapshots/api-saved", null);
        assertThat(saved.statusCode()).isEqualTo(201);
        assertThat(ApiClient.parse(saved.body()).get("name").asText()).isEqualTo("api-saved");

        HttpResponse<byte[]> list = api.get("/v1/snapshots");
        assertThat(list.statusCode()).isEqualTo(200);
        assertThat(snapshotNames()).contains("provisioned", "clean", "api-saved");
        ApiClient.parse(list.body()).forEach(s -> assertThat(s.get("vmStateBytes").asLong()).as("%s", s).isPositive());

        shell("rm /root/marker");
        assertStatus(api.send("POST", "/v1/snapshots/api-saved/restore", null), 204);
        assertThat(shell("cat /root/marker").stdout()).isEqualTo("saved\n");

        assertStatus(api.send("DELETE", "/v1/snapshots/api-saved", null), 204);
        assertThat(snapshotNames()).contains("clean").doesNotContain("api-saved");
    }

    @Test
    void anUnknownSnapshotIs404ListingTheExistingOnes() {
        for (String[] call : List.of(new String[] {"POST", "/v1/snapshots/nope/restore"}, new String[] {"DELETE", "/v1/snapshots/nope"})) {
            HttpResponse<byte[]> response = api.send(call[0], call[1], null);

            assertThat(response.statusCode()).as("%s %s", call[0], call[1]).isEqualTo(404);
            JsonNode body = ApiClient.parse(response.body());
            assertThat(body.get("error").asText()).contains("nope");
            List<String> existing = new ArrayList<>();
            body.get("existing").forEach(n -> existing.add(n.asText()));
            assertThat(existing).contains("provisioned", "clean");
        }
        assertThat(api.send("POST", "/v1/snapshots/bad%20name;%20quit", null).statusCode()).isEqualTo(400);
    }

    // ---- screenshot and events ---------------------------------------------------------------------------

    @Test
    void theScreenshotIsAPng() {
        HttpResponse<byte[]> response = api.get("/v1/screenshot");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("image/png");
        assertThat(response.body()).startsWith(0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n');
        assertThat(response.body().length).isGreaterThan(100);
    }

    @Test
    void theEventStreamStartsWithTheReadyStatusAndReportsExecs() throws InterruptedException {
        try (ApiClient.Events events = api.events()) {
            assertThat(events.response.statusCode()).isEqualTo(200);
            assertThat(events.response.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
            JsonNode ready = events.await("status", "ready", Duration.ofSeconds(10));
            assertThat(ready.get("guest").asText()).isEqualTo("tiny");

            api.exec("{\"shell\":\"exit 7\"}");

            assertThat(events.await("exec", null, Duration.ofSeconds(10)).get("exit").asInt()).isEqualTo(7);
        }
    }

    // ---- helpers -----------------------------------------------------------------------------------------

    private static void assertStatus(HttpResponse<byte[]> response, int expected) {
        assertThat(response.statusCode()).as("%s %s answered %s", response.request().method(), response.request().uri().getRawPath(),
                new String(response.body(), StandardCharsets.UTF_8)).isEqualTo(expected);
    }

    private ApiClient.Frames shell(String commandLine) {
        String json;
        try {
            json = ApiClient.JSON.writeValueAsString(Map.of("shell", commandLine));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return ApiClient.Frames.of(api.exec(json));
    }

    private List<String> snapshotNames() {
        HttpResponse<byte[]> list = api.get("/v1/snapshots");
        assertThat(list.statusCode()).isEqualTo(200);
        List<String> names = new ArrayList<>();
        ApiClient.parse(list.body()).forEach(s -> names.add(s.get("name").asText()));
        return names;
    }
}
