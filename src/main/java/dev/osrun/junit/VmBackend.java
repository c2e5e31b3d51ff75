package dev.osrun.junit;

import java.util.Optional;

/** Starts VMs for the extension: the osrun image in Docker, or QEMU on this host. */
interface VmBackend {

    /** Which backend this is. */
    BackendChoice kind();

    /**
     * What is missing on this machine for this backend to run a VM of {@code config}, with the fix, or empty when
     * nothing is. May take a few seconds (it asks the Docker engine); the extension asks once per run.
     */
    Optional<String> missingPrerequisite(VmConfig config);

    /**
     * Starts a VM of {@code config}: provisions the guest on first use, then starts it from the snapshot.
     *
     * @throws dev.osrun.OsrunException when the VM cannot be started; the message says why and what to do
     */
    StartedVm start(VmConfig config);
}
