package dev.osrun.cli;

import dev.osrun.GuestKind;
import dev.osrun.provision.CacheArchive;
import dev.osrun.provision.CacheDir;
import dev.osrun.provision.Hardware;
import dev.osrun.provision.ProvisioningListener;
import dev.osrun.provision.TinyGuest;
import dev.osrun.provision.TinyGuestRecipe;
import dev.osrun.provision.WindowsRecipe;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code osrun cache export FILE} and {@code osrun cache import FILE}: the provisioned guest as one file, for a CI
 * system's cache. The guest and hardware flags choose which provisioned disk (they make its cache key), exactly as
 * they do for a run.
 */
@Command(name = "cache", sortOptions = false, usageHelpAutoWidth = true,
        subcommands = {CacheCommand.Export.class, CacheCommand.Import.class},
        description = "Moves a provisioned guest in and out of the cache as one file (osrun cache export|import FILE).")
final class CacheCommand implements Callable<Integer> {

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Display this help")
    boolean help;

    @Override
    public Integer call() {
        System.err.println("osrun: cache needs a subcommand: osrun cache export FILE, or osrun cache import FILE");
        return 2;
    }

    /** The provisioned disk that the flags name: the file the cache keeps for this guest, QEMU and hardware. */
    static Path provisionedDisk(CacheDir cache, VmOptions vm) {
        Hardware hardware = Hardware.of(vm.accel(), vm.memoryMiB(), vm.cpus);
        if (vm.guest == GuestKind.WINDOWS11) {
            WindowsRecipe.Options options = WindowsRecipe.Options.fromEnvironment();
            if (vm.iso != null) {
                options = options.withIso(vm.iso);
            }
            return WindowsRecipe.diskPath(cache, WindowsRecipe.installHardware(hardware), hardware, options);
        }
        return TinyGuestRecipe.diskPath(cache, TinyGuest.locate(), hardware);
    }

    private static ProvisioningListener printer(PrintStream err) {
        return (step, detail) -> err.println("osrun: " + step + ": " + detail);
    }

    /** {@code osrun cache export FILE}. */
    @Command(name = "export", sortOptions = false, usageHelpAutoWidth = true,
            description = "Writes the provisioned guest to FILE (a zstd-compressed tar with its cache key and SHA-256).")
    static final class Export implements Callable<Integer> {
        @Option(names = {"-h", "--help"}, usageHelp = true, description = "Display this help")
        boolean help;

        @Mixin
        VmOptions vm = new VmOptions();

        @Parameters(paramLabel = "FILE", description = "The archive to write (e.g. osrun-tiny.tar.zst)")
        Path file;

        @Override
        public Integer call() {
            CacheDir cache = CacheDir.fromEnvironment();
            CacheArchive.Manifest manifest = CacheArchive.exportTo(cache, vm.guest.id(), provisionedDisk(cache, vm), file,
                    printer(System.err));
            System.out.println(manifest.artifact() + " " + manifest.sha256());
            return 0;
        }
    }

    /** {@code osrun cache import FILE}. */
    @Command(name = "import", sortOptions = false, usageHelpAutoWidth = true,
            description = "Reads a provisioned guest from FILE into the cache; refuses an archive for another key, or a damaged one.")
    static final class Import implements Callable<Integer> {
        @Option(names = {"-h", "--help"}, usageHelp = true, description = "Display this help")
        boolean help;

        @Mixin
        VmOptions vm = new VmOptions();

        @Option(names = "--if-missing", description = "Do nothing when the cache already holds this guest, provisioned")
        boolean ifMissing;

        @Parameters(paramLabel = "FILE", description = "The archive that osrun cache export wrote")
        Path file;

        @Override
        public Integer call() {
            CacheDir cache = CacheDir.fromEnvironment();
            Path disk = provisionedDisk(cache, vm);
            if (ifMissing && java.nio.file.Files.exists(disk)) {
                System.err.println("osrun: the cache already holds " + disk.getFileName() + "; not importing " + file);
                return 0;
            }
            CacheArchive.Manifest manifest = CacheArchive.importFrom(cache, vm.guest.id(), disk, file,
                    printer(System.err));
            System.out.println(manifest.artifact() + " " + manifest.sha256());
            return 0;
        }
    }
}
