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
     * Copies a host file or directory tree into the guest at {@code guestPath}, with the rules of {@code docker cp}:
     * when {@code guestPath} is an existing directory, the copy goes inside it under the host's name
     * ({@code upload(Path.of("out"), "/root")} makes {@code /root/out}); else it is created at {@code guestPath}
     * (missing parents too). A file replaces a file of the same path; a tree merges into a directory of the same
     * path; nothing else in the guest is deleted. Without a share only single files travel, to exactly
     * {@code guestPath}.
     *
     * @throws OsrunException when the copy fails (a directory onto a file, say); the message carries the guest's
     *                        error output
     */
    void upload(Path hostPath, String guestPath);

    /**
     * Copies a guest file or directory tree to {@code hostPath}, with the rules of {@code docker cp}: when
     * {@code hostPath} is an existing directory, the copy goes inside it under the guest's name
     * ({@code download("/root/out", Path.of("."))} makes {@code ./out}); else it is created at {@code hostPath}
     * (missing parents too). A file replaces a file of the same path; a tree merges into a directory of the same
     * path, replacing its files of the same names. Nothing on the host that the download does not replace file for
     * file is deleted.
     *
     * <p>Every file is written beside its destination under a temporary name ({@code .osrun-partial-*}), synced to
     * disk and renamed into place only when all were written: a failed download (a missing guest path, a full disk)
     * leaves the host as it was, and each file is always either the old one or the new one, never a mix.
     *
     * @throws OsrunException when the guest has nothing at {@code guestPath}, or a file would replace a directory
     *                        (or a directory a file); nothing on the host changed
     */
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
