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
     * @param step   a short keyword: {@code provisioning}, {@code saving}, {@code provisioned}
     * @param detail a sentence for people
     */
    void step(String step, String detail);
}
