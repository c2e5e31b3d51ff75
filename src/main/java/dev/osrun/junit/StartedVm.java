package dev.osrun.junit;

import dev.osrun.Vm;

import java.util.Map;

/** A VM a backend started, with the logs the extension keeps as evidence when a test fails in it. */
interface StartedVm extends AutoCloseable {

    /** The VM itself. */
    Vm vm();

    /** A name for logs and messages, e.g. the container's name or the QEMU process. */
    String name();

    /**
     * The logs worth keeping when a test fails, by file name ({@code serial.log}, {@code status.log},
     * {@code container.log}, …) in the order to show them. A log that cannot be had is there with a line that
     * says why, so that its absence is explained, never silent.
     */
    Map<String, String> logs();

    /** Stops the VM (and its container). */
    @Override
    void close();
}
