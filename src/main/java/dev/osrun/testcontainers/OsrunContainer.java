package dev.osrun.testcontainers;

import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Device;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Volume;
import dev.osrun.Accel;
import dev.osrun.GuestKind;
import dev.osrun.GuestOs;
import dev.osrun.LinuxVm;
import dev.osrun.NetworkMode;
import dev.osrun.OsrunException;
import dev.osrun.Vm;
import dev.osrun.WindowsVm;
import dev.osrun.server.Auth;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.utility.DockerImageName;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;

/**
 * The osrun image in serve mode: a VM (Windows 11 by default, or the tiny Linux guest) behind osrun's control API,
 * for tests. {@link #getVm()} gives it as a {@link Vm} ({@link WindowsVm} or {@link LinuxVm}, by the guest).
 *
 * <pre>{@code
 * try (OsrunContainer osrun = new OsrunContainer().withGuest(GuestKind.TINY)) {
 *     osrun.start();
 *     ExecResult result = osrun.getVm().shell("echo hello");
 * }
 * }</pre>
 *
 * <p>The image contract: {@code osrun serve} with the control API on port {@value #API_PORT} (bearer token in
 * {@code OSRUN_TOKEN}, a random one per container, never logged), the cache at {@code /cache} (a named volume,
 * {@value #DEFAULT_CACHE_VOLUME} unless {@link #withCacheVolume} says otherwise, so that the guest is provisioned
 * once per engine), and noVNC on port {@value #NOVNC_PORT} when {@link #withVnc()} asks for it. The container is
 * started when {@code /v1/health} says the guest answers; meanwhile the steps of the start (provisioning, on first
 * use) are logged. The default startup timeout covers a first provisioning: {@link #WINDOWS_STARTUP_TIMEOUT} for
 * Windows, {@link #TINY_STARTUP_TIMEOUT} for the tiny guest.
 *
 * <p>The image: {@code osrun:<library version>} by default. When the engine does not have it and no registry gives
 * it, it is built on first use from the Docker context shipped in this library (several minutes, once per
 * version). Another image is accepted if it is compatible with {@code osrun} (see
 * {@link DockerImageName#asCompatibleSubstituteFor}).
 *
 * <p>Remote engines ({@code DOCKER_HOST=tcp://...}, cloud runners) work: nothing of the host is mounted, files
 * travel through the API, and addresses come from {@link #getHost()} and the mapped ports.
 */
public class OsrunContainer extends GenericContainer<OsrunContainer> {

    /** The image's repository name, which other images must be compatible with. */
    public static final String IMAGE = "osrun";
    /** The control API's port in the container. */
    public static final int API_PORT = 5460;
    /** noVNC's port in the container, published after {@link #withVnc()}. */
    public static final int NOVNC_PORT = 8000;
    /** The named volume that holds the cache unless {@link #withCacheVolume} names another. */
    public static final String DEFAULT_CACHE_VOLUME = "osrun-cache";
    /** Where the image keeps its cache. */
    public static final String CACHE_PATH = "/cache";
    /** The default startup timeout of a Windows guest: its first start installs Windows. */
    public static final Duration WINDOWS_STARTUP_TIMEOUT = Duration.ofMinutes(90);
    /** The default startup timeout of the tiny guest: its first start provisions it in about a minute under TCG. */
    public static final Duration TINY_STARTUP_TIMEOUT = Duration.ofMinutes(5);

    private static final Logger log = LoggerFactory.getLogger(OsrunContainer.class);
    private static final DockerImageName OSRUN = DockerImageName.parse(IMAGE);
    private static final Path KVM = Path.of("/dev/kvm");

    private final String token = Auth.randomToken();
    private GuestKind guest = GuestKind.WINDOWS11;
    private String snapshot;
    private Integer memoryMiB;
    private Integer cpus;
    private Accel accel;
    private NetworkMode network = NetworkMode.NAT;
    private String cacheVolume = DEFAULT_CACHE_VOLUME;
    private final Set<Integer> forwardedPorts = new LinkedHashSet<>();
    private boolean vnc;
    private Boolean kvmDevice;
    private Path cacheFrom;
    private Duration startupTimeout;
    private RemoteVm vm;

    /** The default image, {@code osrun:<library version>}, built on first use when no registry has it. */
    public OsrunContainer() {
        this(DockerImageName.parse(IMAGE).withTag(libraryVersion()));
    }

    /**
     * This image.
     *
     * @throws IllegalStateException when the name is not {@code osrun} nor declared a compatible substitute
     */
    public OsrunContainer(String image) {
        this(DockerImageName.parse(image));
    }

