package dev.osrun.junit;

import dev.osrun.LinuxVm;
import dev.osrun.SnapshotInfo;
import dev.osrun.Vm;
import dev.osrun.testing.RequiresTinyGuest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

/**
 * How the extension lends a VM, on the local backend with the tiny guest (a real QEMU): a test's constructor,
 * {@code @BeforeEach} and method share one VM; the VM refuses {@code close()} and any use after its test; snapshots
 * a test saves are gone for the next test.
 */
@RequiresTinyGuest
class VmLendingTest {

    static final Map<String, Object> seen = new ConcurrentHashMap<>();

    @Osrun(guest = "tiny", backend = "local")
    @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
    static class Lending {
        private final Vm fromConstructor;
        private Vm fromBeforeEach;

        Lending(Vm vm) {
            this.fromConstructor = vm;
        }

        @BeforeEach
        void prepare(LinuxVm vm) {
            fromBeforeEach = vm;
        }

        @Test
        @Order(1)
        void first(LinuxVm vm) {
            seen.put("same VM in constructor, @BeforeEach and test", fromConstructor == vm && fromBeforeEach == vm);
            seen.put("first", vm);
            vm.saveSnapshot("saved-by-first");
            assertThatThrownBy(vm::close).isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("lent by OsrunExtension");
        }

        @Test
        @Order(2)
        void second(LinuxVm vm) {
            seen.put("snapshots seen by second", vm.snapshots().stream().map(SnapshotInfo::name).toList());
            Vm first = (Vm) seen.get("first");
            try {
                first.shell("true");
                seen.put("first's VM after its test", "answered");
            } catch (IllegalStateException e) {
                seen.put("first's VM after its test", e.getMessage());
            }
        }
    }

    @Test
    void aTestsVmIsItsOwnForTheTestAndOnlyThen() {
        seen.clear();
        EngineExecutionResults results = EngineTestKit.engine("junit-jupiter")
                .selectors(selectClass(Lending.class)).execute();

        results.testEvents().failed().stream().forEach(event -> {
            throw new AssertionError(event.getRequiredPayload(TestExecutionResult.class).getThrowable().orElseThrow());
        });
        results.testEvents().assertStatistics(stats -> stats.started(2).succeeded(2));
        assertThat(seen.get("same VM in constructor, @BeforeEach and test")).isEqualTo(true);
        @SuppressWarnings("unchecked")
        java.util.List<String> snapshots = (java.util.List<String>) seen.get("snapshots seen by second");
        assertThat(snapshots).contains("provisioned").doesNotContain("saved-by-first");
        assertThat(seen.get("first's VM after its test")).asString()
                .contains("was given back when it finished");
    }
}
