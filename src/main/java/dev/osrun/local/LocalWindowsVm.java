package dev.osrun.local;

import dev.osrun.ExecOptions;
import dev.osrun.ExecResult;
import dev.osrun.WindowsVm;
import dev.osrun.engine.Command;
import dev.osrun.engine.Machine;
import dev.osrun.provision.CacheDir;

import java.nio.file.Path;

/** A {@link LocalVm} that runs Windows 11: shell lines run in {@code cmd.exe}, scripts in PowerShell. */
public final class LocalWindowsVm extends LocalVm implements WindowsVm {

    LocalWindowsVm(Machine machine, Path runDir, CacheDir.Lock diskLock) {
        super(machine, runDir, diskLock);
    }

    @Override
    public synchronized ExecResult powershell(String script, ExecOptions options) {
        return machine.exec(new Command.PowerShell(script), options);
    }
}
