package dev.osrun.provision;

import dev.osrun.OsrunException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Where the Windows 11 installation ISO comes from, in this order: the user's own ISO ({@code --iso PATH} or
 * {@code OSRUN_ISO}), used as it is and never modified; the cache's {@code win11-clean.iso}; else it is built from
 * UUP dump ({@link UupMedia}) and cached under that name.
 */
final class IsoSource {

    /** The environment variable naming a user's own Windows 11 ISO. */
    public static final String ENV_ISO = "OSRUN_ISO";
    /** The cached ISO's name in the cache directory. */
    public static final String CACHED_ISO = "win11-clean.iso";

    private static final Logger log = LoggerFactory.getLogger(IsoSource.class);
    private static final byte[] ISO9660_MAGIC = "CD001".getBytes(StandardCharsets.US_ASCII);

    private IsoSource() {
    }

    /**
     * The ISO to install from: {@code userIso} when given, else the cached one, else one built by {@code uup}.
     *
     * @throws OsrunException when {@code userIso} does not exist or is not an ISO 9660 image, or the build fails
     */
    public static Path resolve(Path userIso, CacheDir cache, UupMedia uup, ProvisioningListener listener) {
        if (userIso != null) {
            checkIso(userIso);
            log.info("Installing Windows from the ISO {}", userIso);
            listener.step("media", "Installing from your ISO " + userIso);
            return userIso.toAbsolutePath();
        }
        Path cached = cache.resolve(CACHED_ISO);
        if (Files.isRegularFile(cached)) {
            checkIso(cached);
            listener.step("media", "Installing from the cached " + CACHED_ISO);
            return cached;
        }
        return uup.build(cached, listener);
    }

    /**
     * Checks that {@code iso} is a readable ISO 9660 image (its primary volume descriptor reads {@code CD001}).
     *
     * @throws OsrunException otherwise, saying what was found
     */
    static void checkIso(Path iso) {
        if (!Files.isRegularFile(iso)) {
            throw new OsrunException("Expected a Windows 11 ISO at " + iso + ", but there is no such file. "
                    + "Give the path of an ISO downloaded from Microsoft (--iso PATH or " + ENV_ISO + ").");
        }
        byte[] magic = new byte[ISO9660_MAGIC.length];
        try (InputStream in = Files.newInputStream(iso)) {
            in.skipNBytes(0x8001);
            if (in.readNBytes(magic, 0, magic.length) != magic.length || !Arrays.equals(magic, ISO9660_MAGIC)) {
                throw new OsrunException("Expected " + iso + " to be an ISO image (an ISO 9660 volume), but it is not. "
                        + "Give the path of a Windows 11 ISO downloaded from Microsoft (--iso PATH or " + ENV_ISO + ").");
            }
        } catch (java.io.EOFException e) {
            throw new OsrunException("Expected " + iso + " to be an ISO image, but it is only " + size(iso) + " bytes long.", e);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + iso, e);
        }
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return -1;
        }
    }
}
