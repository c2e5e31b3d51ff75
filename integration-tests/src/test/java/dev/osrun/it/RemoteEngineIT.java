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
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

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
                .withGuest(GuestKind.TINY).withAccel(Accel.TCG).withCacheVolume(cache.name())) {
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
        }
    }
}
