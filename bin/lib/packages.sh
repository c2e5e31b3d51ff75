# Sourced by bin/test and bin/osrun: installs the Debian packages osrun needs, only those missing.

# osrun_ensure_packages PACKAGE... — installs the packages that are not installed yet.
osrun_ensure_packages() {
  local missing=() package
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
      echo "osrun: installing ${missing[*]} (sudo)" >&2
      sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
        sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
      return
    fi
    echo "osrun: missing Debian packages: ${missing[*]}. Install them as root: apt-get install ${missing[*]}" >&2
    return 1
  fi
  echo "osrun: installing ${missing[*]}" >&2
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# What running the local engine needs on the host: QEMU and its tools, Samba (QEMU starts smbd for the share),
# noVNC and websockify (--vnc), zstd (osrun cache export/import).
# aria2, wimtools, cabextract, chntpw, genisoimage: the Windows 11 recipe (UUP download, ISO build, answer medium).
OSRUN_RUN_PACKAGES=(qemu-system-x86 qemu-utils samba novnc python3-websockify zstd
                    aria2 wimtools cabextract chntpw genisoimage)
# What building the jar and the tiny guest needs (bin/osrun builds both on first use).
OSRUN_BUILD_PACKAGES=(openjdk-17-jdk-headless maven busybox-static qemu-guest-agent cpio kmod)
# What only the tests need: Chromium and its driver look at the noVNC page; socat lets the remote-engine test
# reach the Docker engine over TCP; the Windows launcher (docker/launcher/) is cross-compiled with mingw-w64 and
# tested under Wine; gcab makes the CAB of UupConverterTest's small UUP set. node + npm (tree-sitter-powershell
# checks the provisioning scripts): see osrun_ensure_node.
OSRUN_TEST_PACKAGES=(chromium chromium-driver socat gcc-mingw-w64-x86-64 wine64 gcab)
# All of them: what bin/test installs.
OSRUN_HOST_PACKAGES=("${OSRUN_RUN_PACKAGES[@]}" "${OSRUN_BUILD_PACKAGES[@]}" "${OSRUN_TEST_PACKAGES[@]}")

# osrun_ensure_node — makes sure node and npm exist (Debian's nodejs and npm packages unless some other Node.js,
# such as NodeSource's, already provides both commands).
osrun_ensure_node() {
  if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
    return 0
  fi
  osrun_ensure_packages nodejs npm
}
