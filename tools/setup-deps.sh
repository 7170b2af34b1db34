#!/usr/bin/env bash
# Make sure the host has what ntemu's build needs (Debian/Ubuntu package names).
# Every make invocation runs this first, so the common case must be cheap: a stamp newer
# than dpkg's database and than this script means nothing changed since the last full check.
# As root, missing packages are installed with apt-get; otherwise the command is printed.
set -euo pipefail

PACKAGES=(
    gcc libc6-dev make pkg-config nasm
    libzydis-dev libxxhash-dev check
    gcc-mingw-w64-x86-64 gcc-mingw-w64-i686 g++-mingw-w64-x86-64 g++-mingw-w64-i686
)
# What the build actually invokes or links, checked after installation as well.
COMMANDS=(gcc make pkg-config nasm x86_64-w64-mingw32-gcc i686-w64-mingw32-gcc
          x86_64-w64-mingw32-g++ i686-w64-mingw32-g++ apt-get dpkg-deb flock)
PKGCONFIG=(libxxhash check)
HEADERS=(/usr/include/stdio.h /usr/include/Zydis/Zydis.h)

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
stamp=$root/build/.deps-ok
dpkg_db=/var/lib/dpkg/status

if [[ -f $stamp && -f $dpkg_db && $stamp -nt $dpkg_db && $stamp -nt ${BASH_SOURCE[0]} ]]; then
    exit 0
fi

missing_packages() {
    local p
    command -v dpkg-query > /dev/null || { printf '%s\n' "${PACKAGES[@]}"; return; }
    for p in "${PACKAGES[@]}"; do
        [[ $(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null) == ii* ]] || echo "$p"
    done
}

verify() {  # the packages' contents, not just their names
    local c p bad=0
    for c in "${COMMANDS[@]}"; do
        command -v "$c" > /dev/null || { echo "setup-deps: command not found: $c" >&2; bad=1; }
    done
    for p in "${PKGCONFIG[@]}"; do
        pkg-config --exists "$p" 2>/dev/null || { echo "setup-deps: pkg-config cannot find $p" >&2; bad=1; }
    done
    for p in "${HEADERS[@]}"; do
        [[ -f $p ]] || { echo "setup-deps: missing $p" >&2; bad=1; }
    done
    return $bad
}

mapfile -t missing < <(missing_packages)
if ((${#missing[@]} > 0)); then
    install="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}"
    if [[ $(id -u) != 0 ]]; then
        {
            echo "setup-deps: missing packages: ${missing[*]}"
            echo "setup-deps: run as root:"
            echo "    $install"
        } >&2
        exit 1
    fi
    echo "setup-deps: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    # A failing source (e.g. a mirror mid-sync) must not stop us if the packages still resolve.
    apt-get -q update >&2 || echo "setup-deps: apt-get update reported errors; trying to install anyway" >&2
    apt-get -q install -y --no-install-recommends "${missing[@]}" >&2 < /dev/null
fi

verify || { echo "setup-deps: the build dependencies are incomplete (see above)" >&2; exit 1; }
mkdir -p "$(dirname "$stamp")"
touch "$stamp"
