#!/usr/bin/env bash
# --audit-filter: its errors, and filtered minios runs under the interpreter
# checked against an unfiltered one. minios's system calls, its set-up and
# its syscall entry are the same in every run; where the timer interrupts
# fall is not, so only those are compared. Prints "PASS name" / "FAIL
# name: ...".
. "$(dirname "$0")/common.inc"

m=$g/minios.bin
expect filter-unknown-key 2 "--audit-filter: unknown key 'foo' (keys: kind, cr3, rip, syscall, cpl)" \
	run --audit "$tmp/a" --audit-filter=foo=1 "$m"
expect filter-unknown-kind 2 "--audit-filter: unknown kind 'sycall' (kinds: insn, cr-write," \
	run --audit "$tmp/a" --audit-filter=kind=sycall "$m"
expect filter-bad-rip 2 "--audit-filter: bad rip range '0x2000-0x1000'" \
	run --audit "$tmp/a" --audit-filter=kind=insn,rip=0x2000-0x1000 "$m"
expect filter-bad-cr3 2 "--audit-filter: bad cr3 'xyz'" run --audit "$tmp/a" --audit-filter=cr3=xyz "$m"
expect filter-bad-syscall 2 "--audit-filter: bad syscall number '-1'" \
	run --audit "$tmp/a" --audit-filter=syscall=-1 "$m"
expect filter-bad-cpl 2 "--audit-filter: bad cpl '4'" run --audit "$tmp/a" --audit-filter=cpl=4 "$m"
expect filter-empty 2 "--audit-filter: empty filter" run --audit "$tmp/a" --audit-filter= "$m"
expect filter-empty-cond 2 "--audit-filter: empty condition" run --audit "$tmp/a" --audit-filter=kind=insn, "$m"
expect filter-no-equals 2 "--audit-filter: 'kind' is not key=value" run --audit "$tmp/a" --audit-filter=kind "$m"
expect filter-alone 2 "--audit-filter needs --audit FILE" run --audit-filter=kind=insn "$m"
# A bad filter is found before the audit file is opened: it stays as it was.
echo kept >"$tmp/keep"
expect filter-bad-keeps-file 2 "--audit-filter: unknown key" run --audit "$tmp/keep" --audit-filter=x=1 "$m"
if [ "$(cat "$tmp/keep")" = kept ]; then echo "PASS filter-bad-keeps-file-content"; else
	echo "FAIL filter-bad-keeps-file-content: the audit file was changed"; fi

# audit_run NAME ARGS...: minios under sw, the audit in $tmp/NAME.audit,
# the guest's output in $tmp/NAME.out, its exit status in $tmp/NAME.status.
audit_run() {
	local name=$1; shift
	"$hvmm" run --policy=sw --serial="$tmp/$name.out" --audit "$tmp/$name.audit" "$@" "$m" \
		>/dev/null 2>&1 </dev/null
	echo $? >"$tmp/$name.status"
}

# lines FILE FILTER: how many records jq's FILTER keeps ("jq-failed"
# when jq does not run it).
lines() {
	local out
	out=$(jq -c "$2" "$1") || { echo jq-failed; return; }
	[ -n "$out" ] && echo "$out" | wc -l || echo 0
}

audit_run all
# Its event records: a small file to search.
grep -vF '"kind":"insn"' "$tmp/all.audit" >"$tmp/all.ev"

# The guest does not see the filter: the same output and exit status.
# (Checked on every filtered run below.)
same_guest() { # NAME
	if cmp -s "$tmp/all.out" "$tmp/$1.out" && cmp -s "$tmp/all.status" "$tmp/$1.status" &&
	   [ -s "$tmp/all.out" ]; then
		echo "PASS filter-$1-guest-same"
	else
		echo "FAIL filter-$1-guest-same: output or exit status differ from the unfiltered run"
	fi
}

