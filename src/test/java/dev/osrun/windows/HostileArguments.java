package dev.osrun.windows;

import java.util.List;

/**
 * Arguments and command lines that break naive Windows quoting: quotes, runs of backslashes before quotes and at
 * the end, cmd's metacharacters {@code ^ & | < > % !}, tabs, empty strings and non-ASCII text (including a
 * character outside the BMP, which UTF-16 carries as a surrogate pair).
 */
public final class HostileArguments {

    private HostileArguments() {
    }

    /** Single arguments that must come back from {@code CommandLineToArgvW} unchanged. */
    public static final List<String> ARGUMENTS = List.of(
            "plain",
            "",
            " ",
            "two words",
            "tab\tinside",
            "\"",
            "\"\"",
            "say \"hi\"",
            "C:\\dir\\",
            "C:\\Program Files\\",
            "trailing\\\\",
            "a\\\\\"b",
            "\\\"",
            "\\\\\\\"quoted\\\\\\\"",
            "^ & | < > % !",
            "%PATH%",
            "!PATH!",
            "100%",
            "a&b|c",
            "(paren)",
            "'single'",
            "ü ä ö ß",
            "日本語",
            "emoji 😀",
            "line\nfeed",
            "\\\\server\\share\\path with space\\",
            "--flag=\"value with \\\"nested\\\" quotes\"\\");

    /** Lines for cmd.exe that must reach it verbatim inside {@code /s /c "..."}. */
    public static final List<String> SHELL_LINES = List.of(
            "echo \"100%\" ^& dir \"C:\\Program Files\" | findstr x & set A=$B\t'ü'",
            "\"C:\\Program Files\\app.exe\" \"arg one\" > \"out file.txt\" 2>&1",
            "echo %PATH% !X! ^^ && exit /b 3",
            "\"",
            "",
            "echo 日本語 😀",
            "for %i in (1 2 3) do @echo %i",
            "if \"a\"==\"a\" (echo yes) else (echo no)");
}
