package dev.osrun.transport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.Set;

/**
 * Replaces the values of sensitive or bulky JSON members by a note of their size, so that messages can be logged
 * and put into exception messages without leaking secrets or megabytes of base64.
 *
 * <p>Used by the QMP client and by the guest agent client ({@code dev.osrun.qga}), each with its own member names.
 * Instances are immutable and thread-safe.
 */
public final class JsonRedactor {

    private final Set<String> members;

    private JsonRedactor(Set<String> members) {
        this.members = Set.copyOf(members);
    }

    /**
     * Creates a redactor for members with the given names, at any depth.
     *
     * @param memberNames the member names whose values are hidden, e.g. {@code buf-b64}
     * @return the redactor
     */
    public static JsonRedactor forMembers(String... memberNames) {
        return new JsonRedactor(Set.of(memberNames));
    }

    /**
     * Returns a copy of {@code node} in which every redacted member's value is replaced by a size note: a string by
     * {@code "<redacted: N chars>"}, an array by {@code "<redacted: N entries>"}, anything else by
     * {@code "<redacted>"}. The argument is not modified.
     *
     * @param node the JSON to redact, or {@code null}
     * @return the redacted copy, {@code node} itself when nothing needed redacting, or {@code null} for {@code null}
     */
    public JsonNode redact(JsonNode node) {
        if (node == null || !needsRedaction(node)) {
            return node;
        }
        return copy(node);
    }

    private boolean needsRedaction(JsonNode node) {
        if (node.isObject()) {
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                if (members.contains(field.getKey()) || needsRedaction(field.getValue())) {
                    return true;
                }
            }
        } else if (node.isArray()) {
            for (JsonNode element : node) {
                if (needsRedaction(element)) {
                    return true;
                }
            }
        }
        return false;
    }

    private JsonNode copy(JsonNode node) {
        JsonNodeFactory factory = JsonNodeFactory.instance;
        if (node.isObject()) {
            ObjectNode result = factory.objectNode();
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                String name = field.getKey();
                result.set(name, members.contains(name) ? factory.textNode(sizeNote(field.getValue()))
                        : copy(field.getValue()));
            }
            return result;
        }
        if (node.isArray()) {
            ArrayNode result = factory.arrayNode();
            node.forEach(element -> result.add(copy(element)));
            return result;
        }
        return node;
    }

    private static String sizeNote(JsonNode value) {
        if (value.isTextual()) {
            return "<redacted: " + value.textValue().length() + " chars>";
        }
        if (value.isArray()) {
            return "<redacted: " + value.size() + " entries>";
        }
        return "<redacted>";
    }
}
