package dev.osrun.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.osrun.GuestKind;
import dev.osrun.SnapshotInfo;
import dev.osrun.local.LocalVm;
import dev.osrun.testing.RequiresTinyGuest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static dev.osrun.server.TestBodies.randomBytes;
import static dev.osrun.server.TestBodies.unzip;
import static dev.osrun.server.TestBodies.zip;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The control API against the real tiny guest: one VM behind one server for the whole class, reset to the
 * "clean" snapshot before each test; the client is plain java.net.http.
 */
@RequiresTinyGuest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ControlServerTest {

    private static final String TOKEN = Auth.randomToken();

    private LocalVm vm;
    private ControlServer server;
    private ApiClient api;

    @BeforeAll
    void start() {
        vm = LocalVm.builder(GuestKind.TINY).start();
        vm.saveSnapshot("clean");
        server = ControlServer.builder(GuestKind.TINY).token(TOKEN).port(0).start();
        server.attach(vm);
        api = new ApiClient(server.port(), TOKEN);
    }

    @BeforeEach
    void reset() {
        vm.restoreSnapshot("clean");
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.close();
        }
        if (vm != null) {
            vm.close();
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
        List<ApiClient> strangers = List.of(new ApiClient(server.port(), null), new ApiClient(server.port(), TOKEN + "x"),
                new ApiClient(server.port(), TOKEN.substring(1)), new ApiClient(server.port(), ""));
        for (ApiClient stranger : strangers) {
            for (String[] route : routes) {
                HttpResponse<byte[]> response = stranger.send(route[0], route[1],
                        route[0].equals("GET") || route[0].equals("DELETE") ? null : "{\"shell\":\"touch /root/intruder\"}".getBytes());

                assertThat(response.statusCode()).as("%s %s", route[0], route[1]).isEqualTo(401);
                assertThat(response.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
                assertThat(ApiClient.parse(response.body()).get("error").asText()).isNotBlank().doesNotContain(TOKEN);
            }
        }
        HttpResponse<byte[]> basic = api.send(api.request("/v1/health").header("Authorization", "Basic " + TOKEN).build());
        assertThat(basic.statusCode()).isEqualTo(401);
        assertThat(vm.snapshots()).extracting(SnapshotInfo::name).contains("clean").doesNotContain("intruder");
        assertThat(vm.exec("test", "-e", "/root/intruder").exitCode()).isNotZero();
    }

    // ---- health ----------------------------------------------------------------------------------------------

    @Test
    void healthIsReadyWhenTheGuestAnswers() {
        HttpResponse<byte[]> response = api.get("/v1/health");

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode body = ApiClient.parse(response.body());
        assertThat(body.get("status").asText()).isEqualTo("ready");
        assertThat(body.get("guest").asText()).isEqualTo("tiny");
        assertThat(api.send("POST", "/v1/health", new byte[0]).statusCode()).isEqualTo(405);
    }

    @Test
    void anUnknownEndpointIsA404WithAJsonError() {
        HttpResponse<byte[]> response = api.get("/v1/nothing-here");

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
        assertThat(ApiClient.parse(response.body()).get("error").asText()).contains("/v1/exec");
    }

    // ---- exec --------------------------------------------------------------------------------------------

    @Test
    void execOfArgvKeepsStdoutAndStderrApartAndEndsWithTheExitCode() {
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
    void execOfAShellLineGetsStdinEnvironmentAndWorkingDirectory() {
        String stdin = Base64.getEncoder().encodeToString("Grüße, 世界\n".getBytes(StandardCharsets.UTF_8));

        ApiClient.Frames frames = ApiClient.Frames.of(api.exec("{\"shell\":\"cat; echo \\\"$GREETING\\\"; pwd; exit 0\","
                + "\"stdin\":\"" + stdin + "\",\"env\":{\"GREETING\":\"hello there\"},\"workingDirectory\":\"/tmp\"}"));

        assertThat(frames.stdout()).isEqualTo("Grüße, 世界\nhello there\n/tmp\n");
        assertThat(frames.stderr()).isEmpty();
        assertThat(frames.last().get("exit").asInt()).isZero();
    }

    @Test
    void execStreamsOutputWhileTheCommandRuns() throws IOException {
        // The command waits for a file that the test creates only after it has seen the first frame: without
        // streaming the command would run into its timeout and end with an error frame.
        Path go = vm.machine().spec().shareDir().resolve("go-" + System.nanoTime());
        HttpResponse<Stream<String>> response = api.execStreaming("{\"shell\":\"echo first; while [ ! -e /mnt/qemu/"
                + go.getFileName() + " ]; do sleep 0.1; done; echo second\",\"timeoutMs\":30000}");
        List<JsonNode> frames = new ArrayList<>();
        try (Stream<String> lines = response.body()) {
            Iterator<String> it = lines.iterator();
            while (it.hasNext()) {
                JsonNode frame = ApiClient.parse(it.next());
                frames.add(frame);
                if (frame.path("stdout").asText().contains("first")) {
                    Files.writeString(go, "");
                }
            }
        } finally {
            Files.deleteIfExists(go);
        }

        assertThat(frames).first().satisfies(f -> assertThat(f.path("stdout").asText()).isEqualTo("first\n"));
        assertThat(ApiClient.Frames.of(frames).stdout()).isEqualTo("first\nsecond\n");
        assertThat(frames.get(frames.size() - 1).path("exit").asInt(-1)).isZero();
    }

    @Test
    void aCommandThatOutlivesItsTimeoutEndsWithATimeoutFrameAfterItsPartialOutput() {
        List<JsonNode> frames = api.exec("{\"shell\":\"echo started; sleep 1000\",\"timeoutMs\":2000}");

        JsonNode last = frames.get(frames.size() - 1);
        assertThat(last.path("error").path("type").asText()).isEqualTo("timeout");
        assertThat(last.path("error").path("message").asText()).contains("2000 ms");
        assertThat(last.has("stdout")).as("the timeout frame does not repeat the output").isFalse();
        assertThat(frames.get(0).path("stdout").asText()).isEqualTo("started\n");
        assertThat(api.get("/v1/health").statusCode()).isEqualTo(200);
    }

    @Test
    void badExecRequestsAre400BeforeAnythingRuns() {
        Map<String, String> bad = new LinkedHashMap<>();
        bad.put("not JSON", "{\"shell\":");
        bad.put("no command", "{}");
        bad.put("two commands", "{\"shell\":\"touch /root/ran\",\"argv\":[\"touch\",\"/root/ran\"]}");
        bad.put("empty argv", "{\"argv\":[]}");
        bad.put("argv of numbers", "{\"argv\":[\"touch\",1]}");
        bad.put("stdin not base64", "{\"shell\":\"touch /root/ran\",\"stdin\":\"*not base64*\"}");
        bad.put("negative timeout", "{\"shell\":\"touch /root/ran\",\"timeoutMs\":-5}");
        bad.put("env not strings", "{\"shell\":\"touch /root/ran\",\"env\":{\"A\":1}}");
        bad.put("env name with =", "{\"shell\":\"touch /root/ran\",\"env\":{\"A=B\":\"x\"}}");
        bad.put("unknown field", "{\"shell\":\"touch /root/ran\",\"timeout\":5}");
        bad.put("array body", "[\"touch\",\"/root/ran\"]");
        bad.put("PowerShell on Linux", "{\"powershell\":\"New-Item C:\\\\ran\"}");

        bad.forEach((what, body) -> {
            HttpResponse<byte[]> response = api.postJson("/v1/exec", body);
            assertThat(response.statusCode()).as(what).isEqualTo(400);
            assertThat(ApiClient.parse(response.body()).get("error").asText()).as(what).isNotBlank();
        });
        assertThat(ApiClient.parse(api.postJson("/v1/exec", bad.get("PowerShell on Linux")).body()).get("error").asText())
                .contains("PowerShell is not supported on Linux");
        assertThat(api.get("/v1/exec").statusCode()).isEqualTo(405);
        assertThat(vm.exec("test", "-e", "/root/ran").exitCode()).isNotZero();
    }

    // ---- files -------------------------------------------------------------------------------------------

    @Test
    void aFileGoesUpAndComesBackByteForByte() {
        byte[] bytes = new byte[4 * 1024 * 1024 + 13];
        new Random(11).nextBytes(bytes);
        String guestPath = "/root/my dir ü/data+1.bin";

        HttpResponse<byte[]> put = api.send("PUT", "/v1/files?path=" + ApiClient.path(guestPath), bytes);
        assertThat(put.statusCode()).isEqualTo(204);
        assertThat(vm.exec("stat", "-c", "%s", guestPath).stdout().strip()).isEqualTo(Integer.toString(bytes.length));

        HttpResponse<byte[]> get = api.get("/v1/files?path=" + ApiClient.path(guestPath));
        assertThat(get.statusCode()).isEqualTo(200);
        assertThat(get.headers().firstValue("Content-Type")).hasValue("application/octet-stream");
        assertThat(get.body()).isEqualTo(bytes);
    }

    @Test
    void anEmptyFileRoundTrips() {
        assertThat(api.send("PUT", "/v1/files?path=%2Froot%2Fempty", new byte[0]).statusCode()).isEqualTo(204);

        HttpResponse<byte[]> get = api.get("/v1/files?path=%2Froot%2Fempty");

        assertThat(get.statusCode()).isEqualTo(200);
        assertThat(get.body()).isEmpty();
    }

    @Test
    void aZipOfATreeGoesUpAndComesBackWhole() {
        Map<String, byte[]> tree = new LinkedHashMap<>();
        tree.put("top.txt", "top\n".getBytes(StandardCharsets.UTF_8));
        tree.put("dir a/inner ü.txt", "inner — ✓\n".getBytes(StandardCharsets.UTF_8));
        tree.put("dir a/deeper/binary.bin", randomBytes(300_000));
        tree.put("empty dir/", new byte[0]);

        HttpResponse<byte[]> put = api.send("PUT", "/v1/files?format=zip&path=" + ApiClient.path("/root/the tree"), zip(tree));
        assertThat(put.statusCode()).isEqualTo(204);
        assertThat(vm.exec("cat", "/root/the tree/dir a/inner ü.txt").stdout()).isEqualTo("inner — ✓\n");
        assertThat(vm.exec("test", "-d", "/root/the tree/empty dir").exitCode()).isZero();

        HttpResponse<byte[]> get = api.get("/v1/files?format=zip&path=" + ApiClient.path("/root/the tree"));
        assertThat(get.statusCode()).isEqualTo(200);
        assertThat(get.headers().firstValue("Content-Type")).hasValue("application/zip");
        Map<String, byte[]> back = unzip(get.body());

        assertThat(back.keySet()).contains("top.txt", "dir a/inner ü.txt", "dir a/deeper/binary.bin", "empty dir/");
        tree.forEach((name, content) -> assertThat(back.get(name)).as(name).isEqualTo(content));
    }

    @Test
    void aDirectoryWithoutFormatZipOrAMissingFileIsRefused() {
        vm.shell("mkdir -p /root/adir && echo x > /root/afile");

        assertThat(api.get("/v1/files?path=%2Froot%2Fadir").statusCode()).isEqualTo(409);
        assertThat(api.get("/v1/files?format=zip&path=%2Froot%2Fafile").statusCode()).isEqualTo(409);
        HttpResponse<byte[]> missing = api.get("/v1/files?path=%2Froot%2Fno-such-file");
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(ApiClient.parse(missing.body()).get("error").asText()).contains("no-such-file");
    }

    @Test
    void hostilePathsAndZipEntriesAre400AndNothingIsWritten() throws IOException {
        long scratchBefore = scratchDirs();
        byte[] file = "payload".getBytes(StandardCharsets.UTF_8);
        List<String> badPaths = List.of("root%2Fx", "..%2Fetc%2Fx", "%2Froot%2F..%2Fetc%2Fx", "%2Froot%2Fa%00b",
                "%2Froot%2Fline%0Abreak", "%2F", "", "C%3A%5Cx");
        for (String path : badPaths) {
            assertThat(api.send("PUT", "/v1/files?path=" + path, file).statusCode()).as("PUT %s", path).isEqualTo(400);
            assertThat(api.get("/v1/files?path=" + path).statusCode()).as("GET %s", path).isEqualTo(400);
        }
        assertThat(api.send("PUT", "/v1/files", file).statusCode()).isEqualTo(400);
        assertThat(api.send("PUT", "/v1/files?path=%2Froot%2Fx&format=tar", file).statusCode()).isEqualTo(400);
        assertThat(api.send("PUT", "/v1/files?path=%2Froot%2Fx&path=%2Froot%2Fy", file).statusCode()).isEqualTo(400);
        assertThat(api.send("PUT", "/v1/files?path=%2Froot%2Fx&owner=me", file).statusCode()).isEqualTo(400);

        List<String> badEntries = List.of("../escaped.txt", "a/../../escaped.txt", "/abs/escaped.txt",
                "a\\..\\..\\escaped.txt", "C:/escaped.txt", "a//b.txt", "./a.txt");
        for (String entry : badEntries) {
            Map<String, byte[]> tree = new LinkedHashMap<>();
            tree.put("fine.txt", file);
            tree.put(entry, file);
            HttpResponse<byte[]> response = api.send("PUT", "/v1/files?format=zip&path=%2Froot%2Fzipped", zip(tree));

            assertThat(response.statusCode()).as(entry).isEqualTo(400);
            assertThat(ApiClient.parse(response.body()).get("error").asText()).as(entry).contains("Nothing was extracted");
        }
        assertThat(api.send("PUT", "/v1/files?format=zip&path=%2Froot%2Fzipped", file).statusCode()).isEqualTo(400);

        assertThat(vm.shell("ls /root/zipped /root/x /escaped.txt /root/escaped.txt /abs 2>/dev/null | wc -l").stdout().strip()).isEqualTo("0");
        assertThat(scratchDirs()).isEqualTo(scratchBefore);
    }

    // ---- snapshots ---------------------------------------------------------------------------------------

    @Test
    void snapshotsAreSavedListedRestoredAndDeleted() {
        vm.shell("echo saved > /root/marker");
        HttpResponse<byte[]> saved = api.send("POST", "/v1/snapshots/api-saved", null);
        assertThat(saved.statusCode()).isEqualTo(201);
        assertThat(ApiClient.parse(saved.body()).get("name").asText()).isEqualTo("api-saved");

        HttpResponse<byte[]> list = api.get("/v1/snapshots");
        assertThat(list.statusCode()).isEqualTo(200);
        JsonNode snapshots = ApiClient.parse(list.body());
        List<String> names = new ArrayList<>();
        snapshots.forEach(s -> names.add(s.get("name").asText()));
        assertThat(names).contains("provisioned", "clean", "api-saved");
        snapshots.forEach(s -> {
            assertThat(s.get("vmStateBytes").asLong()).isPositive();
            assertThat(Instant.parse(s.get("created").asText())).isBefore(Instant.now().plusSeconds(60));
        });

        vm.shell("rm /root/marker");
        assertThat(api.send("POST", "/v1/snapshots/api-saved/restore", null).statusCode()).isEqualTo(204);
        assertThat(vm.exec("cat", "/root/marker").stdout()).isEqualTo("saved\n");

        assertThat(api.send("DELETE", "/v1/snapshots/api-saved", null).statusCode()).isEqualTo(204);
        assertThat(vm.snapshots()).extracting(SnapshotInfo::name).doesNotContain("api-saved");
    }

    @Test
    void anUnknownSnapshotIs404ListingTheExistingOnesAndABadNameIs400() {
        for (String[] call : List.of(new String[] {"POST", "/v1/snapshots/nope/restore"}, new String[] {"DELETE", "/v1/snapshots/nope"})) {
            HttpResponse<byte[]> response = api.send(call[0], call[1], null);

            assertThat(response.statusCode()).as(call[1]).isEqualTo(404);
            JsonNode body = ApiClient.parse(response.body());
            assertThat(body.get("error").asText()).contains("nope");
            List<String> existing = new ArrayList<>();
            body.get("existing").forEach(n -> existing.add(n.asText()));
            assertThat(existing).contains("provisioned", "clean");
        }
        assertThat(api.send("POST", "/v1/snapshots/bad%20name;%20quit", null).statusCode()).isEqualTo(400);
        assertThat(api.send("POST", "/v1/snapshots/bad%20name/restore", null).statusCode()).isEqualTo(400);
        assertThat(api.send("PUT", "/v1/snapshots/clean", null).statusCode()).isEqualTo(405);
        assertThat(api.send("POST", "/v1/snapshots/clean/explode", null).statusCode()).isEqualTo(404);
    }

    // ---- screenshot and events ---------------------------------------------------------------------------

    @Test
    void theScreenshotIsAPng() {
        HttpResponse<byte[]> response = api.get("/v1/screenshot");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("image/png");
        assertThat(response.body()).startsWith(0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n');
    }

    @Test
    void theEventStreamStartsWithTheCurrentStateAndReportsExecs() throws InterruptedException {
        try (ApiClient.Events events = api.events()) {
            assertThat(events.response.statusCode()).isEqualTo(200);
            assertThat(events.response.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
            events.await("status", "ready", Duration.ofSeconds(10));

            api.exec("{\"shell\":\"exit 7\"}");

            assertThat(events.await("exec", null, Duration.ofSeconds(10)).get("exit").asInt()).isEqualTo(7);
        }
    }

    // ---- helpers -----------------------------------------------------------------------------------------

    private static long scratchDirs() throws IOException {
        try (Stream<Path> entries = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return entries.filter(p -> p.getFileName().toString().startsWith("osrun-serve-")).count();
        }
    }
}
