package dev.osrun.provision;

import dev.osrun.ExecOptions;
import dev.osrun.ExecResult;
import dev.osrun.OsrunException;
import dev.osrun.engine.Command;
import dev.osrun.engine.DirectoryTree;
import dev.osrun.engine.Machine;
import dev.osrun.engine.MachineSpec;
import dev.osrun.engine.WindowsProfile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The {@code windows11} recipe: installs Windows 11 unattended from an ISO (the user's, the cached one, or one built
 * from Windows Update through UUP dump), as chained qcow2 steps, one per boot stage ({@link StepPipeline}); writes
 * the result into one compressed disk; boots it, waits for the guest agent and for the guest to be quiet, and saves
 * the {@code provisioned} snapshot. The step disks (and an ISO built here) are removed afterwards unless kept.
 *
 * <p>The steps and their files come from {@code win11-init/} ({@code OSRUN_WIN11_INIT}); the whole directory travels
 * on the answer medium ({@link AnswerMedium}).
 */
public final class WindowsRecipe {

    /** The environment variable naming the win11-init directory. */
    public static final String ENV_INIT = "OSRUN_WIN11_INIT";
    /** The prefix of every artifact of this recipe in the cache. */
    public static final String PREFIX = "win11";
    /** The snapshot the final disk holds. */
    public static final String PROVISIONED = TinyGuestRecipe.PROVISIONED;
    /** The file in the share the guest's scripts append status lines to. */
    public static final String STATUS_LOG = "status.txt";

    /**
     * The boot stages and the files that decide each, as win11-init/README.md lists them: Setup in Windows PE (it
     * copies the image, then reboots); the first boot of the installed system (specialize, as SYSTEM; Setup reboots
     * after it); the first logon (virtio drivers and agent, cleanup, compaction, wait until quiet, shut down).
     */
    static final List<List<String>> STEPS = List.of(
            List.of("setup", "autounattend.xml", "pe.cmd", "pe-defender.cmd"),
            List.of("specialize", "autounattend.xml", "specialize.ps1", "common.ps1", "osrun-exec.exe"),
            List.of("first-logon", "autounattend.xml", "first-logon.ps1", "common.ps1"));

    private static final Logger log = LoggerFactory.getLogger(WindowsRecipe.class);
    private static final String RECIPE_VERSION = "1";
    private static final Duration LOCK_TIMEOUT = Duration.ofHours(8);
    private static final List<String> BUSY = List.of("tiworker.exe", "msiexec.exe", "trustedinstaller.exe", "backgroundtaskhost.exe");

    /**
     * How to provision.
     *
     * @param iso        the user's own Windows 11 ISO, or null
     * @param keep       keep the step disks, the answer medium and a built ISO afterwards
     * @param vncDisplay a VNC address to watch Setup at (noVNC), or null
     * @param initDir    the win11-init directory, or null for {@code OSRUN_WIN11_INIT} / {@code ./win11-init}
     * @param env        the environment ({@code OSRUN_UUP_*}, {@code OSRUN_UUPDUMP_*})
     */
    public record Options(Path iso, boolean keep, String vncDisplay, Path initDir, Map<String, String> env) {

        /** Options from the process environment: {@code OSRUN_ISO}, {@code OSRUN_WIN11_INIT}, UUP dump overrides. */
        public static Options fromEnvironment() {
            Map<String, String> env = System.getenv();
            String iso = env.get(IsoSource.ENV_ISO);
            return new Options(iso != null && !iso.isBlank() ? Path.of(iso) : null, false, null, null, env);
        }

        /** These options with the user's ISO {@code value} (null: none). */
        public Options withIso(Path value) {
            return new Options(value, keep, vncDisplay, initDir, env);
        }

        /** These options, keeping the install's artifacts or not. */
        public Options withKeep(boolean value) {
            return new Options(iso, value, vncDisplay, initDir, env);
        }

        /** These options with Setup's screen served over VNC at {@code display}. */
        public Options withVnc(String display) {
            return new Options(iso, keep, display, initDir, env);
        }

        Path init() {
            if (initDir != null) {
                return initDir;
            }
            String configured = env.get(ENV_INIT);
            return Path.of(configured != null && !configured.isBlank() ? configured : "win11-init").toAbsolutePath();
        }
    }

    private WindowsRecipe() {
    }

