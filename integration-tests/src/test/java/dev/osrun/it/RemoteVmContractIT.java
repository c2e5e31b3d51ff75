package dev.osrun.it;

import dev.osrun.Accel;
import dev.osrun.GuestKind;
import dev.osrun.Vm;
import dev.osrun.contract.VmContract;
import dev.osrun.testcontainers.OsrunContainer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.net.InetSocketAddress;

/**
 * The {@link VmContract} against {@code RemoteVm}: the tiny guest in a real {@link OsrunContainer}, driven through
 * the control API exactly as {@code LocalVm} is driven in the JVM, by the same tests.
 */
@RequiresOsrunImage
@SharedCache
class RemoteVmContractIT extends VmContract {

    private static final int HANDSHAKE_PORT = 7000;

    private OsrunContainer osrun;

    @BeforeAll
    void start(CacheVolume cache) {
        osrun = new OsrunContainer(OsrunImage.dockerImageName())
                .withGuest(GuestKind.TINY)
                .withAccel(Accel.TCG)
                .withCacheVolume(cache.name())
                .withForwardedPort(HANDSHAKE_PORT);
        osrun.start();
    }

    @AfterAll
    void stop() {
        if (osrun != null) {
            osrun.stop();
        }
    }

    @Override
    protected Vm vm() {
        return osrun.getVm();
    }

    @Override
    protected int handshakeGuestPort() {
        return HANDSHAKE_PORT;
    }

    @Override
    protected InetSocketAddress handshakeAddress() {
        return new InetSocketAddress(osrun.getHost(), osrun.getForwardedPort(HANDSHAKE_PORT));
    }
}
