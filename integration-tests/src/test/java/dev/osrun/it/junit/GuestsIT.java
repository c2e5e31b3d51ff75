package dev.osrun.it.junit;

import dev.osrun.Vm;
import dev.osrun.junit.Osrun;
import dev.osrun.junit.OsrunGuests;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static dev.osrun.junit.OsrunAssumptions.assumeThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

/**
 * One source, several guest configurations: {@code @OsrunGuests} on a method runs it once per configuration, on a
 * class runs every test once per configuration, each with the right VM and the configuration in its display name.
 * Here the two configurations are the tiny guest with 512 and with 768 MiB (the only guest these machines run).
 */
@Osrun(guest = "tiny") // skips (or fails, under CI) like the tests it runs, where they cannot run
class GuestsIT {

    /** What each run saw: its display name → the guest memory its VM reported (MiB). */
    static final Map<String, Integer> memorySeen = new ConcurrentHashMap<>();

    static int guestMemoryMiB(Vm vm) {
        String kb = vm.shell("sed -n 's/^MemTotal: *\\([0-9]*\\) kB/\\1/p' /proc/meminfo").stdout().strip();
        return Integer.parseInt(kb) / 1024;
    }

    /** A user's method that runs on two configurations. */
    static class PerMethod {
        @OsrunGuests(configs = {@Osrun(guest = "tiny"), @Osrun(guest = "tiny", memory = 768)})
        void copiesFiles(Vm vm, TestInfo test) {
            assumeThat(vm).isLinux();
            memorySeen.put(test.getDisplayName(), guestMemoryMiB(vm));
            assertThat(vm.shell("echo ok > /root/copied && cat /root/copied").stdout()).isEqualTo("ok\n");
        }

        @OsrunGuests(configs = {@Osrun(guest = "tiny"), @Osrun(guest = "tiny", memory = 768)})
        void onlyOnWindows(Vm vm) {
            assumeThat(vm).isWindows();
            throw new AssertionError("never reached on a Linux guest");
        }
    }

    /** A user's class whose every test runs on two configurations. */
    @OsrunGuests(configs = {@Osrun(guest = "tiny"), @Osrun(guest = "tiny", memory = 768)})
    static class PerClass {
        @Test
        void first(Vm vm, TestInfo test) {
            memorySeen.put("first " + test.getDisplayName() + " " + guestMemoryMiB(vm), guestMemoryMiB(vm));
        }

        @Test
        void second(Vm vm) {
            assertThat(vm.shell("test -e /root/copied").exitCode()).as("a marker of another test").isNotZero();
        }
    }

    @Test
    void aMethodRunsOncePerConfigurationWithItsVm() {
        memorySeen.clear();
        EngineExecutionResults results = EngineTestKit.engine("junit-jupiter").selectors(selectClass(PerMethod.class)).execute();

        results.testEvents().assertStatistics(stats -> stats.started(4).succeeded(2).aborted(2).failed(0));
        List<String> names = results.testEvents().started().stream().map(Event::getTestDescriptor)
                .map(descriptor -> descriptor.getDisplayName()).toList();
        assertThat(names).contains("copiesFiles(Vm, TestInfo) [tiny]", "copiesFiles(Vm, TestInfo) [tiny, memory 768]");
        assertThat(memorySeen.get("copiesFiles(Vm, TestInfo) [tiny]")).isBetween(400, 520);
        assertThat(memorySeen.get("copiesFiles(Vm, TestInfo) [tiny, memory 768]")).isBetween(600, 780);
    }

    @Test
    void aClassRunsEveryTestOncePerConfiguration() {
        memorySeen.clear();
        EngineExecutionResults results = EngineTestKit.engine("junit-jupiter").selectors(selectClass(PerClass.class)).execute();

        results.testEvents().assertStatistics(stats -> stats.started(4).succeeded(4));
        List<String> containers = results.containerEvents().started().stream().map(Event::getTestDescriptor)
                .map(descriptor -> descriptor.getDisplayName()).toList();
        assertThat(containers).contains("[tiny]", "[tiny, memory 768]");
        assertThat(memorySeen.values()).hasSize(2).anyMatch(mib -> mib < 520).anyMatch(mib -> mib > 600);
    }
}
