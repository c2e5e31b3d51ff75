package dev.osrun.it;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Volume;
import com.github.dockerjava.api.exception.NotFoundException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * A Docker named volume for {@code /cache}, as users mount one ({@code -v osrun-cache:/cache}). Created by
 * {@link #create}, removed by {@link #close()}.
 */
final class CacheVolume implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CacheVolume.class);

    private final String name;

    private CacheVolume(String name) {
        this.name = name;
    }

    /** Creates a fresh, empty volume whose name starts with {@code prefix}. */
    static CacheVolume create(String prefix) {
        String name = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
        DockerClientFactory.instance().client().createVolumeCmd().withName(name)
                .withLabels(java.util.Map.of("dev.osrun.it", "true")).exec();
        log.info("Created cache volume {}", name);
        return new CacheVolume(name);
    }

    /** The volume's name, as given to {@code docker run -v NAME:/cache}. */
    String name() {
        return name;
    }

    /** Adds this volume at {@code /cache} to a container's binds, as {@code -v NAME:/cache} does. */
    void mountAtCache(CreateContainerCmd cmd) {
        List<Bind> binds = new ArrayList<>();
        if (cmd.getHostConfig().getBinds() != null) {
            binds.addAll(List.of(cmd.getHostConfig().getBinds()));
        }
        binds.add(new Bind(name, new Volume(OsrunCliContainer.CACHE_PATH)));
        cmd.getHostConfig().withBinds(binds);
    }

    /** Removes the volume; it must not be in use by a container any more. */
    @Override
    public void close() {
        DockerClient docker = DockerClientFactory.instance().client();
        try {
            docker.removeVolumeCmd(name).exec();
            log.info("Removed cache volume {}", name);
        } catch (NotFoundException e) {
            log.debug("Cache volume {} was already gone", name);
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
