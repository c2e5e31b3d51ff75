package dev.osrun.assertj;

import dev.osrun.SnapshotInfo;
import dev.osrun.Vm;
import org.assertj.core.api.AbstractAssert;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * Assertions on a running VM: its snapshots, the files in its guest, and what commands find in it, now or after
 * restoring a snapshot. Get one from {@link OsrunAssertions#assertThat(Vm)}.
 *
 * <pre>{@code
 * assertThat(vm).hasSnapshot("clean").hasFileWithContent("/etc/hostname", "osrun\n");
 * assertThat(vm).shell("uname -s").succeeded().hasStdout("Linux\n");
 * assertThat(vm).afterRestoring("clean")
 *         .doesNotHaveFile("/root/marker")
 *         .shellResult("ls /root", ls -> ls.succeeded().hasStdout(""));
 * }</pre>
 *
 * <p>Every check goes through the {@link Vm} API, so it works on any VM, local or in a container: files are looked
 * at by a small command in the guest ({@code /bin/sh} on Linux, PowerShell on Windows) and read by
 * {@link Vm#download}. The checks run commands in the guest but change nothing there; only
 * {@link #afterRestoring(String)} changes the VM, by restoring a snapshot.
 */
public final class VmAssert extends AbstractAssert<VmAssert, Vm> {

    private final String restoredSnapshot;

    VmAssert(Vm actual, String restoredSnapshot) {
        super(actual, VmAssert.class);
        this.restoredSnapshot = restoredSnapshot;
    }

    /**
     * Verifies that the VM holds a snapshot named {@code name}.
     *
     * @throws AssertionError when it does not (the message lists the snapshots it holds), or the VM is null
     */
    public VmAssert hasSnapshot(String name) {
        isNotNull();
        List<String> names = snapshotNames();
        if (!names.contains(name)) {
            fail("Expecting " + theVm() + " to have a snapshot named " + ExecResultReport.quote(name)
                    + "\nbut " + snapshotsHeld(names));
        }
        return this;
    }

    /**
     * Verifies that the VM holds no snapshot named {@code name}.
     *
     * @throws AssertionError when it does, or the VM is null
     */
    public VmAssert doesNotHaveSnapshot(String name) {
        isNotNull();
        List<String> names = snapshotNames();
        if (names.contains(name)) {
            fail("Expecting " + theVm() + " not to have a snapshot named " + ExecResultReport.quote(name)
                    + "\nbut it has, among " + names);
        }
        return this;
    }

    /**
     * Verifies that {@code guestPath} is a file (not a directory) in the guest.
     *
     * @throws AssertionError when nothing is there (the message lists the parent directory) or something else is,
     *                        or the VM is null
     */
    public VmAssert hasFile(String guestPath) {
        isNotNull();
        GuestPathProbe.Found found = GuestPathProbe.probe(actual, guestPath);
        if (found.kind() != GuestPathProbe.Kind.FILE) {
            fail("Expecting " + theVm() + " to have the file " + guestPath + "\nbut " + describe(found));
        }
        return this;
    }

    /**
     * Verifies that nothing at all is at {@code guestPath} in the guest: no file, no directory.
     *
     * @throws AssertionError when something is (the message says what), or the VM is null
     */
    public VmAssert doesNotHaveFile(String guestPath) {
        isNotNull();
        GuestPathProbe.Found found = GuestPathProbe.probe(actual, guestPath);
        if (found.kind() != GuestPathProbe.Kind.NOTHING) {
            fail("Expecting " + theVm() + " not to have " + guestPath + "\nbut there is "
                    + found.kind().description() + " at that path");
        }
        return this;
    }

    /**
     * Verifies that {@code guestPath} is a file whose content, read as UTF-8, is exactly {@code expected}.
     *
     * @throws AssertionError when the file is missing or its content differs (the error carries both texts, for an
     *                        IDE's diff), or the VM is null
     */
    public VmAssert hasFileWithContent(String guestPath, String expected) {
        hasFile(guestPath);
        String content = download(guestPath);
        if (!content.equals(expected)) {
            StringBuilder message = new StringBuilder("Expecting the file ").append(guestPath).append(" in ")
                    .append(theVm()).append(" to have the content:\n  ").append(ExecResultReport.quote(expected))
                    .append("\nbut it has:\n  ").append(content.length() <= 2000 ? ExecResultReport.quote(content)
                            : "(" + content.length() + " characters; the last lines are below)")
                    .append("\n\n");
            ExecResultReport.appendStream(message, "content", content);
            failWithActualExpectedAndMessage(content, expected, escape(message.substring(0, message.length() - 1)));
        }
        return this;
    }

    /**
     * Restores the snapshot {@code name} in the VM, then returns assertions on the restored VM, whose messages say
     * which snapshot they looked at: {@code assertThat(vm).afterRestoring("clean").doesNotHaveFile("/root/x")}.
     * This changes the VM: what it held before is gone unless a snapshot keeps it.
     *
     * @throws AssertionError when the VM has no such snapshot (the message lists those it holds), or is null
     */
    public VmAssert afterRestoring(String name) {
        isNotNull();
        List<String> names = snapshotNames();
        if (!names.contains(name)) {
            fail("Expecting " + theVm() + " to have a snapshot named " + ExecResultReport.quote(name)
                    + " to restore\nbut " + snapshotsHeld(names));
        }
        actual.restoreSnapshot(name);
        VmAssert restored = new VmAssert(actual, name);
        if (info.hasDescription()) {
            restored.describedAs(info.description());
        }
        return restored;
    }

    /**
     * Runs {@code commandLine} in the guest's shell ({@link Vm#shell(String)}) and returns assertions on its result
     * whose messages show the command: {@code assertThat(vm).shell("uname -s").succeeded()}.
     *
     * @throws AssertionError when the VM is null
     */
    public ExecResultAssert shell(String commandLine) {
        isNotNull();
        String subject = "the command `" + commandLine + "`"
                + (restoredSnapshot == null ? "" : " (run after restoring snapshot "
                + ExecResultReport.quote(restoredSnapshot) + ")");
        ExecResultAssert result = new ExecResultAssert(actual.shell(commandLine), subject);
        if (info.hasDescription()) {
            result.describedAs(info.description());
        }
        return result;
    }

    /**
     * Runs {@code commandLine} in the guest's shell and checks its result with {@code requirements}, then goes on
     * with this VM: {@code .shellResult("cat /x", x -> x.hasStdout("1\n")).hasFile("/y")}.
     *
     * @throws AssertionError when a requirement fails, or the VM is null
     */
    public VmAssert shellResult(String commandLine, Consumer<ExecResultAssert> requirements) {
        requirements.accept(shell(commandLine));
        return this;
    }

    private String theVm() {
        return restoredSnapshot == null ? "the VM"
                : "the VM, after restoring snapshot " + ExecResultReport.quote(restoredSnapshot) + ",";
    }

    private List<String> snapshotNames() {
        return actual.snapshots().stream().map(SnapshotInfo::name).toList();
    }

    private static String snapshotsHeld(List<String> names) {
        return names.isEmpty() ? "it has no snapshot at all"
                : "it has only " + names.stream().map(ExecResultReport::quote).toList();
    }

    private static String describe(GuestPathProbe.Found found) {
        if (found.kind() != GuestPathProbe.Kind.NOTHING) {
            return "there is " + found.kind().description() + " at that path";
        }
        String shown = found.siblings().size() < GuestPathProbe.LISTED ? "" : " (the first " + GuestPathProbe.LISTED + ")";
        return "there is nothing at that path; "
                + (found.siblings().isEmpty() ? "its directory is empty or missing"
                : "its directory holds" + shown + ": " + String.join(", ", found.siblings()));
    }

    private String download(String guestPath) {
        Path copy = null;
        try {
            copy = Files.createTempFile("osrun-assert-", ".tmp");
            actual.download(guestPath, copy);
            return new String(Files.readAllBytes(copy), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read the copy of guest file " + guestPath + " at " + copy, e);
        } finally {
            deleteQuietly(copy);
        }
    }

    private static void deleteQuietly(Path copy) {
        if (copy == null) {
            return;
        }
        try {
            Files.deleteIfExists(copy);
        } catch (IOException e) {
            copy.toFile().deleteOnExit();
        }
    }

    private void fail(String message) {
        failWithMessage(escape(message));
    }

    /** AssertJ formats the message with {@link String#format}: a {@code %} in a path must stay a {@code %}. */
    private static String escape(String message) {
        return message.replace("%", "%%");
    }
}
