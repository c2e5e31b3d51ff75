package dev.osrun.it;

import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.Device;
import dev.osrun.Accel;
import dev.osrun.GuestKind;
import dev.osrun.LinuxVm;
import dev.osrun.WindowsVm;
import dev.osrun.testcontainers.OsrunContainer;
import org.junit.jupiter.api.Test;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.utility.DockerImageName;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link OsrunContainer} as a user meets it: started on the tiny guest from the image under test. */
@RequiresOsrunImage
@SharedCache
class OsrunContainerIT {

    @Test
    void startsTheGuestGivesItsVmTypedByTheGuestAndMountsOnlyTheCacheVolume(CacheVolume cache) throws Exception {
        try (OsrunContainer osrun = tiny(cache)) {
            osrun.start();

            assertThat(osrun.getVm()).isInstanceOf(LinuxVm.class).isNotInstanceOf(WindowsVm.class);
            assertThat(osrun.getLinuxVm().shell("echo hello from $(uname -s)").stdout()).isEqualTo("hello from Linux\n");
            assertThatThrownBy(osrun::getWindowsVm)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("tiny guest, which is not Windows")
                    .hasMessageContaining("withGuest(GuestKind.WINDOWS11)");
            assertThat(osrun.getApiUri()).isEqualTo(URI.create("http://" + osrun.getHost() + ":"
                    + osrun.getMappedPort(OsrunContainer.API_PORT)));
            assertThat(osrun.getGuest()).isEqualTo(GuestKind.TINY);
            assertThat(get(osrun.getApiUri().resolve("/v1/health"), null).statusCode()).isEqualTo(401);
            assertThat(get(osrun.getApiUri().resolve("/v1/health"), osrun.getToken()).statusCode()).isEqualTo(200);

            // nothing of this host is mounted (a remote engine could not have it): only the cache volume
            InspectContainerResponse info = osrun.getContainerInfo();
            assertThat(info.getMounts()).hasSize(1).allSatisfy(mount -> {
                assertThat(mount.getName()).isEqualTo(cache.name());
                assertThat(mount.getDestination().getPath()).isEqualTo(OsrunContainer.CACHE_PATH);
            });
            assertThat(Arrays.asList(info.getHostConfig().getBinds())).allSatisfy(bind ->
                    assertThat(bind.getPath()).doesNotStartWith("/").isEqualTo(cache.name()));
            List<String> devices = info.getHostConfig().getDevices() == null ? List.of()
                    : Arrays.stream(info.getHostConfig().getDevices()).map(Device::getPathOnHost).toList();
            boolean kvmUsable = Files.isReadable(Path.of("/dev/kvm")) && Files.isWritable(Path.of("/dev/kvm"));
            boolean localEngine = DockerClientFactory.instance().getTransportConfig().getDockerHost().getScheme().equals("unix");
            if (kvmUsable && localEngine) {
                assertThat(devices).containsExactly("/dev/kvm");
            } else {
                assertThat(devices).isEmpty();
            }
        }
    }

    @Test
    void aStartThatFailsSaysWhyWithTheContainersLog(CacheVolume cache) {
        try (OsrunContainer osrun = tiny(cache).withSnapshot("no-such-snapshot")) {
            assertThatThrownBy(osrun::start)
                    .hasStackTraceContaining("The osrun container's VM did not start")
                    .hasStackTraceContaining("No snapshot named 'no-such-snapshot'")
                    .hasStackTraceContaining("Last lines of the container's log:");
        }
    }

    @Test
    void anImageThatIsNotOsrunIsRejectedAtOnce() {
        assertThatThrownBy(() -> new OsrunContainer("postgres:16"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("postgres:16")
                .hasMessageContaining("osrun");
        assertThatCode(() -> new OsrunContainer(DockerImageName.parse("registry.example/team/osrun-custom:1")
                .asCompatibleSubstituteFor("osrun"))).doesNotThrowAnyException();
    }

    @Test
    void theDefaultImageIsNamedByTheLibrarysVersion() {
        // failsafe passes the version of the dependency under test (integration-tests/pom.xml)
        assertThat(OsrunContainer.libraryVersion()).isEqualTo(System.getProperty("osrun.version"));
    }

    @Test
    void aFirstStartLogsItsProgressWhileTheGuestIsProvisioned() {
        try (CacheVolume fresh = CacheVolume.create("osrun-it-fresh");
             CapturedLog log = CapturedLog.start();
             OsrunContainer osrun = tiny(fresh)) {
            osrun.start();

            // the steps the server publishes while it provisions, as the wait strategy follows /v1/events
            assertThat(log.text())
                    .contains("osrun: provisioning")
                    .contains("osrun: provisioned")
                    .contains("VM is ready after");
            assertThat(osrun.getVm().snapshots()).extracting(dev.osrun.SnapshotInfo::name).contains("provisioned");
            assertThat(log.text()).doesNotContain(osrun.getToken());
        }
    }

    private static OsrunContainer tiny(CacheVolume cache) {
        return new OsrunContainer(OsrunImage.dockerImageName())
                .withGuest(GuestKind.TINY)
                .withAccel(Accel.TCG)
                .withCacheVolume(cache.name());
    }

    private static HttpResponse<String> get(URI uri, String token) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).GET();
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
