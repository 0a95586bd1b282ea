#!/usr/bin/env bash
# --stats: the events the engines reported, by kind, in the text and JSON
# reports. Prints "PASS name" / "FAIL name: wanted ..., got ...".
. "$(dirname "$0")/common.inc"

kinds="syscall interrupt exception port msr cr"

# run NAME ARGS...: stats in $tmp/NAME.txt and $tmp/NAME.json, the guest's
# output checked against its expected file.
run() {
	local name=$1; shift
	"$hvmm" run --stats "$@" >"$tmp/$name.out" 2>"$tmp/$name.txt" </dev/null
	"$hvmm" run --stats=json "$@" >/dev/null 2>"$tmp/$name.json" </dev/null
}

# json_event FILE KIND: the count of KIND in the JSON "events" object.
json_event() {
	sed -n 's/.*"events":{\([^}]*\)}.*/\1/p' "$1" | tr ',' '\n' | sed -n "s/^\"$2\":\([0-9]*\)\$/\1/p"
}

# text_event FILE KIND: the count of KIND on the text "events:" line, or 0.
text_event() {
	local n
	n=$(sed -n 's/^  events:\(.*\)/\1 /p' "$1" | grep -o " $2 [0-9]* " | awk '{print $2}')
	echo "${n:-0}"
}

# Under sw the engines are asked for no events: every kind is in the JSON,
# all zero, and the text says none.
run sw --policy=sw "$g/ring3.bin"
bad=""
for k in $kinds; do
	[ "$(json_event "$tmp/sw.json" "$k")" = 0 ] || bad+=" $k"
done
if [ -z "$bad" ] && grep -qx "  events: none" "$tmp/sw.txt" && cmp -s "$tmp/sw.out" tests/guests/ring3.bin.expected; then
	echo "PASS stats-events-sw"
else
	echo "FAIL stats-events-sw: wanted every kind at 0 and 'events: none', got kinds not 0:$bad, '$(grep events "$tmp/sw.txt")', '$(head -c 300 "$tmp/sw.json")'"
fi

# A rule on system calls and one on ports make the interpreter report
# them: nonzero counts, the same in both reports (the interpreter is
# exact), and none of a kind no rule names.
printf 'event syscall -> audit 1\nevent port 0x3f8..0x3ff -> sw\n-> sw\n' >"$tmp/ev.pol"
run ev --policy="$tmp/ev.pol" "$g/ring3.bin"
sys=$(json_event "$tmp/ev.json" syscall); port=$(json_event "$tmp/ev.json" port)
bad=""
for k in $kinds; do
	[ "$(json_event "$tmp/ev.json" "$k")" = "$(text_event "$tmp/ev.txt" "$k")" ] || bad+=" $k"
done
for k in interrupt exception msr cr; do
	[ "$(json_event "$tmp/ev.json" "$k")" = 0 ] || bad+=" $k"
done
if [ -n "$sys" ] && [ "$sys" -gt 0 ] && [ -n "$port" ] && [ "$port" -gt 0 ] && [ -z "$bad" ] &&
   cmp -s "$tmp/ev.out" tests/guests/ring3.bin.expected; then
	echo "PASS stats-events-rules"
else
	echo "FAIL stats-events-rules: wanted nonzero syscall and port counts, equal in text and JSON, got syscall '$sys' port '$port', differing:$bad, '$(grep events "$tmp/ev.txt")'"
fi
