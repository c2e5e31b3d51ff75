package dev.osrun.junit;

import java.util.List;
import java.util.Optional;

/**
 * Which backend runs a configuration's VMs on this machine, or why none can: {@code auto} takes Docker when an
 * engine answers, else the local backend when QEMU is installed. Decided once per run and guest (it asks the
 * Docker engine) and kept in the root store.
 *
 * @param backend the backend to use (for {@code auto} with nothing available: the local one, never started)
 * @param missing what is missing on this machine and how to get it, when no backend can run the VMs
 */
record BackendSelection(VmBackend backend, Optional<String> missing) {

    /** Selects among {@code docker} and {@code local} for {@code config}. */
    static BackendSelection select(VmConfig config, VmBackend docker, VmBackend local) {
        switch (config.backend()) {
            case DOCKER:
                return new BackendSelection(docker, docker.missingPrerequisite(config));
            case LOCAL:
                return new BackendSelection(local, local.missingPrerequisite(config));
            default:
                Optional<String> noDocker = docker.missingPrerequisite(config);
                if (noDocker.isEmpty()) {
                    return new BackendSelection(docker, Optional.empty());
                }
                Optional<String> noLocal = local.missingPrerequisite(config);
                if (noLocal.isEmpty()) {
                    return new BackendSelection(local, Optional.empty());
                }
                return new BackendSelection(local, Optional.of(String.join(" ", List.of(
                        "Neither backend can run a VM here (osrun.backend=auto).",
                        "Docker: " + noDocker.get(),
                        "Local: " + noLocal.get()))));
        }
    }
}
