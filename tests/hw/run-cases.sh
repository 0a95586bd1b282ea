#!/usr/bin/env bash
# Runs each case of tests/hw/cases with hvmm on /dev/kvm and prints
# "PASS name" or "FAIL name: what was wanted and what came". Runs inside
# the KVM harness or on a host with /dev/kvm.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
hvmm=$BUILD/hvmm
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

while IFS='|' read -r name want_status expected args; do
	case $name in ''|'#'*) continue ;; esac
	name=$(echo "$name" | xargs); want_status=$(echo "$want_status" | xargs)
	expected=tests/guests/$(echo "$expected" | xargs)
	eval "set -- $args"
	timeout 120 "$hvmm" run "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	status=$?
	if [ "$status" != "$want_status" ]; then
		echo "FAIL $name: exit status wanted $want_status, got $status ($(head -c 300 "$tmp/err" | tr '\n' ' '))"
	elif ! cmp -s "$expected" "$tmp/out"; then
		echo "FAIL $name: serial output differs from $expected: got '$(head -c 300 "$tmp/out" | tr '\n' '|')'"
	else
		echo "PASS $name"
	fi
done <tests/hw/cases

# Unit test programs that need a real KVM.
. tests/tap.sh
for t in "$BUILD"/tests/test_hw_*; do
	[ -x "$t" ] && tap_run "$t" "$(basename "$t")"
done
