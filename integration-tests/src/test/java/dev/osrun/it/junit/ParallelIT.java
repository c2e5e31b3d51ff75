package dev.osrun.it.junit;

import dev.osrun.LinuxVm;
import dev.osrun.junit.Osrun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;

import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

/**
 * Under JUnit's parallel execution with two workers, two tests that run at the same time get two VMs: each writes
 * its name into its VM, waits until the other has written too, and must still read its own name.
 */
@Osrun(guest = "tiny") // skips (or fails, under CI) like the tests it runs, where they cannot run
class ParallelIT {

    static final CyclicBarrier bothWritten = new CyclicBarrier(2);

    /** The user's tests, run concurrently. */
    @Osrun(guest = "tiny")
    @Execution(ExecutionMode.CONCURRENT)
    static class TwoAtOnce {
        @Test
        void one(LinuxVm vm, TestInfo test) throws Exception {
            ownsItsVm(vm, test);
        }

        @Test
        void two(LinuxVm vm, TestInfo test) throws Exception {
            ownsItsVm(vm, test);
        }

        private static void ownsItsVm(LinuxVm vm, TestInfo test) throws Exception {
            String name = test.getTestMethod().orElseThrow().getName();
            assertThat(vm.shell("echo " + name + " > /root/owner").exitCode()).isZero();
            bothWritten.await(4, TimeUnit.MINUTES);   // the other test has a VM and wrote into it
            assertThat(vm.shell("cat /root/owner").stdout()).isEqualTo(name + "\n");
        }
    }

    @Test
    void twoWorkersGetTwoVms() {
        EngineExecutionResults results = EngineTestKit.engine("junit-jupiter")
                .selectors(selectClass(TwoAtOnce.class))
                .configurationParameter("junit.jupiter.execution.parallel.enabled", "true")
                .configurationParameter("junit.jupiter.execution.parallel.config.strategy", "fixed")
                .configurationParameter("junit.jupiter.execution.parallel.config.fixed.parallelism", "2")
                .execute();

        results.testEvents().assertStatistics(stats -> stats.started(2).succeeded(2));
    }
}
