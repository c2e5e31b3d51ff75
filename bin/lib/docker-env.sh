# shellcheck shell=bash
# Docker prerequisites of osrun: the engine, the local base image, the osrun image, Testcontainers settings.
#
# Sourced by bin/test and bin/osrun. Every function is idempotent and silent when there is nothing to do; it
# prints what it does on stderr, and on failure says what went wrong and what to do instead. As root with no
# terminal (CI) it installs and starts what is missing; as another user it only explains what to run.
#
#   osrun_ensure_docker_engine        make `docker info` answer (install docker.io, start dockerd)
#   osrun_ensure_base_image           make `debian:bookworm-slim` exist locally (debootstrap + docker import)
#   osrun_image_build [TAG [ARG...]]  build the osrun image (default osrun:latest) from this repository;
#                                     ARGs go to docker build (e.g. --no-cache, --build-arg OSRUN_CDS_TRAINING=...)
#   osrun_image_jar_digest JAR        the digest that labels an image built from JAR (dev.osrun.jar-sha256)
#   osrun_testcontainers_env          export the Testcontainers settings this kind of machine needs
#
# Settings (environment):
#   OSRUN_DOCKER_STORAGE_DRIVER   storage driver for a dockerd started here (default: overlay2 when an overlay
#                                 mount works here, else vfs; a driver that already holds images is kept)
#   OSRUN_DOCKERD_TIMEOUT         seconds to wait for a started dockerd to answer (default 60)
#   OSRUN_DOCKERD_LOG             dockerd's log when started here (default /var/log/osrun-dockerd.log)
#   OSRUN_BASE_IMAGE              the base image's name (default debian:bookworm-slim)
#   OSRUN_DEBIAN_MIRROR           the Debian mirror for debootstrap (default: the host's apt sources)
#
# The public functions except osrun_testcontainers_env (which exports variables) run in a subshell ( ... ), so
# they never change the caller's shell options. They check every step explicitly: bash ignores set -e inside a
# function called as `f || ...` or `if f`, which is how callers use them.
source "$(dirname "${BASH_SOURCE[0]}")/settings.sh"

OSRUN_REPO_ROOT="${OSRUN_REPO_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"

osrun__say() { printf 'osrun: %s\n' "$*" >&2; }

osrun__fail() {
    printf 'osrun: error: %s\n' "$1" >&2
    shift
    local line
    for line in "$@"; do printf '       %s\n' "$line" >&2; done
    return 1
}

osrun__is_root() { [ "$(id -u)" -eq 0 ]; }