    /** The install steps from {@code initDir}. @throws OsrunException when a step's file is missing */
    static List<InstallStep> steps(Path initDir, Hardware install, ImageSelection image, String virtio) {
        List<InstallStep> steps = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        Duration timeout = install.accel() == dev.osrun.Accel.KVM ? Duration.ofMinutes(90) : Duration.ofHours(6);
        for (List<String> step : STEPS) {
            List<Path> files = new ArrayList<>();
            for (String name : step.subList(1, step.size())) {
                Path file = initDir.resolve(name);
                if (!Files.isRegularFile(file)) {
                    missing.add(name);
                }
                files.add(file);
            }
            List<String> facts = switch (step.get(0)) {
                case "setup" -> List.of(image.fact());
                case "first-logon" -> List.of(virtio);
                default -> List.of();
            };
            steps.add(new InstallStep(step.get(0), files, facts, timeout));
        }
        if (!missing.isEmpty()) {
            throw new OsrunException("The Windows 11 recipe needs " + String.join(", ", missing.stream().distinct().toList())
                    + " in " + initDir + ", but they are not there. Point " + ENV_INIT + " at osrun's win11-init directory "
                    + "(the image has it, with osrun-exec.exe, in /opt/osrun/win11-init; on a host, build osrun-exec.exe "
                    + "with docker/launcher/build.sh DIR and copy it into win11-init).");
        }
        return steps;
    }

    /**
     * The cache path of the provisioned Windows 11 disk for these files, media and hardware (it may not exist yet):
     * what {@link #provision} returns, without installing anything.
     */
    public static Path diskPath(CacheDir cache, Hardware install, Hardware run, Options options) {
        return layout(cache, install, run, options, ProvisioningListener.NONE).disk();
    }

    /** The hardware Setup runs on for VMs of {@code run}: at least 8 GiB and 2 CPUs, which Setup needs. */
    public static Hardware installHardware(Hardware run) {
        return Hardware.of(run.accel(), Math.max(run.memoryMiB(), 8192), Math.max(run.cpus(), 2));
    }

    /** Where a provisioning's pieces go, and the keys that name them. */
    private record Layout(Path initDir, ImageSelection image, List<InstallStep> steps, Path answer, Path disk) {
    }

    private static Layout layout(CacheDir cache, Hardware install, Hardware run, Options options, ProvisioningListener listener) {
        Path initDir = options.init();
        Path cachedIso = cache.resolve(IsoSource.CACHED_ISO);
        Path knownIso = options.iso() != null ? options.iso() : Files.isRegularFile(cachedIso) ? cachedIso : null;
        if (knownIso != null) {
            IsoSource.checkIso(knownIso);
        }
        ImageSelection image = ImageSelection.forIso(knownIso, options.env());
        List<InstallStep> steps = steps(initDir, install, image, VirtioMedia.identity(options.env()));
        Path status = cache.resolve("." + PREFIX + "-share").resolve(STATUS_LOG);
        Path answer = cache.resolve(PREFIX + "-answer-" + install.key("answer", hashTree(initDir), image.fact()) + ".iso");
        StepPipeline pipeline = new StepPipeline(cache, PREFIX, install, "64G",
                new SetupStepRunner(null, status, listener), listener);
        List<String> keys = pipeline.keys(steps);
        Path disk = cache.resolve(PREFIX + "-" + run.key(PREFIX + "-final", RECIPE_VERSION, keys.get(keys.size() - 1)) + ".qcow2");
        return new Layout(initDir, image, steps, answer, disk);
    }

    /**
     * Returns the provisioned Windows 11 disk, installing it first if the cache has none for these files and this
     * hardware. A run that was killed resumes from its last complete step.
     *
     * @param install the hardware Setup runs on
     * @param run     the hardware the snapshot is saved on (and later restored on)
     * @throws OsrunException when the media cannot be had (the message says what could not be reached and how to
     *                        bring an ISO), or a step fails ({@link StepFailedException}, with the guest's logs)
     */
    public static Path provision(CacheDir cache, Hardware install, Hardware run, Options options, ProvisioningListener listener) {
        Layout layout = layout(cache, install, run, options, listener);
        Path initDir = layout.initDir();
        ImageSelection image = layout.image();
        List<InstallStep> steps = layout.steps();
        Path probe = cache.resolve("." + PREFIX + "-probe.qcow2");
        Path share = cache.resolve("." + PREFIX + "-share");
        Path status = share.resolve(STATUS_LOG);
        Path answer = layout.answer();
        Path disk = layout.disk();
        if (Files.exists(disk)) {
            return disk;
        }
        try (CacheDir.Lock lock = cache.lock("provision", LOCK_TIMEOUT)) {
            if (Files.exists(disk)) {
                return disk;
            }
            cache.removeLeftovers();
            log.info("Provisioning Windows 11 into {} (first use of this cache; this takes a while)", disk);
            boolean isoExisted = Files.exists(cache.resolve(IsoSource.CACHED_ISO));
            UupMedia uup = new UupMedia(UupDumpClient.fromEnvironment(options.env()), UupSet.fromEnvironment(options.env()),
                    "Windows 11", Aria2Download.DEFAULT, cache.root(), options.keep());
            Path iso = IsoSource.resolve(options.iso(), cache, uup, listener);
            boolean builtIso = !isoExisted && options.iso() == null;
            Path virtio = VirtioMedia.resolve(cache, options.env(), listener);
            if (!Files.exists(answer)) {
                buildAnswerMedium(initDir, image, answer);
            }
            Files.createDirectories(share);
            Files.deleteIfExists(probe);
            QemuTools.createQcow2(probe, "16M");
            SetupMachine machine = new SetupMachine(install, iso, answer, share, probe, virtio, options.vncDisplay());
            StepPipeline pipeline = new StepPipeline(cache, PREFIX, install, "64G", new SetupStepRunner(machine, status, listener),
                    listener);
            Path last = pipeline.run(steps);
            Path partial = cache.temporaryFor(disk);
            try {
                pipeline.flatten(last, partial);
                saveProvisioned(partial, run, share, options.vncDisplay(), listener);
                cache.publishDisk(partial, disk);
            } finally {
                Files.deleteIfExists(partial);
            }
            listener.step("provisioned", "Windows 11 is provisioned: " + disk.getFileName());
            if (!options.keep()) {
                pipeline.removeSteps();
                Files.deleteIfExists(answer);
                Files.deleteIfExists(probe);
                if (builtIso) {
                    Files.deleteIfExists(cache.resolve(IsoSource.CACHED_ISO));
                }
            }
            return disk;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot provision Windows 11 into " + cache.root(), e);
        }
    }

