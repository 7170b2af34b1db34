#!/usr/bin/env bash
# Lay out ntemu's system image from Debian's libwine package (Wine 8.0, LGPL-2.1+) and the
# zlib1.dll that Debian's Wine links against instead of bundling it (libz-mingw-w64, zlib licence;
# user32, wininet, dbghelp, cabinet and windowscodecs import it):
#   OUTDIR/system32/  PE files of usr/lib/x86_64-linux-gnu/wine/x86_64-windows (libwine amd64)
#                     and usr/x86_64-w64-mingw32/lib/zlib1.dll                (libz-mingw-w64)
#   OUTDIR/syswow64/  PE files of usr/lib/i386-linux-gnu/wine/i386-windows     (libwine i386)
#                     and usr/i686-w64-mingw32/lib/zlib1.dll                  (libz-mingw-w64)
#   OUTDIR/nls/       usr/share/wine/nls/*.nls                                  (libwine amd64)
#   OUTDIR/COPYRIGHT  the packages' copyright files (Wine: LGPL-2.1+ and others; zlib)
#   OUTDIR/VERSION    package versions and checksums actually used
# Only the PE side of Wine is used; no Wine unix-side file (.so) is copied.
#
# usage: tools/sysroot.sh OUTDIR          (re)build OUTDIR, downloading only what the cache lacks
#        tools/sysroot.sh --status OUTDIR  print what OUTDIR holds, warn if it is not the pinned version
#
# The .deb files are cached outside the build tree ($NTEMU_CACHE, else /var/cache/ntemu when
# root, else ~/.cache/ntemu) so `make clean` and fresh clones reuse them without network.
# Downloads go through a PRIVATE apt state (own sources, lists, cache, architectures
# amd64+i386): the host's dpkg architectures and apt lists are never touched.
set -euo pipefail

# The image's packages as "name:arch" (arch "all" for architecture-independent ones), the
# tested version of each name, and the SHA256 of each pinned deb as published in bookworm's
# Packages indices.
PACKAGES=(libwine:amd64 libwine:i386 libz-mingw-w64:all)
declare -A WANT_VERSION=(
    [libwine]='8.0~repack-4'
    [libz-mingw-w64]='1.2.13+dfsg-1'
)
declare -A PINNED_SHA256=(
    [libwine:amd64]=512b715f32fccf2ebec2b63f23d9d83394d30e27cc5570a8ef92c5d3627ef305
    [libwine:i386]=c992aad6a47d81b719514f5d06c5df10267f1e40a6f4f3b4e3f655cbbf308d57
    [libz-mingw-w64:all]=b9e73ca486bc2aa66da86b5724220d2dd7c8299636b1df74c3414757a2170615
)

log() { echo "sysroot: $*" >&2; }
die() { echo "sysroot: error: $*" >&2; exit 1; }
loud() {
    {
        echo "################################################################################"
        printf '# WARNING: %s\n' "$@"
        echo "################################################################################"
    } >&2
}

is_mz() {  # builtin read: no process per file (the image has ~1500 of them)
    local m=
    IFS= LC_ALL=C read -r -n2 -d '' m < "$1" || true
    [[ $m == MZ ]]
}

# PE machine and optional-header magic ("8664 20b" for PE32+ x86-64, "14c 10b" for PE32 i386),
# read from the PE headers (PE/COFF spec: e_lfanew at 0x3c, Machine at +4, Magic at +24).
pe_kind() {
    local f=$1 off sig
    is_mz "$f" || return 1
    off=$(od -An -tu4 -j60 -N4 "$f" | tr -d ' ')
    sig=$(od -An -tx1 -j"$off" -N4 "$f" | tr -d ' ')
    [[ $sig == 50450000 ]] || return 1
    printf '%x %x\n' "$(od -An -tu2 -j$((off + 4)) -N2 "$f")" "$(od -An -tu2 -j$((off + 24)) -N2 "$f")"
}

name_of() { echo "${1%%:*}"; }
arch_of() { echo "${1##*:}"; }

versions() {  # "name arch version" lines from OUTDIR/VERSION
    awk '!/^#/ { print $1, $2, $3 }' "$1/VERSION"
}

