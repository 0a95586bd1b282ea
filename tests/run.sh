#!/usr/bin/env bash
# Runs every test and ends with "N passed, N failed".
#  - unit tests: each $BUILD/tests/test_* (cmocka, TAP output);
#  - command tests: tests/cli/*.sh (bad input, help, exit statuses);
#  - hw tests: tests/hw/cases, run on a real KVM: directly when /dev/kvm
#    is usable, else inside the KVM harness (tests/harness/kvm-run). If the
#    harness cannot start, every hw test FAILS with the reason.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export BUILD
pass=0 fail=0
failed=()

result() { # PASS|FAIL name [detail]
	if [ "$1" = PASS ]; then
		pass=$((pass + 1)); echo "PASS $2"
	else
		fail=$((fail + 1)); failed+=("$2"); echo "FAIL $2${3:+: $3}"
	fi
}

. tests/tap.sh

# Lines "PASS x" / "FAIL x: why" from a runner, counted under PREFIX.
collect() { # PREFIX
	local line rest
	while IFS= read -r line; do
		case $line in
		"PASS "*) result PASS "$1/${line#PASS }" ;;
		"FAIL "*) rest=${line#FAIL }; result FAIL "$1/${rest%%: *}" "${rest#*: }" ;;
		*) echo "    $line" ;;
		esac
	done
}

echo "== unit tests"
# test_hw_* need a real KVM: they run with the hw tests below.
for t in "$BUILD"/tests/test_*; do
	case $(basename "$t") in test_hw_*) continue ;; esac
	[ -x "$t" ] && collect unit < <(tap_run "$t" "$(basename "$t")")
done

echo "== command tests"
for t in tests/cli/*.sh; do
	collect cli < <(bash "$t" 2>&1)
done

echo "== hw tests (real KVM)"
hw_out=$(mktemp)
if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
	echo "   /dev/kvm present: running directly"
	bash tests/hw/run-cases.sh >"$hw_out" 2>&1; hw_rc=$?
else
	echo "   no /dev/kvm: running inside the KVM harness"
	KVM_RUN_ENV=BUILD tests/harness/kvm-run --timeout 1200 bash tests/hw/run-cases.sh >"$hw_out" 2>&1; hw_rc=$?
fi
collect hw <"$hw_out"
# Every case and every hw unit test program must have reported; a harness
# failure fails them all.
expected_hw=$(sed -n 's/^\([^#|][^|]*\)|.*/\1/p' tests/hw/cases | xargs -n1)
for t in "$BUILD"/tests/test_hw_*; do expected_hw+=$'\n'$(basename "$t"); done
while IFS= read -r name; do
	[ -n "$name" ] || continue
	grep -qE "^(PASS|FAIL) $name(/|:|\$)" "$hw_out" ||
		result FAIL "hw/$name" "did not run (hw runner exit status $hw_rc)"
done <<<"$expected_hw"
rm -f "$hw_out"

echo
if [ $fail -gt 0 ]; then
	echo "Failed:"
	printf '  %s\n' "${failed[@]}"
fi
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
