package dev.osrun.it;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two containers on one cache volume at once: neither corrupts the cache nor waits forever for the other. Each
 * saves a snapshot into the shared disk; both snapshots are there afterwards, each with only its own change.
 */
@RequiresOsrunImage
@SharedCache
class ConcurrentRunsIT {

    private static final Duration BOTH_TIMEOUT = Duration.ofMinutes(4);

    @Test
    void twoContainersOnTheSameCacheBothFinishAndBothSnapshotsSurvive(CacheVolume cache) {
        CompletableFuture<CliRun> a = CompletableFuture.supplyAsync(() ->
                CliIT.osrun(cache, "--guest", "tiny", "--new-snapshot", "concurrent-a", "echo a > /root/a; sleep 2"));
        CompletableFuture<CliRun> b = CompletableFuture.supplyAsync(() ->
                CliIT.osrun(cache, "--guest", "tiny", "--new-snapshot", "concurrent-b", "echo b > /root/b; sleep 2"));

        CompletableFuture.allOf(a, b).orTimeout(BOTH_TIMEOUT.toSeconds(), TimeUnit.SECONDS).join();

        assertThat(a.join().exitCode()).as("%s", a.join()).isZero();
        assertThat(b.join().exitCode()).as("%s", b.join()).isZero();
        CliRun fromA = CliIT.osrun(cache, "--guest", "tiny", "--use-snapshot", "concurrent-a", "ls /root");
        CliRun fromB = CliIT.osrun(cache, "--guest", "tiny", "--use-snapshot", "concurrent-b", "ls /root");
        assertThat(fromA.stdout().lines()).as("%s", fromA).contains("a").doesNotContain("b");
        assertThat(fromB.stdout().lines()).as("%s", fromB).contains("b").doesNotContain("a");
    }
}
