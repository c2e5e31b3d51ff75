package dev.osrun.contract;

import dev.osrun.GuestKind;
import dev.osrun.Vm;
import dev.osrun.local.LocalVm;
import dev.osrun.testing.RequiresTinyGuest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** The {@link VmContract} against the local engine: QEMU on this host, the tiny guest. */
@RequiresTinyGuest
class LocalVmContractTest extends VmContract {

    private LocalVm vm;
    private int port;

    @BeforeAll
    void start() {
        port = freePort();
        vm = LocalVm.builder(GuestKind.TINY).forwardPort(port).start();
    }

    @AfterAll
    void stop() {
        if (vm != null) {
            vm.close();
        }
    }

    @Override
    protected Vm vm() {
        return vm;
    }

    @Override
    protected int handshakeGuestPort() {
        return port;
    }

    @Override
    protected InetSocketAddress handshakeAddress() {
        return new InetSocketAddress("127.0.0.1", port);
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot find a free port for the guest's forwarded port", e);
        }
    }
}
