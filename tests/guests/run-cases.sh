#!/usr/bin/env bash
# Usage: run-cases.sh ENGINE [--names]. Runs each case of tests/guests/cases and
# prints "PASS name" or "FAIL name: what was wanted and what came".
# sw: under --policy=sw. hw (on a KVM that runs every state natively: the
# KVM harness, or the host's /dev/kvm where its probe says so): under
# --policy=hw as "name", and as "name/sw", "name/theorem3" and
# "name/chaos:SEED" for five seeds, every one with the same expected
# output; then `hvmm kvm-info --json` (which must say it runs everything
# and show the CPUID model)
# and the test_hw_* unit test programs. theorem3 (on a host whose
# KVM runs only part natively, e.g. PVM): under --policy=theorem3 alone,
# and --policy=hw must be refused with one line naming the host's limit.
# vmx (on kvm_intel: Bochs's VMX): a subset (VMX_CASES) under hw,
# theorem3 and one chaos seed, then kvm-info and the test_hw_* programs.
# hw also runs the cases with user code (ADAPTIVE_CASES) as
# "name/adaptive", and a case in CASE_POLICIES under those policies
# only. theorem3 and adaptive runs must also show in their
# statistics that KVM never ran guest code at CPL 0-2 and that no kernel
# entry was missed. hw also runs one guest three times under one chaos
# seed ("chaos-repeat"): the counts of --stats=json must not change; and
# checks that the sandbox stops a forbidden call on KVM ("sandbox-kvm",
# "sandbox-kvm-audit", "sandbox-kvm-off"). Every run has the sandbox on,
# as it is by default. hw also ends runs early (--timeout, SIGTERM, a
# triple fault) and checks what they report.
# --names: only list the cases ENGINE runs.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
ENGINE=${1:?usage: run-cases.sh ENGINE}
hvmm=${HVMM:-$BUILD/hvmm}   # HVMM: another build of it (tests/san/run.sh)
tmp=$(mktemp -d)

# The instruction suite marks a check whose result is a documented
# deviation of the harness's hardware from the manuals
# (tests/suite/hw-deviations.md). The expected files hold the manuals'
# results, so on hw the mark is dropped before comparing; the interpreter
# must give the manuals' results and never prints the mark.
strip_hw_deviations() {
	if [ "$ENGINE" = hw ] || [ "$ENGINE" = vmx ]; then
		sed 's/ (known hw deviation, see tests\/suite\/hw-deviations.md)$//'
	else
		cat
	fi
}
trap 'rm -rf "$tmp"' EXIT

# theorem3_violations STATS-FILE: what breaks theorem3's promise.
. tests/theorem3.sh

# Whether POLICY keeps supervisor code off KVM (theorem3's promise).
splits_by_cpl() {
	[ "$POLICY" = theorem3 ] || [ "$POLICY" = adaptive ]
}

run_case() { # LABEL POLICY WANT-STATUS EXPECTED ARGS
	local label=$1 want_status=$3 expected=$4 args=$5 status extra=()
	POLICY=$2
	eval "set -- $args"
	splits_by_cpl && extra=(--stats=json)
	timeout 120 "$hvmm" run "${extra[@]}" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	status=$?
	if [ "$status" != "$want_status" ]; then
		# The guest's own first FAIL line, if it printed one, says why.
		echo "FAIL $label: exit status wanted $want_status, got $status ($(head -c 300 "$tmp/err" | tr '\n' ' '))$(grep -m1 -a '^FAIL' "$tmp/out" | head -c 300 | sed 's/^/: /')"
	elif ! strip_hw_deviations <"$tmp/out" | cmp -s "$expected" -; then
		echo "FAIL $label: serial output differs from $expected: got '$(head -c 300 "$tmp/out" | tr '\n' '|')'"
	elif splits_by_cpl && [ -n "$(theorem3_violations "$tmp/err")" ]; then
		echo "FAIL $label: $(theorem3_violations "$tmp/err" | tr '\n' ' ')"
	else
		echo "PASS $label"
	fi
}

