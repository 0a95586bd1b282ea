#!/usr/bin/env bash
# Runs every test and ends with "N passed, N failed".
#  - unit tests: each $BUILD/tests/test_* (cmocka, TAP output);
#  - command tests: tests/cli/*.sh (bad input, help, exit statuses);
#  - the unit tests (but test_hw_*) and the guest cases under sw again,
#    built with ASan and UBSan (tests/san/);
#  - a short, fixed-budget libFuzzer run of each fuzz target (tests/fuzz/);
#  - guest cases: tests/guests/cases, each on the interpreter (sw) and on a
#    real KVM that runs every state natively (hw, and the other policies,
#    bounded lockstep among them: run-cases.sh), together with the
#    test_hw_* unit tests: directly where `hvmm kvm-info` says the host's
#    /dev/kvm does, else inside the KVM harness (tests/harness/kvm-run).
#    Where the host's KVM runs only part natively (PVM), the guest cases
#    also run under theorem3 directly on it (host). If the harness cannot
#    start, every hw test FAILS with the reason.
#  - the VMX subset (tests/guests/run-cases.sh vmx) on kvm_intel: the
#    host's where it is that, else Bochs's emulated VMX (kvm-run --vmx),
#    in a background lane from the sw guests on, reported last.
#  - Debian's Linux kernel with the project's test image (tests/linux/):
#    under sw here, and under hw, theorem3 and chaos:1 on a KVM that
#    runs everything (the host's, else the harness; theorem3 in the
#    background lane after the VMX subset); under theorem3 on a host
#    whose KVM runs only part natively.
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

# "== TITLE" opens a section; the one before it closes with its time, so
# a log shows where make test's time goes.
section_at=
section() { # TITLE (none: close the last one)
	[ -n "$section_at" ] && echo "   (took $((SECONDS - section_at)) s; $SECONDS s in all)"
	section_at=$SECONDS
	[ $# -gt 0 ] && echo "== $1"
	return 0
}

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

section "unit tests"
# test_hw_* need a real KVM: they run with the hw tests below.
for t in "$BUILD"/tests/test_*; do
	case $(basename "$t") in test_hw_*) continue ;; esac
	[ -x "$t" ] && collect unit < <(tap_run "$t" "$(basename "$t")")
done

