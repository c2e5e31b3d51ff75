package dev.osrun.it.junit;

import dev.osrun.ExecResult;
import dev.osrun.LinuxVm;
import dev.osrun.junit.Osrun;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every test, in a random order, first checks that no other test's marks are in the VM, then leaves its own: a
 * file on the guest's disk ({@code /mnt/disk}, the qcow2) and one in its memory ({@code /dev/shm}, a tmpfs). The
 * snapshot restored before each test must wipe both.
 */
@Osrun(guest = "tiny")
@TestMethodOrder(MethodOrderer.Random.class)
class IsolationIT {

    @Test
    void plain(LinuxVm vm) {
        seesNoMarksThenLeavesItsOwn(vm, "plain");
    }

    @RepeatedTest(3)
    void repeated(LinuxVm vm, RepetitionInfo repetition) {
        seesNoMarksThenLeavesItsOwn(vm, "repeated-" + repetition.getCurrentRepetition());
    }

    @ParameterizedTest
    @ValueSource(strings = {"first", "second"})
    void parameterized(String name, LinuxVm vm) {
        seesNoMarksThenLeavesItsOwn(vm, "parameterized-" + name);
    }

    @Nested
    @TestMethodOrder(MethodOrderer.Random.class)
    class Inner {
        @Test
        void nested(LinuxVm vm) {
            seesNoMarksThenLeavesItsOwn(vm, "nested");
        }

        @Test
        void nestedAgain(LinuxVm vm) {
            seesNoMarksThenLeavesItsOwn(vm, "nested-again");
        }
    }

    static void seesNoMarksThenLeavesItsOwn(LinuxVm vm, String name) {
        ExecResult marks = vm.shell("cat /mnt/disk/marks/* /dev/shm/marks/* 2>/dev/null; true");
        assertThat(marks.stdout()).as("marks left by earlier tests").isEmpty();

        ExecResult mark = vm.shell("mkdir -p /mnt/disk/marks /dev/shm/marks && echo " + name + " > /mnt/disk/marks/" + name
                + " && echo " + name + " > /dev/shm/marks/" + name + " && sync && cat /mnt/disk/marks/* /dev/shm/marks/*");
        assertThat(mark.exitCode()).as(mark.stderr()).isZero();
        assertThat(mark.stdout()).isEqualTo(name + "\n" + name + "\n");
    }
}
