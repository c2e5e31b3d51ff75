package dev.osrun.provision;

import dev.osrun.OsrunException;
import dev.osrun.engine.DirectoryTree;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Builds the Windows 11 ISO from Windows Update through UUP dump: the file list of the pinned {@link UupSet}
 * (fetched right before the download, since its links expire; when the set is gone, the newest build of the same
 * channel), the download ({@link Aria2Download}), the conversion ({@link UupConverter}), and the result published
 * under its final name only when whole.
 *
 * @param client     UUP dump
 * @param set        the pinned set
 * @param channel    the search text whose newest build replaces a vanished pinned set, e.g. {@code Windows 11}
 * @param download   how to download
 * @param workRoot   where the downloaded files and the conversion's work go (the cache: tens of GB)
 * @param keepFiles  keep the downloaded files after the ISO is built
 */
record UupMedia(UupDumpClient client, UupSet set, String channel, Aria2Download download, Path workRoot,
                       boolean keepFiles) {

    private static final Logger log = LoggerFactory.getLogger(UupMedia.class);

    /**
     * A file list and the set it lists.
     *
     * @param set  the set (the pinned one, or the newest of its channel when the pinned one is gone)
     * @param list its files
     */
    record Listed(UupSet set, Aria2List list) {
    }

    /**
     * Fetches the pinned set's file list, or, when UUP dump says that set is gone, the newest build's of the same
     * channel.
     *
     * @throws OsrunException when neither can be listed or UUP dump cannot be reached
     */
    public Listed fileList(ProvisioningListener listener) {
        try {
            return new Listed(set, client.fileList(set));
        } catch (UupDumpClient.SetUnavailableException e) {
            if (!UupDumpClient.meansSetGone(e.code())) {
                throw e;
            }
            log.warn("{}; trying the newest '{}' build instead", e.getMessage(), channel);
            String latest = client.latestUpdateId(channel);
            UupSet newest = set.withUpdateId(latest);
            listener.step("media", "The pinned build is gone from Windows Update (" + e.code() + "); using the newest '"
                    + channel + "' build, update " + latest);
            try {
                return new Listed(newest, client.fileList(newest));
            } catch (UupDumpClient.SetUnavailableException again) {
                throw new OsrunException("Neither the pinned Windows 11 build (" + e.code() + ") nor the newest '" + channel
                        + "' build (" + again.code() + ") can be downloaded through UUP dump now. Pin another build with "
                        + UupSet.ENV_ID + "=<update id from uupdump.net>, or bring your own ISO (--iso PATH).", again);
            }
        }
    }

    /**
     * Builds the ISO into {@code target}.
     *
     * @throws OsrunException when UUP dump cannot be reached or lists nothing, the download fails, or the conversion fails
     */
    public Path build(Path target, ProvisioningListener listener) {
        listener.step("media", "No Windows 11 ISO in the cache: asking UUP dump (" + client.site() + ") for the files of update "
                + set.updateId() + " (" + set.edition() + ", " + set.language() + ")");
        Listed listed = fileList(listener);
        UupSet chosen = listed.set();
        Aria2List list = listed.list();
        Path files = workRoot.resolve("uup-" + chosen.updateId() + "-" + chosen.language() + "-" + chosen.edition());
        download.run(list, files, listener);
        Path work = workRoot.resolve(".uup-convert.partial-" + ProcessHandle.current().pid());
        Path partialIso = target.resolveSibling("." + target.getFileName() + ".partial-" + ProcessHandle.current().pid());
        try {
            listener.step("converting", "Converting the Windows Update files into an ISO");
            UupConverter.convert(files, chosen, work, partialIso);
            IsoSource.checkIso(partialIso);
            new CacheDir(target.getParent()).publish(partialIso, target);
            listener.step("media", "Built and cached " + target.getFileName());
            if (!keepFiles) {
                DirectoryTree.delete(files);
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot convert the files in " + files, e);
        } finally {
            try {
                Files.deleteIfExists(partialIso);
                DirectoryTree.delete(work);
            } catch (IOException e) {
                log.warn("Could not remove the conversion's work files {}: {}", work, e.toString());
            }
        }
    }
}
