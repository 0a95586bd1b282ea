#!/usr/bin/env bash
# Usage: audit-cases.sh POLICY... The audit of minios under each POLICY
# (docs/audit.md), checked against the run's own statistics and the
# guest's own report. Prints "PASS audit/POLICY/check" or "FAIL ...".
# For each policy:
#   count      instruction records = the interpreter's CPL 0-2 count
#   gaps       no gap record (the policy runs no supervisor code on KVM)
#   cr3        a cr-write record for every MOV to CR3 executed
#   syscalls   syscall records = the calls minios reports it served
#   pf, timer  an exception 14 (interrupt 32) record for every run of the
#              #PF (IRQ 0) handler's first instruction, and at least one
#   jq         jq reads every line
#   invisible  auditinv.bin (its code, CPUID, TSC against the 8254)
#              prints the same and ends the same with and without audit
# And with "gap" as POLICY (KVM needed): a policy file that runs the
# timer interrupt's handler on KVM; each of its runs there must be a gap
# record, none hidden.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
hvmm=${HVMM:-$BUILD/hvmm}   # HVMM: another build of it (tests/san/run.sh)
m=$BUILD/guests/minios.bin
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

check() { # NAME WANTED GOT
	if [ "$2" = "$3" ] && [ -n "$2" ]; then
		echo "PASS $1"
	else
		echo "FAIL $1: wanted '$2', got '$3'"
	fi
}

# The records as tab-separated kind, rip, vector, cr and disassembly, in
# one jq pass (which also shows jq reads every line): FILE.tsv.
tabulate() { # FILE
	jq -r '[.kind, .rip, (.vector // ""), (.cr // ""), (.disasm // "")] | @tsv' "$1" >"$1.tsv" &&
		[ "$(wc -l <"$1.tsv")" = "$(wc -l <"$1")" ]
}

# Deliveries of KIND VECTOR, then the instruction records at the RIP of
# the first instruction after each (the handler's first): "N N" when
# every delivery reached its handler once, and nothing else did.
handler_runs() { # TSV KIND VECTOR
	awk -F'\t' -v k="$2" -v v="$3" '
		$1 == k && $3 == v { n++; want = 1; next }
		$1 != "insn" { next }
		want { at[$2] = 1; want = 0 }
		{ seen[$2]++ }
		END { for (r in at) h += seen[r]; print n + 0, h + 0 }' "$1"
}

audit_minios() { # LABEL POLICY-ARGS...
	local label=$1; shift
	local f=$tmp/$label
	timeout 600 "$hvmm" run "$@" --serial="$f.out" --stats=json --audit "$f.audit" "$m" \
		>/dev/null 2>"$f.err" </dev/null
	local st=$?
	if [ $st != 0 ]; then
		echo "FAIL audit/$label/run: exit status $st ($(head -c 300 "$f.err" | tr '\n' ' '))"
		return 1
	fi
	grep '^{"policy"' "$f.err" >"$f.json"
	return 0
}

for p in "$@"; do
	if [ "$p" = gap ]; then
		printf 'event interrupt 32 -> hw\ncpl 0..2 -> sw\ncpl 3 -> hw\n' >"$tmp/gap.pol"
		audit_minios gap --policy="$tmp/gap.pol" --audit-level=events --audit-summary=json ||
			continue
		f=$tmp/gap
		n=$(jq -c 'select(.kind == "gap")' "$f.audit" | wc -l)
		[ "$n" -gt 0 ] && got=yes || got="no gap record"
		check audit/gap/reported yes "$got"
		got=$(jq -r 'select(.kind == "gap") | (.ns > 0 and .engine == "dispatch")' "$f.audit" | sort -u)
		check audit/gap/fields true "$got"
		# Every timer interrupt sends its handler to KVM: a gap each, at
		# least.
		t=$(jq -c 'select(.kind == "interrupt" and .vector == 32)' "$f.audit" | wc -l)
		[ "$t" -gt 0 ] && [ "$n" -ge "$t" ] && got=yes || got="$n gaps for $t timer interrupts"
		check audit/gap/each-run yes "$got"
		check audit/gap/summary "$n" "$(grep '^{"records"' "$f.err" | jq .gaps.count)"
		continue
	fi
	audit_minios "$p" --policy="$p" || continue
	f=$tmp/$p
	tabulate "$f.audit" && got=yes || got=no
	check "audit/$p/jq" yes "$got"
	t=$f.audit.tsv
	want=$(jq .sw.instructions_cpl0 "$f.json")
	check "audit/$p/count" "$want" "$(awk -F'\t' '$1 == "insn"' "$t" | wc -l)"
	check "audit/$p/gaps" 0 "$(awk -F'\t' '$1 == "gap"' "$t" | wc -l)"
	want=$(awk -F'\t' '$1 == "insn" && $5 ~ /^mov cr3, /' "$t" | wc -l)
	check "audit/$p/cr3" "$want" "$(awk -F'\t' '$1 == "cr-write" && $4 == 3' "$t" | wc -l)"
	want=$(grep -o 'syscalls [0-9]*' "$f.out" | awk '{ s += $2 } END { print s }')
	check "audit/$p/syscalls" "$want" "$(awk -F'\t' '$1 == "syscall"' "$t" | wc -l)"
	r=$(handler_runs "$t" exception 14); n=${r%% *} h=${r#* }
	[ "$n" -gt 0 ] || n="none"
	check "audit/$p/pf" "$n" "$h"
	r=$(handler_runs "$t" interrupt 32); n=${r%% *} h=${r#* }
	[ "$n" -gt 0 ] || n="none"
	check "audit/$p/timer" "$n" "$h"
	a=$BUILD/guests/auditinv.bin
	timeout 300 "$hvmm" run --policy="$p" --serial="$tmp/inv0" "$a" >/dev/null 2>&1 </dev/null
	want=$?
	timeout 300 "$hvmm" run --policy="$p" --serial="$tmp/inv1" --audit "$tmp/inv.audit" "$a" \
		>/dev/null 2>&1 </dev/null
	got=$?
	cmp -s "$tmp/inv0" "$tmp/inv1" || got="$got, output differs: $(diff "$tmp/inv0" "$tmp/inv1" | head -c 300 | tr '\n' '|')"
	check "audit/$p/invisible" "$want" "$got"
done
