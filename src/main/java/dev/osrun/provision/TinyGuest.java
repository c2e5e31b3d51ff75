package dev.osrun.provision;

import dev.osrun.OsrunException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The tiny Linux guest built by {@code docker/guest/build.sh}: a Debian cloud kernel and an initramfs with
 * busybox, qemu-ga and the CIFS client. Found through the system property {@code osrun.tiny.dir}, the environment
 * variable {@code OSRUN_TINY_DIR}, or {@code build/guest} in the working directory.
 *
 * @param kernel the kernel image
 * @param initrd the initramfs
 * @param stamp  the build's input hash, which keys the provisioned disk
 */
public record TinyGuest(Path kernel, Path initrd, String stamp) {

    /** The system property naming the guest's directory. */
    public static final String PROPERTY = "osrun.tiny.dir";
    /** The environment variable naming the guest's directory. */
    public static final String ENV = "OSRUN_TINY_DIR";
    /** The kernel command line. */
    public static final String KERNEL_APPEND = "console=ttyS0 panic=-1";

    /**
     * Finds the built guest.
     *
     * @throws OsrunException when it has not been built, saying how to build it
     */
    public static TinyGuest locate() {
        String configured = System.getProperty(PROPERTY, System.getenv(ENV));
        Path dir = Path.of(configured != null && !configured.isBlank() ? configured : "build/guest").toAbsolutePath();
        Path kernel = dir.resolve("vmlinuz");
        Path initrd = dir.resolve("initrd.img");
        Path stamp = dir.resolve("stamp");
        if (!Files.isRegularFile(kernel) || !Files.isRegularFile(initrd) || !Files.isRegularFile(stamp)) {
            throw new OsrunException("The tiny guest is not built in " + dir + " (vmlinuz, initrd.img and stamp are expected). "
                    + "Build it with 'docker/guest/build.sh " + dir + "' (bin/test does this), or point "
                    + ENV + " at a directory that holds it.");
        }
        try {
            return new TinyGuest(kernel, initrd, Files.readString(stamp).strip());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + stamp, e);
        }
    }
}