section "command tests"
for t in tests/cli/*.sh; do
	collect cli < <(bash "$t" 2>&1)
done

# Every guest case (and, for hw, every hw unit test program) must have
# reported: a runner or harness failure fails them all, none is skipped.
check_reported() { # ENGINE OUTFILE RUNNER-STATUS [EXTRA-NAMES...]
	local engine=$1 out=$2 rc=$3 name; shift 3
	local names cases=$engine
	[ "$engine" = host ] && cases=theorem3
	names=$(bash tests/guests/run-cases.sh "$cases" --names)
	for name in "$@"; do names+=$'\n'$name; done
	while IFS= read -r name; do
		[ -n "$name" ] || continue
		grep -qE "^(PASS|FAIL) $name(/|:|\$)" "$out" ||
			result FAIL "$engine/$name" "did not run (runner exit status $rc)"
	done <<<"$names"
}

# The sanitizer build (tests/san/san.mk): its unit tests and guest cases
# here, its fuzz targets below; each reports, none is skipped.
section "unit tests and guests on the interpreter under ASan and UBSan (san)"
san_out=$(mktemp)
bash tests/san/run.sh >"$san_out" 2>&1; san_rc=$?
collect san <"$san_out"
grep -qE '^(PASS|FAIL) ' "$san_out" || result FAIL san "reported nothing (exit status $san_rc)"
rm -f "$san_out"

section "fuzz smoke runs (libFuzzer, ASan, UBSan), each target of tests/fuzz/targets"
fz_out=$(mktemp)
bash tests/fuzz/fuzz.sh smoke >"$fz_out" 2>&1; fz_rc=$?
collect fuzz < <(sed -E 's#^(PASS|FAIL) fuzz/#\1 #' "$fz_out")
while read -r name _; do
	case $name in '' | '#'*) continue ;; esac
	grep -qE "^(PASS|FAIL) fuzz/$name(:|\$)" "$fz_out" ||
		result FAIL "fuzz/$name" "did not run (exit status $fz_rc)"
done <tests/fuzz/targets
rm -f "$fz_out"

# What the host's KVM runs natively decides where the full hw matrix and
# Linux's KVM boots run.
kvm=none
if [ -c /dev/kvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
	info=$("$BUILD/hvmm" kvm-info --json 2>&1)
	echo "   host KVM: $info"
	case $info in
	*'"runs_everything":true'*) kvm=full ;;
	*) kvm=limited ;;
	esac
fi

# Linux boots under POLICY... (run-linux-case.sh lines) on a KVM that runs
# everything: the host's, else the harness. The boots whose audit is
# checked: the interpreter's, and theorem3's, which must show no gap.
export HVMM_LINUX_AUDIT=sw,theorem3
linux_cases() { for p in "$@"; do bash tests/linux/run-linux-case.sh "$p"; done; }
linux_on_kvm() { # POLICY...
	if [ $kvm = full ]; then
		linux_cases "$@"
		return
	fi
	HVMM_CACHE=${HVMM_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/hvmm} \
	KVM_RUN_FORCE_VM=1 KVM_RUN_ENV="BUILD HVMM_CACHE HVMM_LINUX_AUDIT" tests/harness/kvm-run --timeout 2400 \
		bash -c 'for p in "$@"; do bash tests/linux/run-linux-case.sh "$p"; done' linux "$@"
}

# From here on two lanes share the two cores, as each emulator keeps one
# busy: in the background the VMX subset (kvm_intel, the host's where it
# is that, else Bochs: 3 to 4 minutes), then Linux's audited theorem3
# boot (about 12 minutes in the harness); in the foreground the rest.
# The background's results are collected in the Linux and VMX sections.
vmx_out=$(mktemp) linux_bg_out=$(mktemp)
linux_bg=(theorem3)
(
	start=$SECONDS
	KVM_RUN_ENV=BUILD tests/harness/kvm-run --vmx --timeout 1500 bash tests/guests/run-cases.sh vmx \
		>"$vmx_out" 2>&1
	echo $? >"$vmx_out.rc"
	echo "the VMX subset took $((SECONDS - start)) s" >>"$vmx_out"
	linux_on_kvm "${linux_bg[@]}" >"$linux_bg_out" 2>&1
) </dev/null &
bg_pid=$!

section "guests on the interpreter (sw)"
sw_out=$(mktemp)
bash tests/guests/run-cases.sh sw >"$sw_out" 2>&1; sw_rc=$?
collect sw <"$sw_out"
check_reported sw "$sw_out" $sw_rc
rm -f "$sw_out"

section "guests and hw unit tests on a KVM that runs everything natively (hw)"
hw_out=$(mktemp)
if [ $kvm = full ]; then
	echo "   the host's /dev/kvm: running directly"
	bash tests/guests/run-cases.sh hw >"$hw_out" 2>&1; hw_rc=$?
else
	echo "   running inside the KVM harness (host KVM: $kvm)"
	KVM_RUN_FORCE_VM=1 KVM_RUN_ENV=BUILD tests/harness/kvm-run --timeout 1500 bash tests/guests/run-cases.sh hw >"$hw_out" 2>&1; hw_rc=$?
fi
collect hw <"$hw_out"
hw_units=()
for t in "$BUILD"/tests/test_hw_*; do hw_units+=("$(basename "$t")"); done
check_reported hw "$hw_out" $hw_rc kvm-info kvm-info-cpuid chaos-repeat sandbox-kvm \
	sandbox-kvm-audit sandbox-kvm-off auditinv/lockstep hw-timeout hw-sigterm hw-triple-fault \
	hw-triple-fault-after-io hw-unclaimed-port "${hw_units[@]}"
rm -f "$hw_out"

# Debian's kernel and the test image: the interpreter here, the KVM
# policies where the hw matrix runs (theorem3 in the background lane).
# Each policy must report.
section "Debian's Linux kernel with the test image (linux)"
linux_out=$(mktemp)
linux_fg=(hw chaos:1)
linux_cases sw >"$linux_out" 2>&1
linux_on_kvm "${linux_fg[@]}" >>"$linux_out" 2>&1
linux_all=(sw "${linux_fg[@]}" "${linux_bg[@]}")
if [ $kvm = limited ]; then
	linux_cases theorem3 | sed 's#^\(PASS\|FAIL\) linux/theorem3#\1 linux/host-theorem3#' >>"$linux_out" 2>&1
	linux_all+=(host-theorem3)
fi
echo "   waiting for the background lane (the VMX subset, then Linux under ${linux_bg[*]})"
wait $bg_pid
cat "$linux_bg_out" >>"$linux_out"
rm -f "$linux_bg_out"
collect linux < <(sed -E 's#^(PASS|FAIL) linux/#\1 #' "$linux_out")
for p in "${linux_all[@]}"; do
	grep -qE "^(PASS|FAIL) linux/$p(:|\$)" "$linux_out" ||
		result FAIL "linux/$p" "did not run"
done
rm -f "$linux_out"

section "the VMX subset on kvm_intel (vmx), run in the background lane"
vmx_rc=$(cat "$vmx_out.rc" 2>/dev/null || echo "unknown")
collect vmx <"$vmx_out"
check_reported vmx "$vmx_out" "$vmx_rc" kvm-info "${hw_units[@]}"
rm -f "$vmx_out" "$vmx_out.rc"

if [ $kvm = limited ]; then
	echo "== guests under theorem3 on the host's own KVM (host)"
	host_out=$(mktemp)
	bash tests/guests/run-cases.sh theorem3 >"$host_out" 2>&1; host_rc=$?
	collect host <"$host_out"
	check_reported host "$host_out" $host_rc hw-refused lockstep-refused
	rm -f "$host_out"
fi

section
echo
if [ $fail -gt 0 ]; then
	echo "Failed:"
	printf '  %s\n' "${failed[@]}"
fi
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
