package dev.osrun.local;

import dev.osrun.LinuxVm;
import dev.osrun.engine.Machine;
import dev.osrun.provision.CacheDir;

import java.nio.file.Path;

/** A {@link LocalVm} that runs Linux (osrun's tiny guest): shell lines run in {@code /bin/sh}. */
public final class LocalLinuxVm extends LocalVm implements LinuxVm {

    LocalLinuxVm(Machine machine, Path runDir, CacheDir.Lock diskLock) {
        super(machine, runDir, diskLock);
    }
}
