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

# The packages the local engine and its tests need on the host.
OSRUN_HOST_PACKAGES=(qemu-system-x86 qemu-utils samba busybox-static qemu-guest-agent cpio kmod
                     openjdk-17-jdk-headless maven
                     novnc python3-websockify chromium chromium-driver
                     aria2 wimtools cabextract chntpw genisoimage)
# Only bin/test needs these: the Windows launcher (docker/launcher/) is cross-compiled with mingw-w64 and tested
# under Wine. node + npm (tree-sitter-powershell checks the provisioning scripts): see osrun_ensure_node.
# gcab: UupConverterTest makes a small UUP set's CAB with it.
OSRUN_TEST_PACKAGES=(gcc-mingw-w64-x86-64 wine64 gcab)

# osrun_ensure_node — makes sure node and npm exist (Debian's nodejs and npm packages unless some other Node.js,
# such as NodeSource's, already provides both commands).
osrun_ensure_node() {
  if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
    return 0
  fi
  osrun_ensure_packages nodejs npm
}
