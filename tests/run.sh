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

run_unit() {
	local bin=$1 name out rc
	name=unit/$(basename "$bin")
	out=$(CMOCKA_MESSAGE_OUTPUT=TAP timeout 300 "$bin" 2>&1); rc=$?
	local seen=0
	while IFS= read -r line; do
		case $line in
		"ok "*) seen=1; result PASS "$name/${line#ok * - }" ;;
		"not ok "*) seen=1; result FAIL "$name/${line#not ok * - }" ;;
		esac
	done <<<"$out"
	if [ $rc -ne 0 ] || [ $seen -eq 0 ]; then
		printf '%s\n' "$out" | sed 's/^/    /' | tail -40
		[ $rc -ne 0 ] && result FAIL "$name" "exit status $rc"
	fi
}

echo "== unit tests"
for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] && run_unit "$t"
done

echo "== command tests"
for t in tests/cli/*.sh; do
	while IFS= read -r line; do
		case $line in
		"PASS "*) result PASS "cli/${line#PASS }" ;;
		"FAIL "*) rest=${line#FAIL }; result FAIL "cli/${rest%%: *}" "${rest#*: }" ;;
		*) echo "    $line" ;;
		esac
	done < <(bash "$t" 2>&1)
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
seen=()
while IFS= read -r line; do
	case $line in
	"PASS "*) result PASS "hw/${line#PASS }"; seen+=("${line#PASS }") ;;
	"FAIL "*) rest=${line#FAIL }; result FAIL "hw/${rest%%: *}" "${rest#*: }"; seen+=("${rest%%: *}") ;;
	*) echo "    $line" ;;
	esac
done <"$hw_out"
rm -f "$hw_out"
# Every listed case must have reported; a harness failure fails them all.
while IFS='|' read -r name _; do
	case $name in ''|'#'*) continue ;; esac
	name=$(echo "$name" | xargs)
	found=0
	for s in "${seen[@]+"${seen[@]}"}"; do [ "$s" = "$name" ] && found=1; done
	[ $found -eq 0 ] && result FAIL "hw/$name" "did not run (hw runner exit status $hw_rc)"
done <tests/hw/cases

echo
if [ $fail -gt 0 ]; then
	echo "Failed:"
	printf '  %s\n' "${failed[@]}"
fi
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