# The VMX subset (kvm_intel in Bochs, where time is dear): the cases that
# cover every mode, ring 3, the instruction suites, self-modifying code,
# minios and the benchmark loops, under hw, theorem3 and one chaos seed.
VMX_CASES=(hello16 hello32 hello64 ring3 suite16 suite32 suite64 smc minios bench-alu
	bench-array bench-int_r0 bench-int80_r3 bench-syscall bench-cr3 bench-out bench-cpuid
	bench-sse bench-x87)
# The cases with user code that hw runs under adaptive as well.
ADAPTIVE_CASES=(ring3 minios bench-int80_r3 bench-syscall linuxabi bench-timer10k)
# Cases that hw runs under these policies only. bench-timer10k checks the
# dispatcher's put-off moves (docs/policy.md, "A timer shorter than a
# round trip"); KVM alone makes no such promise: where a KVM round trip
# is half the 100 us tick, as in the harness, every tick costs about two
# exits and user code runs only when a tick comes late, so hw took 2 to
# 18 s and lockstep 2 to 114 s there, run to run.
declare -A CASE_POLICIES=([bench-timer10k]="sw theorem3 adaptive")
in_list() { # NAME LIST...: whether NAME is in LIST
	local n=$1 c
	shift
	for c in "$@"; do [ "$c" = "$n" ] && return 0; done
	return 1
}
in_subset() { # NAME: whether this ENGINE runs case NAME
	[ "$ENGINE" = vmx ] || return 0
	in_list "$1" "${VMX_CASES[@]}"
}
# Lockstep (docs/policy.md) compares each case's first STEPS steps, then
# KVM runs on alone: the bounds keep the harness run a few minutes longer.
# A case not listed is compared whole.
declare -A LOCKSTEP_STEPS=(
	[hello64-mb]=5000 [hello32-mb-cmdline]=3000 [hello64-mb-cmdline]=3000
	[hello64-mem1g]=3000 [serial-none]=3000 [ring3]=10000 [suite16]=15000
	[suite32]=15000 [suite64]=15000 [minios]=15000 [linuxabi]=5000 [bench-alu]=1500
	[bench-array]=1500 [bench-int_r0]=1500 [bench-int80_r3]=1500 [bench-syscall]=1500
	[bench-cr3]=1500 [bench-out]=1500 [bench-cpuid]=1500 [bench-sse]=1500
	[bench-x87]=1500 [bench-compute]=1500 [bench-stream]=1500 [bench-pagefault]=1500
	[bench-timer]=1500 [bench-timer10k]=1500 [bench-mixed]=1500)
lockstep_policy() { # NAME
	local n=${LOCKSTEP_STEPS[$1]:-}
	echo "lockstep${n:+:$n}"
}
case $ENGINE in
hw)
	# sw too, so that every policy's output is compared in one place.
	policies=(hw sw theorem3 chaos:1 chaos:2 chaos:3 chaos:4 chaos:5 lockstep) ;;
vmx)
	policies=(hw theorem3 chaos:1) ;;
theorem3|sw)
	policies=("$ENGINE") ;;
*)
	echo "run-cases.sh: unknown engine '$ENGINE' (sw, hw, vmx or theorem3)" >&2
	exit 2 ;;
esac
while IFS='|' read -r name want_status expected args; do
	case $name in ''|'#'*) continue ;; esac
	name=$(echo "$name" | xargs); want_status=$(echo "$want_status" | xargs)
	expected=tests/guests/$(echo "$expected" | xargs)
	in_subset "$name" || continue
	if [ "${2:-}" = --names ]; then
		echo "$name"
		continue
	fi
	ps=("${policies[@]}")
	[ "$ENGINE" = hw ] && in_list "$name" "${ADAPTIVE_CASES[@]}" && ps+=(adaptive)
	if [ "$ENGINE" = hw ] && [ -n "${CASE_POLICIES[$name]:-}" ]; then
		read -ra only <<<"${CASE_POLICIES[$name]}"
		for i in "${!ps[@]}"; do in_list "${ps[$i]}" "${only[@]}" || unset "ps[$i]"; done
	fi
	for p in "${ps[@]}"; do
		label=$name
		[ "$p" = "$ENGINE" ] || [ "$ENGINE/$p" = vmx/hw ] || label=$name/$p
		[ "$p" = lockstep ] && p=$(lockstep_policy "$name")
		run_case "$label" "$p" "$want_status" "$expected" "$args"
	done
