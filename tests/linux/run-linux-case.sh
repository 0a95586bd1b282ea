#!/usr/bin/env bash
# Usage: run-linux-case.sh POLICY [hvmm run options...]. Boots Debian's
# kernel with the Linux test image under --policy=POLICY (tests/linux/boot.sh)
# and prints "PASS linux/POLICY", or "FAIL linux/POLICY: what differed":
#  - hvmm's exit status must be 85, what the image's /init gives through
#    port 0xf4 when every step ran (87: a step failed and said which);
#  - the workload lines (start marker to end marker; the kernel's own lines
#    are left out) must be tests/linux/expected.txt, with the booted
#    kernel's release for @RELEASE@;
#  - under theorem3 (run with --stats=json), KVM must never have entered
#    the guest at CPL 0-2 and no kernel entry may have been missed;
#  - where HVMM_LINUX_AUDIT (policies joined with commas) names POLICY,
#    the run is audited (--audit-level=supervisor,
#    a summary, and a file of the syscall and gap records): the summary's
#    supervisor instructions must be the interpreter's CPL 0-2 count, there
#    must be no gap, and the execve and pipe2 records before /init's
#    times() call must be the kernel's own counts (its trace events),
#    which /init prints after the end marker.
# The run's serial output and stderr stay in $BUILD/linux/run-POLICY.out
# and .err (in a temporary folder where $BUILD/linux is read-only). HVMM_LINUX_TIMEOUT: seconds before the run is stopped (900).
# Exit status 0 on PASS, 1 on FAIL.
set -u
# shellcheck source=tests/linux/common.inc
. "$(dirname "$0")/common.inc"
# shellcheck source=tests/theorem3.sh
. tests/theorem3.sh
POLICY=${1:?usage: run-linux-case.sh POLICY [hvmm run options...]}
shift
label=linux/$POLICY
timeout=${HVMM_LINUX_TIMEOUT:-900}
fail() { echo "FAIL $label: $*"; exit 1; }

kernel=$(linux_kernel 2>&1) || fail "$kernel"
[ -s "$linux_initrd" ] || fail "no $linux_initrd (run tests/linux/make-initramfs.sh)"
[ -x "$hvmm" ] || fail "no $hvmm (run make)"
release=${kernel##*/vmlinuz-}
# Inside the KVM harness the tree is read-only: the logs go to a temporary
# folder there.
logs=$BUILD/linux
[ -w "$logs" ] || logs=$(mktemp -d)
base=$logs/run-${POLICY//[^A-Za-z0-9_.:-]/_}
extra=()
[ "$POLICY" = theorem3 ] && extra=(--stats=json)
audit=0
case ,${HVMM_LINUX_AUDIT:-}, in *,"$POLICY",*) audit=1 ;; esac
[ "$audit" = 1 ] && extra=(--stats=json --audit-summary=json --audit="$base.audit"
	--audit-filter=kind=syscall,kind=gap)

# In the KVM harness, QEMU runs a nested guest's XSETBV without the exit
# KVM asked for, so KVM puts XCR0 = x87 back at its next exit and the
# kernel's XSAVE signal frames come back "bad" (tests/suite/hw-deviations.md).
# Where kernel code may run on that KVM (hw, chaos), the kernel is told not
# to use XSAVE there; theorem3 interprets every XSETBV and needs nothing.
if [ "${HVMM_IN_HARNESS:-0}" = 1 ] && [ "$POLICY" != theorem3 ] && [ "$POLICY" != sw ]; then
	export HVMM_LINUX_CMDLINE="${HVMM_LINUX_CMDLINE:-$linux_cmdline} noxsave"
fi
t0=$SECONDS
timeout "$timeout" bash tests/linux/boot.sh --policy="$POLICY" "${extra[@]}" "$@" \
	>"$base.out" 2>"$base.err" </dev/null
status=$?
echo "$label: the run took $((SECONDS - t0)) s"
linux_workload_lines "$release" <"$base.out" >"$base.lines"

# Where the serial output stopped, for the messages below.
last_line() {
	local l
	l=$(tr -d '\r' <"$base.out" | grep -v '^[[:space:]]*$' | tail -n 1 | tr -cd '[:print:]' | head -c 160)
	echo "last serial line '${l:-(none)}'"
}
# What the audit got wrong, one line each (an audited run).
audit_violations() {
	local stats sum want got trace
	stats=$(grep '^{"policy"' "$base.err")
	sum=$(grep '^{"records"' "$base.err")
	[ -n "$stats" ] && [ -n "$sum" ] || { echo "no --stats or --audit-summary JSON"; return; }
	want=$(echo "$stats" | jq .sw.instructions_cpl0)
	got=$(echo "$sum" | jq .instructions.supervisor)
	[ "$want" = "$got" ] || echo "supervisor instructions $got, the interpreter's CPL 0-2 count $want"
	got=$(echo "$sum" | jq .gaps.count)
	[ "$got" = 0 ] || echo "$got gaps"
	trace=$(tr -d '\r' <"$base.out" | grep -o 'hvmm-linux-trace: execve=[0-9]* pipe2=[0-9]*')
	[ -n "$trace" ] || { echo "no trace counts from /init"; return; }
	got=$(awk '/"number":100,/ { exit } /"number":59,/ { e++ } /"number":293,/ { p++ }
		END { printf "execve=%d pipe2=%d", e, p }' "$base.audit")
	[ "hvmm-linux-trace: $got" = "$trace" ] || echo "syscall records $got, the kernel's ${trace#*: }"
}
if [ $status = 124 ]; then
	fail "no exit after ${timeout}s; $(last_line) (output in $base.out)"
elif [ ! -s "$base.lines" ]; then
	fail "no start marker; exit status $status; $(last_line); stderr '$(head -c 200 "$base.err" | tr '\n' ' ')'"
elif ! cmp -s "$linux_expected" "$base.lines"; then
	fail "workload lines differ from $linux_expected (exit status $status): $(diff "$linux_expected" "$base.lines" | grep '^[<>]' | head -n 2 | tr '\n' ' ')"
elif [ $status != "$linux_want_status" ]; then
	fail "exit status wanted $linux_want_status, got $status; $(last_line); stderr '$(head -c 200 "$base.err" | tr '\n' ' ')'"
elif [ "$POLICY" = theorem3 ] && [ -n "$(theorem3_violations "$base.err")" ]; then
	fail "$(theorem3_violations "$base.err" | tr '\n' ' ')"
elif [ "$audit" = 1 ] && [ -n "$(audit_violations)" ]; then
	fail "audit: $(audit_violations | tr '\n' ' ')"
fi
echo "PASS $label"
