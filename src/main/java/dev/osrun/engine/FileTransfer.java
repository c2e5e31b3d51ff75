package dev.osrun.engine;

import dev.osrun.OsrunException;
import dev.osrun.qga.FileChunk;
import dev.osrun.qga.GuestAgentClient;
import dev.osrun.qga.GuestExecStatus;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.UUID;

/**
 * Moves files and directory trees between the host and the guest, with the rules of {@code docker cp}.
 *
 * <p>Through the share when it is mounted: an upload copies into a transfer directory of the share on the host,
 * then the guest copies from there into place ({@code cp -R}, {@code Copy-Item -Recurse}); a download is the
 * reverse, and {@link HostPlacement} puts the result in place on the host. Without a share, single files go through
 * the agent's {@code guest-file-*} calls in 1 MiB chunks; directory trees need the share.
 */
final class FileTransfer {

    private static final String XFER = ".osrun/xfer";
    private static final int AGENT_CHUNK = 1 << 20;
    private static final Duration COPY_TIMEOUT = Duration.ofMinutes(30);

    private final Machine machine;

    FileTransfer(Machine machine) {
        this.machine = machine;
    }

    void upload(Path hostPath, String guestPath) {
        if (!Files.exists(hostPath)) {
            throw new OsrunException("Cannot upload " + hostPath + ": no such file or directory on the host");
        }
        if (!machine.shareMounted()) {
            uploadThroughAgent(hostPath, guestPath);
            return;
        }
        Path name = hostPath.toAbsolutePath().normalize().getFileName();
        if (name == null) {
            throw new OsrunException("Cannot upload " + hostPath + ": upload a directory below the root, not the root itself");
        }
        Path xfer = newTransferDir();
        try {
            // Named as on the host, so that a copy into an existing guest directory keeps the host's name.
            Path payload = xfer.resolve(name.toString());
            copyTree(hostPath, payload);
            guestCopy(machine.profile().sharePath(relative(payload)), guestPath, "upload " + hostPath + " to " + guestPath);
        } finally {
            CommandRunner.deleteTree(xfer);
        }
    }

    void download(String guestPath, Path hostPath) {
        if (!machine.shareMounted()) {
            downloadThroughAgent(guestPath, hostPath);
            return;
        }
        Path xfer = newTransferDir();
        try {
            Path payload = xfer.resolve("payload");
            guestCopy(guestPath, machine.profile().sharePath(relative(payload)), "download " + guestPath + " to " + hostPath);
            HostPlacement.placeDownload(payload, hostPath, guestPath);
        } finally {
            CommandRunner.deleteTree(xfer);
        }
    }

    /** The last name of a guest path, Linux or Windows: {@code out} for {@code /root/out/} or {@code C:\out\}. */
    static String lastName(String guestPath) {
        String path = guestPath.replaceAll("[/\\\\]+$", "");
        return path.substring(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
    }

    private void guestCopy(String from, String to, String what) {
        GuestExecStatus status = machine.runToCompletion(machine.profile().copy(from, to), COPY_TIMEOUT);
        if (status.exitCode() == null || status.exitCode() != 0) {
            throw new OsrunException("Could not " + what + ": the guest's copy exited with " + status.exitCode() + ": "
                    + new String(status.stderr() == null ? new byte[0] : status.stderr(), machine.profile().charset()).strip());
        }
    }

    private Path newTransferDir() {
        Path dir = machine.spec().shareDir().resolve(XFER).resolve(UUID.randomUUID().toString());
        try {
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create " + dir + " in the share", e);
        }
    }

    private String relative(Path inShare) {
        return machine.spec().shareDir().relativize(inShare).toString().replace('\\', '/');
    }

    /** Copies a file or a whole tree, replacing nothing: {@code target} must not exist yet. */
    static void copyTree(Path source, Path target) {
        try (var paths = Files.walk(source)) {
            for (Path path : paths.toList()) {
                Path destination = target.resolve(source.relativize(path).toString());
                if (Files.isDirectory(path)) {
                    Files.createDirectories(destination);
                } else {
                    Files.copy(path, destination, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot copy " + source + " to " + target, e);
        }
    }

    // ---- without a share ----------------------------------------------------------------------------------

    private void uploadThroughAgent(Path hostPath, String guestPath) {
        if (Files.isDirectory(hostPath)) {
            throw new OsrunException("Cannot upload the directory " + hostPath + ": directory trees travel through the "
                    + "SMB share, and this VM has none mounted. Start the VM with a share, or upload an archive.");
        }
        GuestAgentClient agent = machine.agent();
        long handle = machine.call("opening " + guestPath + " for writing", () -> agent.fileOpen(guestPath, "wb"));
        try (InputStream in = Files.newInputStream(hostPath)) {
            byte[] buffer = new byte[AGENT_CHUNK];
            int n;
            while ((n = in.readNBytes(buffer, 0, buffer.length)) > 0) {
                byte[] chunk = Arrays.copyOf(buffer, n);
                machine.call("writing " + guestPath, () -> agent.fileWrite(handle, chunk));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + hostPath, e);
        } finally {
            machine.call("closing " + guestPath, () -> {
                agent.fileClose(handle);
                return null;
            });
        }
    }

    private void downloadThroughAgent(String guestPath, Path hostPath) {
        Path destination = HostPlacement.destination(hostPath, lastName(guestPath));
        GuestAgentClient agent = machine.agent();
        long handle = machine.call("opening " + guestPath + " for reading", () -> agent.fileOpen(guestPath, "rb"));
        Path partial = machine.spec().runDir().resolve("download-" + UUID.randomUUID());
        try {
            try (OutputStream out = Files.newOutputStream(partial, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                while (true) {
                    FileChunk chunk = machine.call("reading " + guestPath, () -> agent.fileRead(handle, AGENT_CHUNK));
                    out.write(chunk.data());
                    if (chunk.eof() || chunk.data().length == 0) {
                        break;
                    }
                }
            } catch (IOException e) {
                throw new OsrunException("Cannot write the download of " + guestPath + " to " + partial + " (" + e + ")", e);
            }
            HostPlacement.place(partial, destination);
        } finally {
            machine.call("closing " + guestPath, () -> {
                agent.fileClose(handle);
                return null;
            });
            CommandRunner.deleteTree(partial);
        }
    }
}