done <tests/guests/cases
[ "${2:-}" = --names ] && exit 0

# A chaos seed fixes its migration points (docs/policy.md): suite64, which
# takes no interrupts, run three times under one seed gives the same
# --stats=json every time but for its times (seconds, mean_ns, worst_ns:
# wall clock; run_ns: the host probe's round trip). Every count is compared: instructions per engine, KVM runs,
# ioctls and exits by reason, kernel entries, port and MMIO accesses,
# events by kind, migrations by direction and reason.
chaos_counts() { # STATS-FILE: its --stats=json line without the times
	grep '^{"policy"' "$1" | sed -E 's/"(seconds|mean_ns|worst_ns|run_ns)":[0-9.]+,?//g'
}
chaos_repeat() { # SEED
	local i status first="" counts
	for i in 1 2 3; do
		timeout 120 "$hvmm" run --policy=chaos:"$1" --stats=json "$BUILD/guests/suite64.bin" \
			>"$tmp/out" 2>"$tmp/err" </dev/null
		status=$?
		counts=$(chaos_counts "$tmp/err")
		if [ "$status" != 0 ]; then
			echo "FAIL chaos-repeat: run $i of suite64 under chaos:$1 exited with status $status: $(head -c 300 "$tmp/err" | tr '\n' ' ')"
			return
		elif ! strip_hw_deviations <"$tmp/out" | cmp -s tests/guests/suite64.bin.expected -; then
			echo "FAIL chaos-repeat: run $i of suite64 under chaos:$1: serial output differs from tests/guests/suite64.bin.expected"
			return
		elif [ -z "$counts" ]; then
			echo "FAIL chaos-repeat: run $i of suite64 under chaos:$1 printed no --stats=json line"
			return
		elif [ -z "$first" ]; then
			first=$counts
		elif [ "$counts" != "$first" ]; then
			echo "FAIL chaos-repeat: run $i of suite64 under chaos:$1 counted differently: first '$first', now '$counts'"
			return
		fi
	done
	echo "chaos-repeat: suite64 under chaos:$1, counts of each of three runs: $first"
	echo "PASS chaos-repeat"
}
[ "$ENGINE" = hw ] && chaos_repeat 1

