package dev.osrun.junit;

import dev.osrun.WindowsVm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

/**
 * How the extension reads its configuration and reports bad configuration, through JUnit's own engine (no VM is
 * started: every case here is decided before one would be).
 */
class OsrunConfigurationTest {

    static final Map<String, SettingValue> seen = new ConcurrentHashMap<>();

    /** Records what {@link Settings} resolves for a test, with a fixed set of system properties and environment. */
    static final class SettingsProbe implements BeforeEachCallback {
        static final Map<String, String> PROPERTIES = Map.of("osrun.guest", "windows11", "osrun.memory", "1024");
        static final Map<String, String> ENVIRONMENT = Map.of("OSRUN_MEMORY", "2048", "OSRUN_ACCEL", "kvm");

        @Override
        public void beforeEach(ExtensionContext context) {
            Settings settings = Settings.of(context, PROPERTIES::get, ENVIRONMENT);
            for (Setting setting : Setting.values()) {
                seen.put(setting.property(), settings.get(setting));
            }
        }
    }

    @Osrun(cpus = 2, guest = "windows11")
    @ExtendWith(SettingsProbe.class)
    static class Configured {
        @Test
        @Osrun(guest = "tiny")
        void probe() {
        }
    }

    @Test
    void annotationBeatsSystemPropertyBeatsEnvironmentBeatsConfigurationParameterBeatsDefault() {
        seen.clear();
        EngineTestKit.engine("junit-jupiter")
                .selectors(selectClass(Configured.class))
                .configurationParameter("osrun.accel", "tcg")
                .configurationParameter("osrun.network", "isolated")
                .configurationParameter("osrun.backend", "local")
                .execute().testEvents().assertStatistics(stats -> stats.started(1));

        assertThat(seen.get("osrun.guest")).isEqualTo(new SettingValue(Setting.GUEST, "tiny",
                "@Osrun(guest) on " + Configured.class.getName() + ".probe()"));
        assertThat(seen.get("osrun.cpus").text()).isEqualTo("2");
        assertThat(seen.get("osrun.cpus").source()).isEqualTo("@Osrun(cpus) on " + Configured.class.getName());
        assertThat(seen.get("osrun.memory").text()).isEqualTo("1024");
        assertThat(seen.get("osrun.memory").source()).isEqualTo("the system property osrun.memory");
        assertThat(seen.get("osrun.accel").text()).isEqualTo("kvm");
        assertThat(seen.get("osrun.accel").source()).isEqualTo("the environment variable OSRUN_ACCEL");
        assertThat(seen.get("osrun.network").text()).isEqualTo("isolated");
        assertThat(seen.get("osrun.network").source()).startsWith("the configuration parameter osrun.network");
        assertThat(seen.get("osrun.snapshot")).isEqualTo(new SettingValue(Setting.SNAPSHOT, "provisioned", "the default"));
        assertThat(seen.get("osrun.reports.dir").text()).isEqualTo("target/osrun-reports");
    }

    @Osrun(guest = "tiny", backend = "local")
    static class AsksForWindows {
        @Test
        void needsWindows(WindowsVm vm) {
        }
    }

    @Test
    void aWindowsVmOnALinuxGuestFailsSayingWhatIsConfiguredAndHowToChangeIt() {
        EngineExecutionResults results = EngineTestKit.engine("junit-jupiter")
                .selectors(selectClass(AsksForWindows.class)).execute();

        assertThat(failureMessage(results))
                .contains("Parameter 'arg0' of AsksForWindows.needsWindows() is a WindowsVm")
                .contains("the configured guest is tiny (linux, from @Osrun(guest) on " + AsksForWindows.class.getName() + ")")
                .contains("Declare it as LinuxVm or Vm")
                .contains("@Osrun(guest = \"windows11\"), -Dosrun.guest=windows11 or OSRUN_GUEST=windows11");
    }

    @Osrun(guest = "tiny", backend = "local")
    static class BadMemory {
        @Test
        void anything() {
        }
    }

    @Test
    void aBadValueFailsTheClassNamingItsSourceAndAGoodValue() {
        EngineExecutionResults results = EngineTestKit.engine("junit-jupiter")
                .selectors(selectClass(BadMemory.class))
                .configurationParameter("osrun.memory", "lots")
                .execute();

        assertThat(results.containerEvents().failed().stream()
                .map(event -> event.getRequiredPayload(org.junit.platform.engine.TestExecutionResult.class)
                        .getThrowable().orElseThrow().getMessage()))
                .singleElement().asString().contains("Invalid osrun.memory 'lots' (from the configuration parameter osrun.memory "
                        + "(junit-platform.properties or the launcher)): expected a positive whole number of MiB. "
                        + "Set it with @Osrun(memory = 2), -Dosrun.memory=2 or OSRUN_MEMORY=2.");
    }

    @Osrun(guest = "tiny", backend = "sideways")
    static class BadBackend {
        @Test
        void anything() {
        }
    }

    @Test
    void anUnknownBackendIsNamedWithTheOnesThatExist() {
        EngineExecutionResults results = EngineTestKit.engine("junit-jupiter")
                .selectors(selectClass(BadBackend.class)).execute();

        assertThat(results.containerEvents().failed().stream()
                .map(event -> event.getRequiredPayload(org.junit.platform.engine.TestExecutionResult.class)
                        .getThrowable().orElseThrow().getMessage()))
                .singleElement().asString()
                .contains("Invalid osrun.backend 'sideways' (from @Osrun(backend) on " + BadBackend.class.getName()
                        + "): expected docker, local or auto.");
    }

    private static String failureMessage(EngineExecutionResults results) {
        return results.testEvents().failed().stream()
                .map(event -> event.getRequiredPayload(org.junit.platform.engine.TestExecutionResult.class)
                        .getThrowable().orElseThrow().getMessage())
                .findFirst().orElseThrow(() -> new AssertionError("no test failed: " + results.allEvents().list()));
    }
}
