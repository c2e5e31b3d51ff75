package dev.osrun.testcontainers;

import dev.osrun.ExecOptions;
import dev.osrun.ExecResult;
import dev.osrun.GuestOs;
import dev.osrun.WindowsVm;

import java.net.URI;
import java.util.Objects;

/** A {@link RemoteVm} whose guest runs Windows: shell lines run in {@code cmd.exe}, scripts in PowerShell. */
public final class RemoteWindowsVm extends RemoteVm implements WindowsVm {

    RemoteWindowsVm(URI apiUri, String token) {
        super(apiUri, token, GuestOs.WINDOWS);
    }

    @Override
    public ExecResult powershell(String script, ExecOptions options) {
        return run("powershell", Objects.requireNonNull(script, "script"), options);
    }
}