# jq reads every line of a filtered file; seq rises (with gaps).
well_formed() { # NAME
	local got
	got=$(jq .seq "$tmp/$1.audit" | awk 'NR > 1 && $1 <= last { bad = 1 } { last = $1 }
		END { print NR && !bad ? "yes" : "no" }')
	check "filter-$1-jq-seq" yes "$got"
}

# One process's system calls: the CR3 with the most of them.
cr3=$(jq -r 'select(.kind == "syscall") | .cr3' "$tmp/all.ev" | sort | uniq -c | sort -rn | awk 'NR == 1 { print $2 }')
audit_run proc --audit-filter="kind=syscall,cr3=$cr3"
well_formed proc
same_guest proc
want=$(jq -c "select(.kind == \"syscall\" and .cr3 == \"$cr3\") | del(.seq, .icount)" "$tmp/all.ev")
got=$(jq -c 'del(.seq, .icount)' "$tmp/proc.audit")
check filter-proc-syscalls "$(lines "$tmp/all.ev" "select(.kind == \"syscall\" and .cr3 == \"$cr3\")")" \
	"$(lines "$tmp/proc.audit" .)"
[ -n "$want" ] && [ "$want" = "$got" ] && got=same || got=different
check filter-proc-syscalls-same same "$got"

# A RIP range: the start of the SYSCALL entry (LSTAR, from the unfiltered
# run's WRMSR), straight-line code every SYSCALL runs once. Hex strings
# of one length compare as their numbers.
lstar=$(jq -r 'select(.kind == "msr-write" and .msr == "0xc0000082") | .value' "$tmp/all.ev")
hi=$(printf '0x%x' $((lstar + 0x20)))
in_range='(.rip | length) == ($lo | length) and .rip >= $lo and .rip < $hi'
jq -c --arg lo "$lstar" --arg hi "$hi" "select($in_range)" "$tmp/all.audit" >"$tmp/all.entry"
audit_run entry --audit-filter="rip=$lstar-$hi"
well_formed entry
same_guest entry
check filter-rip-one-length "${#lstar}" "${#hi}"
got=$(lines "$tmp/entry.audit" .)
check filter-rip-count "$(wc -l <"$tmp/all.entry")" "$got"
got=$(jq -c --arg lo "$lstar" --arg hi "$hi" "select($in_range | not)" "$tmp/entry.audit" | wc -l)
check filter-rip-none-outside 0 "$got"
want=$(lines "$tmp/all.entry" "select(.kind == \"insn\" and .rip == \"$lstar\")")
got=$(lines "$tmp/entry.audit" "select(.kind == \"insn\" and .rip == \"$lstar\")")
[ "$want" -gt 0 ] || want=none
check filter-rip-entry-insns "$want" "$got"

# Kinds: only those asked for. The set-up's MSR writes are made before any
# timer interrupt, so they are the same records, seq included: the
# instructions left out were still numbered.
audit_run msr --audit-filter=kind=msr-write,kind=cr-write
well_formed msr
same_guest msr
got=$(jq -r .kind "$tmp/msr.audit" | sort -u | tr '\n' ' ')
check filter-kinds-only "cr-write msr-write " "$got"
want=$(jq -c 'select(.kind == "msr-write")' "$tmp/all.ev")
got=$(jq -c 'select(.kind == "msr-write")' "$tmp/msr.audit")
[ -n "$want" ] && [ "$want" = "$got" ] && got=same || got=different
check filter-kinds-same-seq same "$got"

# syscall=N: the system calls of that number; with no kind= the other
# kinds stay (instructions too).
n=$(jq -r 'select(.kind == "syscall") | .number' "$tmp/all.ev" | sort | uniq -c | sort -rn | awk 'NR == 1 { print $2 }')
audit_run nr --audit-filter="syscall=$n" --audit-format=text
same_guest nr
want=$(lines "$tmp/all.ev" "select(.kind == \"syscall\" and .number == $n)")
got=$(grep -c "^[0-9]* syscall .* number=$n " "$tmp/nr.audit")
check filter-syscall-nr "$want" "$got"
got=$(grep -c '^[0-9]* syscall ' "$tmp/nr.audit")
check filter-syscall-nr-only "$want" "$got"
got=$(grep -c '^[0-9]* insn ' "$tmp/nr.audit")
[ "$got" -gt 0 ] && got=yes
check filter-syscall-nr-keeps-insns yes "$got"

# Two --audit-filter options are one filter: here kind=syscall and the
# number, in hex.
audit_run nr2 --audit-filter=kind=syscall --audit-filter="syscall=$(printf '0x%x' "$n")"
well_formed nr2
got=$(lines "$tmp/nr2.audit" "select(.kind == \"syscall\" and .number == $n)")
check filter-two-options "$want" "$got"
check filter-two-options-only "$want" "$(lines "$tmp/nr2.audit" .)"
