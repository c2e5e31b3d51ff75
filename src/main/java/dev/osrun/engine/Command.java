package dev.osrun.engine;

import java.util.List;
import java.util.Objects;

/** What a user asked to run, before a {@link GuestProfile} turns it into a guest-exec call. */
public sealed interface Command permits Command.Argv, Command.Shell, Command.PowerShell {

    /** A short description for error messages. */
    String describe();

    /** A program and its arguments, run without a shell. */
    record Argv(List<String> argv) implements Command {
        /** Checks there is at least a program. */
        public Argv {
            argv = List.copyOf(argv);
            if (argv.isEmpty()) {
                throw new IllegalArgumentException("A command needs at least a program to run");
            }
        }

        @Override
        public String describe() {
            return String.join(" ", argv);
        }
    }

    /** A command line for the guest's shell. */
    record Shell(String line) implements Command {
        /** Checks the line is not null. */
        public Shell {
            Objects.requireNonNull(line, "line");
        }

        @Override
        public String describe() {
            return line;
        }
    }

    /** A PowerShell script (Windows guests only). */
    record PowerShell(String script) implements Command {
        /** Checks the script is not null. */
        public PowerShell {
            Objects.requireNonNull(script, "script");
        }

        @Override
        public String describe() {
            return "PowerShell: " + script;
        }
    }
}
