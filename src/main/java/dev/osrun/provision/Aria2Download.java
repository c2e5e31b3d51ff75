package dev.osrun.provision;

import dev.osrun.OsrunException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Downloads the files of an {@link Aria2List} with {@code aria2c}: several connections, continuing partial files
 * ({@code -c}), retrying, and checking every file's SHA-1 (aria2c checks as it goes; every file is checked again
 * here before it is used). Progress goes to the log and the {@link ProvisioningListener} as
 * {@code downloading} steps.
 *
 * @param maxTries  attempts per file before aria2c gives up on it
 * @param retryWait pause between attempts
 * @param timeout   the whole download's bound
 */
record Aria2Download(int maxTries, Duration retryWait, Duration timeout) {

    /** The download a user gets: 10 attempts per file, 5 s apart, at most 6 hours in all. */
    public static final Aria2Download DEFAULT = new Aria2Download(10, Duration.ofSeconds(5), Duration.ofHours(6));

    private static final Logger log = LoggerFactory.getLogger(Aria2Download.class);
    /** aria2c's summary line, e.g. {@code [#2089b0 400KiB/33MiB(1%) CN:1 DL:115KiB ETA:4m45s]}. */
    private static final Pattern SUMMARY = Pattern.compile("\\[#\\w+ ([0-9.]+\\w*)/([0-9.]+\\w*)\\((\\d+)%\\)");
    private static final Pattern COMPLETE = Pattern.compile("Download complete: (.+)$");
    private static final long REPORT_EVERY_NANOS = Duration.ofSeconds(5).toNanos();

    /**
     * Downloads every file of {@code list} into {@code dir} (files already there and whole are kept), then checks
     * each against its SHA-1.
     *
     * @throws OsrunException when aria2c fails or a file does not match its SHA-1 (the file is removed, so the next
     *                        run fetches it again); the message names the files
     */
    public void run(Aria2List list, Path dir, ProvisioningListener listener) {
        try {
            Files.createDirectories(dir);
            Path input = dir.resolve(".osrun-aria2-input.txt");
            Files.writeString(input, list.text());
            int total = list.entries().size();
            AtomicInteger complete = new AtomicInteger();
            AtomicLong lastReport = new AtomicLong(System.nanoTime() - REPORT_EVERY_NANOS);
            listener.step("downloading", "Downloading " + total + " Windows 11 files from Windows Update into " + dir);
            List<String> command = List.of("aria2c", "--no-conf", "--console-log-level=notice", "--summary-interval=5",
                    "--show-console-readout=false", "--continue=true", "--auto-file-renaming=false",
                    "--allow-overwrite=true", "--check-integrity=true", "--remote-time=true",
                    "--max-connection-per-server=8", "--split=8", "--max-concurrent-downloads=4",
                    "--max-tries=" + maxTries, "--retry-wait=" + Math.max(1, retryWait.toSeconds()),
                    "--connect-timeout=20", "--timeout=60", "--file-allocation=none",
                    "--dir=" + dir, "--input-file=" + input);
            ToolRun.Result result = ToolRun.run(command, dir, timeout,
                    "Install aria2 (Debian: apt-get install aria2).", line -> {
                        Matcher done = COMPLETE.matcher(line);
                        if (done.find()) {
                            log.info("Downloaded {} ({} of {})", Path.of(done.group(1).strip()).getFileName(), complete.incrementAndGet(), total);
                            return;
                        }
                        Matcher summary = SUMMARY.matcher(line);
                        long now = System.nanoTime();
                        if (summary.find() && now - lastReport.get() >= REPORT_EVERY_NANOS) {
                            lastReport.set(now);
                            String detail = complete.get() + " of " + total + " files complete; now " + summary.group(1)
                                    + " of " + summary.group(2) + " (" + summary.group(3) + "%)";
                            log.info("Download: {}", detail);
                            listener.step("downloading", detail);
                        }
                    });
            List<String> bad = verify(list, dir);
            if (result.exitCode() != 0 || !bad.isEmpty()) {
                throw new OsrunException("Downloading the Windows 11 files failed (aria2c exit " + result.exitCode() + ")"
                        + (bad.isEmpty() ? "" : "; removed because their SHA-1 did not match or they are missing: " + String.join(", ", bad))
                        + ". Files that did arrive are kept in " + dir + " and the next run continues from them. "
                        + "aria2c's last output:\n" + result.output());
            }
            Files.deleteIfExists(input);
            listener.step("downloading", "All " + total + " files downloaded and checked");
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write into " + dir, e);
        }
    }

    /** The names of the files that are missing or do not match their SHA-1; those that do not match are removed. */
    static List<String> verify(Aria2List list, Path dir) throws IOException {
        List<String> bad = new ArrayList<>();
        for (Aria2List.Entry entry : list.entries()) {
            Path file = dir.resolve(entry.name());
            if (!Files.isRegularFile(file) || Files.exists(dir.resolve(entry.name() + ".aria2"))) {
                bad.add(entry.name() + " (missing or incomplete)");
            } else if (!sha1(file).equals(entry.sha1())) {
                Files.delete(file);
                bad.add(entry.name() + " (SHA-1 mismatch)");
            }
        }
        return bad;
    }

    /** The SHA-1 of a file, lower-case hex. */
    static String sha1(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-1");
            byte[] buffer = new byte[1 << 20];
            int n;
            while ((n = in.read(buffer)) > 0) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is missing from this JVM", e);
        }
    }
}
