package dev.osrun.junit;

/**
 * A configuration value and where it came from, so that an error can say which source to change.
 *
 * @param setting the key
 * @param text    the value as written ({@code ""} when no source sets it and the default is the backend's)
 * @param source  where it came from, e.g. {@code "@Osrun(guest) on com.example.FooTest"} or {@code "the default"}
 */
record SettingValue(Setting setting, String text, String source) {

    /** Whether no source set the key and it has no default of its own. */
    boolean isUnset() {
        return text.isEmpty();
    }

    /**
     * Parses the value as a positive whole number.
     *
     * @throws IllegalArgumentException naming the source, the value and what is expected
     */
    int positiveInt(String unit) {
        try {
            int value = Integer.parseInt(text.trim());
            if (value > 0) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below, with the source
        }
        throw invalid("a positive whole number of " + unit, "2");
    }

    /** An exception saying this value is not what {@code expected} describes, and how to set a good one. */
    IllegalArgumentException invalid(String expected, String example) {
        return new IllegalArgumentException("Invalid " + setting.property() + " '" + text + "' (from " + source
                + "): expected " + expected + ". Set it with " + setting.howToSet(example) + ".");
    }
}
