package dev.osrun.it;

import dev.osrun.GuestKind;
import dev.osrun.LinuxVm;
import dev.osrun.junit.Osrun;
import dev.osrun.testcontainers.OsrunContainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.testkit.engine.EngineTestKit;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

/**
 * A provisioned state carried between CI runs: a first run with {@code osrun.cache.archive} on an empty cache
 * provisions and writes the archive; a container on another empty volume, started with
 * {@link OsrunContainer#withCacheFrom}, serves a VM without provisioning.
 */
@RequiresOsrunImage
class CacheArchiveIT {

    @TempDir
    Path tmp;

    /** A user's test class, run by the first "CI run". */
    @Osrun(guest = "tiny", backend = "docker")
    static class UsersTest {
        @Test
        void runs(LinuxVm vm) {
            assertThat(vm.shell("echo first run").stdout()).isEqualTo("first run\n");
        }
    }

    @Test
    void aFirstRunWritesTheArchiveAndAFreshVolumeStartsFromItWithoutProvisioning() {
        Path archive = tmp.resolve("ci-cache/tiny.tar.zst");
        try (CacheVolume first = CacheVolume.create("osrun-it-archive-first");
             CacheVolume second = CacheVolume.create("osrun-it-archive-second")) {
            EngineTestKit.engine("junit-jupiter").selectors(selectClass(UsersTest.class))
                    .configurationParameter("osrun.cache.archive", archive.toString())
                    .configurationParameter("osrun.cache.volume", first.name())
                    .configurationParameter("osrun.image", OsrunImage.name())
                    .execute()
                    .testEvents().assertStatistics(stats -> stats.started(1).succeeded(1));
            assertThat(archive).isRegularFile();

            try (OsrunContainer osrun = new OsrunContainer(OsrunImage.dockerImageName()).withGuest(GuestKind.TINY)
                    .withCacheVolume(second.name()).withCacheFrom(archive)) {
                osrun.start();

                assertThat(osrun.getLinuxVm().shell("echo from the archive").stdout()).isEqualTo("from the archive\n");
                assertThat(osrun.getLogs()).as("the container's log").doesNotContain("Provisioning the tiny guest");
            }
        }
    }
}
