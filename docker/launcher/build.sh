#!/usr/bin/env bash
# Cross-compiles the Windows exec launcher with Debian's mingw-w64:
#   docker/launcher/build.sh OUTDIR [--with-test-child]
# writes OUTDIR/osrun-exec.exe (and OUTDIR/test-child.exe, a program only the tests use). Rebuilds only when a
# source is newer than its output. Needs gcc-mingw-w64-x86-64.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: build.sh OUTDIR [--with-test-child]}
cc=${OSRUN_MINGW_CC:-x86_64-w64-mingw32-gcc}
command -v "$cc" >/dev/null || { echo "build.sh: $cc not found. Install it with: apt-get install gcc-mingw-w64-x86-64" >&2; exit 1; }
mkdir -p "$out"
# -municode: wmain gets UTF-16 argv. -static: no MinGW runtime DLLs to ship. -s: stripped (~40 KB).
flags=(-municode -O2 -s -static -Wall -Wextra -Werror -Wno-unused-parameter)
build() { # SOURCE EXE [LIBS...]
  local source=$here/$1 exe=$out/$2
  shift 2
  if [ ! -f "$exe" ] || [ "$source" -nt "$exe" ] || [ "$0" -nt "$exe" ]; then
    "$cc" "${flags[@]}" -o "$exe.tmp" "$source" "$@"
    mv "$exe.tmp" "$exe"
  fi
}
build osrun-exec.c osrun-exec.exe
if [ "${2:-}" = --with-test-child ]; then
  build test-child.c test-child.exe -lshell32
fi
