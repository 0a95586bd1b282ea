#!/usr/bin/env bash
# The audit is invisible to the guest: auditinv.bin (guests/auditinv/)
# prints what a kernel sees of its own code, CPUID and clocks; under the
# interpreter its serial output and exit status with --audit, at every
# level and in both formats, must be those of the run without it.
# Prints "PASS name" / "FAIL name: ...".
. "$(dirname "$0")/common.inc"

gi=$g/auditinv.bin

# inv_run NAME ARGS...: the guest's serial output in $tmp/NAME.out, its
# exit status in $tmp/NAME.status.
inv_run() {
	local name=$1; shift
	timeout 120 "$hvmm" run --policy=sw "$@" "$gi" >"$tmp/$name.out" 2>"$tmp/$name.err" </dev/null
	echo $? >"$tmp/$name.status"
}

# The reference run must itself be sound: status 0, every verdict good.
inv_run plain
if [ "$(cat "$tmp/plain.status")" != 0 ] || ! grep -q '^tsc never went back: yes$' "$tmp/plain.out"; then
	echo "FAIL audit-invisible-plain: status $(cat "$tmp/plain.status"), output '$(head -c 300 "$tmp/plain.out" | tr '\n' '|')'"
elif grep -qE ': (no|different)$' "$tmp/plain.out"; then
	echo "FAIL audit-invisible-plain: $(grep -m1 -E ': (no|different)$' "$tmp/plain.out")"
else
	echo "PASS audit-invisible-plain"
fi

for level in events supervisor all; do
	for format in json text; do
		name=$level-$format
		inv_run "$name" --audit "$tmp/$name.audit" --audit-level=$level --audit-format=$format
		# The audit file itself is not kept: level all writes tens of MB.
		got=$(wc -l <"$tmp/$name.audit")
		rm -f "$tmp/$name.audit"
		if [ "$(cat "$tmp/$name.status")" != "$(cat "$tmp/plain.status")" ]; then
			echo "FAIL audit-invisible-$name: exit status $(cat "$tmp/$name.status"), without the audit $(cat "$tmp/plain.status")"
		elif [ "$got" -eq 0 ]; then
			echo "FAIL audit-invisible-$name: the audit file is empty"
		elif ! cmp -s "$tmp/plain.out" "$tmp/$name.out"; then
			echo "FAIL audit-invisible-$name: serial output differs: $(diff "$tmp/plain.out" "$tmp/$name.out" | grep -m1 '^>')"
		else
			echo "PASS audit-invisible-$name"
		fi
	done
done