# Runs that end early on KVM (tests/cli/robust.sh has the interpreter's):
# --timeout and SIGTERM end a guest spinning with interrupts off inside
# KVM_RUN, with the report of where it was; a triple fault is reported
# where the guest faulted (the interpreter runs KVM's last entry again),
# not at the reset vector KVM leaves on AMD, and the replay reaches no
# device (the serial line shows one 'A'); -v names unclaimed ports.
early_end() { # LABEL WANT-STATUS STATUS 'substring of stderr'
	if [ "$3" != "$2" ]; then
		echo "FAIL $1: exit status wanted $2, got $3 ($(head -c 300 "$tmp/err" | tr '\n' ' '))"
	elif ! grep -qF -- "$4" "$tmp/err"; then
		echo "FAIL $1: stderr wanted '$4', got '$(head -c 400 "$tmp/err" | tr '\n' ' ')'"
	else
		echo "PASS $1"
	fi
}
early_ends_hw() {
	. tests/guests/tiny-guests.sh
	write_tiny_guests "$tmp"
	local at='the vCPU was at 1000:0000000000000001 (real mode, CPL 0, interrupts off) on engine hw'
	# The time counts from before the guest loads: long enough for the
	# KVM engine to be made under software emulation.
	timeout 60 "$hvmm" run --policy=hw --timeout=3 "$tmp/spin.bin" >"$tmp/out" 2>"$tmp/err" </dev/null
	early_end hw-timeout 10 $? "hvmm: guest stopped: timeout: --timeout=3 passed; $at"
	# timeout(1) passes the signal on to hvmm twice (to it and to its
	# group): one request.
	timeout 60 "$hvmm" run --policy=hw --stats "$tmp/spin.bin" >"$tmp/out" 2>"$tmp/err" </dev/null &
	local pid=$!
	sleep 4
	kill -TERM $pid
	wait $pid
	early_end hw-sigterm 14 $? "hvmm: guest stopped: signal: SIGTERM; $at"
	early_end hw-sigterm-stats 14 14 "hvmm stats: policy hw"
	timeout 60 "$hvmm" run --policy=hw "$tmp/tf.bin" >"$tmp/out" 2>"$tmp/err" </dev/null
	early_end hw-triple-fault 8 $? "hvmm: guest stopped: shutdown: triple fault at rip 0x6 (vector 13 while delivering #DF) on KVM, found by running its last entry again in the interpreter; the vCPU was at 1000:0000000000000006 (real mode"
	timeout 60 "$hvmm" run --policy=hw "$tmp/tf-serial.bin" >"$tmp/out" 2>"$tmp/err" </dev/null
	early_end hw-triple-fault-after-io 8 $? "triple fault at rip 0xc (vector 13 while delivering #DF) on KVM, found by running its last entry again in the interpreter; the vCPU was at 1000:000000000000000c"
	if [ "$(cat "$tmp/out")" = A ]; then echo "PASS hw-triple-fault-replay-quiet"
	else echo "FAIL hw-triple-fault-replay-quiet: serial output wanted 'A', got '$(head -c 50 "$tmp/out")'"; fi
	timeout 60 "$hvmm" run --policy=hw -v "$tmp/unclaimed.bin" >"$tmp/out" 2>"$tmp/err" </dev/null
	early_end hw-unclaimed-port 0 $? "hvmm: info: port 0x81: 1-byte read claimed by no device (reads all-ones; reported once per address)"
}
[ "$ENGINE" = hw ] && early_ends_hw

# The audit of minios, checked against the run (audit-cases.sh): under
# the interpreter, theorem3, and where KVM runs everything a policy that
# leaves kernel code to KVM, whose gaps must be reported.
case $ENGINE in
sw|theorem3) bash tests/guests/audit-cases.sh "$ENGINE" ;;
hw) bash tests/guests/audit-cases.sh theorem3 gap ;;
esac

if [ "$ENGINE" = theorem3 ]; then
	# A host that cannot run real mode natively refuses --policy=hw and
	# --policy=lockstep.
	for p in hw lockstep; do
		"$hvmm" run --policy=$p "$BUILD/guests/suite16.bin" >"$tmp/out" 2>"$tmp/err" </dev/null
		status=$?
		if [ "$status" != 2 ] || [ "$(wc -l <"$tmp/err")" != 1 ] || ! grep -q -- "--policy=$p: " "$tmp/err"; then
			echo "FAIL $p-refused: wanted one line naming the host's limit and exit status 2, got $status: $(head -c 300 "$tmp/err" | tr '\n' ' ')"
		else
			echo "PASS $p-refused"
		fi
	done
fi
[ "$ENGINE" = hw ] || [ "$ENGINE" = vmx ] || exit 0
# The host probe answers with one JSON object: here, a KVM that runs
# everything natively (kvm_intel's for the VMX subset).
want_backend='"backend":"'
[ "$ENGINE" = vmx ] && want_backend='"backend":"kvm_intel"'
if kvm_info=$(timeout 60 "$hvmm" kvm-info --json 2>"$tmp/err" </dev/null); then
	case $kvm_info in
	'{'*"$want_backend"*'"runs_everything":true'*'}') echo "PASS kvm-info" ;;
	*) echo "FAIL kvm-info: wanted a JSON object with \"runs_everything\":true, got '$(printf '%s' "$kvm_info" | head -c 300)'" ;;
	esac
	# The CPUID model both engines present, and why what is out is out.
	case $kvm_info in
	*'"cpuid":{"offered":['*'"lm"'*'],"missing":{'*'"avx":"the interpreter runs no AVX"'*) echo "PASS kvm-info-cpuid" ;;
	*) echo "FAIL kvm-info-cpuid: wanted the model's offered and missing features, got '$(printf '%s' "$kvm_info" | grep -o '"cpuid":.*' | head -c 300)'" ;;
	esac
