package dev.osrun.engine;

import dev.osrun.GuestOs;

import java.nio.charset.Charset;
import java.util.Map;
import java.util.Optional;

/**
 * What differs between guest operating systems: how a command becomes a guest-exec call, where its output files
 * and the share are, how files are copied, how a process tree is killed and how output is decoded.
 */
public interface GuestProfile {

    /** The operating system this profile drives. */
    GuestOs os();

    /**
     * Builds the guest-exec call that runs {@code command} with its streams on the guest-local {@code files}. The
     * call is made with the agent capturing output: the launcher's own stdout and stderr carry only its setup
     * errors (the command's go to the files).
     *
     * @param environment      variables to add to the guest's environment
     * @param workingDirectory the guest directory to start in, if any
     * @param files            where stdout and stderr go, where stdin comes from, what to delete first
     * @throws IllegalArgumentException when this guest cannot run that kind of command
     */
    AgentExec build(Command command, Map<String, String> environment, Optional<String> workingDirectory, ExecFiles files);

    /** What the launcher's way of ending says about the command's output files (see {@link #outputHint}). */
    enum OutputHint {
        /** Nothing: read both files; the exit code is the launcher's. */
        UNKNOWN,
        /** The command exited 0 and wrote to stdout only: stderr need not be read. */
        STDOUT_ONLY,
        /** The command exited 0 and wrote nothing: neither file need be read. */
        NONE
    }

    /**
     * What the launcher's exit code or signal says about the output files; for {@code STDOUT_ONLY} and
     * {@code NONE} the command's exit code was 0.
     */
    default OutputHint outputHint(Integer exitCode, Integer signal) {
        return OutputHint.UNKNOWN;
    }

    /**
     * The guest path prefix of the output files of command {@code id} (the engine appends {@code .out}, {@code .err}
     * and {@code .in}): a guest-local directory the launcher creates when it is missing.
     */
    String execFilePrefix(String id);

    /**
     * How many commands' files the engine collects before it asks the next launcher to delete them: 1 where
     * deleting costs the launcher nothing, more where it costs a process.
     */
    int removalBatch();

    /** The program that creates directory {@code path} and its missing parents (nothing when it exists). */
    AgentExec makeDirectory(String path);

    /** The guest path of {@code relative} (slash-separated) inside the share. */
    String sharePath(String relative);

    /** The program that kills process {@code pid}, started for command {@code execId}, and all its descendants. */
    AgentExec killTree(long pid, String execId);

    /**
     * The program that copies the file or tree {@code from} to {@code to} as {@code cp -R} does, creating parents:
     * into {@code to} when that is an existing directory (under {@code from}'s name), else to {@code to}; files of the
     * same path are replaced, nothing else is deleted.
     */
    AgentExec copy(String from, String to);

    /** The program that mounts the share in the guest, if the guest needs one (Windows reaches it by UNC path). */
    Optional<AgentExec> mountShare();

    /**
     * The command that drops the guest's share mount, whatever state it is in, and mounts it afresh; empty when
     * {@link #mountShare()} is. After a snapshot is restored, the guest's SMB connection belongs to a TCP session
     * QEMU no longer has, and the old mount answers "Stale file handle".
     */
    default Optional<AgentExec> remountShare() {
        return mountShare();
    }

    /**
     * The command that unmounts the share before a snapshot is saved, so that no snapshot holds an SMB connection
     * (restored, it would be stale); empty when the guest keeps no mount across snapshots.
     */
    default Optional<AgentExec> unmountShare() {
        return Optional.empty();
    }

    /** The charset the guest's programs write text in. */
    Charset charset();
}
