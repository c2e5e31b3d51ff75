package dev.osrun.local;

import dev.osrun.GuestKind;

import java.nio.file.Path;

/**
 * The program a test runs in a child JVM and then kills: starts a persistent tiny VM on the cache in {@code args[0]},
 * prints {@code READY <QEMU pid> <run directory> <share directory>} and waits to be killed.
 */
public final class VmInChildJvm {

    private VmInChildJvm() {
    }

    /** Starts the VM and waits. */
    public static void main(String[] args) throws InterruptedException {
        LocalVm vm = LocalVm.builder(GuestKind.TINY).cache(Path.of(args[0])).persistent(true).start();
        vm.shell("echo written by the child > /mnt/disk/child; sync");
        Path share = vm.machine().spec().shareDir();
        System.out.println("READY " + vm.machine().pid() + " " + share.getParent() + " " + share);
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
