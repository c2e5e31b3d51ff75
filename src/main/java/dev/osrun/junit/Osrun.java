package dev.osrun.junit;

import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Runs the annotated test class (or method) with {@link OsrunExtension} and configures the VMs it lends to
 * parameters of type {@link dev.osrun.Vm}, {@link dev.osrun.WindowsVm} and {@link dev.osrun.LinuxVm}.
 *
 * <pre>{@code
 * @Osrun(guest = "tiny")
 * class InstallerTest {
 *     @Test
 *     void runs(LinuxVm vm) {
 *         assertThat(vm.shell("uname -s").stdout()).isEqualTo("Linux\n");
 *     }
 * }
 * }</pre>
 *
 * <p>Every attribute left at its default ({@code ""} or {@code 0}) is taken from the next source that sets it, in
 * this order: an {@code @Osrun} on an enclosing method or class (a method's before its class's, a {@code @Nested}
 * class's before its outer class's), the system property, the environment variable, the configuration parameter
 * (for instance in {@code junit-platform.properties}), and the default:
 *
 * <table>
 *   <caption>Configuration keys</caption>
 *   <tr><th>attribute</th><th>system property / configuration parameter</th><th>environment</th><th>default</th></tr>
 *   <tr><td>{@link #guest}</td><td>{@code osrun.guest}</td><td>{@code OSRUN_GUEST}</td><td>{@code windows11}</td></tr>
 *   <tr><td>{@link #snapshot}</td><td>{@code osrun.snapshot}</td><td>{@code OSRUN_SNAPSHOT}</td><td>{@code provisioned}</td></tr>
 *   <tr><td>{@link #memory}</td><td>{@code osrun.memory}</td><td>{@code OSRUN_MEMORY}</td><td>the guest's (512 tiny, 4096 windows11)</td></tr>
 *   <tr><td>{@link #cpus}</td><td>{@code osrun.cpus}</td><td>{@code OSRUN_CPUS}</td><td>1</td></tr>
 *   <tr><td>{@link #accel}</td><td>{@code osrun.accel}</td><td>{@code OSRUN_ACCEL}</td><td>{@code auto}</td></tr>
 *   <tr><td>{@link #network}</td><td>{@code osrun.network}</td><td>{@code OSRUN_NETWORK}</td><td>{@code nat}</td></tr>
 *   <tr><td>{@link #backend}</td><td>{@code osrun.backend}</td><td>{@code OSRUN_BACKEND}</td><td>{@code auto}</td></tr>
 *   <tr><td>{@link #image}</td><td>{@code osrun.image}</td><td>{@code OSRUN_IMAGE}</td><td>{@code osrun:<library version>}</td></tr>
 *   <tr><td>-</td><td>{@code osrun.cache.volume}</td><td>{@code OSRUN_CACHE_VOLUME}</td><td>{@code osrun-cache} (Docker volume)</td></tr>
 *   <tr><td>-</td><td>{@code osrun.vnc}</td><td>{@code OSRUN_VNC}</td><td>{@code false}; {@code true} serves each VM's screen (noVNC with Docker) and logs its address</td></tr>
 *   <tr><td>-</td><td>{@code osrun.pool.size}</td><td>{@code OSRUN_POOL_SIZE}</td><td>JUnit's parallelism (1 when tests run one at a time)</td></tr>
 *   <tr><td>-</td><td>{@code osrun.reports.dir}</td><td>{@code OSRUN_REPORTS_DIR}</td><td>{@code target/osrun-reports}</td></tr>
 * </table>
 *
 * <p>{@code OSRUN_ACCEL} is special: the engine lets it override whatever the test chose, because the person
 * running the tests knows their machine best (nested KVM can be slower than software emulation).
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD, ElementType.ANNOTATION_TYPE})
@ExtendWith(OsrunExtension.class)
public @interface Osrun {

    /** The guest: {@code windows11} or {@code tiny}. */
    String guest() default "";

    /**
     * The snapshot the VM starts from, and that every test starts from unless {@link UseSnapshot} names another.
     */
    String snapshot() default "";

    /** The guest's memory in MiB; 0 leaves it to the next source. */
    int memory() default 0;

    /** The guest's virtual CPUs; 0 leaves it to the next source. */
    int cpus() default 0;

    /** The accelerator: {@code auto}, {@code kvm} or {@code tcg}. */
    String accel() default "";

    /** What the guest's network reaches: {@code nat} or {@code isolated} (see {@link dev.osrun.NetworkMode}). */
    String network() default "";

    /**
     * Where the VM runs: {@code docker} (the osrun image, through Testcontainers), {@code local} (QEMU on this host,
     * driven from the test JVM) or {@code auto} (Docker when an engine answers, else local when QEMU is installed).
     */
    String backend() default "";

    /** The osrun image the Docker backend runs, e.g. {@code osrun:0.1.0}. */
    String image() default "";
}
