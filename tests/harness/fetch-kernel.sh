#!/usr/bin/env bash
# Obtain the Debian kernel used by the KVM test harness (tests/harness/kvm-run).
#
# The package that linux-image-amd64 depends on (linux-image-<abi>-amd64) is
# downloaded with apt-get and unpacked with dpkg -x into the cache folder; it
# is never installed. When the cache already holds an unpacked kernel this
# script makes no apt calls and returns at once.
#
#   cache: ${HVMM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hvmm}
#   result: $cache/kernel/current -> $cache/kernel/<package>_<version>/
#           holding boot/vmlinuz-* and lib/modules/<release>/
#
# HVMM_KERNEL_REFRESH=1 fetches again even when a kernel is cached.
set -euo pipefail

prog=fetch-kernel
die() { echo "$prog: $*" >&2; exit 1; }

cache=${HVMM_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/hvmm}
kdir=$cache/kernel

# A cached kernel is usable when it has a vmlinuz and the kvm-amd module.
kernel_ok() {
    local d=$1
    compgen -G "$d/boot/vmlinuz-*" >/dev/null &&
        compgen -G "$d/lib/modules/*/kernel/arch/x86/kvm/kvm-amd.ko*" >/dev/null
}

if [[ ${HVMM_KERNEL_REFRESH:-0} != 1 ]] && kernel_ok "$kdir/current"; then
    exit 0
fi

mkdir -p "$kdir" 2>/dev/null || die "cannot create cache folder $kdir"
exec 9>"$kdir/.lock" || die "cannot write $kdir/.lock"
flock 9 || die "cannot lock $kdir/.lock"
# Another process may have finished the job while this one waited.
if [[ ${HVMM_KERNEL_REFRESH:-0} != 1 ]] && kernel_ok "$kdir/current"; then
    exit 0
fi

{ command -v apt-cache && command -v apt-get && command -v dpkg; } >/dev/null ||
    die "apt-get, apt-cache and dpkg are needed to fetch the kernel"

# linux-image-amd64 is a metapackage; its first linux-image-* dependency is the
# real kernel package.
resolve() {
    apt-cache depends linux-image-amd64 2>/dev/null |
        sed -n 's/^ *Depends: *\(linux-image-[0-9][^ ]*\).*/\1/p' | head -n1
}
pkg=$(resolve || true)
if [[ -z $pkg && $(id -u) == 0 ]]; then
    # Fresh systems may have empty package lists.
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1 || true
    pkg=$(resolve || true)
fi
[[ -n $pkg ]] || die "cannot resolve linux-image-amd64's kernel package with apt-cache (run apt-get update as root?)"

work=$(mktemp -d "$kdir/.fetch.XXXXXX") || die "cannot create a temporary folder in $kdir"
trap 'rm -rf "$work"' EXIT

# apt-get download as root warns that the _apt user cannot access the folder;
# the download still succeeds, so that warning is filtered out.
if ! (cd "$work" && apt-get download -q "$pkg" >"$work/apt.log" 2>&1); then
    die "apt-get download $pkg failed: $(grep -v -e 'sandboxed' -e '^ *$' "$work/apt.log" | tail -n1)"
fi
deb=$(compgen -G "$work/${pkg}_*.deb" | head -n1) || true
[[ -n $deb ]] || die "apt-get download $pkg produced no .deb"
ver=$(dpkg-deb -f "$deb" Version) || die "cannot read $deb"
name=${pkg}_${ver//:/%3a}

mkdir "$work/tree"
dpkg -x "$deb" "$work/tree" || die "dpkg -x $deb failed"
kernel_ok "$work/tree" || die "$deb holds no vmlinuz or kvm-amd module"

rm -rf "${kdir:?}/$name"
mv "$work/tree" "$kdir/$name"
ln -sfn "$name" "$kdir/current.tmp"
mv -T "$kdir/current.tmp" "$kdir/current"
# Keep only the kernel now in use.
for d in "$kdir"/linux-image-*; do
    [[ -d $d && $(basename "$d") != "$name" ]] && rm -rf "$d"
done
echo "$prog: $pkg $ver unpacked into $kdir/$name"
