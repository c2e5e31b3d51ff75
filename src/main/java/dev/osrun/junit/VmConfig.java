package dev.osrun.junit;

import dev.osrun.Accel;
import dev.osrun.GuestKind;
import dev.osrun.NetworkMode;

/**
 * What a VM is started with. Equal configurations share one pool of VMs for the whole run.
 *
 * @param guest     the guest
 * @param snapshot  the snapshot the VM starts from
 * @param memoryMiB the guest's memory, or 0 for the guest's default
 * @param cpus      virtual CPUs
 * @param accel     the accelerator
 * @param network   what the guest's network reaches
 * @param backend   where the VM runs ({@link BackendChoice#AUTO} until resolved)
 * @param image       the Docker backend's image, or {@code ""} for the library's default
 * @param cacheVolume the Docker backend's cache volume, or {@code ""} for the library's default
 * @param vnc         whether the guest's screen is served (noVNC with Docker, VNC on the loopback locally)
 */
record VmConfig(GuestKind guest, String snapshot, int memoryMiB, int cpus, Accel accel, NetworkMode network,
                BackendChoice backend, String image, String cacheVolume, boolean vnc) {

    /**
     * Reads the configuration that applies to a test or class.
     *
     * @throws IllegalArgumentException when a value is not valid; the message names its source and a valid value
     */
    static VmConfig from(Settings settings) {
        GuestKind guest = parse(settings.get(Setting.GUEST), GuestKind::parse, "windows11 or tiny", "tiny");
        String snapshot = settings.get(Setting.SNAPSHOT).text();
        SettingValue memory = settings.get(Setting.MEMORY);
        int memoryMiB = memory.isUnset() ? 0 : memory.positiveInt("MiB");
        int cpus = settings.get(Setting.CPUS).positiveInt("CPUs");
        Accel accel = parse(settings.get(Setting.ACCEL), Accel::parse, "auto, kvm or tcg", "tcg");
        NetworkMode network = parse(settings.get(Setting.NETWORK), NetworkMode::parse, "nat or isolated", "isolated");
        BackendChoice backend = BackendChoice.parse(settings.get(Setting.BACKEND));
        String image = settings.get(Setting.IMAGE).text();
        String cacheVolume = settings.get(Setting.CACHE_VOLUME).text();
        boolean vnc = parse(settings.get(Setting.VNC), VmConfig::parseBoolean, "true or false", "true");
        return new VmConfig(guest, snapshot, memoryMiB, cpus, accel, network, backend, image, cacheVolume, vnc);
    }

    /** This configuration on the backend {@code resolved} (for {@link BackendChoice#AUTO}). */
    VmConfig on(BackendChoice resolved) {
        return new VmConfig(guest, snapshot, memoryMiB, cpus, accel, network, resolved, image, cacheVolume, vnc);
    }

    /** A short description for logs and messages. */
    String describe() {
        return "guest " + guest.id() + ", backend " + backend.id()
                + (backend != BackendChoice.LOCAL && !image.isEmpty() ? " (image " + image + ")" : "")
                + ", " + (memoryMiB == 0 ? "default memory" : memoryMiB + " MiB") + ", " + cpus + " CPU(s), accel "
                + accel.id() + ", network " + network.id() + ", snapshot " + snapshot + (vnc ? ", vnc" : "");
    }

    private static boolean parseBoolean(String text) {
        if (text.equalsIgnoreCase("true") || text.equalsIgnoreCase("false")) {
            return Boolean.parseBoolean(text);
        }
        throw new IllegalArgumentException("not a boolean: " + text);
    }

    private static <T> T parse(SettingValue value, java.util.function.Function<String, T> parser, String expected,
                               String example) {
        try {
            return parser.apply(value.text());
        } catch (IllegalArgumentException e) {
            IllegalArgumentException invalid = value.invalid(expected, example);
            invalid.initCause(e);
            throw invalid;
        }
    }
}
