#!/bin/bash
# Builds osrun's "tiny guest": a Debian bookworm cloud kernel (OUTDIR/vmlinuz) and a
# small initramfs (OUTDIR/initrd.img) holding busybox, qemu-guest-agent and the few
# kernel modules the guest loads.  Everything comes from Debian packages, so the
# build needs no compiler and runs the same on a developer machine, in CI and in a
# `docker build` stage FROM debian:bookworm-slim.
#
#   usage: docker/guest/build.sh OUTDIR
#
# What the guest does at run time is in rootfs/init; this script only assembles it.
#
# Build host: Debian bookworm amd64, run as root, with apt-get and the packages in
# deps.txt (cpio, kmod) installed.  Downloaded .debs are kept in OUTDIR/debs (or
# $OSRUN_GUEST_DEBS) so rebuilds do not download again.
#
# OUTDIR/stamp is a sha256 over everything that decides the output: the files of
# this folder, the exact package versions, SOURCE_DATE_EPOCH.  The versions are
# read from the local apt lists (no network), so "up to date" is answered in well
# under a second.  After `apt-get update` brings a newer kernel or agent, the stamp
# no longer matches and the guest is rebuilt with it.
set -euo pipefail
umask 022
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
die() { echo "build.sh: $*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: $0 OUTDIR"
mkdir -p "$1"
out=$(cd "$1" && pwd)
case "$out/" in "$here"/*) die "OUTDIR must not be inside $here (its files are inputs of the stamp)";; esac
debs=${OSRUN_GUEST_DEBS:-$out/debs}
mkdir -p "$debs"
# Fixed timestamps and a sorted file list make the initrd byte-for-byte reproducible
# (any fixed date will do; it only shows as the files' mtimes inside the guest).
epoch=${SOURCE_DATE_EPOCH:-1700000000}

# ---------------------------------------------------------------------------
# Build host checks: name the missing package instead of failing half way.
missing=
for tool in apt-get:apt apt-cache:apt dpkg-deb:dpkg cpio:cpio depmod:kmod modprobe:kmod \
            gzip:gzip sha256sum:coreutils flock:util-linux find:findutils awk:mawk; do
    command -v "${tool%%:*}" >/dev/null 2>&1 && continue
    case " $missing " in *" ${tool#*:} "*) ;; *) missing="$missing ${tool#*:}" ;; esac
done
[ -z "$missing" ] || die "missing tools; install them with: apt-get install -y --no-install-recommends$missing"
[ "$(dpkg --print-architecture)" = amd64 ] || die "the guest is x86_64 and this script runs its binaries at build time: build on an amd64 host"
[ "$(id -u)" = 0 ] || die "run as root (apt-get download and the root-owned initrd need it)"

# One build per OUTDIR at a time (parallel test JVMs may all call us).
exec 9>"$out/.lock"
flock 9
# Holding the lock, any temp folder left is from a build that was killed.
rm -rf "$out"/.build.* "$debs"/.download.*

# ---------------------------------------------------------------------------
# The packages.  qemu-ga is dynamically linked; the library packages below are what
# its ldd closure needs (checked further down: a missing one fails the build).
kernel_meta=linux-image-cloud-amd64
packages=(busybox-static qemu-guest-agent
          libc6 libglib2.0-0 libpcre2-8-0 libnuma1 libudev1 liburing2)

# The modules the guest loads; their dependencies (modules.dep) come along.
# virtio_*: the QEMU devices osrun attaches (PCI transport, agent port, NIC, disk).
# cifs: QEMU's SMB share.  cifs asks the crypto API for cmac(aes) (SMB3 signing),
# sha512 (SMB 3.1.1), ccm/gcm(aes) (encryption), ecb, md4/arc4 (NTLM, pulled as
# hard deps); the kernel then runs /sbin/modprobe for them, so they must be here.
# nls_utf8 is cifs's default character set.  ext4 (which also mounts ext2) and
# the RTC driver behind /dev/rtc0 are built into the cloud kernel.
modules=(virtio_pci virtio_console virtio_net virtio_blk
         cifs nls_utf8 cmac ccm gcm ctr ghash-generic gf128mul ecb sha512_generic)

apt_opts=(-q -o APT::Sandbox::User=root)

# Fills ${pins[@]} with "package=version" for every package to download, from the
# local apt lists (no network).  The meta package is not downloaded: its
# "Depends: linux-image-6.1.0-NN-cloud-amd64 (= VERSION)" names the concrete kernel.
# Fails when apt does not know a package (fresh container: lists not fetched yet).
resolve() {
    local info
    info=$(apt-cache show --no-all-versions "$kernel_meta" "${packages[@]}" 2>/dev/null) || return 1
    mapfile -t pins < <(printf '%s\n' "$info" | awk -v meta="$kernel_meta" '
        /^Package:/ { p = $2 }
        /^Version:/ && p != meta { print p "=" $2 }
        /^Depends:/ && p == meta && match($0, /linux-image-[^ ,]+ \(= [^)]+\)/) {
            split(substr($0, RSTART, RLENGTH), d, /[ ()=]+/); print d[1] "=" d[2] }' | sort)
    [ ${#pins[@]} -eq $((${#packages[@]} + 1)) ] || return 1
    printf '%s\n' "$apt_state" "${pins[@]}" > "$out/.apt-answer"
}

# apt-cache takes about a second here (this machine keeps no apt binary cache), so
# its answer is kept in OUTDIR/.apt-answer and reused until anything that could
# change it does: the package lists, apt's sources and preferences, installed packages.
apt_fingerprint() {
    stat -c '%n %s %Y' /var/lib/apt/lists/*Packages* /var/lib/apt/lists/*Release* \
        /etc/apt/sources.list* /etc/apt/sources.list.d/* /etc/apt/preferences* /etc/apt/preferences.d/* \
        /etc/apt/apt.conf.d/* /var/lib/dpkg/status \
        2>/dev/null | sha256sum | cut -d' ' -f1
}
apt_state=$(apt_fingerprint || true)
if [ -f "$out/.apt-answer" ] && [ "$(head -n1 "$out/.apt-answer")" = "$apt_state" ]; then
    mapfile -t pins < <(tail -n +2 "$out/.apt-answer")
elif ! resolve; then
    echo "build.sh: apt lists lack the guest packages; running apt-get update" >&2
    apt-get "${apt_opts[@]}" update >&2
    apt_state=$(apt_fingerprint || true)
    resolve || die "apt cannot find $kernel_meta ${packages[*]} (is this Debian bookworm with main enabled?)"
fi

compute_stamp() {
    {
        # Names, modes and contents of every file of this folder.
        (cd "$here" && find . -type f -printf '%m %p\n' | sort &&
            find . -type f -print0 | sort -z | xargs -0 sha256sum)
        printf '%s\n' "${pins[@]}"
        echo "SOURCE_DATE_EPOCH=$epoch"
    } | sha256sum | cut -d' ' -f1
}

stamp=$(compute_stamp)
if [ -f "$out/stamp" ] && [ -f "$out/vmlinuz" ] && [ -f "$out/initrd.img" ] &&
   [ "$(cat "$out/stamp")" = "$stamp" ]; then
    echo "tiny guest up to date"
    exit 0
fi

# ---------------------------------------------------------------------------
# Work in a temp folder next to the outputs, so the final renames are atomic and an
# interrupted build leaves the previous artifacts (or none) but never half of one.
work=$(mktemp -d "$out/.build.XXXXXX")
trap 'rm -rf "$work"' EXIT

deb_of() {  # package version -> cached .deb path (apt writes an epoch's ':' as %3a)
    local f
    for f in "$debs/${1}_${2//:/%3a}_"*.deb; do [ -f "$f" ] && { echo "$f"; return 0; }; done
    return 1
}

download_all() {
    local pin todo=()
    for pin in "${pins[@]}"; do
        deb_of "${pin%%=*}" "${pin#*=}" >/dev/null || todo+=("$pin")
    done
    [ ${#todo[@]} -eq 0 ] && return 0
    # Into a private folder first: a killed download must not look like a cached .deb.
    local dl
    dl=$(mktemp -d "$debs/.download.XXXXXX")
    if (cd "$dl" && apt-get "${apt_opts[@]}" download "${todo[@]}" >&2); then
        mv "$dl"/*.deb "$debs/"
        rm -rf "$dl"
    else
        rm -rf "$dl"
        return 1
    fi
}

if ! download_all; then
    # Stale lists name versions the archive no longer has (security updates replace them).
    echo "build.sh: download failed; running apt-get update and retrying" >&2
    apt-get "${apt_opts[@]}" update >&2
    apt_state=$(apt_fingerprint || true)
    resolve || die "apt cannot resolve the guest packages after update"
    stamp=$(compute_stamp)
    download_all || die "apt-get download failed for the guest packages"
fi

# ---------------------------------------------------------------------------
# Unpack every package into one tree; the initramfs takes only what it needs from it.
pkgs=$work/pkgs
root=$work/root
mkdir -p "$pkgs" "$root"
for pin in "${pins[@]}"; do
    dpkg-deb -x "$(deb_of "${pin%%=*}" "${pin#*=}")" "$pkgs"
done

kernel_pin=$(printf '%s\n' "${pins[@]}" | grep '^linux-image-')
kernel_pkg=${kernel_pin%%=*}
kver=${kernel_pkg#linux-image-}
[ -f "$pkgs/boot/vmlinuz-$kver" ] || die "kernel package $kernel_pkg has no boot/vmlinuz-$kver"
cp "$pkgs/boot/vmlinuz-$kver" "$work/vmlinuz"

# Skeleton.  /var/run -> /run because qemu-ga keeps its pid file there by default.
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,tmp,run,root,var,mnt/disk,mnt/qemu}
mkdir -p "$root"/lib/x86_64-linux-gnu "$root"/lib64
ln -s ../run "$root/var/run"
chmod 1777 "$root/tmp"
chmod 0700 "$root/root"

# busybox: one static binary, every applet a symlink to it.  Its own name is skipped,
# or the link would replace the binary with a link to itself.
cp "$pkgs/bin/busybox" "$root/bin/busybox"
"$root/bin/busybox" --list-full | while read -r path; do
    name=${path##*/}
    [ "$name" = busybox ] && continue
    case "$path" in
        sbin/*|usr/sbin/*) ln -sf ../bin/busybox "$root/sbin/$name" ;;
        *)                 ln -sf busybox "$root/bin/$name" ;;
    esac
done
# hwclock: qemu-ga's guest-set-time sets the clock, then starts /sbin/hwclock -w to copy it into the RTC. That
# copy buys nothing here (QEMU's RTC follows the host clock in every new process) and busybox's hwclock costs
# ~100 ms of every reset under TCG. So /sbin/hwclock is a 129-byte static x86-64 ELF that only calls exit(0)
# (ELF header, one PT_LOAD program header, then: mov eax,60; xor edi,edi; syscall). It must exist: the agent
# refuses guest-set-time when it finds no hwclock.
rm -f "$root/sbin/hwclock"
elf=
elf+='\x7f\x45\x4c\x46\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x3e\x00\x01\x00\x00\x00\x78\x00\x40\x00\x00\x00\x00\x00'
elf+='\x40\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x40\x00\x38\x00\x01\x00\x00\x00\x00\x00\x00\x00'
elf+='\x01\x00\x00\x00\x05\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x40\x00\x00\x00\x00\x00\x00\x00\x40\x00\x00\x00\x00\x00'
elf+='\x81\x00\x00\x00\x00\x00\x00\x00\x81\x00\x00\x00\x00\x00\x00\x00\x00\x10\x00\x00\x00\x00\x00\x00\xb8\x3c\x00\x00\x00\x31\xff\x0f'
elf+='\x05'
printf "$elf" > "$root/sbin/hwclock"
chmod 0755 "$root/sbin/hwclock"
[ "$(wc -c < "$root/sbin/hwclock")" -eq 129 ] || die "the hwclock stand-in is not 129 bytes"

# qemu-ga and its shared libraries.  Ask the packaged dynamic loader itself for the
# closure, searching only the unpacked packages; a library it finds anywhere else
# (on the build host) means a package is missing from the list above.
cp "$pkgs/usr/sbin/qemu-ga" "$root/usr/sbin/qemu-ga"
loader=$pkgs/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2
libpath=$pkgs/lib/x86_64-linux-gnu:$pkgs/usr/lib/x86_64-linux-gnu
ldlist=$("$loader" --library-path "$libpath" --list "$pkgs/usr/sbin/qemu-ga") ||
    die "cannot list the libraries of qemu-ga"
if printf '%s\n' "$ldlist" | grep -q 'not found'; then
    die "qemu-ga needs libraries no listed package provides:
$ldlist"
fi
printf '%s\n' "$ldlist" | awk '$2 == "=>" { print $1, $3 }' | while read -r soname path; do
    case "$path" in
        "$pkgs"/*) ;;
        *) die "qemu-ga's $soname resolved to the build host's $path: add its package to the list" ;;
    esac
    rel=${path#"$pkgs"}
    mkdir -p "$root${rel%/*}"
    cp -L "$path" "$root$rel"   # the soname link's target, stored under the soname
done
cp -L "$loader" "$root/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"
ln -s ../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 "$root/lib64/ld-linux-x86-64.so.2"

# Kernel modules: index the whole tree once, let modprobe list each wanted module's
# dependencies, copy just those, and index again inside the initramfs for the guest's
# modprobe (busybox reads modules.dep and modules.alias).
moddir=lib/modules/$kver
depmod -b "$pkgs" "$kver"
for m in "${modules[@]}"; do
    modprobe -d "$pkgs" -S "$kver" --show-depends "$m" ||
        die "kernel $kver has no module $m"
done | awk '$1 == "insmod" { print $2 }' | sort -u | while read -r ko; do
    rel=${ko#"$pkgs"/}
    mkdir -p "$root/${rel%/*}"
    cp "$ko" "$root/$rel"
done
cp "$pkgs/$moddir"/modules.builtin "$pkgs/$moddir"/modules.builtin.modinfo "$pkgs/$moddir"/modules.order \
   "$root/$moddir/"
depmod -b "$root" "$kver"

# Our own files (init, helper scripts, /etc).  Remove first: several names are
# busybox links, and copying through a link would overwrite busybox.
(cd "$here/rootfs" && find . -type f) | while read -r f; do
    rm -f "$root/$f"
    mkdir -p "$root/$(dirname "$f")"
    cp "$here/rootfs/$f" "$root/$f"
    case "$f" in ./init|./sbin/*) chmod 0755 "$root/$f" ;; *) chmod 0644 "$root/$f" ;; esac
done

# The initramfs: newc cpio, root-owned, fixed mtimes, sorted, gzip without a name or
# time in its header.  /dev/console is not needed here: the kernel's built-in
# initramfs already provides it.
find "$root" -exec touch -h -d "@$epoch" {} +
(cd "$root" && find . -mindepth 1 -printf '%P\n' | sort |
    cpio -o -H newc -R 0:0 --reproducible --quiet) | gzip -n > "$work/initrd.img"

# Install: drop the old stamp first, rename the artifacts, write the stamp last, so
# any interruption leaves a stamp that does not match and the next run rebuilds.
rm -f "$out/stamp"
mv "$work/vmlinuz" "$out/vmlinuz"
mv "$work/initrd.img" "$out/initrd.img"
printf '%s\n' "${pins[@]}" > "$out/packages.txt"
echo "$stamp" > "$work/stamp"
mv "$work/stamp" "$out/stamp"

# Drop superseded versions of our packages from the cache (a kernel is ~27 MB).
for pin in "${pins[@]}"; do
    keep=$(deb_of "${pin%%=*}" "${pin#*=}")
    for f in "$debs/${pin%%=*}"_*.deb; do [ "$f" = "$keep" ] || rm -f "$f"; done
done
keep=$(deb_of "$kernel_pkg" "${kernel_pin#*=}")
for f in "$debs"/linux-image-*-cloud-amd64_*.deb; do  # older kernels have other package names
    if [ -f "$f" ] && [ "$f" != "$keep" ]; then rm -f "$f"; fi
done

echo "tiny guest built: kernel $kver, initrd $(du -k "$out/initrd.img" | cut -f1) KiB, in $out"
