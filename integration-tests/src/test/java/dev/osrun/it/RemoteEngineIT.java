package dev.osrun.it;

import com.github.dockerjava.api.command.InspectContainerResponse;
import dev.osrun.Accel;
import dev.osrun.GuestKind;
import dev.osrun.Vm;
import dev.osrun.testcontainers.OsrunContainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.DockerClientFactory;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@link OsrunContainer} on an engine reached over TCP ({@code DOCKER_HOST=tcp://127.0.0.1:PORT}, set by the
 * remote-engine execution of the pom), as with a remote engine: nothing of this host is mounted, {@code /dev/kvm}
 * is not passed (it cannot be checked from here), files travel through the API.
 */
@ExtendWith(TcpEngineEndpoint.class)
@RequiresOsrunImage
@SharedCache
class RemoteEngineIT {

    @Test
    void aContainerOnATcpEngineRunsCommandsAndMovesFiles(CacheVolume cache, @TempDir Path tmp) throws IOException {
        assertThat(DockerClientFactory.instance().getTransportConfig().getDockerHost().getScheme()).isEqualTo("tcp");
        try (OsrunContainer osrun = new OsrunContainer(OsrunImage.dockerImageName())
                .withGuest(GuestKind.TINY).withAccel(Accel.TCG).withCacheVolume(cache.name()).withVnc()) {
            osrun.start();
            Vm vm = osrun.getVm();

            assertThat(vm.shell("echo remote").stdout()).isEqualTo("remote\n");
            Path file = Files.writeString(tmp.resolve("up.txt"), "through the API ✓\n");
            vm.upload(file, "/root/up.txt");
            vm.download("/root/up.txt", tmp.resolve("down.txt"));
            assertThat(tmp.resolve("down.txt")).hasContent("through the API ✓");

            InspectContainerResponse info = osrun.getContainerInfo();
            assertThat(info.getMounts()).allSatisfy(mount -> assertThat(mount.getName()).isEqualTo(cache.name()));
            assertThat(info.getHostConfig().getDevices()).isNullOrEmpty();
            assertThat(osrun.getApiUri().getHost()).isEqualTo(osrun.getHost());

            // noVNC's page, at the mapped port of getHost()
            assertThat(osrun.getVncUrl()).startsWith("http://" + osrun.getHost() + ":");
            HttpResponse<String> page = await("noVNC answering at " + osrun.getVncUrl()).atMost(Duration.ofSeconds(60))
                    .until(() -> get(osrun.getVncUrl() + "vnc.html"), response -> response != null && response.statusCode() == 200);
            assertThat(page.body()).containsIgnoringCase("noVNC");
        }
    }

    private static HttpResponse<String> get(String url) {
        try {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            return null; // not answering yet
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