    /** Boots the final disk, waits for the agent and for the guest to be quiet, saves {@code provisioned}. */
    private static void saveProvisioned(Path disk, Hardware run, Path share, String vncDisplay, ProvisioningListener listener)
            throws IOException {
        Path runDir = dev.osrun.engine.RunDirectory.create("osrun-win11-snapshot-");
        try {
            listener.step("booting", "Booting the installed Windows to save the '" + PROVISIONED + "' snapshot");
            MachineSpec spec = run.specBuilder(disk, runDir).shareDir(share).vncDisplay(vncDisplay).build();
            Duration boot = run.accel() == dev.osrun.Accel.KVM ? Duration.ofMinutes(20) : Duration.ofMinutes(120);
            try (Machine machine = Machine.start(spec, new WindowsProfile(), boot)) {
                awaitQuiet(machine, listener, Duration.ofMinutes(30));
                listener.step("saving", "Saving the '" + PROVISIONED + "' snapshot");
                machine.saveSnapshot(PROVISIONED);
            }
            if (!QemuTools.snapshotNames(disk).contains(PROVISIONED)) {
                throw new OsrunException("The Windows disk has no '" + PROVISIONED + "' snapshot after saving it; it is not kept.");
            }
        } finally {
            DirectoryTree.delete(runDir);
        }
    }

    /**
     * Waits until none of Windows' busy processes (TiWorker, msiexec, TrustedInstaller …) has run for two polls in
     * a row, at most {@code timeout}; then goes on with a warning.
     */
    private static void awaitQuiet(Machine machine, ProvisioningListener listener, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        int quiet = 0;
        String busy = "";
        while (quiet < 2) {
            if (System.nanoTime() > deadline) {
                log.warn("Windows was still busy ({}) after {} min; saving the snapshot anyway", busy, timeout.toMinutes());
                return;
            }
            ExecResult tasks = machine.exec(new Command.Shell("tasklist /nh /fo csv"), ExecOptions.defaults().withTimeout(Duration.ofMinutes(2)));
            String lower = tasks.stdout().toLowerCase(Locale.ROOT);
            busy = String.join(", ", BUSY.stream().filter(lower::contains).toList());
            quiet = busy.isEmpty() ? quiet + 1 : 0;
            if (!busy.isEmpty()) {
                listener.step("waiting", "Waiting for Windows to be quiet (still running: " + busy + ")");
            }
            try {
                Thread.sleep(Duration.ofSeconds(10).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new OsrunException("Interrupted while waiting for Windows to be quiet", e);
            }
        }
    }

    /** The answer medium: win11-init's files, with the answer file selecting {@code image}. */
    static void buildAnswerMedium(Path initDir, ImageSelection image, Path answer) throws IOException {
        Path staging = answer.resolveSibling("." + answer.getFileName() + ".staging.partial-" + ProcessHandle.current().pid());
        try {
            try (Stream<Path> tree = Files.walk(initDir)) {
                for (Path source : tree.toList()) {
                    Path target = staging.resolve(initDir.relativize(source).toString());
                    if (Files.isDirectory(source)) {
                        Files.createDirectories(target);
                    } else {
                        Files.copy(source, target);
                    }
                }
            }
            Path answerFile = staging.resolve("autounattend.xml");
            Files.writeString(answerFile, image.apply(Files.readString(answerFile)));
            AnswerMedium.build(staging, answer);
        } finally {
            DirectoryTree.delete(staging);
        }
    }

    /** A hash of every file under {@code dir}, names and bytes. */
    private static String hashTree(Path dir) {
        try (Stream<Path> tree = Files.walk(dir)) {
            List<Path> files = tree.filter(Files::isRegularFile).sorted().toList();
            return new InstallStep("tree", files, Duration.ZERO).filesHash() + files.stream().map(p -> dir.relativize(p).toString()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + dir, e);
        }
    }
}
