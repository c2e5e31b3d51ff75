package dev.osrun.testcontainers;

import dev.osrun.GuestOs;
import dev.osrun.LinuxVm;

import java.net.URI;

/** A {@link RemoteVm} whose guest runs Linux (osrun's tiny guest, say): shell lines run in {@code /bin/sh -c}. */
public final class RemoteLinuxVm extends RemoteVm implements LinuxVm {

    RemoteLinuxVm(URI apiUri, String token) {
        super(apiUri, token, GuestOs.LINUX);
    }
}
