#!/usr/bin/env bash
# Boots the Linux test image under QEMU's TCG (no KVM), the reference the
# expected output comes from, and prints its workload lines as
# tests/linux/expected.txt holds them:
#   bash tests/linux/qemu-reference.sh >tests/linux/expected.txt
# The whole serial output stays in $BUILD/linux/qemu.out. Fails (status 1,
# one line on stderr) unless QEMU ended through isa-debug-exit with the
# status the image gives when every step ran. Builds nothing: run
# tests/linux/make-initramfs.sh and tests/harness/fetch-kernel.sh first.
set -u
# shellcheck source=tests/linux/common.inc
. "$(dirname "$0")/common.inc"
timeout=${HVMM_LINUX_TIMEOUT:-300}
kernel=$(linux_kernel) || exit 1
[ -s "$linux_initrd" ] || { echo "qemu-reference: no $linux_initrd (run tests/linux/make-initramfs.sh)" >&2; exit 1; }
release=${kernel##*/vmlinuz-}
log=$BUILD/linux/qemu.out
timeout "$timeout" qemu-system-x86_64 -accel tcg -m 512 -nographic -no-reboot \
	-kernel "$kernel" -initrd "$linux_initrd" -append "$linux_cmdline" \
	-device isa-debug-exit,iobase=0xf4,iosize=1 </dev/null >"$log" 2>&1
status=$?
linux_workload_lines "$release" <"$log"
if [ $status != "$linux_want_status" ]; then
	echo "qemu-reference: QEMU's exit status is $status, not $linux_want_status (serial output in $log)" >&2
	exit 1
fi
