package dev.osrun.provision;

import java.nio.file.Path;

/** Runs one {@link InstallStep} on a disk: boots it, lets the guest do its stage, returns when the guest shut down. */
@FunctionalInterface
interface StepRunner {

    /**
     * Runs {@code step} (number {@code index}) on {@code disk}, with logs in {@code runDir}.
     *
     * @throws StepFailedException when the guest does not shut itself down cleanly within the step's timeout, or QEMU
     *                             ends any other way
     */
    void run(int index, InstallStep step, Path disk, Path runDir);
}
