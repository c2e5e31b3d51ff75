package dev.osrun.provision;

import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Run in a child JVM by a test: locks the file {@code args[0]} exclusively, prints READY and waits to be killed. */
public final class HoldLockInChildJvm {

    private HoldLockInChildJvm() {
    }

    /** Locks and waits. */
    public static void main(String[] args) throws Exception {
        FileChannel channel = FileChannel.open(Path.of(args[0]), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        channel.lock();
        System.out.println("READY");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
