package dev.osrun.provision;

/**
 * Hears what provisioning is doing, step by step (the serve mode's event stream passes it on). Called on the
 * provisioning thread; keep it quick.
 */
@FunctionalInterface
public interface ProvisioningListener {

    /** A listener that ignores everything. */
    ProvisioningListener NONE = (step, detail) -> { };

    /**
     * Reports a step.
     *
     * @param step   a short keyword: {@code provisioning}, {@code media}, {@code downloading} (with the percentage),
     *               {@code converting}, {@code step} (an install step starts, is cached or is done), {@code waiting}
     *               (a step or the guest is being waited for, with the guest's last status), {@code compressing},
     *               {@code booting}, {@code saving}, {@code provisioned}
     * @param detail a sentence for people
     */
    void step(String step, String detail);
}
