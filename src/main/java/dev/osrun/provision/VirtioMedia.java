package dev.osrun.provision;

import dev.osrun.OsrunException;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The virtio-win ISO (Fedora's signed virtio drivers and the QEMU guest agent's MSI), attached as one more CD-ROM
 * so that win11-init's first-logon step installs viostor, NetKVM, vioserial and the agent from it. The user's own
 * ({@code OSRUN_VIRTIO_ISO}), else the cache's {@code virtio-win-<version>.iso}, else downloaded from Fedora's
 * archive of that pinned version. Its SHA-256 is checked against {@code OSRUN_VIRTIO_SHA256} when given, and
 * written beside the cached file on the first download, so that a file that changes later is refused.
 */
final class VirtioMedia {

    /** The environment variable naming a virtio-win ISO on this machine. */
    public static final String ENV_ISO = "OSRUN_VIRTIO_ISO";
    /** The environment variable holding the SHA-256 the downloaded ISO must have. */
    public static final String ENV_SHA256 = "OSRUN_VIRTIO_SHA256";
    /** The pinned virtio-win version (Fedora's archive keeps every version under a fixed URL). */
    public static final String VERSION = "0.1.266";

    private static final String URL = "https://fedorapeople.org/groups/virt/virtio-win/direct-downloads/archive-virtio/virtio-win-"
            + VERSION + "-1/virtio-win-" + VERSION + ".iso";

    private VirtioMedia() {
    }

    /** What identifies the virtio media for a cache key: the user's file's name and size, or the pinned version. */
    static String identity(Map<String, String> env) {
        String own = env.get(ENV_ISO);
        if (own != null && !own.isBlank()) {
            Path file = Path.of(own);
            try {
                return "own:" + file.getFileName() + ":" + Files.size(file);
            } catch (IOException e) {
                throw new OsrunException("Expected the virtio-win ISO " + ENV_ISO + "=" + own + ", but cannot read it: " + e.getMessage(), e);
            }
        }
        return "virtio-win-" + VERSION;
    }

    /**
     * The virtio-win ISO to attach, downloading it into {@code cache} if needed.
     *
     * @throws OsrunException when the download fails or the file's SHA-256 is not the expected one
     */
    static Path resolve(CacheDir cache, Map<String, String> env, ProvisioningListener listener) {
        String own = env.get(ENV_ISO);
        if (own != null && !own.isBlank()) {
            IsoSource.checkIso(Path.of(own));
            return Path.of(own).toAbsolutePath();
        }
        Path cached = cache.resolve("virtio-win-" + VERSION + ".iso");
        Path recorded = cache.resolve("virtio-win-" + VERSION + ".iso.sha256");
        String expected = env.get(ENV_SHA256);
        try {
            if (!Files.exists(cached)) {
                listener.step("media", "Downloading the virtio drivers and guest agent (virtio-win " + VERSION + ") from fedorapeople.org");
                Path partial = cache.temporaryFor(cached);
                try {
                    ToolRun.Result result = ToolRun.run(List.of("aria2c", "--no-conf", "--continue=true", "--max-tries=5",
                            "--retry-wait=5", "--auto-file-renaming=false", "--allow-overwrite=true", "--console-log-level=warn",
                            "--dir=" + partial.getParent(), "--out=" + partial.getFileName(), URL), null, Duration.ofHours(1),
                            "Install aria2 (Debian: apt-get install aria2).", line -> { });
                    if (result.exitCode() != 0) {
                        throw new OsrunException("Could not download " + URL + " (aria2c exit " + result.exitCode() + "): "
                                + result.output() + ". Download it yourself and set " + ENV_ISO + "=PATH.");
                    }
                    String actual = sha256(partial);
                    if (expected != null && !expected.isBlank() && !actual.equalsIgnoreCase(expected.strip())) {
                        throw new OsrunException("The downloaded virtio-win ISO has SHA-256 " + actual + ", not the "
                                + ENV_SHA256 + " " + expected + "; it is not used.");
                    }
                    Files.writeString(recorded, actual + "\n");
                    cache.publish(partial, cached);
                } finally {
                    Files.deleteIfExists(partial);
                }
            }
            String actual = sha256(cached);
            String want = expected != null && !expected.isBlank() ? expected.strip()
                    : Files.exists(recorded) ? Files.readString(recorded).strip() : actual;
            if (!actual.equalsIgnoreCase(want)) {
                throw new OsrunException("The cached " + cached.getFileName() + " has SHA-256 " + actual + ", not " + want
                        + " (as first downloaded or as " + ENV_SHA256 + " says). Delete it to download it again.");
            }
            return cached;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the virtio-win ISO into " + cache.root(), e);
        }
    }

    static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 20];
            int n;
            while ((n = in.read(buffer)) > 0) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest()).toLowerCase(Locale.ROOT);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
