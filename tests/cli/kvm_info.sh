#!/usr/bin/env bash
# `hvmm kvm-info`: its options and exit statuses. Without /dev/kvm it says
# so in one line with exit status 2; with it, it prints the table and the
# JSON object. Prints "PASS name" / "FAIL name: wanted ..., got ...".
. "$(dirname "$0")/common.inc"

expect kvm-info-bad-option   2 "hvmm: kvm-info: unknown option '--bogus'" kvm-info --bogus
expect kvm-info-bad-argument 2 "hvmm: kvm-info: unexpected argument 'extra'" kvm-info extra
expect kvm-info-help         0 "" kvm-info --help
if grep -q -- "--json" "$tmp/out"; then echo "PASS kvm-info-help-lists-json"
else echo "FAIL kvm-info-help-lists-json: --help does not mention --json"; fi
"$hvmm" help >"$tmp/out" 2>&1
if grep -q "kvm-info" "$tmp/out"; then echo "PASS help-lists-kvm-info"
else echo "FAIL help-lists-kvm-info: hvmm help does not list kvm-info"; fi

if [ -c /dev/kvm ] && (exec 3<>/dev/kvm) 2>/dev/null; then
	expect kvm-info-runs 0 "" kvm-info
	if grep -q "^runs everything natively: yes$\|^the host's KVM (" "$tmp/out"; then
		echo "PASS kvm-info-table"
	else echo "FAIL kvm-info-table: no last line on what runs natively: '$(tail -c 200 "$tmp/out")'"; fi
	expect kvm-info-json-runs 0 "" kvm-info --json
	if [ "$(wc -l <"$tmp/out")" -eq 1 ] && grep -q '^{"backend":".*"runs_everything":\(true\|false\)}$' "$tmp/out"; then
		echo "PASS kvm-info-json"
	else echo "FAIL kvm-info-json: wanted one JSON object line, got '$(head -c 300 "$tmp/out")'"; fi
else
	why="No such file or directory"
	[ -e /dev/kvm ] && why=""   # there but not usable: the reason varies
	expect kvm-info-kvm-unavailable 2 "hvmm: kvm-info: KVM unavailable: /dev/kvm: $why" kvm-info
	expect kvm-info-json-kvm-unavailable 2 "KVM unavailable: /dev/kvm" kvm-info --json
	if [ ! -s "$tmp/out" ]; then echo "PASS kvm-info-unavailable-prints-nothing"
	else echo "FAIL kvm-info-unavailable-prints-nothing: stdout has '$(head -c 100 "$tmp/out")'"; fi
fi
