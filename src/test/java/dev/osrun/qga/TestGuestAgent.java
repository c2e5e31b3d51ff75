package dev.osrun.qga;

import dev.osrun.qmp.Prerequisites;
import dev.osrun.qmp.TestProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A real qemu-ga running on this host as an ordinary process that listens on a unix socket: the same agent that
 * runs in the guests, reachable without booting one.
 *
 * <p>It acts on THIS machine, so every command that would change the host (shutdown, clock, suspend, freeze,
 * passwords, keys, CPUs, memory) is disabled with {@code --block-rpcs}; tests must still run only harmless
 * programs and touch only files in their temporary directory.
 */
final class TestGuestAgent implements AutoCloseable {

    /** Commands that would act on the host; the agent answers them with CommandNotFound ("has been disabled"). */
    static final List<String> BLOCKED = List.of("guest-shutdown", "guest-set-time", "guest-suspend-disk",
            "guest-suspend-ram", "guest-suspend-hybrid", "guest-fsfreeze-freeze", "guest-fsfreeze-freeze-list",
            "guest-fsfreeze-thaw", "guest-fstrim", "guest-set-vcpus", "guest-set-memory-blocks",
            "guest-set-user-password", "guest-ssh-add-authorized-keys", "guest-ssh-remove-authorized-keys");

    private final TestProcess process;
    private final Path socket;

    private TestGuestAgent(TestProcess process, Path socket) {
        this.process = process;
        this.socket = socket;
    }

    /**
     * Starts qemu-ga listening on {@code dir/qga.sock}; skips the test (fails it under CI) when it is not installed.
     */
    static TestGuestAgent start(Path dir) throws Exception {
        Path agent = Prerequisites.requireProgram("qemu-ga", "qemu-guest-agent");
        Path state = Files.createDirectories(dir.resolve("qga-state"));
        Path socket = dir.resolve("qga.sock");
        TestProcess process = TestProcess.start(List.of(agent.toString(),
                "--method=unix-listen", "--path=" + socket,
                "--statedir=" + state, "--pidfile=" + dir.resolve("qga.pid"),
                "--block-rpcs=" + String.join(",", BLOCKED)), dir.resolve("qga.log"));
        return new TestGuestAgent(process, socket);
    }

    Path socket() {
        return socket;
    }

    TestProcess process() {
        return process;
    }

    @Override
    public void close() throws Exception {
        process.close();
    }
}