# Runs apt-get install for the given packages, non-interactively, as root.
osrun__apt_install() {
    osrun__say "installing $* (apt-get)"
    local log
    log=$(mktemp)
    if ! { DEBIAN_FRONTEND=noninteractive apt-get update -q \
            && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"; } >"$log" 2>&1; then
        tail -n 20 "$log" >&2
        rm -f "$log"
        osrun__fail "apt-get install $* failed (output above)."
        return 1
    fi
    rm -f "$log"
}

osrun__docker_answers() { docker info >/dev/null 2>&1; }

# ---------------------------------------------------------------------------------------------------------------
# Docker engine
# ---------------------------------------------------------------------------------------------------------------

# Makes `docker info` answer: installs docker.io when dockerd is missing and starts dockerd in the background.
osrun_ensure_docker_engine() (
    set -euo pipefail
    osrun__docker_answers && exit 0

    if ! osrun__is_root; then
        if [ -S /var/run/docker.sock ] && ! [ -w /var/run/docker.sock ]; then
            osrun__fail "Docker is running but user $(id -un) may not use /var/run/docker.sock." \
                "Run: sudo usermod -aG docker $(id -un)   then log out and in again (or: newgrp docker)."
        elif command -v dockerd >/dev/null 2>&1; then
            osrun__fail "the Docker engine is installed but not running." \
                "Run: sudo systemctl start docker   (without systemd, run this script as root: it starts dockerd)."
        else
            osrun__fail "Docker is not installed." \
                "Run: sudo apt-get install docker.io && sudo usermod -aG docker $(id -un)   then log in again," \
                "or run this script as root, which installs and starts it."
        fi
        exit 1
    fi

    if ! command -v docker >/dev/null 2>&1 || ! command -v dockerd >/dev/null 2>&1; then
        osrun__apt_install docker.io || exit 1
    fi

    # Several scripts may get here at once: one starts the engine, the others wait for it.
    exec 9>/run/osrun-dockerd.lock
    flock -w "${OSRUN_DOCKERD_TIMEOUT:-60}" 9 || true
    osrun__docker_answers && exit 0

    # A machine with systemd manages its own engine: start that one, never a second dockerd beside it.
    if [ -d /run/systemd/system ] && systemctl cat docker.service >/dev/null 2>&1; then
        osrun__say "starting the Docker engine (systemctl start docker)"
        systemctl start docker || true
        osrun__wait_for_engine "" && exit 0
        osrun__fail "systemctl start docker did not bring the engine up." "See: journalctl -u docker -n 50"
        exit 1
    fi

    if pgrep -x dockerd >/dev/null 2>&1; then
        # Started by someone else and not answering yet (or stuck): wait for it rather than start another.
        osrun__say "a dockerd is already running; waiting for it to answer"
        osrun__wait_for_engine "$(pgrep -x dockerd | head -n 1)" && exit 0
        exit 1
    fi

    local driver rc=0
    driver=$(osrun__pick_storage_driver) || exit 1
    osrun__start_dockerd "$driver" || rc=$?
    # Exited (not merely slow) with an overlay2 the probe accepted: vfs works wherever dockerd does.
    if [ "$rc" -eq 2 ] && [ "$driver" = overlay2 ] && [ -z "${OSRUN_DOCKER_STORAGE_DRIVER:-}" ]; then
        osrun__say "dockerd exited with overlay2; retrying with vfs (slower: every container copies its image)"
        rc=0
        osrun__start_dockerd vfs || rc=$?
    fi
    exit "$rc"
)

# Prints the storage driver for a dockerd started here. Keeps the driver that already holds images (switching
# would hide them); otherwise overlay2 if an overlay mount works on /var/lib's filesystem, else vfs.
osrun__pick_storage_driver() {
    if [ -n "${OSRUN_DOCKER_STORAGE_DRIVER:-}" ]; then
        echo "$OSRUN_DOCKER_STORAGE_DRIVER"
        return
    fi
    local root=/var/lib/docker
    if [ -d "$root/image/overlay2" ]; then echo overlay2; return; fi
    if [ -d "$root/image/vfs" ]; then echo vfs; return; fi
    mkdir -p "$root"
    local probe ok=vfs
    probe=$(mktemp -d "$root/.osrun-overlay-probe.XXXXXX")
    mkdir "$probe/lower" "$probe/upper" "$probe/work" "$probe/merged"
    echo probe >"$probe/lower/file"
    if mount -t overlay overlay -o "lowerdir=$probe/lower,upperdir=$probe/upper,workdir=$probe/work" \
            "$probe/merged" 2>/dev/null; then
        [ "$(cat "$probe/merged/file" 2>/dev/null)" = probe ] && ok=overlay2
        umount "$probe/merged"
    fi
    rm -rf "$probe"
    echo "$ok"
}

# Starts dockerd with the given storage driver and waits for it. Returns 1 (after stopping it and showing its
# log) if it does not answer in time, 2 if it exits first.
osrun__start_dockerd() {
    local driver=$1 log=${OSRUN_DOCKERD_LOG:-/var/log/osrun-dockerd.log}
    local -a args=()
    # A storage driver given both in daemon.json and as a flag makes dockerd refuse to start.
    if ! grep -q '"storage-driver"' /etc/docker/daemon.json 2>/dev/null; then
        args+=(--storage-driver="$driver")
    else
        driver="(from /etc/docker/daemon.json)"
    fi
    osrun__say "starting dockerd (storage driver $driver, log $log)"
    mkdir -p "$(dirname "$log")"
    printf '\n==== %s osrun starts dockerd %s\n' "$(date -Is)" "${args[*]}" >>"$log"
    OSRUN__LOG_FROM=$(stat -c %s "$log")
    setsid nohup dockerd "${args[@]}" >>"$log" 2>&1 </dev/null &
    local pid=$! rc=0
    osrun__wait_for_engine "$pid" || rc=$?
    if [ "$rc" -eq 1 ]; then
        osrun__say "stopping the dockerd that did not answer (pid $pid)"
        kill "$pid" 2>/dev/null || true
        local _
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    fi
    return "$rc"
}

# Shows the last lines dockerd wrote since osrun started it.
osrun__dockerd_log_tail() {
    local log=${OSRUN_DOCKERD_LOG:-/var/log/osrun-dockerd.log}
    [ -f "$log" ] || return 0
    tail -c +"$((${OSRUN__LOG_FROM:-0} + 1))" "$log" | tail -n 15 | sed 's/^/       | /' >&2
}

# Waits (bounded) until `docker info` answers: 0 when it does, 1 on timeout; with a PID, 2 as soon as that
# process exits.
osrun__wait_for_engine() {
    local pid=$1 log=${OSRUN_DOCKERD_LOG:-/var/log/osrun-dockerd.log}
    local timeout=${OSRUN_DOCKERD_TIMEOUT:-60}
    local deadline=$((SECONDS + timeout))
    while [ "$SECONDS" -lt "$deadline" ]; do
        if [ -S /var/run/docker.sock ] && osrun__docker_answers; then
            return 0
        fi
        if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
            osrun__fail "dockerd exited before it answered. Last lines of $log:"
            osrun__dockerd_log_tail
            return 2
        fi
        sleep 0.5
    done
    osrun__fail "the Docker engine did not answer within ${timeout}s (waited for /var/run/docker.sock and docker info)." \
        "Last lines of $log:"
    osrun__dockerd_log_tail
    return 1
}

# ---------------------------------------------------------------------------------------------------------------
# Base image
# ---------------------------------------------------------------------------------------------------------------

# Makes the base image (debian:bookworm-slim) exist locally. No registry can be reached here, so it is made with
# debootstrap from the host's Debian mirror and imported; apt inside it uses the same sources as the host.
osrun_ensure_base_image() (
    set -euo pipefail
    local image=${OSRUN_BASE_IMAGE:-debian:bookworm-slim}
    docker image inspect "$image" >/dev/null 2>&1 && exit 0
    osrun_ensure_docker_engine || exit 1

    # A registry may be reachable after all (a user's machine): a pull is faster and gives the official image.
    if [ "$(osrun_yes_no OSRUN_NO_PULL "${OSRUN_NO_PULL:-}")" = 0 ] && timeout 60 docker pull -q "$image" >/dev/null 2>&1; then
        osrun__say "pulled $image"
        exit 0
    fi

    if ! osrun__is_root; then
        osrun__fail "the base image $image is missing and no registry could give it." \
            "Run this script as root (it builds the image with debootstrap), or: docker pull $image"
        exit 1
    fi
    if ! command -v debootstrap >/dev/null 2>&1; then osrun__apt_install debootstrap || exit 1; fi

    local mirror
    mirror=$(osrun__debian_mirror)
    local work
    work=$(mktemp -d /var/tmp/osrun-rootfs.XXXXXX) || exit 1
    # Never leave a mount (debootstrap mounts proc/sys inside the target) or the directory behind.
    trap 'osrun__unmount_under "$work"; rm -rf --one-file-system "$work"' EXIT

    osrun__say "building $image with debootstrap from $mirror (about 30 s)"
    local started=$SECONDS
    if ! debootstrap --variant=minbase --arch=amd64 bookworm "$work/root" "$mirror" >"$work/debootstrap.log" 2>&1; then
        tail -n 20 "$work/debootstrap.log" >&2
        osrun__fail "debootstrap from $mirror failed (output above)." \
            "Set OSRUN_DEBIAN_MIRROR to a reachable Debian mirror and retry."
        exit 1
    fi
    osrun__unmount_under "$work/root"
    osrun__configure_rootfs "$work/root" || { osrun__fail "cannot configure the debootstrapped tree in $work/root"; exit 1; }
    if ! tar --numeric-owner --xattrs -C "$work/root" -c . \
        | docker import \
            --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
            --change 'CMD ["bash"]' \
            --message "debootstrap --variant=minbase bookworm from $mirror (osrun)" \
            - "$image" >/dev/null; then
        osrun__fail "docker import of the debootstrapped tree as $image failed."
        exit 1
    fi
    osrun__say "imported $image in $((SECONDS - started)) s ($(docker image inspect -f '{{.Size}}' "$image" | numfmt --to=iec))"
)

# Prints the Debian mirror the host's apt uses for bookworm (not the security archive), after checking that its
# Release file can be fetched; falls back to deb.debian.org.
osrun__debian_mirror() {
    if [ -n "${OSRUN_DEBIAN_MIRROR:-}" ]; then echo "$OSRUN_DEBIAN_MIRROR"; return; fi
    local uri candidates
    candidates=$(osrun__host_debian_uris | grep -v -- '-security' || true)
    for uri in $candidates http://deb.debian.org/debian; do
        if /usr/lib/apt/apt-helper download-file "${uri%/}/dists/bookworm/Release" /dev/null >/dev/null 2>&1 \
                || curl -fsS -o /dev/null --max-time 20 "${uri%/}/dists/bookworm/Release" 2>/dev/null; then
            echo "${uri%/}"
            return
        fi
    done
    echo http://deb.debian.org/debian
}

# Prints the URIs of the host's enabled apt sources that carry bookworm (one-line and deb822 formats).
osrun__host_debian_uris() {
    local f
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] || continue
        awk '$1 == "deb" { i = 2; if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
                           if ($(i + 1) ~ /^bookworm/) print $i }' "$f"
    done
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        awk 'BEGIN { RS = ""; FS = "\n" }
             { uris = ""; suites = ""; enabled = 1
               for (i = 1; i <= NF; i++) {
                 if ($i ~ /^URIs:/) uris = substr($i, 6)
                 if ($i ~ /^Suites:/) suites = substr($i, 8)
                 if ($i ~ /^Enabled: *no/) enabled = 0 }
               if (enabled && suites ~ /bookworm/) { n = split(uris, u, " "); for (j = 1; j <= n; j++) print u[j] } }' "$f"
    done
}

