package dev.osrun.transport;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

class JsonRedactorTest {

    private final JsonRedactor redactor = JsonRedactor.forMembers("buf-b64", "env");

    @Test
    void replacesRedactedMembersAtAnyDepthByTheirSize() throws Exception {
        JsonNode message = JsonSocket.parse("{\"execute\": \"x\", \"arguments\": {\"buf-b64\": \"c2VjcmV0\", "
                + "\"env\": [\"TOKEN=abc\", \"B=2\"], \"list\": [{\"buf-b64\": \"QQ==\"}], \"handle\": 3}}");

        JsonNode redacted = redactor.redact(message);

        assertThat(redacted.toString())
                .isEqualTo("{\"execute\":\"x\",\"arguments\":{\"buf-b64\":\"<redacted: 8 chars>\","
                        + "\"env\":\"<redacted: 2 entries>\",\"list\":[{\"buf-b64\":\"<redacted: 4 chars>\"}],"
                        + "\"handle\":3}}")
                .doesNotContain("c2VjcmV0", "TOKEN");
    }

    @Test
    void leavesTheOriginalUntouchedAndReturnsItWhenNothingIsRedacted() throws Exception {
        JsonNode secret = JsonSocket.parse("{\"buf-b64\": \"c2VjcmV0\"}");
        JsonNode plain = JsonSocket.parse("{\"handle\": 3}");

        redactor.redact(secret);

        assertThat(secret.get("buf-b64").asText()).isEqualTo("c2VjcmV0");
        assertThat(redactor.redact(plain)).isSameAs(plain);
        assertThat(redactor.redact(null)).isNull();
    }
}
