#!/usr/bin/env bash
# Usage: run-cases.sh ENGINE. Runs each case of tests/guests/cases with
# hvmm --engine=ENGINE and prints "PASS name" or "FAIL name: what was
# wanted and what came". For hw it runs inside the KVM harness or on a host
# with /dev/kvm, and also runs the test_hw_* unit test programs.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
ENGINE=${1:?usage: run-cases.sh ENGINE}
hvmm=$BUILD/hvmm
tmp=$(mktemp -d)

# The instruction suite marks a check whose result is a documented
# deviation of the harness's hardware from the manuals
# (tests/suite/hw-deviations.md). The expected files hold the manuals'
# results, so on hw the mark is dropped before comparing; the interpreter
# must give the manuals' results and never prints the mark.
strip_hw_deviations() {
	if [ "$ENGINE" = hw ]; then
		sed 's/ (known hw deviation, see tests\/suite\/hw-deviations.md)$//'
	else
		cat
	fi
}
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
	elif ! strip_hw_deviations <"$tmp/out" | cmp -s "$expected" -; then
		echo "FAIL $name: serial output differs from $expected: got '$(head -c 300 "$tmp/out" | tr '\n' '|')'"
	else
		echo "PASS $name"
	fi
done <tests/guests/cases

[ "$ENGINE" = hw ] || exit 0
# Unit test programs that need a real KVM.
. tests/tap.sh
for t in "$BUILD"/tests/test_hw_*; do
	[ -x "$t" ] && tap_run "$t" "$(basename "$t")"
done
