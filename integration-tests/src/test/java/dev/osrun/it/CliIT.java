package dev.osrun.it;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The CLI in real containers, as users run it: {@code docker run --rm -v VOLUME:/cache osrun --guest tiny ...}.
 * Every run of this class shares one cache volume, so the tiny guest is provisioned once.
 */
@RequiresOsrunImage
@SharedCache
class CliIT {

    /** Generous for one run on a 2-core machine under TCG, including a first provisioning. */
    static final Duration RUN_TIMEOUT = Duration.ofMinutes(3);

    static CliRun osrun(CacheVolume cache, String... args) {
        try (OsrunCliContainer container = new OsrunCliContainer(args).withCache(cache)) {
            return container.runToEnd(RUN_TIMEOUT);
        }
    }

    @Test
    void theSeedsThreeStepSnapshotExampleWorks(CacheVolume cache) {
        CliRun greet = osrun(cache, "--guest", "tiny", "--new-snapshot", "greeted", "mkdir -p /root/hello");
        assertThat(greet.exitCode()).as("%s", greet).isZero();

        CliRun greeted = osrun(cache, "--guest", "tiny", "--use-snapshot", "greeted", "ls /root");
        assertThat(greeted.exitCode()).as("%s", greeted).isZero();
        assertThat(greeted.stdout().lines()).as("%s", greeted).contains("hello");

        CliRun provisioned = osrun(cache, "--guest", "tiny", "ls /root");
        assertThat(provisioned.exitCode()).as("%s", provisioned).isZero();
        assertThat(provisioned.stdout().lines()).as("%s", provisioned).doesNotContain("hello");
    }

    @Test
    void theExitCodeIsTheCommandsAndStdoutAndStderrStayApart(CacheVolume cache) {
        CliRun run = osrun(cache, "--guest", "tiny", "echo out; echo err >&2; exit 7");

        assertThat(run.exitCode()).as("%s", run).isEqualTo(7);
        assertThat(run.stdout()).as("%s", run).isEqualTo("out\n");
        assertThat(run.stderr()).as("%s", run).contains("err\n").doesNotContain("out\n")
                .doesNotContain("/cache is not a mounted volume");
    }

    @Test
    void anUnknownSnapshotFailsListingTheExistingOnes(CacheVolume cache) {
        CliRun run = osrun(cache, "--guest", "tiny", "--use-snapshot", "no-such-snapshot", "true");

        assertThat(run.exitCode()).as("%s", run).isEqualTo(125);
        assertThat(run.stderr()).as("%s", run).contains("no-such-snapshot", "provisioned");
        assertThat(run.stdout()).as("%s", run).isEmpty();
    }

    @Test
    void aBadFlagPrintsUsageAndExitsTwo(CacheVolume cache) {
        CliRun run = osrun(cache, "--guest", "tiny", "--no-such-flag", "true");

        assertThat(run.exitCode()).as("%s", run).isEqualTo(2);
        assertThat(run.stderr()).as("%s", run).contains("Unknown option", "--no-such-flag", "Usage: osrun");
    }

    @Test
    void withoutAVolumeAtCacheItWarnsThatTheCacheIsLost() {
        CliRun run;
        try (OsrunCliContainer container = new OsrunCliContainer("--guest", "tiny", "echo hi")) {
            run = container.runToEnd(RUN_TIMEOUT);
        }

        assertThat(run.exitCode()).as("%s", run).isZero();
        assertThat(run.stdout()).as("%s", run).isEqualTo("hi\n");
        assertThat(run.stderr()).as("%s", run).contains("/cache is not a mounted volume", "-v osrun-cache:/cache");
    }
}
