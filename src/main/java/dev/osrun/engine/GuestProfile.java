package dev.osrun.engine;

import dev.osrun.GuestOs;

import java.nio.charset.Charset;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What differs between guest operating systems: how a command becomes a guest-exec call, where the share is,
 * how files are copied, how a process tree is killed and how output is decoded.
 */
public interface GuestProfile {

    /** The operating system this profile drives. */
    GuestOs os();

    /**
     * Builds the guest-exec call that runs {@code command}.
     *
     * @param environment      variables to add to the guest's environment
     * @param workingDirectory the guest directory to start in, if any
     * @param jobDir           when present, the guest path of a share directory holding {@code in}; the command's
     *                         stdin is read from {@code in} and its stdout and stderr written to {@code out} and
     *                         {@code err} there. When absent, the agent pipes them itself.
     * @throws IllegalArgumentException when this guest cannot run that kind of command
     */
    AgentExec build(Command command, Map<String, String> environment, Optional<String> workingDirectory,
                    Optional<String> jobDir);

    /** The guest path of {@code relative} (slash-separated) inside the share. */
    String sharePath(String relative);

    /** The program that kills process {@code pid} and all its descendants. */
    AgentExec killTree(long pid);

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
