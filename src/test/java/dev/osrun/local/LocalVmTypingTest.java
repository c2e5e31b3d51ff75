package dev.osrun.local;

import dev.osrun.GuestKind;
import dev.osrun.LinuxVm;
import dev.osrun.OsrunException;
import dev.osrun.Vm;
import dev.osrun.WindowsVm;
import dev.osrun.testing.RequiresTinyGuest;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A local VM is typed by its guest: the tiny guest is a LinuxVm, never a WindowsVm. */
@RequiresTinyGuest
class LocalVmTypingTest {

    @Test
    void theTinyGuestStartsAsALinuxVm() {
        try (LinuxVm vm = LocalVm.builder(GuestKind.TINY).start(LinuxVm.class)) {
            assertThat(vm).isInstanceOf(LocalLinuxVm.class).isNotInstanceOf(WindowsVm.class);
            assertThat(vm.shell("echo typed").stdout()).isEqualTo("typed\n");
        }
        try (LocalVm vm = LocalVm.builder(GuestKind.TINY).start()) {
            assertThat(vm).isInstanceOf(LinuxVm.class);
        }
    }

    @Test
    void askingForTheWrongTypeFailsBeforeAnythingStarts() {
        assertThatThrownBy(() -> LocalVm.builder(GuestKind.TINY).start(WindowsVm.class))
                .isInstanceOf(OsrunException.class)
                .hasMessage("A tiny guest runs as LocalLinuxVm, which is not a WindowsVm. Ask for LinuxVm or Vm, or choose the other guest.");
        assertThatThrownBy(() -> LocalVm.builder(GuestKind.WINDOWS11).start(LinuxVm.class))
                .isInstanceOf(OsrunException.class)
                .hasMessageContaining("windows11 guest runs as LocalWindowsVm, which is not a LinuxVm");
        assertThat(Vm.class).isAssignableFrom(LocalWindowsVm.class);
        assertThat(WindowsVm.class).isAssignableFrom(LocalWindowsVm.class);
    }
}
