package dev.osrun;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * A running virtual machine: run commands in it, move files in and out, and save or restore snapshots of its
 * whole state (disk and memory).
 *
 * <p>Implemented by {@code LocalVm} (QEMU runs on this host, driven from this JVM) and, in the container layer,
 * by a client of osrun's control API. Calls are serialised per VM.
 */
public interface Vm extends AutoCloseable {

    /** The operating system the guest runs. */
    GuestOs os();

    /**
     * Runs a program with these arguments, without a shell: no word in {@code argv} is interpreted.
     *
     * @throws ExecTimeoutException when the command outlives {@code options.timeout()}
     * @throws VmCrashedException   when the VM is gone
     */
    ExecResult exec(List<String> argv, ExecOptions options);

    /** Runs a program with default options. */
    default ExecResult exec(String... argv) {
        return exec(Arrays.asList(argv), ExecOptions.defaults());
    }

    /**
     * Runs a command line in the guest's shell ({@code /bin/sh -c} on Linux, {@code cmd.exe} on Windows). The line
     * reaches the shell unchanged, whatever quotes or special characters it holds.
     *
     * @throws ExecTimeoutException when the command outlives {@code options.timeout()}
     */
    ExecResult shell(String commandLine, ExecOptions options);

    /** Runs a command line in the guest's shell with default options. */
    default ExecResult shell(String commandLine) {
        return shell(commandLine, ExecOptions.defaults());
    }

    /**
     * Copies a host file or directory tree into the guest at {@code guestPath}, replacing what is there.
     *
     * @throws OsrunException when the copy fails; the message carries the guest's error output
     */
    void upload(Path hostPath, String guestPath);

    /** Copies a guest file or directory tree to {@code hostPath}, replacing what is there. */
    void download(String guestPath, Path hostPath);

    /** Saves the VM's disk and memory under {@code name}, replacing a snapshot of that name. */
    SnapshotInfo saveSnapshot(String name);

    /**
     * Brings the VM back to the state saved under {@code name}, in the running VM; then sets the guest clock to
     * the host's.
     *
     * @throws SnapshotNotFoundException when no snapshot has that name; it lists those that exist
     */
    void restoreSnapshot(String name);

    /** The snapshots this VM's disk holds. */
    List<SnapshotInfo> snapshots();

    /** Deletes the snapshot named {@code name}. @throws SnapshotNotFoundException when there is none */
    void deleteSnapshot(String name);

    /** A picture of the VM's screen, as PNG bytes. */
    byte[] screenshotPng();

    /** Stops the VM; what was not saved in a snapshot is lost. */
    @Override
    void close();
}
