package dev.osrun.local;

import dev.osrun.Accel;
import dev.osrun.provision.CacheDir;
import dev.osrun.provision.Hardware;
import dev.osrun.provision.TinyGuest;
import dev.osrun.provision.TinyGuestRecipe;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A cache of its own for a test that runs persistent VMs: a copy of the test cache's provisioned tiny disk. */
final class TinyCaches {

    private TinyCaches() {
    }

    /** Provisions the tiny guest into the test cache if needed, copies its disk into {@code dir}; returns the copy. */
    static Path copyOfProvisioned(Path dir) throws IOException {
        Path provisioned = TinyGuestRecipe.provision(CacheDir.fromEnvironment(), TinyGuest.locate(),
                Hardware.of(Accel.AUTO, 512, 1));
        Files.createDirectories(dir);
        return Files.copy(provisioned, dir.resolve(provisioned.getFileName()));
    }
}