else
	echo "FAIL kvm-info: exit status $? ($(head -c 300 "$tmp/err" | tr '\n' ' '))"
fi
# The sandbox on KVM (docs/sandbox.md): a call no run makes, right after
# the filter is in place (HVMM_SANDBOX_SELFTEST), ends the process with
# status 32 and one line naming it, before the guest runs: an ioctl on
# /dev/kvm's descriptor under hw, a socket(2) under theorem3 with an audit
# (whose writer thread is under the filter too). With --sandbox=off the
# ioctl goes through and the guest runs.
sandbox_case() { # NAME WHAT WANTED-LINE-REGEX HVMM-RUN-ARGS...
	local name=$1 what=$2 want=$3 status
	shift 3
	HVMM_SANDBOX_SELFTEST=$what timeout 120 "$hvmm" run "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	status=$?
	if [ "$status" = 32 ] && [ "$(wc -l <"$tmp/err")" = 1 ] && grep -q "$want" "$tmp/err" &&
		[ ! -s "$tmp/out" ]; then
		echo "PASS $name"
	else
		echo "FAIL $name: wanted exit status 32, one line matching '$want' and no guest output, got $status: '$(head -c 300 "$tmp/err" | tr '\n' ' ')', output '$(head -c 100 "$tmp/out" | tr '\n' '|')'"
	fi
}
if [ "$ENGINE" = hw ]; then
	sandbox_case sandbox-kvm kvm \
		'^hvmm: sandbox: forbidden system call ioctl (number 16) on fd [0-9]*, request 0xae01$' \
		--policy=hw "$BUILD/guests/hello64.bin"
	sandbox_case sandbox-kvm-audit socket '^hvmm: sandbox: forbidden system call socket (number 41)$' \
		--policy=theorem3 --audit="$tmp/sandbox.jsonl" "$BUILD/guests/minios.bin"
	HVMM_SANDBOX_SELFTEST=kvm timeout 120 "$hvmm" run --sandbox=off --policy=hw "$BUILD/guests/hello64.bin" \
		>"$tmp/out" 2>"$tmp/err" </dev/null
	status=$?
	if [ "$status" = 0 ] && cmp -s tests/guests/hello64.bin.expected "$tmp/out"; then
		echo "PASS sandbox-kvm-off"
	else
		echo "FAIL sandbox-kvm-off: wanted exit status 0 and the guest's output, got $status: '$(head -c 300 "$tmp/err" | tr '\n' ' ')'"
	fi
fi
# auditinv.bin is the one bundled guest that is no case (its CPUID and
# timing lines differ from host to host): lockstep must find no difference
# in its first steps, and it must end as it does under hw.
if [ "$ENGINE" = hw ]; then
	a=$BUILD/guests/auditinv.bin
	timeout 300 "$hvmm" run --policy=hw --serial=none "$a" >/dev/null 2>&1 </dev/null
	want=$?
	timeout 600 "$hvmm" run --policy=lockstep:20000 --serial=none "$a" >/dev/null 2>"$tmp/ls.err" </dev/null
	got=$?
	if [ "$got" = "$want" ]; then echo "PASS auditinv/lockstep"
	else echo "FAIL auditinv/lockstep: exit status wanted $want, got $got ($(head -c 300 "$tmp/ls.err" | tr '\n' ' '))"; fi
fi
# Unit test programs that need a real KVM.
. tests/tap.sh
for t in "$BUILD"/tests/test_hw_*; do
	[ -x "$t" ] && tap_run "$t" "$(basename "$t")"
done
