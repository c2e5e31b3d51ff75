package dev.osrun.provision;

import dev.osrun.OsrunException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Turns a downloaded UUP set into a bootable Windows 11 ISO with Linux tools: {@code cabextract},
 * {@code wimlib-imagex}, {@code chntpw} and {@code genisoimage}. Our own steps, following the documented layout
 * of a UUP set (the order UUP dump's converter uses):
 * <ol>
 *   <li>find the metadata ESD of the edition and language ({@code …<edition>_<lang>.esd}, any case);</li>
 *   <li>turn every CAB that is not an update package ({@code windows1x.0-kb…}) into a reference ESD;</li>
 *   <li>apply image 1 of the metadata ESD as the media's skeleton;</li>
 *   <li>export image 2 as {@code winre.wim};</li>
 *   <li>export image 3 into {@code sources/install.wim} against all references, with {@code winre.wim} inside;</li>
 *   <li>build {@code sources/boot.wim} from it: index 1 Windows PE with its
 *       SOFTWARE hive pointed at {@code X:\$Windows.~bt} (chntpw), index 2 Windows Setup with the media's
 *       {@code sources} added, marked bootable;</li>
 *   <li>write the ISO: BIOS El Torito {@code boot/etfsboot.com} plus the UEFI image, UDF for files over 4 GiB.</li>
 * </ol>
 * Cumulative updates are not integrated (the ISO holds the set's base build), and the single image keeps the name
 * the metadata carries, so the answer file selects it by index.
 */
final class UupConverter {

    private static final Logger log = LoggerFactory.getLogger(UupConverter.class);
    private static final Duration STEP_TIMEOUT = Duration.ofHours(2);
    private static final String WIMLIB_HINT = "Install wimlib (Debian: apt-get install wimtools).";

    private UupConverter() {
    }

    /**
     * Converts the UUP files in {@code files} for {@code set} into {@code iso}, working in {@code work} (created,
     * left for the caller to remove).
     *
     * @throws OsrunException when a file the layout needs is missing or a tool fails; the message names the step
     */
    public static void convert(Path files, UupSet set, Path work, Path iso) throws IOException {
        Files.createDirectories(work);
        Path metadata = metadataEsd(files, set);
        Path refs = Files.createDirectories(work.resolve("refs"));
        for (Path cab : list(files, ".cab")) {
            String name = cab.getFileName().toString().toLowerCase(Locale.ROOT);
            if (name.matches("windows1\\d\\.0-kb.*")) {
                continue;
            }
            Path extracted = work.resolve("cab-" + name);
            tool("extracting " + cab.getFileName(), List.of("cabextract", "-q", "-d", extracted.toString(), cab.toString()),
                    "Install cabextract (Debian: apt-get install cabextract).");
            wim("turning " + cab.getFileName() + " into a reference ESD", "capture", extracted.toString(),
                    refs.resolve(name.replaceAll("\\.cab$", ".esd")).toString(), "Edition Package", "Edition Package",
                    "--compress=XPRESS", "--no-acls", "--norpfix");
        }
        List<String> references = new ArrayList<>();
        for (Path esd : list(files, ".esd")) {
            if (!esd.equals(metadata)) {
                references.add("--ref=" + esd);
            }
        }
        for (Path esd : list(refs, ".esd")) {
            references.add("--ref=" + esd);
        }
        Path isoDir = work.resolve("ISODIR");
        wim("applying the media skeleton (image 1 of " + metadata.getFileName() + ")", "apply", metadata.toString(), "1",
                isoDir.toString(), "--no-acls", "--no-attributes");
        Path winre = work.resolve("winre.wim");
        wim("exporting Windows RE (image 2)", concat(List.of("export", metadata.toString(), "2", winre.toString(), "--compress=LZX"), references));
        Path install = isoDir.resolve("sources/install.wim");
        wim("exporting the installed system (image 3)",
                concat(List.of("export", metadata.toString(), "3", install.toString(), "--compress=LZX"), references));
        wim("adding winre.wim to install.wim", "update", install.toString(), "1",
                "--command=add " + winre + " /Windows/System32/Recovery/Winre.wim");
        buildBootWim(isoDir, winre, work);
        Path biosFonts = isoDir.resolve("boot/fonts");
        Path efiFonts = isoDir.resolve("efi/microsoft/boot/fonts");
        if (!Files.isDirectory(biosFonts) && Files.isDirectory(efiFonts)) {
            copyTree(efiFonts, biosFonts);
        }
        writeIso(isoDir, set, iso);
    }

    /** The metadata ESD of {@code set}'s edition and language, found by pattern (names differ between builds). */
    static Path metadataEsd(Path files, UupSet set) throws IOException {
        String suffix = (set.edition() + "_" + set.language() + ".esd").toLowerCase(Locale.ROOT);
        List<Path> all = list(files, ".esd");
        List<Path> matches = all.stream().filter(p -> {
            String name = p.getFileName().toString().toLowerCase(Locale.ROOT);
            return name.equals(suffix) || name.endsWith("_" + suffix);
        }).toList();
        if (matches.size() != 1) {
            throw new OsrunException("Expected one metadata ESD named like *" + suffix + " in " + files + ", found "
                    + matches.size() + " among " + all.stream().map(p -> p.getFileName().toString()).toList()
                    + ". Is the download complete, and are the edition and language those of the set?");
        }
        return matches.get(0);
    }

    private static void buildBootWim(Path isoDir, Path winre, Path work) throws IOException {
        Path boot = isoDir.resolve("sources/boot.wim");
        wim("creating boot.wim's Windows PE (index 1)", "export", winre.toString(), "1", boot.toString(),
                "Microsoft Windows PE (x64)", "--compress=LZX");
        Path hiveDir = Files.createDirectories(work.resolve("hive"));
        wim("extracting Windows PE's SOFTWARE hive", "extract", boot.toString(), "1", "/Windows/System32/config/SOFTWARE",
                "--dest-dir=" + hiveDir, "--no-acls", "--no-attributes");
        Path hive = hiveDir.resolve("SOFTWARE");
        patchWinPeHive(hive, work);
        wim("writing the patched SOFTWARE hive back", "update", boot.toString(), "1",
                "--command=add " + hive + " /Windows/System32/config/SOFTWARE");
        wim("creating boot.wim's Windows Setup (index 2)", "export", winre.toString(), "1", boot.toString(),
                "Microsoft Windows Setup (x64)", "--boot");
        Path commands = work.resolve("setup-files.txt");
        StringBuilder adds = new StringBuilder();
        try (Stream<Path> sources = Files.list(isoDir.resolve("sources"))) {
            for (Path file : sources.filter(p -> !List.of("boot.wim", "install.wim").contains(p.getFileName().toString().toLowerCase(Locale.ROOT)))
                    .sorted().toList()) {
                adds.append("add '").append(file).append("' '/sources/").append(file.getFileName()).append("'\n");
            }
        }
        if (Files.isRegularFile(isoDir.resolve("setup.exe"))) {
            adds.append("add '").append(isoDir.resolve("setup.exe")).append("' '/setup.exe'\n");
        }
        Files.writeString(commands, adds.toString(), StandardCharsets.UTF_8);
        run("adding Setup's files to boot.wim", List.of("wimlib-imagex", "update", boot.toString(), "2"), commands, WIMLIB_HINT);
    }

    /**
     * Points Windows PE's {@code SystemRoot} and {@code InstRoot} at {@code X:\$Windows.~bt}, where Setup's
     * Windows PE lives, with chntpw's registry editor.
     */
    private static void patchWinPeHive(Path hive, Path work) throws IOException {
        Path script = work.resolve("chntpw-script.txt");
        Files.writeString(script, String.join("\n",
                "cd \\Microsoft\\Windows NT\\CurrentVersion\\WinPE",
                "nv 1 InstRoot",
                "ed InstRoot",
                "X:\\$Windows.~bt",
                "cd \\Microsoft\\Windows NT\\CurrentVersion",
                "nv 1 SystemRoot",
                "ed SystemRoot",
                "X:\\$Windows.~bt\\Windows",
                "q",
                "y",
                ""), StandardCharsets.ISO_8859_1);
        run("patching Windows PE's SOFTWARE hive", List.of("chntpw", "-e", hive.toString()), script,
                "Install chntpw (Debian: apt-get install chntpw).");
    }

    static void writeIso(Path isoDir, UupSet set, Path iso) {
        List<String> command = new ArrayList<>(List.of("genisoimage", "-quiet", "-input-charset", "utf-8",
                "-iso-level", "3", "-udf", "-allow-limited-size", "-J", "-joliet-long", "-relaxed-filenames", "-D", "-N",
                "-V", ("OSRUN_" + set.edition()).toUpperCase(Locale.ROOT), "-c", "boot/boot.catalog", "-hide", "boot/boot.catalog",
                "-b", "boot/etfsboot.com", "-no-emul-boot", "-boot-load-size", "8"));
        for (String efi : List.of("efi/microsoft/boot/efisys_noprompt.bin", "efi/microsoft/boot/efisys.bin")) {
            if (Files.isRegularFile(isoDir.resolve(efi))) {
                command.addAll(List.of("-eltorito-alt-boot", "-b", efi, "-no-emul-boot"));
                break;
            }
        }
        if (!Files.isRegularFile(isoDir.resolve("boot/etfsboot.com"))) {
            throw new OsrunException("The media skeleton has no boot/etfsboot.com, so the ISO could not boot with BIOS. "
                    + "Is the metadata ESD complete?");
        }
        command.addAll(List.of("-o", iso.toString(), isoDir.toString()));
        tool("writing the ISO", command, "Install genisoimage (Debian: apt-get install genisoimage).");
    }

    private static void wim(String what, String... args) {
        wim(what, List.of(args));
    }

    private static void wim(String what, List<String> args) {
        tool(what, concat(List.of("wimlib-imagex"), args), WIMLIB_HINT);
    }

    private static void tool(String what, List<String> command, String hint) {
        run(what, command, null, hint);
    }

    private static void run(String what, List<String> command, Path stdin, String hint) {
        log.info("Conversion: {}", what);
        ToolRun.Result result = ToolRun.run(command, null, stdin, STEP_TIMEOUT, hint, line -> log.debug("{}: {}", command.get(0), line));
        if (result.exitCode() != 0) {
            throw new OsrunException("Converting the UUP files failed while " + what + ": '" + String.join(" ", command)
                    + "' exited with " + result.exitCode() + ":\n" + result.output());
        }
    }

    private static List<Path> list(Path dir, String extension) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> Files.isRegularFile(p) && p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(extension))
                    .sorted().toList();
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> tree = Files.walk(from)) {
            for (Path source : tree.toList()) {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target);
                }
            }
        }
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
