#!/usr/bin/env bash
# Runs that end early still report, and never leave a broken file: the
# limits (--timeout, --max-instructions) and a triple fault end with a
# report line and their own exit status; SIGINT, SIGTERM and SIGHUP stop
# the guest with the report, the statistics and a complete audit; after
# SIGKILL the audit is whole JSON Lines up to its last complete line; a
# killed `hvmm bench` leaves each report either as it was or complete;
# -v names the ports no device claims. Under the interpreter (the KVM
# side is in tests/guests/run-cases.sh hw).
. "$(dirname "$0")/common.inc"

. tests/guests/tiny-guests.sh
write_tiny_guests "$tmp"

where='the vCPU was at 1000:0000000000000001 (real mode, CPL 0, interrupts off) on engine sw'

# Bad values: one line, status 2.
expect timeout-bad 2 "--timeout: bad time 'abc'" run --timeout=abc "$tmp/spin.bin"
expect timeout-inf 2 "--timeout: bad time 'inf'" run --timeout=inf "$tmp/spin.bin"
expect timeout-zero 2 "--timeout: bad time '0'" run --timeout=0 "$tmp/spin.bin"
expect timeout-negative 2 "--timeout: bad time '-1'" run --timeout=-1 "$tmp/spin.bin"
expect max-insns-zero 2 "--max-instructions: bad count '0'" run --max-instructions=0 "$tmp/spin.bin"
expect max-insns-bad 2 "--max-instructions: bad count '1e6'" run --max-instructions=1e6 "$tmp/spin.bin"
expect max-insns-hw 2 "--max-instructions: --policy=hw runs no instruction in the interpreter" \
	run --policy=hw --max-instructions=5 "$tmp/spin.bin"

# A guest that hangs with interrupts off ends at --timeout.
expect timeout-ends-hang 10 "hvmm: guest stopped: timeout: --timeout=0.3 passed; $where" \
	run --policy=sw --timeout=0.3 "$tmp/spin.bin"
expect max-insns-ends-hang 12 "hvmm: guest stopped: instruction-limit: the interpreter ran 250000 instructions, the limit; $where" \
	run --policy=sw --max-instructions=250000 --stats=json "$tmp/spin.bin"
check max-insns-exact 250000 "$(grep '^{' "$tmp/err" | jq .sw.instructions)"
expect triple-fault 8 "hvmm: guest stopped: shutdown: triple fault at rip 0x6 (vector 13 while delivering #DF); the vCPU was at 1000:0000000000000006" \
	run --policy=sw "$tmp/tf.bin"
expect halt-still-zero 0 "" run --policy=sw "$tmp/unclaimed.bin"
# sti; hlt with no timer programmed: nothing can wake it, and the warning
# names the RIP after the HLT.
printf '\xfb\xf4' >"$tmp/sti-hlt.bin"
expect halt-nothing-wakes 0 "hvmm: warning: guest halted with interrupts enabled at rip 0x2; no interrupt source can wake it, stopping" \
	run --policy=sw "$tmp/sti-hlt.bin"

# -v: each unclaimed port once, with what it does.
expect unclaimed-write 0 "hvmm: info: port 0x80: 1-byte write claimed by no device (ignored; reported once per address)" \
	run --policy=sw -v "$tmp/unclaimed.bin"
check unclaimed-read 1 "$(grep -c 'port 0x81: 1-byte read claimed by no device (reads all-ones' "$tmp/err")"

