#!/usr/bin/env bash
# --audit-summary and `hvmm audit-summary FILE`: errors, and minios runs
# under the interpreter whose summaries agree with --stats, with the
# audit file read back, and with minios's own count of system calls.
# Prints "PASS name" / "FAIL name: ...".
. "$(dirname "$0")/common.inc"

m=$g/minios.bin
expect summary-format-bad 2 "--audit-summary: unknown format 'xml'" run --audit-summary=xml "$m"
expect summary-audit-format-alone 2 "--audit-format needs --audit FILE" run --audit-summary --audit-format=text "$m"
expect summary-file-missing 2 "audit-summary: $tmp/none: No such file or directory" audit-summary "$tmp/none"
expect summary-no-file 2 "no audit file given" audit-summary
expect summary-bad-option 2 "unknown option '--xml'" audit-summary --xml "$tmp/none"
expect summary-two-files 2 "unexpected argument" audit-summary "$tmp/a" "$tmp/b"

# run_sum NAME ARGS...: minios under sw, its serial output in
# $tmp/NAME.serial, --stats=json in $tmp/NAME.stats and the summary's JSON
# in $tmp/NAME.sum (both go to stderr, one line each).
run_sum() {
	local name=$1; shift
	"$hvmm" run --policy=sw --serial="$tmp/$name.serial" --stats=json --audit-summary=json "$@" "$m" \
		>/dev/null 2>"$tmp/$name.err" </dev/null
	grep '^{"policy"' "$tmp/$name.err" >"$tmp/$name.stats"
	grep '^{"records"' "$tmp/$name.err" >"$tmp/$name.sum"
}

# Without --audit: nothing written, instructions only tallied.
run_sum bare
want=$(jq .sw.instructions_cpl0 "$tmp/bare.stats")
check summary-supervisor-count "$want" "$(jq .instructions.supervisor "$tmp/bare.sum")"
check summary-no-user 0 "$(jq .instructions.user "$tmp/bare.sum")"
check summary-insn-kind "$want" "$(jq '.kinds.insn' "$tmp/bare.sum")"
got=$(jq '[.kinds[]] | add' "$tmp/bare.sum")
check summary-records-total "$(jq .records "$tmp/bare.sum")" "$got"
check summary-syscalls-kind "$(jq '.kinds.syscall' "$tmp/bare.sum")" "$(jq '.syscalls.total' "$tmp/bare.sum")"
got=$(jq '[.syscalls.by_number[]] | add' "$tmp/bare.sum")
check summary-syscalls-by-number "$(jq '.syscalls.total' "$tmp/bare.sum")" "$got"
# minios prints each process's system calls ("syscalls N"): their sum.
want=$(grep -o 'syscalls [0-9]*' "$tmp/bare.serial" | awk '{ n += $2 } END { print n }')
check summary-syscalls-minios "$want" "$(jq '.syscalls.total' "$tmp/bare.sum")"
got=$(jq -r '.cr_writes.cr3.writes > 0 and .instructions.classes["control-sensitive"].supervisor > 0' "$tmp/bare.sum")
check summary-cr3-and-classes true "$got"

# With --audit: the file and the summary from the same run; the file read
# back gives the same summary.
run_sum file --audit "$tmp/file.audit"
want=$(jq .sw.instructions_cpl0 "$tmp/file.stats")
check summary-with-audit-count "$want" "$(jq .instructions.supervisor "$tmp/file.sum")"
want=$(grep -cF '"kind":"syscall"' "$tmp/file.audit")
check summary-syscall-records "$want" "$(jq '.syscalls.total' "$tmp/file.sum")"
"$hvmm" audit-summary "$tmp/file.audit" --json >"$tmp/read.sum" 2>"$tmp/read.err"
check summary-read-status 0 "$?"
got=$(jq -S . "$tmp/read.sum" | cmp -s - <(jq -S . "$tmp/file.sum") && echo same)
check summary-read-same same "${got:-differs}"
"$hvmm" audit-summary - <"$tmp/file.audit" >"$tmp/read.txt" 2>&1
got=$(grep -c '^hvmm audit summary: [0-9]* records$' "$tmp/read.txt")
check summary-read-stdin-text 1 "$got"

# Level all without a file: every interpreted instruction tallied.
run_sum all --audit-level=all
check summary-all-total "$(jq .sw.instructions "$tmp/all.stats")" "$(jq .instructions.total "$tmp/all.sum")"
check summary-all-supervisor "$(jq .sw.instructions_cpl0 "$tmp/all.stats")" "$(jq .instructions.supervisor "$tmp/all.sum")"

# Files that are not JSON Lines audits: a one-line error naming the line.
"$hvmm" run --policy=sw --serial=none --audit "$tmp/text.audit" --audit-format=text --audit-level=events "$m" \
	>/dev/null 2>&1 </dev/null
expect summary-text-file 2 "$tmp/text.audit:1: not an audit record: not JSON" audit-summary "$tmp/text.audit"
{ head -n 2 "$tmp/file.audit"; echo '{"seq":2,"kind":"insn","icount":0}'; } >"$tmp/bad.audit"
expect summary-bad-line 2 "$tmp/bad.audit:3: not an audit record: missing field" audit-summary "$tmp/bad.audit"

# A summary-only run counts instructions a block at a time (the tally
# beside the decoded-instruction pool); one with records, an instruction
# at a time. On guests that run the same instructions every time (mode
# switches, self-modifying code, blocks cut short by faults), both give
# the same histogram.
for gst in suite16 suite64 smc64; do
	"$hvmm" run --policy=sw --serial=none --audit-level=all --audit-summary=json \
		"$g/$gst.bin" >/dev/null 2>"$tmp/tally.sum" </dev/null
	"$hvmm" run --policy=sw --serial=none --audit-level=all --audit="$tmp/tally.audit" \
		"$g/$gst.bin" >/dev/null 2>&1 </dev/null
	"$hvmm" audit-summary --json "$tmp/tally.audit" >"$tmp/rec.sum" 2>&1
	a=$(jq -cS 'del(.records, .kinds)' "$tmp/tally.sum")
	b=$(jq -cS 'del(.records, .kinds)' "$tmp/rec.sum")
	[ -n "$a" ] && [ "$a" = "$b" ] && got=same || got="differs: $(diff <(echo "$a" | jq -S .) <(echo "$b" | jq -S .) | head -4 | tr '\n' ' ')"
	check "summary-tally-$gst" same "$got"
done
