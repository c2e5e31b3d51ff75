package dev.osrun.junit;

import dev.osrun.GuestKind;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.List;

/**
 * The guest one {@link OsrunGuests} invocation runs on, with that guest's own settings, kept in the invocation's
 * store so that {@link Settings} (for the invocation and everything under it) takes it before any other source.
 *
 * @param guest  the guest
 * @param config the {@link Osrun} of {@link OsrunGuests#configs()} for this run, or null for a guest of
 *               {@link OsrunGuests#value()}
 * @param source where it was declared, for messages
 */
record GuestBinding(GuestKind guest, Osrun config, String source) {

    private static final String KEY = GuestBinding.class.getName();

    /** Binds this guest in {@code invocation}'s store. */
    void bind(ExtensionContext invocation) {
        invocation.getStore(VmLending.NAMESPACE).put(KEY, this);
    }

    /** The binding that applies in {@code context} (its own store or an enclosing one's), or null. */
    static GuestBinding of(ExtensionContext context) {
        return context.getStore(VmLending.NAMESPACE).get(KEY, GuestBinding.class);
    }

    /**
     * How this run is named in display names: its guest, and, when {@code runs} has other runs of that guest, the
     * settings of its own ({@code tiny, memory 768}).
     */
    String label(List<GuestBinding> runs) {
        long sameGuest = runs.stream().filter(run -> run.guest == guest).count();
        if (sameGuest == 1 || config == null) {
            return guest.id();
        }
        StringBuilder label = new StringBuilder(guest.id());
        for (Setting setting : Setting.values()) {
            if (setting != Setting.GUEST && setting.attributeName() != null && !setting.attributeValue(config).isEmpty()) {
                label.append(", ").append(setting.attributeName()).append(' ').append(setting.attributeValue(config));
            }
        }
        return label.toString();
    }

    /** This binding's value for {@code setting}, or null when it leaves the setting to the other sources. */
    SettingValue value(Setting setting) {
        if (setting == Setting.GUEST) {
            return new SettingValue(setting, guest.id(), source);
        }
        if (config != null && setting.attributeName() != null && !setting.attributeValue(config).isEmpty()) {
            return new SettingValue(setting, setting.attributeValue(config), source + " (configs for " + guest.id() + ")");
        }
        return null;
    }
}
