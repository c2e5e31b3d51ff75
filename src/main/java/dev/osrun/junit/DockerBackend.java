package dev.osrun.junit;

import dev.osrun.OsrunException;

import java.util.Optional;

/** Runs each VM in a container of the osrun image. (Until OsrunContainer is merged: not available.) */
final class DockerBackend implements VmBackend {

    @Override
    public BackendChoice kind() {
        return BackendChoice.DOCKER;
    }

    @Override
    public Optional<String> missingPrerequisite(VmConfig config) {
        return Optional.of("The Docker backend is not in this build yet.");
    }

    @Override
    public StartedVm start(VmConfig config) {
        throw new OsrunException("The Docker backend is not in this build yet.");
    }
}
