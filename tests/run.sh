#!/usr/bin/env bash
# Runs every test and ends with "N passed, N failed".
#  - unit tests: each $BUILD/tests/test_* (cmocka, TAP output);
#  - command tests: tests/cli/*.sh (bad input, help, exit statuses);
#  - a short, fixed-budget libFuzzer run of the interpreter (tests/fuzz/);
#  - guest cases: tests/guests/cases, each on the interpreter (sw) and on a
#    real KVM (hw): directly when /dev/kvm is usable, else inside the KVM
#    harness (tests/harness/kvm-run), together with the test_hw_* unit
#    tests. If the harness cannot start, every hw test FAILS with the reason.
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

# Every guest case (and, for hw, every hw unit test program) must have
# reported: a runner or harness failure fails them all, none is skipped.
check_reported() { # ENGINE OUTFILE RUNNER-STATUS [EXTRA-NAMES...]
	local engine=$1 out=$2 rc=$3 name; shift 3
	local names
	names=$(sed -n 's/^\([^#|][^|]*\)|.*/\1/p' tests/guests/cases | xargs -n1)
	for name in "$@"; do names+=$'\n'$name; done
	while IFS= read -r name; do
		[ -n "$name" ] || continue
		grep -qE "^(PASS|FAIL) $name(/|:|\$)" "$out" ||
			result FAIL "$engine/$name" "did not run (runner exit status $rc)"
	done <<<"$names"
}

echo "== interpreter fuzz smoke run (libFuzzer, ASan, UBSan)"
fz_out=$(mktemp)
bash tests/fuzz/run-smoke.sh >"$fz_out" 2>&1; fz_rc=$?
collect fuzz < <(sed -E 's#^(PASS|FAIL) fuzz/#\1 #' "$fz_out")
grep -qE '^(PASS|FAIL) ' "$fz_out" || result FAIL fuzz/interp-smoke "reported nothing (exit status $fz_rc)"
rm -f "$fz_out"

echo "== guests on the interpreter (sw)"
sw_out=$(mktemp)
bash tests/guests/run-cases.sh sw >"$sw_out" 2>&1; sw_rc=$?
collect sw <"$sw_out"
check_reported sw "$sw_out" $sw_rc
rm -f "$sw_out"

echo "== guests and hw unit tests on a real KVM (hw)"
hw_out=$(mktemp)
if [ -c /dev/kvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
	echo "   /dev/kvm present: running directly"
	bash tests/guests/run-cases.sh hw >"$hw_out" 2>&1; hw_rc=$?
else
	echo "   no /dev/kvm: running inside the KVM harness"
	KVM_RUN_ENV=BUILD tests/harness/kvm-run --timeout 1200 bash tests/guests/run-cases.sh hw >"$hw_out" 2>&1; hw_rc=$?
fi
collect hw <"$hw_out"
hw_units=()
for t in "$BUILD"/tests/test_hw_*; do hw_units+=("$(basename "$t")"); done
check_reported hw "$hw_out" $hw_rc "${hw_units[@]}"
rm -f "$hw_out"

echo
if [ $fail -gt 0 ]; then
	echo "Failed:"
	printf '  %s\n' "${failed[@]}"
fi
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