    /**
     * This image.
     *
     * @throws IllegalStateException when the name is not {@code osrun} nor declared a compatible substitute
     */
    public OsrunContainer(DockerImageName image) {
        super(new OsrunImage(image));
        image.assertCompatibleWith(OSRUN);
        withExposedPorts(API_PORT);
        withEnv(Auth.TOKEN_ENV, token);
        waitingFor(new OsrunWaitStrategy(token, API_PORT));
        withCreateContainerCmdModifier(this::hostConfig);
    }

    /** The library's version, which tags the default image. */
    public static String libraryVersion() {
        try (InputStream in = OsrunContainer.class.getResourceAsStream("version.properties")) {
            Properties properties = new Properties();
            if (in != null) {
                properties.load(in);
            }
            String version = properties.getProperty("version", "");
            if (version.isBlank() || version.contains("${")) {
                throw new IllegalStateException("The osrun library holds no version (dev/osrun/testcontainers/version.properties "
                        + "is missing or unfiltered): build it with Maven, or name the image: new OsrunContainer(\"osrun:TAG\")");
            }
            return version.strip();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the osrun library's version", e);
        }
    }

    /** Runs this guest (default {@link GuestKind#WINDOWS11}); it also sets the default startup timeout. */
    public OsrunContainer withGuest(GuestKind value) {
        this.guest = Objects.requireNonNull(value, "guest");
        return self();
    }

    /** Starts the VM from this snapshot (the server's default: {@code provisioned}). */
    public OsrunContainer withSnapshot(String name) {
        this.snapshot = Objects.requireNonNull(name, "name");
        return self();
    }

    /** Gives the guest this much memory (default: 512 MiB tiny, 4096 MiB Windows). */
    public OsrunContainer withMemoryMiB(int value) {
        if (value < 64) {
            throw new IllegalArgumentException("The guest needs at least 64 MiB of memory; asked for " + value);
        }
        this.memoryMiB = value;
        return self();
    }

    /** Gives the guest this many virtual CPUs (default 1). */
    public OsrunContainer withCpus(int value) {
        if (value < 1) {
            throw new IllegalArgumentException("The guest needs at least one CPU; asked for " + value);
        }
        this.cpus = value;
        return self();
    }

    /**
     * Runs the guest's CPU this way (default {@link Accel#AUTO}). {@code OSRUN_ACCEL} in this JVM's environment is
     * passed to the container and overrides it there.
     */
    public OsrunContainer withAccel(Accel value) {
        this.accel = Objects.requireNonNull(value, "accel");
        return self();
    }

    /** What the guest's network reaches (default {@link NetworkMode#NAT}). */
    public OsrunContainer withNetwork(NetworkMode value) {
        this.network = Objects.requireNonNull(value, "network");
        return self();
    }

    /**
     * Keeps the cache (the provisioned guest, downloads) in this named volume (default
     * {@value #DEFAULT_CACHE_VOLUME}), which the engine creates when it does not exist. A volume, not a host path,
     * so that remote engines work.
     */
    public OsrunContainer withCacheVolume(String name) {
        if (name == null || name.isBlank() || name.contains("/")) {
            throw new IllegalArgumentException("withCacheVolume takes the name of a Docker volume, not a path; was '" + name + "'");
        }
        this.cacheVolume = name;
        return self();
    }

    /** Forwards this TCP port of the guest to the container and publishes it: see {@link #getForwardedPort}. */
    public OsrunContainer withForwardedPort(int guestPort) {
        if (guestPort < 1 || guestPort > 65535 || guestPort == API_PORT || guestPort == NOVNC_PORT) {
            throw new IllegalArgumentException("A forwarded port must be between 1 and 65535 and neither " + API_PORT
                    + " nor " + NOVNC_PORT + " (used by the container); was " + guestPort);
        }
        forwardedPorts.add(guestPort);
        return self();
    }

    /**
     * Shows the guest's screen through noVNC on port {@value #NOVNC_PORT}: see {@link #getVncUrl()}. Like every
     * debugging port it asks for no password: whoever reaches the published port sees and drives the screen.
     */
    public OsrunContainer withVnc() {
        this.vnc = true;
        return self();
    }

    /**
     * Passes {@code /dev/kvm} to the container ({@code true}) or not ({@code false}). Without this call it is
     * passed when this host's {@code /dev/kvm} can be opened for reading and writing <em>and</em> the engine is
     * local (a Unix socket or named pipe): the device of a remote engine's host cannot be checked from here, so
     * on a remote engine call {@code withKvmDevice(true)} when it has KVM.
     */
    public OsrunContainer withKvmDevice(boolean pass) {
        this.kvmDevice = pass;
        return self();
    }

