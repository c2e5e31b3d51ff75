package dev.osrun.it;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Stopping a container ({@code docker stop} sends SIGTERM) ends a long guest command promptly. */
@RequiresOsrunImage
@SharedCache
class SignalIT {

    @Test
    void sigtermDuringALongCommandEndsTheContainerWithin10SecondsAndExitCode143(CacheVolume cache) {
        try (OsrunCliContainer container = new OsrunCliContainer("--guest", "tiny", "echo started; sleep 600")
                .withCache(cache)
                .startedWhenLogMatches("started\\s*", CliIT.RUN_TIMEOUT)) {
            container.start();

            long signalled = System.nanoTime();
            container.signal("TERM");
            await("the container to exit after SIGTERM").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                    .until(() -> !container.stillRunning());
            Duration took = Duration.ofNanos(System.nanoTime() - signalled);

            // QEMU ran inside the container: the container's end is the guest command's end.
            CliRun run = container.result(took);
            assertThat(run.exitCode()).as("%s", run).isEqualTo(143);
            assertThat(run.stdout()).as("%s", run).isEqualTo("started\n");
        }
    }
}
