#!/usr/bin/env bash
# --audit: option errors, and a minios run under the interpreter whose
# instruction records match --stats. Prints "PASS name" / "FAIL name: ...".
. "$(dirname "$0")/common.inc"

m=$g/minios.bin
expect audit-level-bad 2 "--audit-level: unknown level 'kernel'" run --audit "$tmp/a" --audit-level=kernel "$m"
expect audit-format-bad 2 "--audit-format: unknown format 'xml'" run --audit "$tmp/a" --audit-format=xml "$m"
expect audit-level-alone 2 "--audit-level needs --audit FILE" run --audit-level=all "$m"
expect audit-empty-name 2 "--audit: empty file name" run --audit= "$m"
expect audit-no-value 2 "needs a value" run "$m" --audit
expect audit-unwritable 2 "--audit: $tmp/no/such: No such file or directory" run --policy=sw --audit "$tmp/no/such" "$m"

# The file goes out about a megabyte at a time (glibc ignored setvbuf's
# size without a buffer: 4 KiB writes, a third of the audit's CPU time),
# each write whole lines (it starts a record), so that a killed run
# leaves whole lines (tests/cli/robust.sh).
strace -f -e trace=write -o "$tmp/strace" "$hvmm" run --policy=sw --serial=none \
	--audit "$tmp/big.audit" "$m" >/dev/null 2>&1 </dev/null
size=$(stat -c %s "$tmp/big.audit")
fd=$(grep -m1 -oE 'write\([0-9]+, "\{\\"seq\\":0,' "$tmp/strace" | grep -oE '[0-9]+' | head -n 1)
big=$(grep -cE "write\($fd, .*, 10(4[89]|5[0-9])[0-9]{3}\) = " "$tmp/strace")
writes=$(grep -cE "write\($fd, " "$tmp/strace")
whole=$(grep -cE "write\($fd, \"\{\\\\\"seq\\\\\":" "$tmp/strace")
if [ "$size" -gt 2097152 ] && [ "$big" -ge $((size / 1048576)) ]; then
	echo "PASS audit-written-in-megabytes"
else
	echo "FAIL audit-written-in-megabytes: wanted $((size / 1048576)) writes of about 1 MiB for $size bytes, got $big"
fi
check audit-writes-whole-lines "$writes" "${fd:+$whole}"
rm -f "$tmp/big.audit" "$tmp/strace"

# audit_run NAME ARGS...: minios under sw with JSON stats in $tmp/NAME.json
# and the audit in $tmp/NAME.audit.
audit_run() {
	local name=$1; shift
	"$hvmm" run --policy=sw --serial=none --stats=json --audit "$tmp/$name.audit" "$@" "$m" \
		>/dev/null 2>"$tmp/$name.json" </dev/null
}

# insns FILE [MORE]: instruction records in FILE (with the text MORE in
# them): grep, as the file of level all holds millions of lines.
insns() {
	grep -F '"kind":"insn"' "$1" | grep -cF -- "${2:-\"}"
}

# The default level: one record per instruction retired at CPL 0-2, in
# order, every line JSON.
audit_run sup
want=$(jq .sw.instructions_cpl0 "$tmp/sup.json")
got=$(insns "$tmp/sup.audit")
check audit-supervisor-count "$want" "$got"
got=$(insns "$tmp/sup.audit" '"cpl":3,')
check audit-supervisor-no-user 0 "$got"
jq -e . "$tmp/sup.audit" >/dev/null && got=yes || got=no
check audit-jq-reads-all yes "$got"
got=$(jq .seq "$tmp/sup.audit" | awk 'NR - 1 != $1 { bad = 1 } END { print NR && !bad ? "true" : "false" }')
check audit-seq-in-order true "$got"
got=$(jq -r 'select(.kind == "insn") | .disasm' "$tmp/sup.audit" | grep -c '^mov cr3, ')
[ "${got:-0}" -gt 0 ] && got=yes
check audit-disasm-cr3 yes "$got"

# all: every interpreted instruction, user code included.
audit_run all --audit-level=all
want=$(jq .sw.instructions "$tmp/all.json")
got=$(insns "$tmp/all.audit")
check audit-all-count "$want" "$got"

# Event records: every MOV to CR3 has its cr-write (old, new), every
# SYSCALL and INT 0x80 its syscall record, and the run's page faults and
# timer interrupts are there.
want=$(jq -r 'select(.kind == "insn") | .disasm' "$tmp/sup.audit" | grep -c '^mov cr3, ')
got=$(jq -c 'select(.kind == "cr-write" and .cr == 3)' "$tmp/sup.audit" | wc -l)
check audit-event-cr3-writes "$want" "$got"
want=$(jq -r 'select(.kind == "insn") | .disasm' "$tmp/all.audit" | grep -cE '^(syscall|int 0x80)$')
got=$(jq -c 'select(.kind == "syscall")' "$tmp/all.audit" | wc -l)
check audit-event-syscalls "$want" "$got"

# events: no instruction records, but the events.
audit_run ev --audit-level=events
got=$(insns "$tmp/ev.audit")
check audit-events-no-insn 0 "$got"
got=$(jq -c 'select(.kind == "exception" and .vector == 14 and .cr2 != null)' "$tmp/ev.audit" | wc -l)
[ "$got" -gt 0 ] && got=yes
check audit-event-page-faults yes "$got"
got=$(jq -c 'select(.kind == "interrupt" and .vector == 32)' "$tmp/ev.audit" | wc -l)
[ "$got" -gt 0 ] && got=yes
check audit-event-timer-interrupts yes "$got"

# text: one line per record, the same count.
audit_run text --audit-format=text
want=$(jq .sw.instructions_cpl0 "$tmp/text.json")
got=$(grep -c '^[0-9]* insn ' "$tmp/text.audit")
check audit-text-count "$want" "$got"