# Signals: a background job gets them with job control on (otherwise the
# shell has it ignore SIGINT).
set -m
# hvmm keeps a signal ignored that it started with ignored (checked
# below), and a shell started in the background without job control
# (`make test &` from a script) ignores SIGINT and SIGQUIT and passes that
# on: env puts the stop signals back to their defaults first.
start_bg() { # OUT ERR ARGS...: start hvmm ARGS in the background, pid in $bgpid
	local out=$1 err=$2
	shift 2
	env --default-signal=HUP,INT,TERM "$hvmm" "$@" >"$out" 2>"$err" </dev/null &
	bgpid=$!
}
# wait_bg: wait for $bgpid, killed after a minute (status 137), so that a
# signal hvmm does not honour fails its checks instead of hanging the test.
wait_bg() {
	(trap - EXIT; sleep 60; kill -KILL $bgpid) >/dev/null 2>&1 &
	local dog=$! rc
	wait $bgpid
	rc=$?
	{ kill -KILL $dog; wait $dog; } 2>/dev/null
	return $rc
}
# wait_size FILE BYTES: wait (at most a minute) until FILE holds BYTES.
wait_size() {
	local i
	for ((i = 0; i < 600; i++)); do
		[ -f "$1" ] && [ "$(stat -c %s "$1")" -ge "$2" ] && return 0
		sleep 0.1
	done
	echo "FAIL wait-size: $1 did not reach $2 bytes in a minute"
}
# whole_jsonl FILE: whether every complete line of FILE is one JSON value
# with seq 0, 1, 2, ... (a prefix of the audit): "yes" or why not.
whole_jsonl() {
	local n bad
	n=$(wc -l <"$1")
	bad=$(head -n "$n" "$1" | jq -c .seq 2>&1 | awk 'NR - 1 != $1 { print "line " NR ": " $0; exit }
		END { if (NR != '"$n"') print NR " values in '"$n"' lines" }')
	[ -z "$bad" ] && echo "yes" || echo "$bad"
}

# SIGTERM past the first 1 MiB buffer of the audit: the report, the
# statistics and the audit complete to its last record. SIGINT and
# SIGHUP the same (the audit is the same code).
for sig in TERM INT HUP; do
	start_bg "$tmp/out" "$tmp/err" run --policy=sw --stats --audit="$tmp/$sig.audit" \
		--audit-level=events "$tmp/slow.bin"
	[ $sig = TERM ] && wait_size "$tmp/$sig.audit" 1100000 || sleep 0.3
	kill -$sig $bgpid
	wait_bg
	check sig$sig-status 14 "$?"
	check sig$sig-report 1 "$(grep -c "^hvmm: guest stopped: signal: SIG$sig; the vCPU was at 1000:" "$tmp/err")"
	check sig$sig-stats 1 "$(grep -c '^hvmm stats: policy sw' "$tmp/err")"
	[ $sig = TERM ] || continue
	check sig$sig-audit-whole yes "$(whole_jsonl "$tmp/$sig.audit")"
	check sig$sig-audit-ends-line '\n' "$(tail -c 1 "$tmp/$sig.audit" | od -An -c | tr -d ' ')"
done

# A signal the process started with ignored (nohup) stays ignored.
(trap '' HUP; exec "$hvmm" run --policy=sw "$tmp/spin.bin" >"$tmp/out" 2>"$tmp/err" </dev/null) &
bgpid=$!
sleep 0.5
kill -HUP $bgpid
sleep 0.5
kill -TERM $bgpid
wait $bgpid
check sighup-ignored-status 14 "$?"
check sighup-ignored-report 1 "$(grep -c '^hvmm: guest stopped: signal: SIGTERM;' "$tmp/err")"

# Signals that come together are one request (timeout(1) sends its
# signal to the process and to its group).
start_bg "$tmp/out" "$tmp/err" run --policy=sw "$tmp/spin.bin"
sleep 0.3
kill -INT $bgpid
kill -TERM $bgpid
wait_bg
check signals-together-status 14 "$?"
check signals-together-report 1 "$(grep -c '^hvmm: guest stopped: signal: SIGINT;' "$tmp/err")"
# A signal a second after the first, which did not stop the run (hvmm is
# stuck opening a FIFO nobody reads for --serial), ends hvmm at once.
mkfifo "$tmp/fifo"
start_bg "$tmp/out" "$tmp/err" run --policy=sw --serial="$tmp/fifo" "$tmp/spin.bin"
sleep 0.3
kill -TERM $bgpid
sleep 1.5
kill -TERM $bgpid
wait $bgpid 2>/dev/null
check second-signal 143 "$?"

# SIGKILL at a few moments (at once, and as the file passes 1 and 2 MiB):
# whole lines up to the last complete one. Whether a kill lands in a
# write is chance: one that does cuts it short, at the end.
for at in 0 1048577 2097153; do
	rm -f "$tmp/k.audit"
	start_bg "$tmp/out" "$tmp/err" run --policy=sw --audit="$tmp/k.audit" --audit-level=events \
		"$tmp/slow.bin"
	[ $at = 0 ] && sleep 0.2 || wait_size "$tmp/k.audit" $at
	kill -KILL $bgpid
	wait $bgpid 2>/dev/null
	check sigkill-$at-status 137 "$?"
	check sigkill-$at-audit-whole yes "$(whole_jsonl "$tmp/k.audit")"
done

# hvmm bench killed at a few moments, and let finish: each report is the
# one it had before or a complete new one, never a part.
bench_args=(bench --policy=sw --workloads=compute,syscall --repeat=2 --iterations=1500000
	--csv="$tmp/b.csv" --json="$tmp/b.json" --svg="$tmp/b.svg")
report_state() { # FILE KIND: old, new (complete) or broken
	if [ "$(cat "$1")" = "old $2" ]; then echo old; return; fi
	case $2 in
	csv) [ "$(wc -l <"$1")" = 3 ] && head -n 1 "$1" | grep -q '^workload,' && echo new && return ;;
	json) [ "$(jq '.cells | length' "$1" 2>/dev/null)" = 2 ] && echo new && return ;;
	svg) [ "$(tail -n 1 "$1")" = "</svg>" ] && echo new && return ;;
	esac
	echo broken
}
for how in TERM:0.3 KILL:0.8 none:0; do
	sig=${how%:*} t=${how#*:}
	for k in csv json svg; do echo "old $k" >"$tmp/b.$k"; done
	start_bg "$tmp/table" "$tmp/progress" "${bench_args[@]}"
	if [ "$sig" != none ]; then
		sleep "$t"
		kill -$sig $bgpid 2>/dev/null
	fi
	wait $bgpid 2>/dev/null
	st=$?
	for k in csv json svg; do
		s=$(report_state "$tmp/b.$k" $k)
		if [ "$s" = broken ] || { [ "$sig" = none ] && [ "$s" != new ]; }; then
			echo "FAIL bench-$sig-$t-$k: status $st, $tmp/b.$k is $s: '$(head -c 100 "$tmp/b.$k")'"
		else
			echo "PASS bench-$sig-$t-$k ($s)"
		fi
	done
done
set +m
