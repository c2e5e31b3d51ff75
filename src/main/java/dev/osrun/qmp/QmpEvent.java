package dev.osrun.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.Objects;

/**
 * An asynchronous event sent by QEMU, such as {@code STOP}, {@code RESUME}, {@code SHUTDOWN} or
 * {@code GUEST_PANICKED}.
 *
 * @param name      the event name
 * @param data      the event's {@code data} member; an empty object when QEMU sent none
 * @param timestamp when QEMU emitted the event
 */
public record QmpEvent(String name, JsonNode data, Instant timestamp) {

    /**
     * Creates an event.
     *
     * @param name      the event name
     * @param data      the event's data; an empty object when QEMU sent none
     * @param timestamp when QEMU emitted the event
     * @throws NullPointerException when any component is {@code null}
     */
    public QmpEvent {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(timestamp, "timestamp");
    }

    /**
     * Returns whether this event has the given name.
     *
     * @param eventName an event name such as {@code STOP}
     * @return {@code true} when the names are equal
     */
    public boolean is(String eventName) {
        return name.equals(eventName);
    }
}
