#!/usr/bin/env bash
# Boots every guest under QEMU (TCG) and compares its serial output byte
# for byte with tests/guests/<name>.expected: flat images from their floppy
# (.img), multiboot images through -kernel. QEMU does not end the VM on
# cli;hlt, so a run stops once the output is as long as expected and has
# stayed so briefly, or at a timeout; a debug-exit write (a guest failure)
# ends it at once. <name>.elf.cmdline.expected runs <name>.elf with the
# command line its "cmdline: " line shows. QEMU puts the kernel's file name
# in front of the multiboot command line; that prefix is dropped, and a
# command line of just the name counts as "(none)".
# Usage: guests/qemu_check.sh [BUILD]   (run from the repository root)
set -u
build=${1:-build}
dir=$build/guests
limit=${QEMU_TIMEOUT:-20}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0

qemu() {
	exec qemu-system-x86_64 -accel tcg -display none -serial stdio \
		-monitor none -net none \
		-device isa-debug-exit,iobase=0xf4,iosize=1 "$@"
}

for exp in tests/guests/*.expected; do
	name=$(basename "$exp" .expected)
	out=$tmp/$name.out
	# In the background of this shell, so that wait gets its status.
	case $name in
	*.bin)	(qemu -boot a -drive \
			"file=$dir/${name%.bin}.img,if=floppy,format=raw") \
			>"$out" 2>"$out.err" & ;;
	*.elf)	(cd "$dir" && qemu -kernel "$name") >"$out" 2>"$out.err" & ;;
	*.elf.cmdline)
		(cd "$dir" && qemu -kernel "${name%.cmdline}" -append \
			"$(sed -n 's/^cmdline: //p' "$OLDPWD/$exp")") \
			>"$out" 2>"$out.err" & ;;
	*)	continue ;;
	esac
	pid=$!
	elf=${name%.cmdline}
	want=$(stat -c %s "$exp")
	end=$((SECONDS + limit))
	settled=0
	while kill -0 "$pid" 2>/dev/null && ((SECONDS < end)); do
		if (($(stat -c %s "$out") >= want)); then
			((++settled >= 5)) && break
		fi
		sleep 0.2
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill "$pid"
		wait "$pid" 2>/dev/null
		how="halted"
	else
		wait "$pid"
		how="exited with status $?"
	fi
	sed -i "s|^cmdline: $elf \$|cmdline: (none)|; s|^cmdline: $elf |cmdline: |" \
		"$out"
	if cmp -s "$exp" "$out" && [ "$how" = halted ]; then
		echo "PASS $name"
	else
		echo "FAIL $name ($how); output:"
		sed 's/^/    /' "$out"
		failed=1
	fi
done
exit $failed
