#!/usr/bin/env bash
# Usage: boot.sh [hvmm run options...]. Boots Debian's kernel (fetched by
# tests/harness/fetch-kernel.sh) with the Linux test image under hvmm:
#   $BUILD/hvmm run --mem=512M --initrd=$BUILD/linux/initramfs.cpio.gz
#       --cmdline='console=ttyS0 panic=-1' OPTIONS... VMLINUZ
# The console is hvmm's stdout; the exit status is hvmm's (85 when the
# image's workload ran to its end). Builds nothing: see `make run-linux`.
set -u
# shellcheck source=tests/linux/common.inc
. "$(dirname "$0")/common.inc"
kernel=$(linux_kernel) || exit 2
[ -s "$linux_initrd" ] || { echo "boot.sh: no $linux_initrd (run tests/linux/make-initramfs.sh)" >&2; exit 2; }
exec "$hvmm" run --mem=512M --initrd="$linux_initrd" --cmdline="$linux_cmdline" "$@" "$kernel"
