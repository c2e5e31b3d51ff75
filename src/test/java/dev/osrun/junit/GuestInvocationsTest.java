package dev.osrun.junit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** How {@link OsrunGuests} turns into runs, and its errors, without starting a VM. */
class GuestInvocationsTest {

    /** Annotated methods to read, never run (a nested class, so neither JUnit nor Surefire selects it). */
    static class Samples {
        @OsrunGuests({"windows11", "tiny"})
        void twoGuests() {
        }

        @OsrunGuests(value = "windows11", configs = {@Osrun(guest = "tiny"), @Osrun(guest = "tiny", memory = 768, snapshot = "clean")})
        void oneGuestTwice() {
        }

        @OsrunGuests({"windows11", "Windows11"})
        void sameGuestTwice() {
        }

        @OsrunGuests({"tiny", "macos"})
        void unknownGuest() {
        }

        @OsrunGuests(configs = @Osrun(memory = 768))
        void configWithoutGuest() {
        }

        @OsrunGuests
        void noGuest() {
        }
    }

    @Test
    void eachGuestIsARunNamedByItsGuest() throws Exception {
        var runs = GuestInvocations.bindings(method("twoGuests"));

        assertThat(runs).extracting(run -> run.label(runs)).containsExactly("windows11", "tiny");
    }

    @Test
    void runsOfOneGuestAreToldApartByTheirOwnSettings() throws Exception {
        var runs = GuestInvocations.bindings(method("oneGuestTwice"));

        assertThat(runs).extracting(run -> run.label(runs)).containsExactly("windows11", "tiny", "tiny, snapshot clean, memory 768");
        assertThat(runs.get(2).value(Setting.MEMORY).text()).isEqualTo("768");
        assertThat(runs.get(2).value(Setting.CPUS)).as("left to the other sources").isNull();
        assertThat(runs.get(0).value(Setting.GUEST).text()).isEqualTo("windows11");
    }

    @Test
    void mistakesAreNamedWithTheWayOut() {
        assertThatThrownBy(() -> GuestInvocations.bindings(method("sameGuestTwice")))
                .isInstanceOf(ExtensionConfigurationException.class).hasMessageContaining("asks twice for the same run: [windows11]");
        assertThatThrownBy(() -> GuestInvocations.bindings(method("unknownGuest")))
                .isInstanceOf(ExtensionConfigurationException.class).hasMessageContaining("Unknown guest 'macos'. Use windows11 or tiny.");
        assertThatThrownBy(() -> GuestInvocations.bindings(method("configWithoutGuest")))
                .isInstanceOf(ExtensionConfigurationException.class).hasMessageContaining("@Osrun(guest = \"tiny\", ...)");
        assertThatThrownBy(() -> GuestInvocations.bindings(method("noGuest")))
                .isInstanceOf(ExtensionConfigurationException.class).hasMessageContaining("names no guest");
    }

    private static java.lang.reflect.Method method(String name) throws NoSuchMethodException {
        return Samples.class.getDeclaredMethod(name);
    }
}
