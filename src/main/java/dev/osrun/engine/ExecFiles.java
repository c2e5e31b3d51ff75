package dev.osrun.engine;

import java.util.List;
import java.util.Optional;

/**
 * The guest-local files of one command: where its stdout and stderr go (the engine reads them with the agent's
 * file calls while it runs and after it exits), where its stdin comes from, and which files of earlier commands
 * the launcher removes before it starts this one.
 *
 * @param id     the command's id, unique per VM (also marks its processes on Linux)
 * @param stdout the guest path the command's stdout is written to
 * @param stderr the guest path the command's stderr is written to
 * @param stdin  the guest path stdin is read from, when it is a file (else the agent's own stdin: piped input or none)
 * @param remove guest files of earlier commands to delete first (already read, no longer needed)
 */
public record ExecFiles(String id, String stdout, String stderr, Optional<String> stdin, List<String> remove) {

    /** Copies the list. */
    public ExecFiles {
        remove = List.copyOf(remove);
    }
}
