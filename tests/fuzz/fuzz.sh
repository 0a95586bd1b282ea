#!/usr/bin/env bash
# Runs the fuzz targets of tests/fuzz/targets (tests/fuzz/README.md).
#   fuzz.sh smoke [TARGET...]    make test's run: each target for its
#                                smoke_runs inputs with a fixed seed, from
#                                its seeds
#   fuzz.sh SECONDS [TARGET...]  make fuzz: each target for SECONDS, from
#                                and into $BUILD/san/fuzz/corpus/TARGET
# Builds what is missing (make fuzz-build), then per target replays every
# input in tests/fuzz/regress/TARGET (each must run clean) and fuzzes.
# Prints "PASS fuzz/TARGET" or "FAIL fuzz/TARGET: why", with the crashing
# input under $BUILD/san/fuzz/artifacts/. A missing clang or libFuzzer
# runtime is a FAIL of every target, never a skip. FUZZ_RUNS=N replaces
# every smoke_runs; FUZZ_JOBS=N runs N processes per target in a timed run.
set -u
cd "$(dirname "$0")/../.." || { echo "FAIL fuzz: no repository"; exit 1; }
BUILD=${BUILD:-build}
SAN_CC=${SAN_CC:-clang}
mode=${1:?usage: fuzz.sh smoke|SECONDS [TARGET...]}
shift
case $mode in
smoke) ;;
*[!0-9]* | '') echo "fuzz.sh: '$mode' is neither smoke nor a number of seconds" >&2; exit 2 ;;
esac
dir=$BUILD/san/fuzz
case $dir in /*) ;; *) dir=$PWD/$dir ;; esac   # the fuzzers run in $tmp
art=$dir/artifacts
regress=$PWD/tests/fuzz/regress
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The table: name, max_len, smoke_runs per target.
declare -A max_len smoke_runs
names=()
while read -r name len runs _; do
	case $name in '' | '#'*) continue ;; esac
	names+=("$name")
	max_len[$name]=$len
	smoke_runs[$name]=$runs
done <tests/fuzz/targets
[ $# -gt 0 ] && names=("$@")

fail_all() {
	local n
	for n in "${names[@]}"; do echo "FAIL fuzz/$n: $*"; done
	exit 1
}

command -v "$SAN_CC" >/dev/null ||
	fail_all "$SAN_CC not found (as root: apt-get install clang libclang-rt-14-dev)"
printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' >"$tmp/probe.c"
"$SAN_CC" -fsanitize=fuzzer,address,undefined -o "$tmp/probe" "$tmp/probe.c" >"$tmp/probe.log" 2>&1 ||
	fail_all "$SAN_CC cannot link a libFuzzer target (libclang-rt-14-dev missing?): $(head -c 300 "$tmp/probe.log")"
make --no-print-directory -s -j"$(nproc)" BUILD="$BUILD" SAN_CC="$SAN_CC" fuzz-build >"$tmp/build.log" 2>&1 ||
	fail_all "build failed: $(tail -c 400 "$tmp/build.log")"
mkdir -p "$art"

# fuzz_one NAME: PASS or FAIL line for one target.
fuzz_one() {
	local n=$1 bin=$dir/fuzz_$n log=$tmp/$1.log corpus f rc t0 t1 why repro
	[ -n "${max_len[$n]:-}" ] || { echo "FAIL fuzz/$n: not in tests/fuzz/targets"; return; }
	[ -x "$bin" ] || { echo "FAIL fuzz/$n: $bin was not built"; return; }
	# One input may take 10 s and 2 GiB at most.
	local opts=(-timeout=10 -rss_limit_mb=2048 -max_len="${max_len[$n]}" -print_final_stats=1
		-artifact_prefix="$art/$n-")

	# Every bug found so far first: each must run clean.
	for f in "$regress/$n"/*; do
		[ -e "$f" ] || continue
		"$bin" "${opts[@]}" "$f" >"$log" 2>&1 || {
			echo "FAIL fuzz/$n: reproducer $f fails again: $(grep -a -m1 -E 'check failed|runtime error|ERROR|SUMMARY' "$log")"
			return
		}
	done

	if ! bash tests/fuzz/make-seeds.sh "$n" "$tmp/seeds-$n" >"$log" 2>&1; then
		echo "FAIL fuzz/$n: cannot write the seed corpus: $(tail -c 300 "$log")"
		return
	fi
	if [ "$mode" = smoke ]; then
		corpus=$tmp/corpus-$n
		mkdir -p "$corpus"
		opts+=(-runs="${FUZZ_RUNS:-${smoke_runs[$n]}}" -seed=1)
	else
		corpus=$dir/corpus/$n
		mkdir -p "$corpus"
		opts+=(-max_total_time="$mode")
		if [ "${FUZZ_JOBS:-1}" -gt 1 ]; then
			opts+=(-jobs="$FUZZ_JOBS" -workers="$FUZZ_JOBS")
		fi
	fi
	local dirs=("$corpus" "$tmp/seeds-$n")
	[ -d "$regress/$n" ] && dirs+=("$regress/$n")
	t0=$(date +%s)
	# In $tmp: the logs of -jobs land there.
	(cd "$tmp" && "$bin" "${opts[@]}" "${dirs[@]}" </dev/null) >"$log" 2>&1
	rc=$?
	t1=$(date +%s)
	cat "$tmp"/fuzz-*.log >>"$log" 2>/dev/null && rm -f "$tmp"/fuzz-*.log
	if [ $rc -ne 0 ]; then
		cp "$log" "$art/$n-last-failure.log"
		repro=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
		why=$(grep -a -m1 -E 'check failed|runtime error|==ERROR|ERROR: libFuzzer|SUMMARY' "$log")
		echo "FAIL fuzz/$n: ${why:-exit status $rc}; reproducer ${repro:-none written}; log $art/$n-last-failure.log"
		return
	fi
	local runs cov
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	cov=$(grep -a -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1 | grep -o 'cov: [0-9]* ft: [0-9]*')
	echo "    $n: ${runs:-?} inputs in $((t1 - t0)) s, ${cov:-no coverage line}, corpus $(find "$corpus" -type f | wc -l) inputs"
	echo "PASS fuzz/$n"
}

for n in "${names[@]}"; do
	fuzz_one "$n"
done
