package dev.osrun.it;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import dev.osrun.Accel;
import dev.osrun.GuestKind;
import dev.osrun.testcontainers.OsrunContainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.testcontainers.DockerClientFactory;

import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A user with only the Maven dependency: the image is not in the engine and no registry has it, so
 * {@link OsrunContainer} builds it from the Docker context inside the library's jar, logging the build, and the
 * built image serves the guest. Built under a throw-away tag, removed afterwards.
 */
@RequiresOsrunImage
@SharedCache
class ImageFromArtifactIT {

    @Test
    @Timeout(value = 40, unit = TimeUnit.MINUTES) // a build without a warm layer cache downloads Debian packages
    void aMissingImageIsBuiltFromTheContextShippedInTheJar(CacheVolume cache) {
        String image = "osrun:it-artifact-" + UUID.randomUUID().toString().substring(0, 8);
        DockerClient docker = DockerClientFactory.instance().client();
        assertThatThrownBy(() -> docker.inspectImageCmd(image).exec()).isInstanceOf(NotFoundException.class);
        try (CapturedLog log = CapturedLog.start();
             OsrunContainer osrun = new OsrunContainer(image)
                     .withGuest(GuestKind.TINY).withAccel(Accel.TCG).withCacheVolume(cache.name())) {
            osrun.start();

            assertThat(osrun.getVm().shell("echo built").stdout()).isEqualTo("built\n");
            assertThat(log.text()).contains("Building the image " + image).contains("Step 1/").contains("Built " + image);
            assertThat(docker.inspectImageCmd(image).exec().getConfig().getLabels())
                    .containsEntry("dev.osrun.version", OsrunContainer.libraryVersion());
        } finally {
            try {
                docker.removeImageCmd(image).withForce(true).exec();
            } catch (NotFoundException e) {
                // the build failed before tagging
            }
        }
    }
}
