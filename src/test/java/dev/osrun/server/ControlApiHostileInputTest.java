package dev.osrun.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.osrun.ExecOptions;
import dev.osrun.ExecResult;
import dev.osrun.GuestKind;
import dev.osrun.GuestPathNotFoundException;
import dev.osrun.InvalidInputException;
import dev.osrun.VmClosedException;
import dev.osrun.local.LocalVm;
import dev.osrun.testing.RequiresTinyGuest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static dev.osrun.server.TestBodies.randomBytes;
import static dev.osrun.server.TestBodies.zip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The control API under hostile input, against the real tiny guest behind an in-JVM server with small limits:
 * odd paths, unsafe zips, malformed and huge JSON, wrong methods and tokens, slow and vanishing clients, many
 * clients at once. Throughout: nothing runs without the token, nothing is written outside where it was asked,
 * {@code /v1/health} answers, and afterwards the JVM has no more threads or file descriptors than before. All
 * traffic goes to 127.0.0.1.
 */
@RequiresTinyGuest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ControlApiHostileInputTest {

    private static final String TOKEN = Auth.randomToken();
    private static final long MIB = 1024 * 1024;
    private static final ServerLimits LIMITS = ServerLimits.defaults()
            .withTimeouts(Duration.ofSeconds(3), Duration.ofSeconds(3), Duration.ofSeconds(5))
            .withVmWait(Duration.ofSeconds(5))
            .withSizes(MIB, 32 * MIB, 4 * MIB, 8 * MIB, 1000)
            .withMaxExecTimeout(Duration.ofMinutes(10));
    private static final int THREAD_TOLERANCE = 6;
    private static final int FD_TOLERANCE = 12;

    private LocalVm vm;
    private ControlServer server;
    private ApiClient api;
    private int port;
    private int threadsBefore;
    private long fdsBefore;

    @BeforeAll
    void start() throws IOException {
        vm = LocalVm.builder(GuestKind.TINY).start();
        vm.shell("mkdir -p /root/box");
        server = ControlServer.builder(GuestKind.TINY).token(TOKEN).port(0).limits(LIMITS).start();
        server.attach(vm);
        port = server.port();
        api = new ApiClient(port, TOKEN);
        assertThat(api.get("/v1/health").statusCode()).isEqualTo(200);
        threadsBefore = threads();
        fdsBefore = fds();
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

    // ---- tokens ------------------------------------------------------------------------------------------------

    @Test
    @Order(1)
    void nothingRunsWithoutTheRightTokenAndNoBodyIsReadBeforeIt() throws IOException {
        String exec = "{\"shell\":\"touch /root/ran-without-token\"}";
        for (String authorization : new String[] {null, "Bearer wrong", "Bearer " + TOKEN + "x", "Basic " + TOKEN,
                TOKEN, "Bearer", "Bearer  ", "bearer " + TOKEN.substring(1)}) {
            RawHttp.Response response = RawHttp.exchange(port, "POST /v1/exec HTTP/1.1\r\nHost: x\r\n"
                    + (authorization == null ? "" : "Authorization: " + authorization + "\r\n")
                    + "Content-Type: application/json\r\nContent-Length: " + exec.length() + "\r\n\r\n" + exec);
            assertThat(response.status()).as("Authorization: %s", authorization).isEqualTo(401);
        }
        RawHttp.Response twice = RawHttp.exchange(port, "POST /v1/exec HTTP/1.1\r\nAuthorization: Bearer " + TOKEN
                + "\r\nAuthorization: Bearer wrong\r\nContent-Length: " + exec.length() + "\r\n\r\n" + exec);
        assertThat(twice.status()).isEqualTo(401);
        RawHttp.Response inQuery = RawHttp.exchange(port, "POST /v1/exec?token=" + TOKEN + " HTTP/1.1\r\nContent-Length: "
                + exec.length() + "\r\n\r\n" + exec);
        assertThat(inQuery.status()).isEqualTo(401);

        // A body announced but never sent: the 401 comes at once, not after the body timeout.
        try (RawHttp http = RawHttp.connect(port, Duration.ofSeconds(2))) {
            http.write("PUT /v1/files?path=%2Froot%2Fbig HTTP/1.1\r\nContent-Length: 1000000000\r\n\r\n");
            assertThat(http.readUntil("\r\n")).startsWith("HTTP/1.1 401");
        }
        assertThat(vm.shell("ls /root/ran-without-token /root/big 2>/dev/null | wc -l").stdout().strip()).isEqualTo("0");
    }

    // ---- paths and zips ----------------------------------------------------------------------------------------

    @Test
    @Order(2)
    void oddGuestPathsAre400AndNothingIsWritten() throws IOException {
        long scratchBefore = scratchDirs();
        byte[] file = "payload".getBytes(StandardCharsets.UTF_8);
        String longName = "n".repeat(300);
        List<String> badPaths = List.of("root%2Fx", "..%2Froot%2Fx", "%2Froot%2F..%2Fx", "%2Froot%2F.%2Fx", "%2Froot%2Fa%00b",
                "%2Froot%2Fa%01b", "%2Froot%2Fa%7Fb", "%2Froot%2Fline%0Abreak", "%2Froot%2Fx%0D", "%2F", "%2F%2F%2F",
                "C%3A%5Cx", "C%3A%2Fx", "%5C%5Cserver%5Cshare%5Cx", "%2Froot%2F" + longName,
                "%2Froot" + "%2Fd".repeat(2100), "%2Froot%2Fx%C2%85");
        for (String path : badPaths) {
            HttpResponse<byte[]> put = api.send("PUT", "/v1/files?path=" + path, file);
            assertThat(put.statusCode()).as("PUT %s", path).isEqualTo(400);
            assertThat(ApiClient.parse(put.body()).get("error").asText()).as("PUT %s", path).isNotBlank();
            assertThat(api.get("/v1/files?path=" + path).statusCode()).as("GET %s", path).isEqualTo(400);
        }
        assertThat(RawHttp.exchange(port, "GET /v1/files?path=%ZZ HTTP/1.1\r\nAuthorization: Bearer " + TOKEN
                + "\r\n\r\n").status()).isEqualTo(400);
        assertThat(RawHttp.exchange(port, "GET /v1/files?path=/root/a\u0001b HTTP/1.1\r\nAuthorization: Bearer " + TOKEN
                + "\r\n\r\n").status()).isEqualTo(400);
        assertThat(vm.shell("ls /x /root/x /root/a* /root/line* /root/nnn* /root/d 2>/dev/null | wc -l").stdout().strip()).isEqualTo("0");
        assertThat(scratchDirs()).isEqualTo(scratchBefore);
    }

    @Test
    @Order(3)
    void unsafeZipsAreRefusedAndNothingLandsOutsideTheTarget() throws IOException {
        long scratchBefore = scratchDirs();
        byte[] file = "payload".getBytes(StandardCharsets.UTF_8);
        for (String entry : List.of("../escaped.txt", "a/../../escaped.txt", "/abs/escaped.txt", "a\\..\\..\\escaped.txt",
                "C:/escaped.txt", "a//b.txt", "./a.txt", "a/\u0001.txt")) {
            Map<String, byte[]> tree = new LinkedHashMap<>();
            tree.put("fine.txt", file);
            tree.put(entry, file);
            HttpResponse<byte[]> response = api.send("PUT", "/v1/files?format=zip&path=%2Froot%2Fbox%2Fzipped", zip(tree));
            assertThat(response.statusCode()).as(entry).isEqualTo(400);
        }
        assertThat(put(rawZip(List.of("dup.txt", "dup.txt"), new byte[][] {file, file})).statusCode()).as("duplicate").isEqualTo(400);
        assertThat(put(rawZip(List.of("d", "d/x.txt"), new byte[][] {file, file})).statusCode()).as("file and directory").isEqualTo(400);

        HttpResponse<byte[]> bomb = put(rawZip(List.of("zeros.bin"), new byte[][] {new byte[(int) (6 * MIB)]}));
        assertThat(bomb.statusCode()).as("one entry that expands 1000 times").isEqualTo(413);
        assertThat(error(bomb)).contains("zip bomb");

        byte[] compressible = lowEntropy(3 * (int) MIB, 7);
        HttpResponse<byte[]> big = put(rawZip(List.of("a", "b", "c"), new byte[][] {compressible, compressible, compressible}));
        assertThat(big.statusCode()).as("9 MiB unzipped over an 8 MiB limit").isEqualTo(413);
        assertThat(error(big)).contains(ServerLimits.MAX_UNZIPPED_ENV).contains(Long.toString(8 * MIB));

        List<String> names = new ArrayList<>();
        byte[][] bodies = new byte[1001][];
        for (int i = 0; i < 1001; i++) {
            names.add("f" + i);
            bodies[i] = new byte[0];
        }
        HttpResponse<byte[]> many = put(rawZip(names, bodies));
        assertThat(many.statusCode()).isEqualTo(413);
        assertThat(error(many)).contains("1001 entries").contains(ServerLimits.MAX_ZIP_ENTRIES_ENV);

        // A symbolic link entry arrives as a plain file holding the link's text, never as a link.
        HttpResponse<byte[]> link = put(symlinkZip("link", "/etc/passwd"));
        assertThat(link.statusCode()).isEqualTo(204);
        assertThat(vm.shell("[ -L /root/box/zipped/link ] && echo link; cat /root/box/zipped/link").stdout()).isEqualTo("/etc/passwd");

        assertThat(vm.shell("ls /escaped.txt /root/escaped.txt /root/box/escaped.txt /abs 2>/dev/null | wc -l").stdout().strip()).isEqualTo("0");
        assertThat(scratchDirs()).isEqualTo(scratchBefore);
    }

    @Test
    @Order(4)
    void anUploadOverTheLimitIs413NamingItAndLeavesNothing() throws IOException {
        long scratchBefore = scratchDirs();
        HttpResponse<byte[]> response = api.send("PUT", "/v1/files?path=%2Froot%2Fbox%2Fhuge", randomBytes((int) (5 * MIB)));
        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(error(response)).contains(Long.toString(4 * MIB)).contains(ServerLimits.MAX_UPLOAD_ENV);

        // Chunked, so the server cannot tell the size up front.
        HttpRequest chunked = api.request("/v1/files?path=%2Froot%2Fbox%2Fhuge").PUT(HttpRequest.BodyPublishers.ofInputStream(
                () -> new java.io.ByteArrayInputStream(new byte[(int) (5 * MIB)]))).build();
        assertThat(api.send(chunked).statusCode()).isEqualTo(413);
        assertThat(vm.shell("ls /root/box/huge 2>/dev/null | wc -l").stdout().strip()).isEqualTo("0");
        assertThat(scratchDirs()).isEqualTo(scratchBefore);
    }

    // ---- JSON, methods, timeouts -------------------------------------------------------------------------------

    @Test
    @Order(5)
    void malformedAndHugeJsonAndOutOfRangeTimeoutsAre4xxAndRunNothing() {
        Map<String, String> bad = new LinkedHashMap<>();
        bad.put("truncated", "{\"shell\":");
        bad.put("array", "[\"touch\",\"/root/ran\"]");
        bad.put("null", "null");
        bad.put("string argv", "{\"argv\":\"touch /root/ran\"}");
        bad.put("deep", "[".repeat(100_000));
        bad.put("timeout over the limit", "{\"shell\":\"touch /root/ran\",\"timeoutMs\":600001}");
        bad.put("timeout overflow", "{\"shell\":\"touch /root/ran\",\"timeoutMs\":99999999999999999999999}");
        bad.put("bad base64", "{\"shell\":\"touch /root/ran\",\"stdin\":\"***\"}");
        for (Map.Entry<String, String> body : bad.entrySet()) {
            HttpResponse<byte[]> response = api.postJson("/v1/exec", body.getValue());
            assertThat(response.statusCode()).as(body.getKey()).isEqualTo(400);
        }
        assertThat(error(api.postJson("/v1/exec", "{\"shell\":\"true\",\"timeoutMs\":600001}")))
                .contains("600000").contains(ServerLimits.MAX_EXEC_TIMEOUT_ENV);

        String huge = "{\"shell\":\"touch /root/ran\",\"env\":{\"X\":\"" + "x".repeat((int) (2 * MIB)) + "\"}}";
        HttpResponse<byte[]> tooLarge = api.postJson("/v1/exec", huge);
        assertThat(tooLarge.statusCode()).isEqualTo(413);
        assertThat(error(tooLarge)).contains(Long.toString(MIB)).contains(ServerLimits.MAX_JSON_ENV).contains(ExecRoute.STDIN_STREAM_TYPE);

        assertThat(vm.shell("ls /root/ran 2>/dev/null | wc -l").stdout().strip()).isEqualTo("0");
    }

    @Test
    @Order(6)
    void stdinStreamsRawBytesPastWhatJsonCouldHold() {
        byte[] stdin = randomBytes((int) (20 * MIB));
        byte[] body = concat("{\"shell\":\"cat > /root/box/in.bin; wc -c < /root/box/in.bin; md5sum < /root/box/in.bin\"}\n"
                .getBytes(StandardCharsets.UTF_8), stdin);
        HttpResponse<byte[]> response = api.send(api.request("/v1/exec").header("Content-Type", ExecRoute.STDIN_STREAM_TYPE)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
        assertThat(response.statusCode()).isEqualTo(200);
        String stdout = ApiClient.Frames.of(frames(response)).stdout();
        assertThat(stdout).startsWith(stdin.length + "\n").contains(md5(stdin));

        byte[] over = concat("{\"shell\":\"touch /root/ran\"}\n".getBytes(StandardCharsets.UTF_8), new byte[(int) (33 * MIB)]);
        HttpResponse<byte[]> tooMuch = api.send(api.request("/v1/exec").header("Content-Type", ExecRoute.STDIN_STREAM_TYPE)
                .POST(HttpRequest.BodyPublishers.ofByteArray(over)).build());
        assertThat(tooMuch.statusCode()).isEqualTo(413);
        assertThat(error(tooMuch)).contains(ServerLimits.MAX_STDIN_ENV);
        HttpResponse<byte[]> both = api.send(api.request("/v1/exec").header("Content-Type", ExecRoute.STDIN_STREAM_TYPE)
                .POST(HttpRequest.BodyPublishers.ofString("{\"shell\":\"touch /root/ran\",\"stdin\":\"\"}\nabc")).build());
        assertThat(both.statusCode()).isEqualTo(400);
        assertThat(vm.shell("ls /root/ran 2>/dev/null | wc -l").stdout().strip()).isEqualTo("0");
    }

    @Test
    @Order(7)
    void wrongMethodsAndBrokenRequestLinesAreRefused() throws IOException {
        String[][] calls = {{"DELETE", "/v1/exec"}, {"GET", "/v1/exec"}, {"PATCH", "/v1/files?path=%2Froot%2Fx"},
                {"POST", "/v1/health"}, {"PUT", "/v1/snapshots"}, {"FOO", "/v1/health"}, {"POST", "/v1/events"}};
        for (String[] call : calls) {
            HttpResponse<byte[]> response = api.send(call[0], call[1], new byte[0]);
            assertThat(response.statusCode()).as("%s %s", call[0], call[1]).isEqualTo(405);
            assertThat(response.headers().firstValue("Allow")).as("%s %s", call[0], call[1]).isPresent();
        }
        for (String line : new String[] {"get /v1/health HTTP/1.1", "GET /v1/health", "GET  /v1/health HTTP/1.1",
                "GET /v1/health HTTP/2.0", "GET http://[x/ HTTP/1.1", "\u0000\u0001\u0002"}) {
            RawHttp.Response response = RawHttp.exchange(port, line + "\r\nAuthorization: Bearer " + TOKEN + "\r\n\r\n");
            assertThat(response.status()).as(line).isEqualTo(400);
        }
        RawHttp.Response bigHead = RawHttp.exchange(port, "GET /v1/health HTTP/1.1\r\nX: " + "y".repeat(20_000) + "\r\n\r\n");
        assertThat(bigHead.status()).isEqualTo(431);
        RawHttp.Response smuggle = RawHttp.exchange(port, "POST /v1/exec HTTP/1.1\r\nAuthorization: Bearer " + TOKEN
                + "\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
        assertThat(smuggle.status()).isEqualTo(400);
    }

    // ---- slow, vanishing and many clients ----------------------------------------------------------------------

    @Test
    @Order(8)
    void slowLorisClientsAreCutOffWhileHealthAnswers() throws Exception {
        List<RawHttp> slow = new ArrayList<>();
        try {
            for (int i = 0; i < LIMITS.maxConnections() + 8; i++) {
                RawHttp http = RawHttp.connect(port, Duration.ofSeconds(30));
                http.write("GET /v1/health HTTP/1.1\r\n");
                slow.add(http);
            }
            // Every slot is taken by a slow client now; real clients still get through, each replacing the slowest.
            assertThat(api.get("/v1/health").statusCode()).isEqualTo(200);
            assertThat(api.get("/v1/snapshots").statusCode()).isEqualTo(200);
            for (RawHttp http : slow) {
                try {
                    http.write("X-Slow: 1\r\n");
                } catch (IOException replaced) {
                    // this one was closed to make room
                }
            }
            // The header deadline (3 s) ends the rest, however they trickle.
            for (RawHttp http : slow) {
                RawHttp.Response response;
                try {
                    response = http.readResponse();
                } catch (IOException reset) {
                    continue; // closed to make room
                }
                assertThat(response.status()).as("a slow client is cut off (or was replaced)").isIn(408, -1);
            }
        } finally {
            for (RawHttp http : slow) {
                http.close();
            }
        }
        // A body that stalls is cut after the body timeout.
        try (RawHttp http = RawHttp.connect(port, Duration.ofSeconds(30))) {
            http.write("PUT /v1/files?path=%2Froot%2Fbox%2Fstalled HTTP/1.1\r\nAuthorization: Bearer " + TOKEN
                    + "\r\nContent-Length: 100\r\n\r\n0123456789");
            assertThat(http.readResponse().status()).isEqualTo(408);
        }
        assertThat(api.get("/v1/health").statusCode()).isEqualTo(200);
        assertThat(vm.shell("ls /root/box/stalled 2>/dev/null | wc -l").stdout().strip()).isEqualTo("0");
    }

    @Test
    @Order(8)
    void connectionsBeyondTheLimitAre503ButHealthIsStillAnswered() throws Exception {
        try (ControlServer small = ControlServer.builder(GuestKind.TINY).token(TOKEN).port(0)
                .limits(LIMITS.withMaxConnections(2)).start()) {
            ApiClient smallApi = new ApiClient(small.port(), TOKEN);
            // Two authenticated, long-lived requests hold both slots.
            try (ApiClient.Events first = smallApi.events(); ApiClient.Events second = smallApi.events()) {
                HttpResponse<byte[]> refused = smallApi.get("/v1/snapshots");
                assertThat(refused.statusCode()).isEqualTo(503);
                assertThat(error(refused)).contains("at most 2 connections").contains(ServerLimits.MAX_CONNECTIONS_ENV);
                HttpResponse<byte[]> health = smallApi.get("/v1/health");
                assertThat(ApiClient.parse(health.body()).path("status").asText()).isEqualTo("starting");
            }
        }
    }

    @Test
    @Order(9)
    void aBusyVmIs409NamingWhatHoldsItAndHealthSaysBusy() throws Exception {
        CompletableFuture<List<JsonNode>> holder = CompletableFuture.supplyAsync(
                () -> api.exec("{\"shell\":\"sleep 12\",\"timeoutMs\":60000}"));
        try {
            await("the sleep to hold the VM").atMost(Duration.ofSeconds(30)).until(() -> {
                HttpResponse<byte[]> health = api.get("/v1/health");
                return health.statusCode() == 200 && ApiClient.parse(health.body()).path("busy").asBoolean();
            });
            JsonNode health = ApiClient.parse(api.get("/v1/health").body());
            assertThat(health.path("busyWith").asText()).contains("exec of 'sleep 12' since");

            HttpResponse<byte[]> busy = api.postJson("/v1/exec", "{\"shell\":\"touch /root/box/second\"}");
            assertThat(busy.statusCode()).isEqualTo(409);
            assertThat(error(busy)).contains("exec of 'sleep 12' since").contains(ServerLimits.VM_WAIT_ENV);
            assertThat(ApiClient.parse(busy.body()).path("busyWith").asText()).startsWith("exec of 'sleep 12'");
        } finally {
            assertThat(holder.get(90, TimeUnit.SECONDS)).last().satisfies(f -> assertThat(f.path("exit").asInt()).isZero());
        }
        assertThat(vm.shell("ls /root/box/second 2>/dev/null | wc -l").stdout().strip()).isEqualTo("0");
    }

    @Test
    @Order(10)
    void aClientThatDisconnectsEndsItsCommand() throws Exception {
        try (RawHttp http = RawHttp.connect(port, Duration.ofSeconds(60))) {
            String spec = "{\"shell\":\"echo started; sleep 300; touch /root/box/survived\",\"timeoutMs\":400000}";
            http.write("POST /v1/exec HTTP/1.1\r\nAuthorization: Bearer " + TOKEN + "\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + spec.length() + "\r\n\r\n" + spec);
            http.readUntil("started");
        }
        awaitVmFree();
        assertThat(vm.shell("ps | grep -v grep | grep -c 'sleep 300'").stdout().strip()).isEqualTo("0");
    }

    @Test
    @Order(11)
    void aClientThatStopsReadingEndsItsCommandWithinTheWriteTimeout() throws Exception {
        try (RawHttp http = RawHttp.connect(port, Duration.ofSeconds(60))) {
            String spec = "{\"shell\":\"echo started; yes osrun-flood\",\"timeoutMs\":400000}";
            http.write("POST /v1/exec HTTP/1.1\r\nAuthorization: Bearer " + TOKEN + "\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + spec.length() + "\r\n\r\n" + spec);
            http.readUntil("started");
            // ...and reads nothing more, keeping the connection open.
            awaitVmFree();
        }
        assertThat(vm.shell("ps | grep -v grep | grep -c 'yes osrun-flood'").stdout().strip()).isEqualTo("0");
    }

    @Test
    @Order(12)
    void fiftyClientsAtOnceAreServedAndHealthAnswersThroughout() throws Exception {
        int clients = 50;
        Duration runFor = Duration.ofSeconds(20);
        ConcurrentLinkedQueue<String> unexpected = new ConcurrentLinkedQueue<>();
        AtomicInteger ok = new AtomicInteger();
        AtomicBoolean stop = new AtomicBoolean();
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
        ExecutorService pool = Executors.newFixedThreadPool(clients + 1);
        List<CompletableFuture<Void>> running = new ArrayList<>();
        List<Integer> healthStatuses = Collections.synchronizedList(new ArrayList<>());
        try {
            running.add(CompletableFuture.runAsync(() -> {
                while (!stop.get()) {
                    healthStatuses.add(status(http, request("/v1/health").GET().build(), unexpected));
                    sleep(200);
                }
            }, pool));
            for (int i = 0; i < clients; i++) {
                int n = i;
                running.add(CompletableFuture.runAsync(() -> {
                    Random random = new Random(n);
                    while (!stop.get()) {
                        HttpRequest request = switch (random.nextInt(4)) {
                            case 0 -> request("/v1/exec").POST(HttpRequest.BodyPublishers.ofString("{\"argv\":[\"echo\",\"" + n + "\"]}")).build();
                            case 1 -> request("/v1/files?path=%2Froot%2Fbox%2Fnothing-" + n).GET().build();
                            case 2 -> request("/v1/health").GET().build();
                            default -> HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/exec"))
                                    .timeout(Duration.ofSeconds(60))
                                    .POST(HttpRequest.BodyPublishers.ofString("{\"shell\":\"touch /root/box/untokened\"}")).build();
                        };
                        int status = status(http, request, unexpected);
                        if (List.of(200, 404, 401, 409).contains(status)) {
                            ok.incrementAndGet();
                        } else {
                            unexpected.add(request.method() + " " + request.uri().getPath() + " -> " + status);
                        }
                    }
                }, pool));
            }
            sleep(runFor.toMillis());
        } finally {
            stop.set(true);
            CompletableFuture.allOf(running.toArray(CompletableFuture[]::new)).get(3, TimeUnit.MINUTES);
            pool.shutdownNow();
        }
        assertThat(unexpected).isEmpty();
        assertThat(ok.get()).isGreaterThan(clients);
        assertThat(healthStatuses).isNotEmpty().containsOnly(200);
        assertThat(vm.shell("ls /root/box/untokened 2>/dev/null | wc -l").stdout().strip()).isEqualTo("0");
    }

    // ---- engine bounds and the exception contract --------------------------------------------------------------

    @Test
    @Order(13)
    void aResultKeepsABoundedTailWhileConsumersGetEverything() {
        StringBuilder streamed = new StringBuilder();
        ExecResult result = vm.shell("i=0; while [ $i -lt 2000 ]; do echo line-$i-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; i=$((i+1)); done",
                ExecOptions.defaults().withOutputLimit(1000).withStdoutConsumer(streamed::append));
        assertThat(streamed.toString()).startsWith("line-0-").endsWith("line-1999-" + "x".repeat(42) + "\n");
        assertThat(result.truncated()).isTrue();
        assertThat(result.stdout()).hasSize(1000).endsWith("line-1999-" + "x".repeat(42) + "\n");
        assertThat(streamed.toString()).endsWith(result.stdout());
        ExecResult small = vm.shell("echo small", ExecOptions.defaults().withOutputLimit(1000));
        assertThat(small.truncated()).isFalse();
        assertThat(small.stdout()).isEqualTo("small\n");
    }

    @Test
    @Order(14)
    void everyFailureIsAnOsrunExceptionWithItsStatus(@org.junit.jupiter.api.io.TempDir Path temp) {
        assertThatThrownBy(() -> vm.download("/root/box/no-such-file", temp.resolve("x")))
                .isInstanceOf(GuestPathNotFoundException.class).hasCauseInstanceOf(dev.osrun.OsrunException.class)
                .hasMessageContaining("/root/box/no-such-file");
        assertThatThrownBy(() -> vm.saveSnapshot("not a valid name!"))
                .isInstanceOf(InvalidInputException.class).hasCauseInstanceOf(IllegalArgumentException.class);

        HttpResponse<byte[]> missing = api.get("/v1/files?path=%2Froot%2Fbox%2Fno-such-file");
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(error(missing)).contains("/root/box/no-such-file");
        // A directory the guest cannot write is the guest's failure, not a missing path and not a bug.
        HttpResponse<byte[]> unwritable = api.send("PUT", "/v1/files?path=%2Fproc%2Fosrun-cannot", "x".getBytes(StandardCharsets.UTF_8));
        assertThat(unwritable.statusCode()).isEqualTo(502);
        assertThat(error(unwritable)).isNotBlank();
        HttpResponse<byte[]> unreadable = api.get("/v1/files?path=%2Fproc%2F1%2Fmem");
        assertThat(unreadable.statusCode()).as(error(unreadable)).isIn(502, 404);
        assertThat(api.send("POST", "/v1/snapshots/bad%20name", null).statusCode()).isEqualTo(400);
        assertThat(api.send("POST", "/v1/snapshots/no-such/restore", null).statusCode()).isEqualTo(404);
    }

    @Test
    @Order(100)
    void afterAllThatNoThreadsOrFileDescriptorsAreLeft() {
        await("threads and descriptors back to where they were").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                    assertThat(threads()).as("threads (before: %d)", threadsBefore).isLessThanOrEqualTo(threadsBefore + THREAD_TOLERANCE);
                    assertThat(fds()).as("file descriptors (before: %d)", fdsBefore).isLessThanOrEqualTo(fdsBefore + FD_TOLERANCE);
                });
        assertThat(api.get("/v1/health").statusCode()).isEqualTo(200);
    }

    @Test
    @Order(101)
    void aClosedVmSaysSo() {
        server.close();
        vm.close();
        assertThatThrownBy(() -> vm.shell("true")).isInstanceOf(VmClosedException.class);
        assertThatThrownBy(() -> vm.snapshots()).isInstanceOf(VmClosedException.class);
    }

    // ---- helpers -----------------------------------------------------------------------------------------------

    private void awaitVmFree() {
        await("the VM to be free again").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> {
            HttpResponse<byte[]> health = api.get("/v1/health");
            return health.statusCode() == 200 && !ApiClient.parse(health.body()).path("busy").asBoolean();
        });
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + TOKEN);
    }

    private static int status(HttpClient http, HttpRequest request, ConcurrentLinkedQueue<String> unexpected) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofByteArray()).statusCode();
        } catch (IOException e) {
            unexpected.add(request.method() + " " + request.uri().getPath() + " failed: " + e);
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private HttpResponse<byte[]> put(byte[] zip) {
        return api.send("PUT", "/v1/files?format=zip&path=%2Froot%2Fbox%2Fzipped", zip);
    }

    private static String error(HttpResponse<byte[]> response) {
        return ApiClient.parse(response.body()).path("error").asText();
    }

    private static List<JsonNode> frames(HttpResponse<byte[]> response) {
        try (Stream<String> lines = new String(response.body(), StandardCharsets.UTF_8).lines()) {
            return lines.map(ApiClient::parse).toList();
        }
    }

    private static byte[] rawZip(List<String> names, byte[][] bodies) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (int i = 0; i < names.size(); i++) {
                zip.putNextEntry(new ZipEntry(names.get(i)));
                zip.write(bodies[i]);
                zip.closeEntry();
            }
        } catch (java.util.zip.ZipException duplicate) {
            return rawZipWithDuplicate(names.get(0), bodies[0]);
        }
        return bytes.toByteArray();
    }

    /** java.util.zip refuses to write a name twice, so the second copy is written under another name and renamed. */
    private static byte[] rawZipWithDuplicate(String name, byte[] body) throws IOException {
        String other = name.substring(0, name.length() - 1) + "#";
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (String n : List.of(name, other)) {
                zip.putNextEntry(new ZipEntry(n));
                zip.write(body);
                zip.closeEntry();
            }
        }
        byte[] archive = bytes.toByteArray();
        byte[] from = other.getBytes(StandardCharsets.UTF_8);
        byte[] to = name.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i + from.length <= archive.length; i++) {
            if (java.util.Arrays.equals(archive, i, i + from.length, from, 0, from.length)) {
                System.arraycopy(to, 0, archive, i, to.length);
            }
        }
        return archive;
    }

    /** A zip whose one entry is marked, in its Unix mode bits, as a symbolic link to {@code target}. */
    private static byte[] symlinkZip(String name, String target) throws IOException {
        byte[] archive = rawZip(List.of(name), new byte[][] {target.getBytes(StandardCharsets.UTF_8)});
        // Central directory header: signature 0x02014b50; "version made by" at +4 (set to Unix, 3 << 8),
        // external attributes at +38 (the mode in the high 16 bits: 0120777, a link).
        for (int i = 0; i + 46 <= archive.length; i++) {
            if (archive[i] == 0x50 && archive[i + 1] == 0x4b && archive[i + 2] == 0x01 && archive[i + 3] == 0x02) {
                archive[i + 5] = 3;
                int mode = 0120777;
                archive[i + 38] = 0;
                archive[i + 39] = 0;
                archive[i + 40] = (byte) (mode & 0xff);
                archive[i + 41] = (byte) (mode >> 8);
            }
        }
        return archive;
    }

    private static byte[] lowEntropy(int size, long seed) {
        Random random = new Random(seed);
        byte[] bytes = new byte[size];
        for (int i = 0; i < size; i++) {
            bytes[i] = (byte) ('a' + random.nextInt(4));
        }
        return bytes;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    private static String md5(byte[] bytes) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("MD5").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int threads() {
        return ManagementFactory.getThreadMXBean().getThreadCount();
    }

    private static long fds() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    private static long scratchDirs() throws IOException {
        try (Stream<Path> entries = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return entries.filter(p -> p.getFileName().toString().startsWith("osrun-serve-")).count();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
