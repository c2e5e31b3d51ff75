package dev.osrun.engine;

import dev.osrun.OsrunException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Starts QEMU so that it dies with this JVM, however the JVM ends (a {@code kill -9}, a test runner's fork
 * timeout, a crash): QEMU runs under util-linux's {@code setpriv --pdeathsig KILL}, which asks the kernel to send
 * it SIGKILL when its parent goes away.
 *
 * <p>The kernel's "parent" is the thread that started the process, not the JVM as a whole, so a QEMU started from
 * a short-lived thread (an executor's worker, a test's timeout thread) would be killed when that thread ends. Every
 * QEMU is therefore started from one daemon thread that lives as long as the JVM.
 */
final class QemuLauncher {

    /** util-linux's setpriv (Debian: essential package util-linux), which sets the parent-death signal and execs. */
    static final Path SETPRIV = Path.of("/usr/bin/setpriv");

    private static final Logger log = LoggerFactory.getLogger(QemuLauncher.class);
    private static final ExecutorService STARTER = Executors.newSingleThreadExecutor(task -> {
        Thread thread = new Thread(task, "osrun-qemu-starter");
        thread.setDaemon(true);
        return thread;
    });
    private static volatile boolean warned;

    private QemuLauncher() {
    }

    /** The command that runs {@code argv} with the parent-death signal set, or {@code argv} itself without setpriv. */
    static List<String> wrap(List<String> argv) {
        if (!Files.isExecutable(SETPRIV)) {
            if (!warned) {
                warned = true;
                log.warn("{} is missing (Debian package util-linux): QEMU will not be stopped if this JVM is killed; "
                        + "the next start removes what it leaves behind", SETPRIV);
            }
            return argv;
        }
        List<String> wrapped = new ArrayList<>(List.of(SETPRIV.toString(), "--pdeathsig", "KILL", "--"));
        wrapped.addAll(argv);
        return List.copyOf(wrapped);
    }

    /**
     * Starts {@code argv} (QEMU) with its stdout and stderr in {@code log}, from the launcher thread.
     *
     * @throws OsrunException when it cannot be started
     */
    static Process start(List<String> argv, Path log) {
        ProcessBuilder builder = new ProcessBuilder(wrap(argv))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Future<Process> started = STARTER.submit(builder::start);
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    // Starting a process takes milliseconds: wait for it even when interrupted, so that no QEMU
                    // is started that nobody knows of.
                    return started.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw new OsrunException("Cannot start QEMU ('" + argv.get(0) + "'): " + cause.getMessage()
                    + ". Install it (Debian: apt-get install qemu-system-x86 qemu-utils) or set the QEMU binary.", cause);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
