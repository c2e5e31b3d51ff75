package dev.osrun.it;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** First use of a fresh cache volume provisions the tiny guest once, even when two containers start at once. */
@RequiresOsrunImage
class ProvisioningIT {

    private static final String PROVISIONING = "Provisioning the tiny guest";

    @Test
    void twoFirstRunsAtOnceProvisionOnceAndALaterRunIsFast() {
        try (CacheVolume fresh = CacheVolume.create("osrun-it-fresh")) {
            CompletableFuture<CliRun> first = CompletableFuture.supplyAsync(() -> CliIT.osrun(fresh, "--guest", "tiny", "echo first"));
            CompletableFuture<CliRun> second = CompletableFuture.supplyAsync(() -> CliIT.osrun(fresh, "--guest", "tiny", "echo second"));
            CompletableFuture.allOf(first, second).orTimeout(4, TimeUnit.MINUTES).join();

            List<CliRun> firstRuns = List.of(first.join(), second.join());
            assertThat(first.join().stdout()).as("%s", first.join()).isEqualTo("first\n");
            assertThat(second.join().stdout()).as("%s", second.join()).isEqualTo("second\n");
            assertThat(firstRuns).allSatisfy(run -> assertThat(run.exitCode()).as("%s", run).isZero());
            assertThat(firstRuns).filteredOn(run -> run.stderr().contains(PROVISIONING)).as("runs that provisioned").hasSize(1);
            CliRun provisioner = firstRuns.stream().filter(run -> run.stderr().contains(PROVISIONING)).findFirst().orElseThrow();
            assertThat(provisioner.stderr()).contains("Provisioned the tiny guest in");

            CliRun later = CliIT.osrun(fresh, "--guest", "tiny", "echo later");

            assertThat(later.exitCode()).as("%s", later).isZero();
            assertThat(later.stdout()).isEqualTo("later\n");
            assertThat(later.stderr()).as("%s", later).doesNotContain(PROVISIONING);
            assertThat(later.took()).as("the later run (%s) against the provisioning one (%s)", later.took(), provisioner.took())
                    .isLessThan(provisioner.took());
        }
    }
}
