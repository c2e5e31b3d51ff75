package dev.osrun.cli;

import dev.osrun.testing.RequiresTinyGuest;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code --new-snapshot provisioned} on the cached disk is refused: every later run starts from that snapshot. */
@RequiresTinyGuest
class ProvisionedReadOnlyCliTest {

    @Test
    void savingOverProvisionedIsRefusedWithAClearMessage() throws Exception {
        OsrunCommandTest.Run refused = OsrunCommandTest.osrun("--guest", "tiny", "--new-snapshot", "provisioned",
                "echo changed > /mnt/disk/changed");

        assertThat(refused.exitCode()).isEqualTo(125);
        assertThat(refused.stderr()).contains("'provisioned' is read-only", "Save your state under another name", "nothing was run");

        OsrunCommandTest.Run after = OsrunCommandTest.osrun("--guest", "tiny", "cat /mnt/disk/changed");
        assertThat(after.exitCode()).as("the provisioned state still has no such file").isNotZero();
    }
}
