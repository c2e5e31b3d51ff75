package dev.osrun.it.junit;

import dev.osrun.ExecResult;
import dev.osrun.LinuxVm;
import dev.osrun.SnapshotInfo;
import dev.osrun.junit.Osrun;
import dev.osrun.junit.UseSnapshot;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code @BeforeAll} installs an "app" and saves the state as a snapshot; tests that ask for it with
 * {@code @UseSnapshot} start from it (each afresh, whatever an earlier one changed), the others from
 * {@code provisioned}.
 */
@Osrun(guest = "tiny")
@TestMethodOrder(MethodOrderer.Random.class)
class SnapshotChainIT {

    @BeforeAll
    static void installTheApp(LinuxVm vm) {
        ExecResult install = vm.shell("mkdir -p /mnt/disk/app && echo 1.0 > /mnt/disk/app/version && sync");
        assertThat(install.exitCode()).as(install.stderr()).isZero();
        vm.saveSnapshot("app-installed");
    }

    @Test
    @UseSnapshot("app-installed")
    void startsWithTheAppAndUpgradesIt(LinuxVm vm) {
        assertThat(version(vm)).isEqualTo("1.0\n");

        vm.shell("echo 2.0 > /mnt/disk/app/version && sync");
        assertThat(version(vm)).isEqualTo("2.0\n");
    }

    @Test
    @UseSnapshot("app-installed")
    void startsWithTheAppAsInstalledWhateverAnotherTestChanged(LinuxVm vm) {
        assertThat(version(vm)).isEqualTo("1.0\n");
        vm.shell("rm -rf /mnt/disk/app && sync");
    }

    @Test
    void withoutUseSnapshotStartsFromProvisioned(LinuxVm vm) {
        assertThat(vm.shell("test -e /mnt/disk/app").exitCode()).isNotZero();
        assertThat(vm.snapshots()).extracting(SnapshotInfo::name).contains("provisioned", "app-installed");
    }

    @Nested
    @UseSnapshot("app-installed")
    class AfterTheInstall {
        @Test
        void nestedTestsSeeTheOuterSnapshot(LinuxVm vm) {
            assertThat(version(vm)).isEqualTo("1.0\n");
        }
    }

    private static String version(LinuxVm vm) {
        return vm.shell("cat /mnt/disk/app/version").stdout();
    }
}
