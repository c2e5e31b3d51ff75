package dev.osrun.provision;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Whether a QEMU (or {@code qemu-img}) has a disk image open. QEMU locks bytes 100 to 299 of every image it opens
 * (one byte per permission it holds or refuses to share, as open file description locks, which the kernel keeps
 * until the last process with the file open closes it); a classic write lock on that range conflicts with them.
 */
final class QemuImageLock {

    private static final long FIRST_BYTE = 100;
    private static final long BYTES = 200;

    private QemuImageLock() {
    }

    /** Whether some process holds QEMU's image lock on {@code image}; false when that cannot be told. */
    static boolean inUse(Path image) {
        try (FileChannel channel = FileChannel.open(image, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            FileLock probe = channel.tryLock(FIRST_BYTE, BYTES, false);
            if (probe == null) {
                return true;
            }
            probe.release();
            return false;
        } catch (OverlappingFileLockException e) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
