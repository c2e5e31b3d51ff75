package dev.osrun.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osrun.Accel;
import dev.osrun.engine.AccelResolver;
import dev.osrun.provision.CacheArchive;
import dev.osrun.provision.CacheDir;
import dev.osrun.provision.Hardware;
import dev.osrun.provision.ProvisioningListener;
import dev.osrun.provision.TinyGuest;
import dev.osrun.provision.TinyGuestRecipe;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code bin/bench cache}: a fresh cache filled by importing an archive ({@code osrun cache import}) against the
 * same cache filled by provisioning, side by side on the tiny guest; the import's throughput gives the estimate
 * for a Windows archive. Writes {@code results-cache.json} and {@code results-cache.md} into the output folder.
 */
public final class CacheBench {

    /** The compressed size assumed for a provisioned Windows 11 archive (the original osrun's disk is ~6 GB). */
    private static final double WINDOWS_ARCHIVE_MIB = 6 * 1024;

    private CacheBench() {
    }

    /** Runs the benchmark; {@code args[0]} is the output folder. */
    public static void main(String[] args) throws IOException {
        Path out = Path.of(args.length > 0 ? args[0] : "target/bench");
        Path work = Files.createTempDirectory("osrun-bench-cache-");
        try {
            Hardware hardware = Hardware.of(Accel.AUTO, 512, 1);
            TinyGuest guest = TinyGuest.locate();
            Results results = new Results();
            int n = Bench.n("cache", 5);
            int[] round = {0};

            Samples provision = results.metric("cache_provision", "fill a fresh cache by provisioning the tiny guest");
            Path[] disk = new Path[1];
            results.time(provision, 0, n, () -> disk[0] = TinyGuestRecipe.provision(
                    new CacheDir(work.resolve("provisioned-" + round[0]++)), guest, hardware));

            Path archive = work.resolve("tiny.tar.zst");
            CacheDir source = new CacheDir(disk[0].getParent());
            Samples export = results.metric("cache_export", "osrun cache export of that disk",
                    Files.size(disk[0]) / 1048576.0);
            results.time(export, 0, n, () -> CacheArchive.exportTo(source, "tiny", disk[0], archive, ProvisioningListener.NONE));
            double archiveMiB = Files.size(archive) / 1048576.0;

            Samples imported = results.metric("cache_import", "fill a fresh cache by osrun cache import", archiveMiB);
            results.time(imported, 0, n, () -> {
                CacheDir fresh = new CacheDir(work.resolve("imported-" + round[0]++));
                CacheArchive.importFrom(fresh, "tiny", TinyGuestRecipe.diskPath(fresh, guest, hardware), archive,
                        ProvisioningListener.NONE);
            });

            results.printTable(System.out);
            double ratio = provision.percentile(50) / imported.percentile(50);
            double windowsSeconds = WINDOWS_ARCHIVE_MIB / imported.mbPerSecondAtP50();
            System.out.printf("%nimport_vs_provision: import is %.1fx faster than provisioning (tiny guest, %s; archive %.1f MiB)%n",
                    ratio, AccelResolver.resolve(Accel.AUTO), archiveMiB);
            System.out.printf("Windows estimate: a %.0f MiB archive at %.0f MiB/s imports in ~%.0f s, against ~20 min of provisioning%n",
                    WINDOWS_ARCHIVE_MIB, imported.mbPerSecondAtP50(), windowsSeconds);

            results.writeJson(out.resolve("results-cache.json"));
            ObjectNode summary = new ObjectMapper().createObjectNode();
            summary.put("ratio", Math.round(ratio * 10) / 10.0);
            summary.put("archive_mib", Math.round(archiveMiB * 10) / 10.0);
            summary.put("import_mib_per_s", Math.round(imported.mbPerSecondAtP50()));
            summary.put("windows_archive_mib_assumed", WINDOWS_ARCHIVE_MIB);
            summary.put("windows_import_estimate_s", Math.round(windowsSeconds));
            ObjectNode root = (ObjectNode) new ObjectMapper().readTree(out.resolve("results-cache.json").toFile());
            root.set("import_vs_provision", summary);
            root.set("machine", Bench.machine(AccelResolver.resolve(Accel.AUTO).name()));
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.resolve("results-cache.json").toFile(), root);
            try (var md = new java.io.PrintStream(Files.newOutputStream(out.resolve("results-cache.md")))) {
                results.printMarkdown(md);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            Bench.deleteTree(work);
        }
    }
}
