package dev.osrun.qmp;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A real, paused ({@code -S}) QEMU with no guest, started by a test: enough for everything QMP does except boot.
 * QEMU is forced to TCG, as everywhere in this project's tests.
 */
public final class TestQemu implements AutoCloseable {

    private final TestProcess process;
    private final Path qmpSocket;

    private TestQemu(TestProcess process, Path qmpSocket) {
        this.process = process;
        this.qmpSocket = qmpSocket;
    }

    /**
     * Starts QEMU with its QMP socket in {@code dir}; skips the test (fails it under CI) when QEMU is not installed.
     *
     * @param dir       a short directory for the sockets and the log
     * @param extraArgs more QEMU arguments, e.g. a display device or an agent chardev
     * @return the running QEMU
     */
    public static TestQemu start(Path dir, String... extraArgs) throws Exception {
        Path qemu = Prerequisites.requireProgram("qemu-system-x86_64", "qemu-system-x86");
        Path socket = dir.resolve("qmp.sock");
        List<String> command = new ArrayList<>(List.of(qemu.toString(),
                "-machine", "q35,accel=tcg", "-display", "none", "-S", "-nodefaults",
                "-qmp", "unix:" + socket + ",server=on,wait=off"));
        command.addAll(List.of(extraArgs));
        return new TestQemu(TestProcess.start(command, dir.resolve("qemu.log")), socket);
    }

    /** Returns the QMP socket's path. */
    public Path qmpSocket() {
        return qmpSocket;
    }

    /** Returns the QEMU process, to suspend or kill it. */
    public TestProcess process() {
        return process;
    }

    @Override
    public void close() throws Exception {
        process.close();
    }
}