# Unmounts everything mounted at or below the directory (deepest first).
osrun__unmount_under() {
    local dir=$1 m
    [ -d "$dir" ] || return 0
    dir=$(realpath "$dir")
    awk -v d="$dir" '$2 == d || index($2, d "/") == 1 { print $2 }' /proc/mounts | sort -r \
        | while read -r m; do umount -l "$m" 2>/dev/null || true; done
}

# Makes the debootstrapped tree a small container base: the host's Debian sources and apt date settings,
# no documentation or man pages installed by later packages, no apt caches.
osrun__configure_rootfs() {
    local root=$1 f
    # apt sources: the host's Debian entries, so apt in the image reaches the same archive as the host's apt.
    rm -f "$root/etc/apt/sources.list"
    mkdir -p "$root/etc/apt/sources.list.d"
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        # Only Debian's own archive: third-party sources need keys the image does not have.
        if grep -q -E '^[^#]*(debian-archive-keyring|https?://[^ ]*/debian(-security)?/?( |$))' "$f"; then
            cp "$f" "$root/etc/apt/sources.list.d/$(basename "$f" | sed 's/^sources\.list$/host.list/')"
        fi
    done
    if [ -z "$(ls -A "$root/etc/apt/sources.list.d")" ]; then
        printf 'deb %s bookworm main\n' "$(osrun__debian_mirror)" >"$root/etc/apt/sources.list"
    fi
    # The host's date checks and proxy (a mirror that serves a dated snapshot needs Check-Valid-Until false).
    apt-config dump 2>/dev/null \
        | grep -E '^Acquire::(Check-Valid-Until|Check-Date|https?::Proxy) ' \
        >"$root/etc/apt/apt.conf.d/90osrun-host" || true
    [ -s "$root/etc/apt/apt.conf.d/90osrun-host" ] || rm -f "$root/etc/apt/apt.conf.d/90osrun-host"
    cat >"$root/etc/apt/apt.conf.d/90osrun-container" <<'EOF'
// osrun base image: packages are installed in image layers, where caches only take space.
APT::Install-Recommends "false";
APT::Install-Suggests "false";
Acquire::Languages "none";
Acquire::GzipIndexes "true";
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb || true"; };
EOF
    mkdir -p "$root/etc/dpkg/dpkg.cfg.d"
    cat >"$root/etc/dpkg/dpkg.cfg.d/90osrun-nodoc" <<'EOF'
# osrun base image: no documentation in the image (copyright files are kept).
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/lintian/*
EOF
    # What debootstrap left that a container has no use for.
    find "$root/usr/share/doc" -mindepth 2 ! -name copyright ! -type d -delete 2>/dev/null || true
    rm -rf "$root/usr/share/man/"* "$root/usr/share/info/"* "$root/var/cache/apt/"*.bin \
        "$root/var/cache/apt/archives/"*.deb "$root/var/lib/apt/lists/"* "$root/var/log/"*.log \
        "$root/var/log/apt/"* "$root/tmp/"* "$root/var/tmp/"*
    find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} + 2>/dev/null || true
    # A container gets its hostname, hosts and resolv.conf from the engine.
    : >"$root/etc/hostname"
    rm -f "$root/etc/resolv.conf"
    # machine-id is per machine, not per image.
    : >"$root/etc/machine-id"
    rm -f "$root/var/lib/dbus/machine-id"
}

# ---------------------------------------------------------------------------------------------------------------
# osrun image
# ---------------------------------------------------------------------------------------------------------------

# Builds the osrun image (default tag osrun:latest) from this repository: docker/Dockerfile with the repository
# root as context (.dockerignore lets only the Dockerfile's inputs in). Needs the shaded CLI jar
# (target/osrun-*-cli.jar, from `mvn package`; the newest one if there are several). Further arguments go to
# docker build. Set OSRUN_VERBOSE=1 to see docker build's output.
osrun_image_build() (
    set -euo pipefail
    local tag=${1:-osrun:latest} root=$OSRUN_REPO_ROOT
    if [ $# -gt 0 ]; then shift; fi
    local jar
    # shellcheck disable=SC2012 # names are osrun-VERSION-cli.jar
    jar=$(cd "$root" && { ls -t target/osrun-*-cli.jar 2>/dev/null || true; } | head -n 1)
    if [ -z "$jar" ]; then
        osrun__fail "no CLI jar in $root/target (target/osrun-*-cli.jar)." "Build it first: mvn -q -DskipTests package"
        exit 1
    fi
    [ -f "$root/docker/guest/build.sh" ] || { osrun__fail "$root/docker/guest/build.sh is missing."; exit 1; }
    # git keeps no empty folders: a clean clone may lack win11-init/, which the Dockerfile copies.
    mkdir -p "$root/win11-init" || exit 1
    osrun_ensure_docker_engine || exit 1
    osrun_ensure_base_image || exit 1
    osrun__say "building image $tag from $jar"
    local started=$SECONDS
    # The legacy builder (no buildx here) prints every step; keep that output for failures only.
    local log
    log=$(mktemp) || exit 1
    # The label lets bin/osrun tell whether an image holds this tree's jar (osrun_image_jar_digest).
    local -a cmd=(docker build -f "$root/docker/Dockerfile" --build-arg "OSRUN_JAR=$jar"
        --label "dev.osrun.jar-sha256=$(osrun_image_jar_digest "$root/$jar")" -t "$tag" "$@" "$root")
    local rc=0 verbose
    verbose=$(osrun_yes_no OSRUN_VERBOSE "${OSRUN_VERBOSE:-}") || exit 2
    if [ "$verbose" = 1 ]; then
        "${cmd[@]}" 2>&1 | tee "$log" >&2 || rc=$?
    else
        "${cmd[@]}" >"$log" 2>&1 || rc=$?
    fi
    if [ "$rc" -ne 0 ]; then
        [ "$verbose" = 1 ] || tail -n 40 "$log" >&2
        rm -f "$log"
        osrun__fail "docker build of $tag failed (output above)." \
            "Rerun with OSRUN_VERBOSE=1 for the whole build output."
        exit 1
    fi
    rm -f "$log"
    osrun__say "built $tag in $((SECONDS - started)) s ($(docker image inspect -f '{{.Size}}' "$tag" | numfmt --to=iec))"
)

# Prints the short digest of a jar that osrun_image_build puts in the image's label dev.osrun.jar-sha256.
osrun_image_jar_digest() { sha256sum "$1" | cut -c1-16; }

# ---------------------------------------------------------------------------------------------------------------
# Testcontainers
# ---------------------------------------------------------------------------------------------------------------

# Exports what Testcontainers needs on a machine that is itself a container (/.dockerenv) with no registry:
# no Ryuk (its image cannot be pulled), and the engine's host is localhost (otherwise Testcontainers pulls a
# helper image to find the gateway). Values already set by the user are kept.
osrun_testcontainers_env() {
    if [ -f /.dockerenv ]; then
        export TESTCONTAINERS_RYUK_DISABLED="${TESTCONTAINERS_RYUK_DISABLED:-true}"
        export TESTCONTAINERS_HOST_OVERRIDE="${TESTCONTAINERS_HOST_OVERRIDE:-localhost}"
    fi
}
