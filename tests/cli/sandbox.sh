#!/usr/bin/env bash
# The sandbox of hvmm run (docs/sandbox.md), on the interpreter: a system
# call the run loop never makes, made right after the filter is in place
# (the hidden HVMM_SANDBOX_SELFTEST), ends the process with exit status 32
# and one line naming it, before the guest runs; with --sandbox=off the
# same call goes through and the guest runs; runs with every output the
# command has (serial file, audit file and its writer thread, summary,
# statistics) are not stopped. The KVM side: tests/guests/run-cases.sh hw.
# Prints "PASS name" / "FAIL name: wanted ..., got ...".
. "$(dirname "$0")/common.inc"

socket_line="hvmm: sandbox: forbidden system call socket (number 41)"
HVMM_SANDBOX_SELFTEST=socket expect sandbox-socket 32 "$socket_line" run --policy=sw "$g/hello64.bin"
check sandbox-socket-one-line 1 "$(wc -l <"$tmp/err")"
check sandbox-socket-guest-not-run 0 "$(wc -c <"$tmp/out")"
# The audit's writer thread exists when the filter comes: it is under the
# filter too, and the call is stopped the same way.
HVMM_SANDBOX_SELFTEST=socket expect sandbox-socket-audit 32 "$socket_line" \
	run --policy=sw --audit="$tmp/a.jsonl" --audit-summary "$g/minios.bin"
HVMM_SANDBOX_SELFTEST=socket expect sandbox-off 0 "" run --policy=sw --sandbox=off "$g/hello64.bin"
check sandbox-off-guest-ran "$(cat tests/guests/hello64.bin.expected)" "$(cat "$tmp/out")"
expect sandbox-bad-value 2 "--sandbox: expected on or off, not 'maybe'" run --sandbox=maybe "$g/hello64.bin"

# Everything a run writes, with the sandbox on (the default).
expect sandbox-all-outputs 0 "hvmm stats:" run --policy=sw --stats --serial="$tmp/serial" \
	--audit="$tmp/b.jsonl" --audit-summary=json "$g/minios.bin"
check sandbox-all-outputs-serial "$(cat tests/guests/minios.bin.expected)" "$(cat "$tmp/serial")"
check sandbox-all-outputs-audit 1 "$(grep -c '^{"records"' "$tmp/err")"
check sandbox-all-outputs-audit-file yes "$([ -s "$tmp/b.jsonl" ] && tail -n 1 "$tmp/b.jsonl" | grep -q '^{.*}$' && echo yes)"
# A guest whose x87 and SSE exceptions the interpreter takes as SIGFPE
# (its handler reads its own memory and may set its action again).
expect sandbox-sigfpe 0 "" run --policy=sw "$g/suite64.bin"
check sandbox-sigfpe-output "$(cat tests/guests/suite64.bin.expected)" "$(cat "$tmp/out")"
# A policy file on a host without KVM: KVM is tried once, before the
# filter; the rule that chooses it fails as before, not in the sandbox.
if [ ! -c /dev/kvm ]; then
	expect sandbox-policy-file-no-kvm 4 "KVM unavailable" run --policy=policy/examples/theorem3.pol "$g/minios.bin"
fi
