/**
 * AssertJ assertions for osrun: {@link dev.osrun.assertj.OsrunAssertions#assertThat(dev.osrun.ExecResult)} for a
 * command's exit code and output, {@link dev.osrun.assertj.OsrunAssertions#assertThat(dev.osrun.Vm)} for a VM's
 * snapshots and guest files, before and after restoring a snapshot. Failure messages say what was expected and
 * show what was found: for a command, its exit code and the tails of stdout and stderr.
 */
package dev.osrun.assertj;