warn_versions() {  # silent when OUTDIR holds the tested version of every package
    local name arch ver want
    while read -r name arch ver; do
        want=${WANT_VERSION[$name]:-}
        if [[ $ver != "$want" ]]; then
            loud "$1 uses $name $ver ($arch), not the tested ${want:-(none)}." \
                 "ntemu is developed against the versions pinned in tools/sysroot.sh; expect differences."
        fi
    done < <(versions "$1")
}

status() {
    local name arch ver pkg
    [[ -f $1/VERSION ]] || die "$1/VERSION missing: run 'make sysroot'"
    while read -r name arch ver; do log "$1: $name $ver ($arch)"; done < <(versions "$1")
    for pkg in "${PACKAGES[@]}"; do
        grep -q "^$(name_of "$pkg") $(arch_of "$pkg") " "$1/VERSION" ||
            loud "$1 lacks $pkg: run 'make sysroot' again"
    done
    warn_versions "$1"
}

cache_dir() {
    if [[ -n ${NTEMU_CACHE:-} ]]; then
        echo "$NTEMU_CACHE"
    elif [[ $(id -u) == 0 ]]; then
        echo /var/cache/ntemu
    else
        echo "${XDG_CACHE_HOME:-$HOME/.cache}/ntemu"
    fi
}

# A cached deb is usable when dpkg-deb reads it as the package and its SHA256 is the pinned
# one, or (another version) the one apt's signed index gave when it was fetched.
deb_ok() {
    local deb=$1 pkg=$2 ver want
    [[ -f $deb ]] || return 1
    [[ $(dpkg-deb --show --showformat='${Package}:${Architecture}' "$deb" 2>/dev/null) == "$pkg" ]] || return 1
    ver=$(dpkg-deb --show --showformat='${Version}' "$deb")
    if [[ $ver == "${WANT_VERSION[$(name_of "$pkg")]}" ]]; then
        want=${PINNED_SHA256[$pkg]}
    else
        [[ -f $deb.sha256 ]] || return 1
        want=$(cat "$deb.sha256")
    fi
    [[ $(sha256sum "$deb" | cut -d' ' -f1) == "$want" ]]
}

cached_deb() {  # prints the valid cached deb of package name:arch at a version, if there is one
    local deb=$DEBS/$(name_of "$1")_${2}_$(arch_of "$1").deb
    deb_ok "$deb" "$1" && echo "$deb"
}

apt_spec() {  # how apt names name:arch (an "all" package has no architecture qualifier)
    if [[ $(arch_of "$1") == all ]]; then name_of "$1"; else echo "$1"; fi
}

