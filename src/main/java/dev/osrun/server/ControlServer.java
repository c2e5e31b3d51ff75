package dev.osrun.server;

import dev.osrun.GuestKind;
import dev.osrun.OsrunException;
import dev.osrun.Vm;
import dev.osrun.VmCrashedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * osrun's control API: one HTTP port through which a test JVM drives a VM (exec with streamed output, files,
 * snapshots, screenshots, health and an event stream). Every request needs {@code Authorization: Bearer <token>}.
 *
 * <p>The server starts before its VM, so that a client can watch a long first start: {@code GET /v1/health} says
 * 503 {@code starting} until {@link #launch} or {@link #attach} hands it a running VM.
 *
 * <pre>{@code
 * try (LocalVm vm = LocalVm.builder(GuestKind.TINY).start();
 *      ControlServer server = ControlServer.builder(GuestKind.TINY).token(token).port(0).start()) {
 *     server.attach(vm);
 *     // http://127.0.0.1:<server.port()>/v1/health answers {"status":"ready",...}
 * }
 * }</pre>
 */
public final class ControlServer implements AutoCloseable {

    /** The port serve mode listens on unless told otherwise. */
    public static final int DEFAULT_PORT = 5460;

    private static final Logger log = LoggerFactory.getLogger(ControlServer.class);
    private static final Duration CRASH_POLL = Duration.ofMillis(250);
    private static final Duration STOP_GRACE = Duration.ofSeconds(1);
    private static final Duration LAUNCH_JOIN = Duration.ofSeconds(10);

    private final HttpListener http;
    private final ScheduledExecutorService watcher;
    private final EventStream events;
    private final ServedVm served;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Object lifecycle = new Object();
    private boolean closed;
    private boolean hasVm;
    private boolean ownsVm;
    private Thread launcher;

    private ControlServer(HttpListener http, EventStream events, ServedVm served) {
        this.http = http;
        this.events = events;
        this.served = served;
        this.watcher = Executors.newSingleThreadScheduledExecutor(daemonThreads("osrun-crash-watch"));
    }

    /** Starts configuring a server for a VM of this kind. */
    public static Builder builder(GuestKind guest) {
        return new Builder(guest);
    }

    /** The port the server listens on (the one chosen by the system when it was asked for port 0). */
    public int port() {
        return http.address().getPort();
    }

    /** The address the server listens on. */
    public InetSocketAddress address() {
        return http.address();
    }

    /**
     * Serves a VM that is already running. The caller keeps it: closing the server does not close the VM.
     *
     * @throws IllegalStateException when the server already has a VM or is closed
     */
    public void attach(Vm vm) {
        Objects.requireNonNull(vm, "vm");
        synchronized (lifecycle) {
            requireNoVm();
        }
        becomeReady(vm, false);
    }

    /**
     * Publishes a step of the VM's start on the event stream and in health ({@code provisioning}, say), for a
     * {@link dev.osrun.provision.ProvisioningListener} to call.
     */
    public void progress(String step, String detail) {
        served.progress(step, detail);
    }

    /**
     * Starts the VM in the background with {@code starter} (a first start can provision for minutes) and serves it
     * once it is up. The server owns that VM and closes it when it stops. If the start fails, health reports
     * {@code failed} with the reason.
     *
     * @throws IllegalStateException when the server already has a VM or is closed
     */
    public void launch(Supplier<? extends Vm> starter) {
        Objects.requireNonNull(starter, "starter");
        Thread thread = new Thread(() -> {
            served.progress("launching", "Starting the " + served.guest().id()
                    + " guest; a first start provisions it, which can take minutes");
            Vm vm;
            try {
                vm = starter.get();
            } catch (RuntimeException e) {
                log.warn("The VM did not start: {}", e.getMessage());
                served.failed(e.getMessage() != null ? e.getMessage() : e.toString());
                return;
            }
            becomeReady(vm, true);
        }, "osrun-vm-start");
        synchronized (lifecycle) {
            requireNoVm();
            launcher = thread;
        }
        thread.start();
    }

    private void requireNoVm() {
        if (closed) {
            throw new IllegalStateException("This control server is closed");
        }
        if (hasVm) {
            throw new IllegalStateException("This control server already serves a VM");
        }
        hasVm = true;
    }

    private void becomeReady(Vm vm, boolean owned) {
        synchronized (lifecycle) {
            if (closed) {
                if (owned) {
                    log.info("The server stopped while the VM started; stopping the VM");
                    vm.close();
                }
                return;
            }
            ownsVm = owned;
            served.ready(vm);
        }
        watcher.scheduleWithFixedDelay(this::checkAlive, CRASH_POLL.toMillis(), CRASH_POLL.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void checkAlive() {
        try {
            served.checkAlive();
        } catch (VmCrashedException e) {
            watcher.shutdown();
        } catch (RuntimeException e) {
            log.debug("Checking the VM failed", e);
        }
    }

    /** Blocks until {@link #close()} has run (from another thread: a signal handler, say). */
    public void awaitStop() throws InterruptedException {
        stopped.await();
    }

    /**
     * Stops the server: ends the event streams, gives running requests a second, then closes the VM if the server
     * started it. Never waits on open event streams.
     */
    @Override
    public void close() {
        Thread starting;
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            closed = true;
            starting = launcher;
        }
        log.info("Stopping the control API on port {}", port());
        events.publish(Json.object("type", "status", "message", "stopping", "guest", served.guest().id()));
        events.close();
        watcher.shutdownNow();
        http.stop(STOP_GRACE);
        if (starting != null && starting != Thread.currentThread() && starting.isAlive()) {
            starting.interrupt();
            joinQuietly(starting);
        }
        boolean closeVm;
        synchronized (lifecycle) {
            closeVm = ownsVm;
        }
        if (closeVm) {
            served.vm().ifPresent(vm -> {
                log.info("Stopping the VM");
                vm.close();
            });
        }
        stopped.countDown();
    }

    private static void joinQuietly(Thread thread) {
        try {
            thread.join(LAUNCH_JOIN.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    /** Configures and starts a {@link ControlServer}. */
    public static final class Builder {
        private final GuestKind guest;
        private String token;
        private String bindAddress = "127.0.0.1";
        private int port = DEFAULT_PORT;
        private ServerLimits limits;

        private Builder(GuestKind guest) {
            this.guest = Objects.requireNonNull(guest, "guest");
        }

        /** The bearer token every request must carry (required; see {@link Auth#randomToken()}). */
        public Builder token(String value) { this.token = value; return this; }

        /** Listens on this address (default {@code 127.0.0.1}; serve mode uses {@code 0.0.0.0} in a container). */
        public Builder bindAddress(String value) { this.bindAddress = Objects.requireNonNull(value); return this; }

        /** Listens on this port (default {@value ControlServer#DEFAULT_PORT}; 0 lets the system choose, see {@link #port()}). */
        public Builder port(int value) {
            if (value < 0 || value > 65535) {
                throw new IllegalArgumentException("The port must be between 0 and 65535; it is " + value);
            }
            this.port = value;
            return this;
        }

        /** Uses these limits (default: {@link ServerLimits#fromEnvironment()}). */
        public Builder limits(ServerLimits value) { this.limits = Objects.requireNonNull(value); return this; }

        /**
         * Opens the port and starts answering; health says {@code starting} until a VM is attached or launched.
         *
         * @throws IllegalStateException when no token was given
         * @throws OsrunException        when the port cannot be opened (in use, say)
         */
        public ControlServer start() {
            if (token == null) {
                throw new IllegalStateException("The control server needs a token: builder.token(Auth.randomToken()), say");
            }
            Auth auth = new Auth(token);
            ServerLimits chosen = limits != null ? limits : ServerLimits.fromEnvironment();
            EventStream events = new EventStream();
            ServedVm served = new ServedVm(guest, events, chosen.vmWait());
            InetSocketAddress address = new InetSocketAddress(bindAddress, port);
            Router router = new Router(auth, Map.of(
                    "/v1/health", new HealthRoute(served),
                    "/v1/exec", new ExecRoute(served, chosen),
                    "/v1/files", new FileRoute(served, chosen),
                    "/v1/screenshot", new ScreenshotRoute(served)),
                    new SnapshotRoute(served), events);
            HttpListener http;
            try {
                http = HttpListener.start(address, chosen, router);
            } catch (IOException e) {
                throw new OsrunException("Cannot listen on " + bindAddress + ":" + port + " (" + e.getMessage()
                        + "). Is another osrun serve running there? Choose another port with --port.", e);
            }
            ControlServer server = new ControlServer(http, events, served);
            log.info("Control API listening on {}:{}", bindAddress, server.port());
            served.progress("starting", "The control API is up; the VM is not started yet");
            return server;
        }
    }
}
