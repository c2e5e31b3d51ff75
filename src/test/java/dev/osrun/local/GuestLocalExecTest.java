package dev.osrun.local;

import dev.osrun.ExecOptions;
import dev.osrun.ExecResult;
import dev.osrun.ExecTimeoutException;
import dev.osrun.GuestKind;
import dev.osrun.engine.LinuxProfile;
import dev.osrun.qga.GuestAgentClient;
import dev.osrun.testing.RequiresTinyGuest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Exec without the share: stdout and stderr go to guest-local files (tmpfs) that the engine reads with the agent's
 * file calls, stdin beyond what fits in one guest-exec call goes through a guest-local file too. One VM without
 * the share for the class; the tests leave the guest as they found it.
 */
@RequiresTinyGuest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GuestLocalExecTest {

    private LocalVm vm;

    @BeforeAll
    void start() {
        vm = LocalVm.builder(GuestKind.TINY).withoutShare().start();
    }

    @AfterAll
    void stop() {
        if (vm != null) {
            vm.close();
        }
    }

    @Test
    void outputReachesTheConsumerWhileTheCommandRuns() {
        // The command waits until the host has seen its first line and created /tmp/go through the agent.
        StringBuilder seen = new StringBuilder();
        ExecOptions options = ExecOptions.defaults()
                .withTimeout(Duration.ofSeconds(60))
                .withStdoutConsumer(text -> {
                    seen.append(text);
                    if (seen.toString().contains("first")) {
                        createGuestFile("/tmp/go");
                    }
                });

        ExecResult result = vm.shell("rm -f /tmp/go; echo first; while [ ! -e /tmp/go ]; do sleep 0.1; done; "
                + "echo second; echo apart >&2; rm /tmp/go", options);

        assertThat(result.stdout()).isEqualTo("first\nsecond\n");
        assertThat(seen.toString()).isEqualTo(result.stdout());
        assertThat(result.stderr()).isEqualTo("apart\n");
    }

    @Test
    void outputBeyondTheLimitReachesTheConsumerWholeWhileTheResultKeepsTheTail() {
        StringBuilder all = new StringBuilder();
        ExecOptions options = ExecOptions.defaults().withOutputLimit(100).withStdoutConsumer(all::append);

        ExecResult result = vm.shell("seq 1 200000", options);

        StringBuilder expected = new StringBuilder();
        for (int i = 1; i <= 200_000; i++) {
            expected.append(i).append('\n');
        }
        assertThat(all.toString()).isEqualTo(expected.toString());
        assertThat(result.stdout()).isEqualTo(expected.substring(expected.length() - 100));
        assertThat(result.truncated()).isTrue();
    }

    @Test
    void largeStdinArrivesByteForByteWithoutTheShare() throws NoSuchAlgorithmException {
        byte[] input = new byte[3 * 1024 * 1024 + 17]; // beyond what one guest-exec call carries
        new Random(9).nextBytes(input);

        ExecResult result = vm.exec(List.of("wc", "-c"), ExecOptions.defaults().withStdin(input));
        ExecResult digest = vm.exec(List.of("md5sum"), ExecOptions.defaults().withStdin(input));

        assertThat(result.stdout().strip()).isEqualTo(Integer.toString(input.length));
        assertThat(digest.stdout()).startsWith(HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(input)));
    }

    @Test
    void aTimeoutKillsTheTreeOrphansIncluded() {
        ExecOptions options = ExecOptions.defaults().withTimeout(Duration.ofSeconds(3));

        assertThatThrownBy(() -> vm.shell("echo started; (sleep 1003 &); sleep 1004 & sleep 1005", options))
                .isInstanceOfSatisfying(ExecTimeoutException.class,
                        e -> assertThat(e.partialStdout()).isEqualTo("started\n"));
        assertThat(vm.shell("ps | grep -c '[s]leep 100'").stdout().strip()).isEqualTo("0");
    }

    @Test
    void aProcessLeftRunningNeitherHoldsTheCommandNorWritesIntoALaterOne() {
        ExecResult started = vm.shell("(sleep 2; echo late; echo late >&2) & echo now");

        assertThat(started.stdout()).isEqualTo("now\n");
        assertThat(started.duration()).isLessThan(Duration.ofSeconds(2));
        vm.exec("sleep", "3");
        ExecResult later = vm.exec("true");
        assertThat(later.stdout()).isEmpty();
        assertThat(later.stderr()).isEmpty();
    }

    @Test
    void theOutputFilesDoNotPileUpOverHundredsOfCommands() {
        for (int i = 0; i < 200; i++) {
            assertThat(vm.exec("echo", Integer.toString(i)).stdout()).isEqualTo(i + "\n");
            if (i % 50 == 49) {
                // At most one batch of commands waits for deletion (2 files each), plus the command that counts.
                int files = Integer.parseInt(vm.shell("ls " + LinuxProfile.EXEC_DIR + " | wc -l").stdout().strip());
                assertThat(files).as("files in %s after %d commands", LinuxProfile.EXEC_DIR, i + 1).isBetween(2, 2 * 17 + 2);
            }
        }
    }

    @Test
    void aMissingProgramExits127AndAWorkingDirectoryThatIsNotThereExits126() {
        ExecResult missing = vm.exec("no-such-program-here");
        ExecResult noDir = vm.exec(List.of("pwd"), ExecOptions.defaults().withWorkingDirectory("/no/such/dir"));

        assertThat(missing.exitCode()).isEqualTo(127);
        assertThat(missing.stderr()).contains("no-such-program-here");
        assertThat(noDir.exitCode()).isEqualTo(126);
        assertThat(noDir.stderr()).contains("/no/such/dir");
    }

    private void createGuestFile(String path) {
        GuestAgentClient agent = vm.machine().agent();
        agent.fileClose(agent.fileOpen(path, "w"));
    }
}
