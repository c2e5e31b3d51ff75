package dev.osrun.cli;

import java.util.Arrays;

/**
 * Sets up SLF4J's simple logger for the command line before the first logger exists: warnings only by default,
 * provisioning progress always (a first run takes long), everything at DEBUG with {@code -v}.
 */
final class Logging {

    private Logging() {
    }

    static void configure(String[] args) {
        boolean verbose = Arrays.stream(args).takeWhile(a -> a.startsWith("-"))
                .anyMatch(a -> a.equals("-v") || a.equals("--verbose") || a.matches("-[a-zA-Z]*v[a-zA-Z]*"));
        boolean serve = Arrays.stream(args).dropWhile(a -> a.startsWith("-")).findFirst().filter("serve"::equals).isPresent();
        setDefault("org.slf4j.simpleLogger.logFile", "System.err");
        setDefault("org.slf4j.simpleLogger.defaultLogLevel", verbose ? "debug" : serve ? "info" : "warn");
        setDefault("org.slf4j.simpleLogger.log.dev.osrun.provision", verbose ? "debug" : "info");
        setDefault("org.slf4j.simpleLogger.log.dev.osrun.qmp.wire", verbose ? "debug" : "warn");
        setDefault("org.slf4j.simpleLogger.log.dev.osrun.qga.wire", verbose ? "debug" : "warn");
        setDefault("org.slf4j.simpleLogger.showDateTime", "true");
        setDefault("org.slf4j.simpleLogger.dateTimeFormat", "HH:mm:ss.SSS");
        setDefault("org.slf4j.simpleLogger.showThreadName", "false");
        setDefault("org.slf4j.simpleLogger.showShortLogName", "true");
    }

    private static void setDefault(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
