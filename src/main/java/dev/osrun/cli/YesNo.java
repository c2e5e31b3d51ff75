package dev.osrun.cli;

import picocli.CommandLine;

import java.util.Locale;

/**
 * Reads the yes/no settings of the command line and the environment as people write them: {@code 1}, {@code true}
 * or {@code yes} for yes; {@code 0}, {@code false} or {@code no} for no; in any case. Anything else is an error that
 * names the accepted words (picocli's own boolean accepts only {@code true} and {@code false}).
 */
final class YesNo {

    private YesNo() {
    }

    /**
     * Parses one value; {@code what} names where it came from, for the message.
     *
     * @throws IllegalArgumentException when it is none of the six words
     */
    static boolean parse(String value, String what) {
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "1", "true", "yes" -> true;
            case "0", "false", "no" -> false;
            default -> throw new IllegalArgumentException(what + " takes 1/0, true/false or yes/no; it is '" + value + "'");
        };
    }

    /** The picocli converter for {@code --debug-ports[=VALUE]} and its variable {@code OSRUN_DEBUG_PORTS}. */
    static final class DebugPortsConverter implements CommandLine.ITypeConverter<Boolean> {
        @Override
        public Boolean convert(String value) {
            try {
                return parse(value, "--debug-ports (or OSRUN_DEBUG_PORTS)");
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