# Host sources, deb (binary) entries only, both formats, URIs and Signed-By kept verbatim.
private_sources() {
    local p=$1 f
    : > "$p/sources.list"
    rm -f "$p"/sources.list.d/*
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        if [[ -f $f ]]; then awk '$1 == "deb"' "$f" >> "$p/sources.list"; fi
    done
    for f in /etc/apt/sources.list.d/*.sources; do
        [[ -f $f ]] || continue
        # deb822: one paragraph per source; keep those whose Types include "deb", as deb only.
        awk 'BEGIN { RS = ""; FS = "\n" }
             {
                 keep = 0; out = ""
                 for (i = 1; i <= NF; i++) {
                     line = $i
                     if (line ~ /^[Tt]ypes:/) {
                         n = split(substr(line, 7), t, /[ \t]+/)
                         for (j = 1; j <= n; j++) if (t[j] == "deb") keep = 1
                         line = "Types: deb"
                     }
                     out = out line "\n"
                 }
                 if (keep) printf "%s\n", out
             }' "$f" > "$p/sources.list.d/$(basename "$f")"
    done
}

private_apt() {
    local p=$CACHE/apt
    mkdir -p "$p/lists/partial" "$p/cache/archives/partial" "$p/sources.list.d"
    private_sources "$p"
    # APT_CONFIG is read before the host's apt.conf.d (proxies etc. still apply); it only
    # redirects the main config file to ours, which is read last and therefore wins.
    {
        if [[ -f /etc/apt/apt.conf ]]; then echo '#include "/etc/apt/apt.conf";'; fi
        cat <<EOF
#clear APT::Update::Pre-Invoke;
#clear APT::Update::Post-Invoke;
#clear APT::Update::Post-Invoke-Success;
#clear APT::Architectures;
Dir::State::Lists "$p/lists";
Dir::Cache "$p/cache";
Dir::Etc::SourceList "$p/sources.list";
Dir::Etc::SourceParts "$p/sources.list.d";
APT::Architecture "amd64";
APT::Architectures { "amd64"; "i386"; };
Acquire::Languages "none";
EOF
    } > "$p/apt.conf"
    echo "Dir::Etc::main \"$p/apt.conf\";" > "$p/apt-first.conf"
    export APT_CONFIG=$p/apt-first.conf

    log "apt-get update (private state in $p)"
    # One source failing (the security archive's i386 index sometimes does) is not fatal:
    # what matters is whether the packages can be found below.
    apt-get -q update >&2 || log "apt-get update reported errors; continuing if the packages are available"
}

index_sha256() {  # SHA256 of name:arch=version in apt's index; empty when apt does not have it
    apt-cache show "$(apt_spec "$1")=$2" 2>/dev/null | awk '/^SHA256:/ { print $2; exit }'
}

fetch() {  # a package through the private apt state (cache first); prints the deb path
    local pkg=$1 spec ver want sha dl deb
    spec=$(apt_spec "$pkg")
    want=${WANT_VERSION[$(name_of "$pkg")]}
    apt-cache policy "$spec" >&2
    ver=$want
    sha=$(index_sha256 "$pkg" "$ver")
    if [[ -z $sha ]]; then
        ver=$(apt-cache policy "$spec" | awk '/Candidate:/ { print $2 }')
        [[ -n $ver && $ver != "(none)" ]] || die "no $pkg in the configured apt sources (did apt-get update fail? see above)"
        loud "$pkg $want is not available from apt; using $ver instead."
        sha=$(index_sha256 "$pkg" "$ver")
        [[ -n $sha ]] || die "apt has no SHA256 for $pkg=$ver"
    elif [[ $sha != "${PINNED_SHA256[$pkg]}" ]]; then
        die "apt's index gives $pkg $ver SHA256 $sha, not the pinned ${PINNED_SHA256[$pkg]}"
    fi
    if cached_deb "$pkg" "$ver"; then return 0; fi
    dl=$(mktemp -d "$CACHE/dl.XXXXXX")
    trap "rm -rf $(printf %q "$dl")" EXIT  # fetch runs in a subshell: this is its own exit
    # apt downloads as the unprivileged _apt user when run as root.
    if [[ $(id -u) == 0 ]] && getent passwd _apt > /dev/null; then chown _apt "$dl"; fi
    (cd "$dl" && apt-get -q download "$spec=$ver") >&2
    deb=$(echo "$dl"/"$(name_of "$pkg")"_*_"$(arch_of "$pkg")".deb)
    [[ -f $deb ]] || die "apt-get download $spec=$ver produced no file"
    [[ $(sha256sum "$deb" | cut -d' ' -f1) == "$sha" ]] || die "$deb: SHA256 differs from apt's index"
    mv "$deb" "$DEBS/"
    echo "$sha" > "$DEBS/$(basename "$deb").sha256"
    echo "$DEBS/$(basename "$deb")"
}

move_pe_files() {  # move the PE files of a Wine *-windows directory into dst
    local src=$1 dst=$2 f pe=()
    [[ -d $src ]] || die "$src missing in the package"
    for f in "$src"/*; do
        if [[ -f $f && ! -L $f ]] && is_mz "$f"; then pe+=("$f"); fi
    done
    ((${#pe[@]} > 0)) || die "no PE files in $src"
    mkdir -p "$dst"
    mv -t "$dst" -- "${pe[@]}"
    log "$(basename "$dst"): ${#pe[@]} PE files"
}

install_zlib() {  # zlib1.dll into dst, checked to be the PE kind the directory holds
    local dll=$1 dst=$2 kind=$3
    [[ -f $dll ]] || die "$dll missing in the package"
    [[ $(pe_kind "$dll") == "$kind" ]] || die "$dll is not the expected PE ($kind)"
    mv "$dll" "$dst/zlib1.dll"
}

build() {
    local out=$1 new pkg deb x
    declare -A debs=()
    DEBS=$CACHE/debs
    mkdir -p "$DEBS"
    for pkg in "${PACKAGES[@]}"; do
        if deb=$(cached_deb "$pkg" "${WANT_VERSION[$(name_of "$pkg")]}"); then debs[$pkg]=$deb; fi
    done
    if (( ${#debs[@]} < ${#PACKAGES[@]} )); then
        private_apt
        for pkg in "${PACKAGES[@]}"; do
            if [[ -z ${debs[$pkg]:-} ]]; then
                deb=$(fetch "$pkg")
                debs[$pkg]=$deb
            fi
        done
    fi

    new=$out.new
    rm -rf "$new"
    mkdir -p "$new/x"
    for pkg in "${PACKAGES[@]}"; do
        log "extracting ${debs[$pkg]}"
        dpkg-deb -x "${debs[$pkg]}" "$new/x/$pkg"
    done
    x=$new/x
    move_pe_files "$x/libwine:amd64/usr/lib/x86_64-linux-gnu/wine/x86_64-windows" "$new/system32"
    move_pe_files "$x/libwine:i386/usr/lib/i386-linux-gnu/wine/i386-windows" "$new/syswow64"
    install_zlib "$x/libz-mingw-w64:all/usr/x86_64-w64-mingw32/lib/zlib1.dll" "$new/system32" "8664 20b"
    install_zlib "$x/libz-mingw-w64:all/usr/i686-w64-mingw32/lib/zlib1.dll" "$new/syswow64" "14c 10b"
    mkdir -p "$new/nls"
    mv "$x"/libwine:amd64/usr/share/wine/nls/*.nls "$new/nls/"
    {
        echo "Wine (Debian package libwine):"
        cat "$x/libwine:amd64/usr/share/doc/libwine/copyright"
        echo
        echo "zlib1.dll (Debian package libz-mingw-w64):"
        cat "$x/libz-mingw-w64:all/usr/share/doc/libz-mingw-w64/copyright"
    } > "$new/COPYRIGHT"
    rm -rf "$x"

    [[ $(pe_kind "$new/system32/ntdll.dll") == "8664 20b" ]] || die "system32/ntdll.dll is not PE32+ x86-64"
    [[ $(pe_kind "$new/syswow64/ntdll.dll") == "14c 10b" ]] || die "syswow64/ntdll.dll is not PE32 i386"

    {
        echo "# ntemu system image, written by tools/sysroot.sh: package arch version sha256"
        for pkg in "${PACKAGES[@]}"; do
            printf '%s %s %s %s\n' "$(name_of "$pkg")" "$(arch_of "$pkg")" \
                "$(dpkg-deb --show --showformat='${Version}' "${debs[$pkg]}")" \
                "$(sha256sum "${debs[$pkg]}" | cut -d' ' -f1)"
        done
    } > "$new/VERSION"
    rm -rf "$out"
    mv "$new" "$out"
    log "$out ready"
    warn_versions "$out"
}

main() {
    local out
    if [[ ${1:-} == --status ]]; then
        [[ $# == 2 ]] || die "usage: $0 --status OUTDIR"
        status "$2"
        return
    fi
    [[ $# == 1 ]] || die "usage: $0 OUTDIR | --status OUTDIR"
    out=$1
    CACHE=$(cache_dir)
    mkdir -p "$CACHE" "$(dirname "$out")"
    # Concurrent builds (several checkouts, parallel make runs) share the cache: one at a time.
    exec 9> "$CACHE/lock"
    flock 9
    # Another run may have finished the same OUTDIR while this one waited.
    if [[ $out/VERSION -nt ${BASH_SOURCE[0]} ]]; then
        status "$out"
    else
        build "$out"
    fi
}

main "$@"
