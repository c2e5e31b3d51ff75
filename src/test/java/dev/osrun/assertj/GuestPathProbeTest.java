package dev.osrun.assertj;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The PowerShell literal a Windows guest's path probe is built from (the Linux probe runs in VmAssertTest). */
class GuestPathProbeTest {

    @Test
    void aPathBecomesASingleQuotedLiteralThatPowerShellReadsBackUnchanged() {
        assertThat(GuestPathProbe.powershellLiteral("C:\\Program Files\\x.txt")).isEqualTo("'C:\\Program Files\\x.txt'");
        assertThat(GuestPathProbe.powershellLiteral("C:\\it's $env:TEMP `n")).isEqualTo("'C:\\it''s $env:TEMP `n'");
    }

    @Test
    void everyQuoteThatPowerShellTakesForASingleQuoteIsDoubled() {
        assertThat(GuestPathProbe.powershellLiteral("a\u2018b\u2019c\u201Ad\u201Be"))
                .isEqualTo("'a\u2018\u2018b\u2019\u2019c\u201A\u201Ad\u201B\u201Be'");
    }
}
