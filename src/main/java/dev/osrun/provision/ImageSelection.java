package dev.osrun.provision;

import dev.osrun.OsrunException;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which image of the ISO's {@code install.wim} Setup installs. win11-init's answer file selects {@code /IMAGE/INDEX 1},
 * right for an ISO built here from UUP dump (it holds Pro alone); Microsoft's multi-edition ISOs hold several
 * editions with Pro not first, so for any other ISO the copy on the answer medium selects {@code /IMAGE/NAME}
 * {@code Windows 11 Pro} instead ({@code OSRUN_WIN11_IMAGE_NAME} names another).
 *
 * @param key   {@code /IMAGE/INDEX} or {@code /IMAGE/NAME}
 * @param value the index or the name
 */
record ImageSelection(String key, String value) {

    /** The environment variable naming the image to install from a foreign ISO. */
    static final String ENV_NAME = "OSRUN_WIN11_IMAGE_NAME";

    private static final ImageSelection FIRST = new ImageSelection("/IMAGE/INDEX", "1");
    private static final Pattern DEFAULT = Pattern.compile("<Key>/IMAGE/INDEX</Key>(\\s*)<Value>1</Value>");

    /** The selection for {@code iso} (null: one UUP dump will build), given the environment. */
    static ImageSelection forIso(Path iso, Map<String, String> env) {
        String name = env.get(ENV_NAME);
        if (name != null && !name.isBlank()) {
            return new ImageSelection("/IMAGE/NAME", name.strip());
        }
        if (iso == null || volumeId(iso).startsWith("OSRUN_")) {
            return FIRST;
        }
        return new ImageSelection("/IMAGE/NAME", "Windows 11 Pro");
    }

    /** A fact for the setup step's key. */
    String fact() {
        return "image " + key + "=" + value;
    }

    /**
     * The answer file with this selection.
     *
     * @throws OsrunException when the answer file does not select {@code /IMAGE/INDEX 1} as win11-init's does
     */
    String apply(String answerFile) {
        if (equals(FIRST)) {
            return answerFile;
        }
        Matcher matcher = DEFAULT.matcher(answerFile);
        if (!matcher.find()) {
            throw new OsrunException("Expected the answer file to select <Key>/IMAGE/INDEX</Key> <Value>1</Value> (as "
                    + "win11-init's does), but it does not, so the image '" + value + "' cannot be selected in it.");
        }
        String escaped = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
        return matcher.replaceFirst(Matcher.quoteReplacement("<Key>" + key + "</Key>" + matcher.group(1) + "<Value>" + escaped + "</Value>"));
    }

    /** The volume label in an ISO 9660 image's primary volume descriptor. */
    static String volumeId(Path iso) {
        try (InputStream in = Files.newInputStream(iso)) {
            in.skipNBytes(0x8028);
            return new String(in.readNBytes(32), StandardCharsets.US_ASCII).strip();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + iso, e);
        }
    }
}
