package dev.osrun.testcontainers;

import com.fasterxml.jackson.databind.JsonNode;
import dev.osrun.ExecOptions;
import dev.osrun.ExecResult;
import dev.osrun.GuestKind;
import dev.osrun.GuestOs;
import dev.osrun.OsrunException;
import dev.osrun.SnapshotInfo;
import dev.osrun.SnapshotNotFoundException;
import dev.osrun.Vm;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A VM behind osrun's control API ({@code osrun serve}, which {@link OsrunContainer} runs): the whole {@link Vm}
 * API over HTTP. Output of a command reaches the consumers while it runs; files and trees travel through the API
 * (never through a shared host path), so the engine may be remote.
 *
 * <p>Errors are those {@code LocalVm} throws: {@link SnapshotNotFoundException} listing the snapshots,
 * {@link dev.osrun.ExecTimeoutException} with the output written before the timeout,
 * {@link dev.osrun.VmCrashedException} with the tail of the serial log, and {@link OsrunException} (with the HTTP
 * status and the server's message) for everything else.
 *
 * <p>The server serialises calls per VM. {@link #close()} only ends this client: the VM belongs to the server (to
 * the container), which stops it when it stops.
 *
 * <pre>{@code
 * Vm vm = RemoteVm.connect(container.getApiUri(), container.getToken());
 * ExecResult result = vm.shell("uname -a");
 * }</pre>
 */
public abstract sealed class RemoteVm implements Vm permits RemoteLinuxVm, RemoteWindowsVm {

    private final ControlApi api;
    private final GuestOs os;
    private final RemoteFiles files;
    private volatile boolean closed;

    RemoteVm(URI apiUri, String token, GuestOs os) {
        this.api = new ControlApi(apiUri, token);
        this.os = os;
        this.files = new RemoteFiles(api);
    }

    /**
     * A client of the VM served at {@code apiUri}, typed by its guest: a {@link dev.osrun.LinuxVm} or a
     * {@link dev.osrun.WindowsVm}. Sends nothing yet.
     */
    public static RemoteVm connect(URI apiUri, String token, GuestOs os) {
        Objects.requireNonNull(apiUri, "apiUri");
        Objects.requireNonNull(token, "token");
        return switch (Objects.requireNonNull(os, "os")) {
            case LINUX -> new RemoteLinuxVm(apiUri, token);
            case WINDOWS -> new RemoteWindowsVm(apiUri, token);
        };
    }

    /**
     * A client of the VM served at {@code apiUri}, typed by the guest that the server's {@code /v1/health} names.
     *
     * @throws OsrunException when the server cannot be reached, refuses the token or names no guest
     */
    public static RemoteVm connect(URI apiUri, String token) {
        ControlApi probe = new ControlApi(apiUri, token);
        HttpResponse<byte[]> response = probe.send(probe.request("/v1/health").GET().build(),
                HttpResponse.BodyHandlers.ofByteArray(), "ask the control API which guest it serves");
        JsonNode health = ControlApi.json(response.body());
        if (health == null || !health.path("guest").isTextual()) {
            throw probe.error("ask the control API which guest it serves", response.statusCode(), response.body());
        }
        return connect(apiUri, token, GuestKind.parse(health.get("guest").asText()).os());
    }

    /** The control API's base address. */
    public URI apiUri() {
        return api.base();
    }

    @Override
    public GuestOs os() {
        return os;
    }

    @Override
    public ExecResult exec(List<String> argv, ExecOptions options) {
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("exec needs a program to run: argv is empty");
        }
        return run("argv", List.copyOf(argv), options);
    }

    @Override
    public ExecResult shell(String commandLine, ExecOptions options) {
        return run("shell", Objects.requireNonNull(commandLine, "commandLine"), options);
    }

    /** Runs {@code command} as {@code kind} ({@code argv}, {@code shell} or {@code powershell}). */
    ExecResult run(String kind, Object command, ExecOptions options) {
        requireOpen();
        return new ExecCall(api, kind, command, Objects.requireNonNull(options, "options")).run();
    }

    @Override
    public void upload(Path hostPath, String guestPath) {
        requireOpen();
        files.upload(hostPath, guestPath);
    }

    @Override
    public void download(String guestPath, Path hostPath) {
        requireOpen();
        files.download(guestPath, hostPath);
    }

    @Override
    public SnapshotInfo saveSnapshot(String name) {
        requireOpen();
        byte[] body = snapshotCall(name, "save snapshot '" + name + "'",
                api.request("/v1/snapshots/" + ControlApi.segment(name)).POST(HttpRequest.BodyPublishers.noBody()), 201);
        JsonNode saved = ControlApi.json(body);
        if (saved == null) {
            throw new OsrunException("Saved snapshot '" + name + "', but the control API's answer is not JSON: "
                    + ControlApi.message(body));
        }
        return info(saved);
    }

    @Override
    public void restoreSnapshot(String name) {
        requireOpen();
        snapshotCall(name, "restore snapshot '" + name + "'",
                api.request("/v1/snapshots/" + ControlApi.segment(name) + "/restore").POST(HttpRequest.BodyPublishers.noBody()), 204);
    }

    @Override
    public List<SnapshotInfo> snapshots() {
        requireOpen();
        byte[] body = api.call(api.request("/v1/snapshots").GET().build(), "list the snapshots", 200);
        JsonNode list = ControlApi.json(body);
        if (list == null || !list.isArray()) {
            throw new OsrunException("The control API's list of snapshots is not a JSON array: " + ControlApi.message(body));
        }
        List<SnapshotInfo> snapshots = new ArrayList<>();
        list.forEach(snapshot -> snapshots.add(info(snapshot)));
        return List.copyOf(snapshots);
    }

    @Override
    public void deleteSnapshot(String name) {
        requireOpen();
        snapshotCall(name, "delete snapshot '" + name + "'",
                api.request("/v1/snapshots/" + ControlApi.segment(name)).DELETE(), 204);
    }

    @Override
    public byte[] screenshotPng() {
        requireOpen();
        return api.call(api.request("/v1/screenshot").GET().build(), "take a screenshot", 200);
    }

    /** Ends this client; the VM runs on until its server (the container) stops. */
    @Override
    public void close() {
        closed = true;
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + api.base() + ", " + os + "]";
    }

    private byte[] snapshotCall(String name, String what, HttpRequest.Builder request, int expected) {
        Objects.requireNonNull(name, "name");
        HttpResponse<byte[]> response = api.send(request.build(), HttpResponse.BodyHandlers.ofByteArray(), what);
        if (response.statusCode() == expected) {
            return response.body();
        }
        JsonNode error = ControlApi.json(response.body());
        if (response.statusCode() == 404 && error != null && error.path("existing").isArray()) {
            List<String> existing = new ArrayList<>();
            error.get("existing").forEach(existingName -> existing.add(existingName.asText()));
            throw new SnapshotNotFoundException(name, existing);
        }
        if (response.statusCode() == 400) {
            throw new IllegalArgumentException(ControlApi.message(response.body()));
        }
        throw api.error(what, response.statusCode(), response.body());
    }

    private static SnapshotInfo info(JsonNode snapshot) {
        String created = snapshot.path("created").asText("");
        return new SnapshotInfo(snapshot.path("name").asText(), snapshot.path("vmStateBytes").asLong(),
                created.isEmpty() ? Instant.EPOCH : Instant.parse(created));
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("This RemoteVm (" + api.base() + ") is closed; connect a new one to go on");
        }
    }
}
