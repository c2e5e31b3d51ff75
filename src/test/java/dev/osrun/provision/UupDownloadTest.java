package dev.osrun.provision;

import dev.osrun.OsrunException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * UUP dump's file list and the download with the real aria2c, against a local HTTP server that stands in only for
 * UUP dump and Microsoft's CDN.
 */
class UupDownloadTest {

    private static final UupSet SET = new UupSet("11111111-2222-3333-4444-555555555555", "en-us", "professional");
    private static final Aria2Download ONE_TRY = new Aria2Download(1, Duration.ofSeconds(1), Duration.ofMinutes(2));

    @TempDir
    Path dir;
    private LocalUupServer server;

    @BeforeEach
    void serve() throws IOException {
        server = new LocalUupServer();
        Random random = new Random(42);
        for (String name : List.of("professional_en-us.esd", "Microsoft-Windows-Client-Features-Package.esd", "core.cab")) {
            byte[] bytes = new byte[300_000 + random.nextInt(400_000)];
            random.nextBytes(bytes);
            server.files.put(name, bytes);
        }
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void downloadsEveryListedFileAndChecksItsSha1() throws Exception {
        Aria2List list = server.client().fileList(SET);
        assertThat(list.entries()).extracting(Aria2List.Entry::name).containsExactlyElementsOf(server.files.keySet());
        assertThat(server.listRequests).singleElement().asString()
                .contains("id=" + SET.updateId(), "pack=en-us", "edition=professional", "aria2=2");
        List<String> progress = new CopyOnWriteArrayList<>();

        Aria2Download.DEFAULT.run(list, dir.resolve("uup"), (step, detail) -> progress.add(step + ": " + detail));

        for (var file : server.files.entrySet()) {
            assertThat(Files.readAllBytes(dir.resolve("uup").resolve(file.getKey()))).isEqualTo(file.getValue());
        }
        assertThat(progress).first().asString().startsWith("downloading: Downloading 3 Windows 11 files");
        assertThat(progress).last().asString().isEqualTo("downloading: All 3 files downloaded and checked");
    }

    @Test
    void aCorruptFileIsCaughtByItsHashAndNotKept() throws Exception {
        server.corrupt.add("core.cab");
        Aria2List list = server.client().fileList(SET);

        assertThatThrownBy(() -> ONE_TRY.run(list, dir.resolve("uup"), ProvisioningListener.NONE))
                .isInstanceOf(OsrunException.class)
                .hasMessageContaining("Downloading the Windows 11 files failed")
                .hasMessageContaining("core.cab");
        Path bad = dir.resolve("uup/core.cab");
        assertThat(!Files.exists(bad) || !LocalUupServer.sha1(Files.readAllBytes(bad)).equals(list.entries().get(2).sha1()))
                .as("a corrupt core.cab is never left as if complete").isTrue();
        assertThat(Aria2Download.verify(list, dir.resolve("uup"))).anyMatch(s -> s.startsWith("core.cab"));

        server.corrupt.clear();
        Aria2Download.DEFAULT.run(list, dir.resolve("uup"), ProvisioningListener.NONE);
        assertThat(Files.readAllBytes(bad)).isEqualTo(server.files.get("core.cab"));
    }

    @Test
    void anInterruptedDownloadResumesWhereItStopped() throws Exception {
        String name = "Microsoft-Windows-Client-Features-Package.esd";
        server.cutOnce.add(name);
        Aria2List list = server.client().fileList(SET);

        assertThatThrownBy(() -> ONE_TRY.run(list, dir.resolve("uup"), ProvisioningListener.NONE))
                .isInstanceOf(OsrunException.class)
                .hasMessageContaining(name);
        long kept = Files.size(dir.resolve("uup").resolve(name));
        assertThat(kept).as("bytes kept from the cut download").isPositive();

        Aria2Download.DEFAULT.run(server.client().fileList(SET), dir.resolve("uup"), ProvisioningListener.NONE);

        assertThat(Files.readAllBytes(dir.resolve("uup").resolve(name))).isEqualTo(server.files.get(name));
        assertThat(server.ranges.get(name)).last().asString().matches("bytes=[1-9][0-9]*-.*");
    }

    @Test
    void aVanishedPinnedSetFallsBackToTheNewestReleaseBuildOfItsChannel() {
        server.errors.put(SET.updateId(), "EMPTY_FILELIST");
        // builds as an object with numeric keys, as UUP dump sends it when its filter leaves gaps.
        server.buildList = """
                {"response":{"apiVersion":"1","builds":{
                  "0":{"title":"Windows 11, version 24H2 (26100.1000) amd64","build":"26100.1000","arch":"amd64","created":1700000000,"uuid":"aaaaaaaa-0000-0000-0000-000000000001"},
                  "2":{"title":"Windows 11 Insider Preview 27000.1 (Canary) amd64","build":"27000.1","arch":"amd64","created":1800000000,"uuid":"aaaaaaaa-0000-0000-0000-000000000002"},
                  "3":{"title":"Windows 11, version 24H2 (26100.2000) arm64","build":"26100.2000","arch":"arm64","created":1750000000,"uuid":"aaaaaaaa-0000-0000-0000-000000000003"},
                  "5":{"title":"Windows 11, version 24H2 (26100.2000) amd64","build":"26100.2000","arch":"amd64","created":1750000000,"uuid":"aaaaaaaa-0000-0000-0000-000000000004"}
                }},"jsonApiVersion":"1"}
                """;
        List<String> events = new CopyOnWriteArrayList<>();
        UupMedia media = new UupMedia(server.client(), SET, "Windows 11", Aria2Download.DEFAULT, dir, false);

        UupMedia.Listed listed = media.fileList((step, detail) -> events.add(detail));

        assertThat(listed.set().updateId()).isEqualTo("aaaaaaaa-0000-0000-0000-000000000004");
        assertThat(listed.list().entries()).hasSize(3);
        assertThat(events).singleElement().asString().contains("EMPTY_FILELIST", "aaaaaaaa-0000-0000-0000-000000000004");
    }

    @Test
    void whenNoBuildCanBeHadTheErrorSaysWhatToDo() {
        server.errors.put(SET.updateId(), "EMPTY_FILELIST");
        server.errors.put("aaaaaaaa-0000-0000-0000-000000000001", "MISSING_FILES");
        server.buildList = "{\"response\":{\"builds\":[{\"title\":\"Windows 11, version 24H2 (26100.1000) amd64\",\"arch\":\"amd64\","
                + "\"created\":1,\"uuid\":\"aaaaaaaa-0000-0000-0000-000000000001\"}]}}";
        UupMedia media = new UupMedia(server.client(), SET, "Windows 11", Aria2Download.DEFAULT, dir, false);

        assertThatThrownBy(() -> media.fileList(ProvisioningListener.NONE))
                .isInstanceOf(OsrunException.class)
                .hasMessageContaining("EMPTY_FILELIST").hasMessageContaining("MISSING_FILES")
                .hasMessageContaining(UupSet.ENV_ID).hasMessageContaining("--iso PATH");
    }

    @Test
    void aRateLimitIsWaitedOutAndAPersistentOneExplained() {
        server.rateLimited.set(2);
        assertThat(server.client().fileList(SET).entries()).hasSize(3);
        assertThat(server.listRequests).hasSize(3);

        server.rateLimited.set(10);
        assertThatThrownBy(() -> server.client().fileList(SET))
                .isInstanceOf(OsrunException.class)
                .hasMessageContaining("rate limit").hasMessageContaining("--iso PATH");
    }

    @Test
    void withoutANetworkItFailsAtOnceSayingWhatItCouldNotReachAndHowToBringAnIso() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        URI nowhere = URI.create("http://127.0.0.1:" + closedPort);
        UupDumpClient client = new UupDumpClient(nowhere, nowhere, 3, Duration.ofMillis(10));

        assertThatThrownBy(() -> client.fileList(SET))
                .isInstanceOf(OsrunException.class)
                .hasMessageContaining("Could not reach UUP dump at " + nowhere)
                .hasMessageContaining("--iso PATH").hasMessageContaining(IsoSource.ENV_ISO).hasMessageContaining(IsoSource.CACHED_ISO);
    }

    @Test
    void anAria2ListWithoutChecksumsOrWithPathsIsRefused() {
        assertThatThrownBy(() -> Aria2List.parse("http://127.0.0.1/a\n  out=a.esd\n\n"))
                .hasMessageContaining("has no SHA-1 checksum");
        assertThatThrownBy(() -> Aria2List.parse("http://127.0.0.1/a\n  out=../a.esd\n  checksum=sha-1=" + "0".repeat(40) + "\n"))
                .hasMessageContaining("no plain file name");
        assertThatThrownBy(() -> Aria2List.parse("#UUPDUMP_ERROR:NO_FILES\n")).hasMessageContaining("NO_FILES");
    }
}
