#!/usr/bin/env bash
# hvmm bench: bad arguments are refused with one line and exit status 2
# before anything runs or any file is touched; a small real run under sw
# writes all four reports, which parse, agree with each other and with
# `hvmm run --stats=json` of the same guest, and whose chart renders to
# a PNG that is not blank.
. "$(dirname "$0")/common.inc"

echo keep >"$tmp/kept.csv"
expect bench-unknown-workload 2 "--workloads: unknown workload 'nosuch' (expected compute" \
	bench --workloads=compute,nosuch --csv="$tmp/kept.csv"
check bench-file-kept keep "$(cat "$tmp/kept.csv")"
expect bench-unknown-policy 2 "--policy: 'nosuch' is neither a built-in policy" bench --policy=nosuch
expect bench-unwritable 2 "--csv: cannot write /nonexistent/dir/out.csv" \
	bench --csv=/nonexistent/dir/out.csv
expect bench-folder 2 "--svg: $tmp is a folder" bench --svg="$tmp"
expect bench-bad-repeat 2 "--repeat: bad count '0'" bench --repeat=0
expect bench-bad-iterations 2 "--iterations: bad count '12x'" bench --iterations=12x
expect bench-twice 2 "--workloads: 'out' given twice" bench --workloads=out,out
expect bench-extra 2 "unexpected argument 'sw'" bench sw
# Without its guest images beside it, the command says which is missing.
mkdir "$tmp/bare" && cp "$hvmm" "$tmp/bare/hvmm"
hvmm=$tmp/bare/hvmm expect bench-no-image 2 "$tmp/bare/guests/bench_out.bin: No such file" \
	bench --workloads=out
expect bench-help 0 "" bench --help
grep -q '^  pagefault ' "$tmp/out" && echo "PASS bench-help-workloads" ||
	echo "FAIL bench-help-workloads: --help lists no pagefault workload"

# The real run: two workloads, sw alone (KVM is not needed), 2 rounds.
iters=3000
"$hvmm" bench --policy=sw --workloads=compute,syscall --repeat=2 --iterations=$iters \
	--csv="$tmp/b.csv" --json="$tmp/b.json" --svg="$tmp/b.svg" \
	>"$tmp/table" 2>"$tmp/progress" </dev/null
check bench-run-status 0 "$?"
check bench-table-rows 2 "$(grep -cE '^(compute|syscall) +sw +2 ' "$tmp/table")"
check bench-progress "hvmm bench: 4 runs done" "$(tail -n 1 "$tmp/progress")"
check bench-csv-rows 3 "$(wc -l <"$tmp/b.csv")"
check bench-json-parses 2 "$(jq '.cells | length' "$tmp/b.json")"

# Work and the interpreter's instructions: the same in CSV, JSON and a
# single `hvmm run --stats=json` of the image with the same count.
cp "$g/bench_syscall.bin" "$tmp/syscall.bin"
printf "$(printf '%016x' $iters | sed -E 's/(..)(..)(..)(..)(..)(..)(..)(..)/\\x\8\\x\7\\x\6\\x\5\\x\4\\x\3\\x\2\\x\1/')" |
	dd of="$tmp/syscall.bin" bs=1 seek=$((0x108)) conv=notrunc status=none
"$hvmm" run --policy=sw --stats=json --serial=none "$tmp/syscall.bin" 2>"$tmp/run.json"
want=$(jq '.sw.instructions' "$tmp/run.json")
check bench-json-vs-run "$want" \
	"$(jq '.cells[] | select(.workload == "syscall") | .runs[1].stats.sw.instructions' "$tmp/b.json")"
check bench-csv-vs-run "$want" \
	"$(awk -F, '$1 == "syscall" { print $17 }' "$tmp/b.csv")"
check bench-work "$iters $iters syscalls" \
	"$(jq -r '.cells[] | select(.workload == "syscall") | "\(.runs[0].work) \(.iterations) \(.units)"' "$tmp/b.json")"
check bench-csv-vs-json \
	"$(jq '.cells[] | select(.workload == "compute") | .summary.work_per_s' "$tmp/b.json")" \
	"$(awk -F, '$1 == "compute" { print $11 }' "$tmp/b.csv")"

# The chart: one bar per cell, and a PNG of it with more than one colour.
check bench-svg-bars 2 "$(grep -c '<rect class="bar"' "$tmp/b.svg")"
if rsvg-convert -o "$tmp/b.png" "$tmp/b.svg" 2>"$tmp/rsvg.err"; then
	check bench-svg-png yes "$(python3 tests/tools/png_colours.py "$tmp/b.png")"
else
	echo "FAIL bench-svg-png: rsvg-convert: $(head -c 200 "$tmp/rsvg.err")"
fi

# A policy file alone comes after the default built-ins; where there is
# no KVM, hw and theorem3 are skipped with the reason and the file runs.
printf -- '-> sw\n' >"$tmp/sw.pol"
"$hvmm" bench --policy="$tmp/sw.pol" --workloads=out --repeat=1 --iterations=100 \
	>"$tmp/table" 2>/dev/null </dev/null
check bench-policy-file-order "sw hw theorem3 $tmp/sw.pol" \
	"$(awk 'NR > 1 { printf "%s%s", sep, $2; sep = " " }' "$tmp/table")"
[ -e /dev/kvm ] ||
	check bench-skipped-reason 2 "$(grep -c '^out  *\(hw\|theorem3\)  *skipped: KVM unavailable' "$tmp/table")"
