#!/usr/bin/env bash
# Builds the Linux test image: $BUILD/linux/initramfs.cpio.gz (BUILD defaults
# to build), a gzip-compressed newc cpio archive holding
#   /init        tests/linux/init (a busybox sh script: the workload)
#   /bin/busybox Debian's busybox-static, and a link in /bin for each applet
#   /dev /proc /sys /tmp  empty folders to mount on
# Every entry is owned by root with time 0, and gzip stores no name or time:
# the same inputs give the same bytes. Needs the Debian packages
# busybox-static, cpio and gzip (tests/deps.sh installs them); no root.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
prog=make-initramfs
die() { echo "$prog: $*" >&2; exit 1; }

busybox=$(command -v busybox) || die "busybox not found (install busybox-static; see tests/deps.sh)"
if command -v readelf >/dev/null && readelf -l "$busybox" 2>/dev/null | grep -q 'program interpreter'; then
	die "$busybox is not statically linked (install busybox-static)"
fi
command -v cpio >/dev/null || die "cpio not found (install cpio; see tests/deps.sh)"
command -v gzip >/dev/null || die "gzip not found"

out=$BUILD/linux/initramfs.cpio.gz
mkdir -p "$BUILD/linux"
stage=$(mktemp -d "$BUILD/linux/.stage.XXXXXX")
trap 'rm -rf "$stage" "$out.tmp"' EXIT

mkdir "$stage/bin" "$stage/dev" "$stage/proc" "$stage/sys" "$stage/tmp"
cp "$busybox" "$stage/bin/busybox"
cp tests/linux/init "$stage/init"
chmod 755 "$stage/init" "$stage/bin/busybox"
for applet in $("$busybox" --list); do
	[ "$applet" = busybox ] || ln -s busybox "$stage/bin/$applet"
done
find "$stage" -exec touch -h -d @0 {} +

(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort |
	cpio --quiet -o -H newc -R 0:0 --reproducible) | gzip -n -9 >"$out.tmp" ||
	die "cannot pack $out"
mv "$out.tmp" "$out"
echo "$prog: $out ($(wc -c <"$out") bytes)"
