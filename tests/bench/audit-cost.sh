#!/usr/bin/env bash
# make bench-audit: what the audit costs (docs/benchmarks.md, "The
# audit"). Runs each guest under POLICY plain, with --audit FILE at level
# supervisor (a record of every supervisor instruction), and with
# --audit-summary alone (instructions counted, no file), in interleaved
# rounds, and prints the median wall time of each and its ratio to the
# plain run. A benchmark, not a test: it exits 0 unless it cannot run.
#
# Settings (environment):
#   AUDIT_POLICY   the policy (theorem3 where /dev/kvm runs it, else sw)
#   AUDIT_ROUNDS   rounds of minios (5)
#   AUDIT_LINUX_ROUNDS  rounds of Linux (1)
#   AUDIT_LINUX    1: also boot Debian's kernel with the Linux test image
#                  (tests/linux/), summary only (a file of every
#                  supervisor instruction of a boot would be a terabyte)
set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
hvmm=$BUILD/hvmm
ROUNDS=${AUDIT_ROUNDS:-5}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
die() { echo "bench-audit: $*" >&2; exit 1; }
[ -x "$hvmm" ] || die "no $hvmm (run make)"

policy=${AUDIT_POLICY:-}
if [ -z "$policy" ]; then
	policy=sw
	"$hvmm" kvm-info --json 2>/dev/null | grep -q '"runs_everything":true' && policy=theorem3
fi

# secs CMD...: the wall time of one run, or "fail".
secs() {
	local t0 t1
	t0=$(date +%s.%N)
	"$@" >/dev/null 2>&1 </dev/null
	local st=$?
	t1=$(date +%s.%N)
	# minios ends with status 0, the Linux image with 85.
	if [ $st != 0 ] && [ $st != 85 ]; then echo fail; return; fi
	echo "$t1 - $t0" | bc
}
median() { sort -n | awk '{ v[NR] = $1 } END { print NR ? v[int((NR + 1) / 2)] : "fail" }'; }

# bench NAME ROUNDS GUEST-ARGS...: plain, file, summary.
bench() {
	local name=$1 rounds=$2; shift 2
	local r v
	for ((r = 0; r < rounds; r++)); do
		secs "$hvmm" run --policy="$policy" --serial=none "$@" >>"$tmp/$name.plain"
		if [ "$name" = minios ]; then
			secs "$hvmm" run --policy="$policy" --serial=none --audit="$tmp/a" "$@" >>"$tmp/$name.file"
			rm -f "$tmp/a"
		fi
		secs "$hvmm" run --policy="$policy" --serial=none --audit-summary "$@" >>"$tmp/$name.summary"
	done
	local plain file="-" sum
	plain=$(median <"$tmp/$name.plain")
	[ -s "$tmp/$name.file" ] && file=$(median <"$tmp/$name.file")
	sum=$(median <"$tmp/$name.summary")
	ratio() { [ "$1" = - ] || [ "$1" = fail ] || [ "$plain" = fail ] && { echo -; return; }; echo "scale=2; $1 / $plain" | bc; }
	printf '| %s | %s | %s s | %s s (%sx) | %s s (%sx) |\n' "$name" "$policy" "$plain" \
		"$file" "$(ratio "$file")" "$sum" "$(ratio "$sum")"
}

echo "| guest | policy | no audit | --audit FILE | --audit-summary |"
echo "|---|---|---|---|---|"
bench minios "$ROUNDS" "$BUILD/guests/minios.bin"
if [ "${AUDIT_LINUX:-0}" = 1 ]; then
	. tests/linux/common.inc
	kernel=$(linux_kernel) || die "no kernel"
	bench linux "${AUDIT_LINUX_ROUNDS:-1}" --mem=512M --initrd="$linux_initrd" \
		--cmdline="$linux_cmdline" "$kernel"
fi