    /** Waits at most this long for the VM (default: by guest, see {@link #WINDOWS_STARTUP_TIMEOUT}). */
    @Override
    public OsrunContainer withStartupTimeout(Duration timeout) {
        this.startupTimeout = Objects.requireNonNull(timeout, "timeout");
        return super.withStartupTimeout(timeout);
    }

    /**
     * Fills the cache volume from {@code archive} (written by {@link #exportCacheTo} or {@code osrun cache export})
     * before the VM starts, when the file exists and the volume has no provisioned guest of this kind yet, so that
     * the VM starts without provisioning. An archive made for other settings (another osrun, QEMU or memory size) or
     * a damaged one is refused with its reason in the log and the VM is provisioned as usual.
     */
    public OsrunContainer withCacheFrom(Path archive) {
        this.cacheFrom = archive.toAbsolutePath();
        return self();
    }

    /**
     * Writes the provisioned guest this container's cache volume holds to {@code archive} (a zstd-compressed tar with
     * its cache key and SHA-256; see {@code osrun cache export}), through the Docker API, so it works with a remote
     * engine too. Call it on a started container.
     *
     * @throws OsrunException when the container is not running or the export fails; the message carries its output
     */
    public void exportCacheTo(Path archive) {
        String inContainer = "/tmp/osrun-cache-export.tar.zst";
        List<String> command = new ArrayList<>(List.of("java", "-cp", "/opt/osrun/lib/*", "dev.osrun.cli.OsrunCommand",
                "cache", "export"));
        command.addAll(hardwareFlags());
        command.add(inContainer);
        try {
            org.testcontainers.containers.Container.ExecResult result = execInContainer(command.toArray(String[]::new));
            if (result.getExitCode() != 0) {
                throw new OsrunException("osrun cache export failed in " + getContainerName() + " (exit " + result.getExitCode()
                        + "): " + result.getStderr().strip());
            }
            Path target = archive.toAbsolutePath();
            Files.createDirectories(target.getParent());
            Path partial = target.resolveSibling("." + target.getFileName() + ".partial");
            copyFileFromContainer(inContainer, partial.toString());
            Files.move(partial, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            execInContainer("rm", "-f", inContainer);
            log.info("Exported the provisioned {} guest to {} ({} MiB)", guest.id(), target, Files.size(target) >> 20);
        } catch (IOException e) {
            throw new OsrunException("Cannot export the cache of " + getContainerName() + " to " + archive + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OsrunException("Interrupted while exporting the cache of " + getContainerName(), e);
        }
    }

    @Override
    protected void doStart() {
        if (cacheFrom != null && Files.isRegularFile(cacheFrom)) {
            CacheImport.run(DockerImageName.parse(getDockerImageName()), cacheVolume, cacheFrom, hardwareFlags(), startupTimeout());
        }
        super.doStart();
    }

    /** The flags that choose the guest and its hardware, and so the provisioned disk (its cache key). */
    private List<String> hardwareFlags() {
        List<String> flags = new ArrayList<>(List.of("--guest", guest.id()));
        if (memoryMiB != null) {
            flags.addAll(List.of("--memory", String.valueOf(memoryMiB)));
        }
        if (cpus != null) {
            flags.addAll(List.of("--cpus", String.valueOf(cpus)));
        }
        if (accel != null) {
            flags.addAll(List.of("--accel", accel.id()));
        }
        return flags;
    }

    /** Sets {@code OSRUN_ACCEL} in the container when this JVM has it: the person running the tests chose it. */
    static void passAccelOverride(GenericContainer<?> container) {
        String accelOverride = System.getenv(Accel.ENV);
        if (accelOverride != null && !accelOverride.isBlank()) {
            container.withEnv(Accel.ENV, accelOverride.strip());
        }
    }

    @Override
    protected void configure() {
        List<String> command = new ArrayList<>(List.of("serve", "--port", String.valueOf(API_PORT)));
        command.addAll(hardwareFlags());
        if (snapshot != null) {
            command.addAll(List.of("--use-snapshot", snapshot));
        }
        if (network != NetworkMode.NAT) {
            command.addAll(List.of("--network", network.id()));
        }
        for (int port : forwardedPorts) {
            command.addAll(List.of("--forward", String.valueOf(port)));
        }
        if (vnc) {
            command.add("--vnc");
        }
        setCommand(command.toArray(String[]::new));
        passAccelOverride(this);
        List<Integer> ports = new ArrayList<>(List.of(API_PORT));
        if (vnc) {
            ports.add(NOVNC_PORT);
        }
        ports.addAll(forwardedPorts);
        setExposedPorts(ports);
        getWaitStrategy().withStartupTimeout(startupTimeout());
    }

    private void hostConfig(CreateContainerCmd cmd) {
        HostConfig host = cmd.getHostConfig() != null ? cmd.getHostConfig() : HostConfig.newHostConfig();
        List<Bind> binds = new ArrayList<>();
        if (host.getBinds() != null) {
            binds.addAll(List.of(host.getBinds()));
        }
        binds.add(new Bind(cacheVolume, new Volume(CACHE_PATH)));
        host.withBinds(binds);
        if (passKvm()) {
            List<Device> devices = new ArrayList<>();
            if (host.getDevices() != null) {
                devices.addAll(List.of(host.getDevices()));
            }
            devices.add(new Device("rwm", KVM.toString(), KVM.toString()));
            host.withDevices(devices);
        }
        cmd.withHostConfig(host);
    }

    private boolean passKvm() {
        if (kvmDevice != null) {
            return kvmDevice;
        }
        String scheme = DockerClientFactory.instance().getTransportConfig().getDockerHost().getScheme();
        boolean localEngine = "unix".equals(scheme) || "npipe".equals(scheme);
        boolean usable = Files.isReadable(KVM) && Files.isWritable(KVM);
        log.debug("/dev/kvm: engine {} ({}), device {}", scheme, localEngine ? "local" : "remote", usable ? "usable" : "not usable");
        return localEngine && usable;
    }

    /** The startup timeout: the one set, else the guest's default. */
    public Duration startupTimeout() {
        if (startupTimeout != null) {
            return startupTimeout;
        }
        return guest.os() == GuestOs.WINDOWS ? WINDOWS_STARTUP_TIMEOUT : TINY_STARTUP_TIMEOUT;
    }

    /** The guest this container runs. */
    public GuestKind getGuest() {
        return guest;
    }

    /** The bearer token of this container's control API (random per container). */
    public String getToken() {
        return token;
    }

    /** The name of the volume that holds the cache. */
    public String getCacheVolume() {
        return cacheVolume;
    }

    /**
     * The control API's address as this JVM reaches it: {@link #getHost()} and the mapped port.
     *
     * @throws IllegalStateException when the container is not started
     */
    public URI getApiUri() {
        return URI.create("http://" + getHost() + ":" + getMappedPort(API_PORT));
    }

    /**
     * The VM, typed by its guest: a {@link WindowsVm} for Windows, a {@link LinuxVm} for Linux. Closing it does not
     * stop the VM; stopping the container does.
     *
     * @throws IllegalStateException when the container is not started
     */
    public synchronized RemoteVm getVm() {
        if (vm == null) {
            vm = RemoteVm.connect(getApiUri(), token, guest.os());
        }
        return vm;
    }

    /**
     * The VM as a {@link WindowsVm}.
     *
     * @throws IllegalStateException when the guest is not Windows, or the container is not started
     */
    public RemoteWindowsVm getWindowsVm() {
        if (!(getVm() instanceof RemoteWindowsVm windows)) {
            throw new IllegalStateException("This container runs the " + guest.id() + " guest, which is not Windows. "
                    + "Use getVm() or getLinuxVm(), or configure withGuest(GuestKind.WINDOWS11).");
        }
        return windows;
    }

    /**
     * The VM as a {@link LinuxVm}.
     *
     * @throws IllegalStateException when the guest is not Linux, or the container is not started
     */
    public RemoteLinuxVm getLinuxVm() {
        if (!(getVm() instanceof RemoteLinuxVm linux)) {
            throw new IllegalStateException("This container runs the " + guest.id() + " guest, which is not Linux. "
                    + "Use getVm() or getWindowsVm(), or configure withGuest(GuestKind.TINY).");
        }
        return linux;
    }

    /**
     * The address of noVNC's page, which shows the guest's screen.
     *
     * @throws IllegalStateException when {@link #withVnc()} was not called, or the container is not started
     */
    public String getVncUrl() {
        if (!vnc) {
            throw new IllegalStateException("noVNC is off: configure withVnc() before start() to see the guest's screen");
        }
        return "http://" + getHost() + ":" + getMappedPort(NOVNC_PORT) + "/";
    }

    /**
     * The host port at which this JVM reaches the guest's {@code guestPort}.
     *
     * @throws IllegalArgumentException when the port was not forwarded with {@link #withForwardedPort}
     */
    public int getForwardedPort(int guestPort) {
        if (!forwardedPorts.contains(guestPort)) {
            throw new IllegalArgumentException("Guest port " + guestPort + " is not forwarded; configure withForwardedPort("
                    + guestPort + ") before start(). Forwarded: " + forwardedPorts);
        }
        return getMappedPort(guestPort);
    }

    /** Ends the VM's client, then stops the container, and with it the VM; what was not in a snapshot is lost. */
    @Override
    public void stop() {
        synchronized (this) {
            if (vm != null) {
                vm.close();
                vm = null;
            }
        }
        super.stop();
    }
}
