package dev.osrun.provision;

import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One UUP dump file set: a Windows Update build by its update id, one language, one edition.
 *
 * @param updateId a UUP dump update id (a UUID, optionally with {@code _rev.N})
 * @param language a language code, e.g. {@code en-us}
 * @param edition  an edition as UUP dump names it, e.g. {@code professional}
 */
record UupSet(String updateId, String language, String edition) {

    private static final Pattern ID = Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(_rev\\.\\d+)?");
    private static final Pattern WORD = Pattern.compile("[a-zA-Z0-9-]{2,40}");
    private static final String PINNED_ID_EXAMPLE = "3a34d712-ee6f-46fa-991a-e7d9520c16fc";

    /**
     * The pinned build: the Windows 11 Pro en-us set the original osrun pins (an update id from May 2023). A pin is
     * a preference: Windows Update removes old sets, and then the recipe falls back to the newest build of the
     * same channel ({@link UupDumpClient#latestUpdateId}).
     */
    public static final UupSet PINNED = new UupSet("3a34d712-ee6f-46fa-991a-e7d9520c16fc", "en-us", "professional");

    /** Overrides the pinned update id. */
    public static final String ENV_ID = "OSRUN_UUP_ID";
    /** Overrides the pinned language. */
    public static final String ENV_LANGUAGE = "OSRUN_UUP_LANG";
    /** Overrides the pinned edition. */
    public static final String ENV_EDITION = "OSRUN_UUP_EDITION";


    /**
     * Checks the three parts.
     *
     * @throws IllegalArgumentException when one of them is not of UUP dump's form, naming it
     */
    public UupSet {
        if (updateId == null || !ID.matcher(updateId).matches()) {
            throw new IllegalArgumentException("Expected a UUP dump update id such as " + PINNED_ID_EXAMPLE + ", got '" + updateId + "'");
        }
        if (language == null || !WORD.matcher(language).matches()) {
            throw new IllegalArgumentException("Expected a language code such as en-us, got '" + language + "'");
        }
        if (edition == null || !WORD.matcher(edition).matches()) {
            throw new IllegalArgumentException("Expected an edition such as professional, got '" + edition + "'");
        }
        language = language.toLowerCase(Locale.ROOT);
        edition = edition.toLowerCase(Locale.ROOT);
    }

    /** The pinned set with the overrides of {@code environment} ({@link #ENV_ID}, {@link #ENV_LANGUAGE}, {@link #ENV_EDITION}). */
    public static UupSet fromEnvironment(Map<String, String> environment) {
        return new UupSet(
                environment.getOrDefault(ENV_ID, PINNED.updateId()),
                environment.getOrDefault(ENV_LANGUAGE, PINNED.language()),
                environment.getOrDefault(ENV_EDITION, PINNED.edition()));
    }

    /** The same language and edition from another build. */
    public UupSet withUpdateId(String otherId) {
        return new UupSet(otherId, language, edition);
    }
}
