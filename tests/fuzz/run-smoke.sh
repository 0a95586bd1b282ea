#!/usr/bin/env bash
# Short, fixed-budget run of the interpreter fuzzer (tests/fuzz/README.md):
# builds it if needed, replays every saved reproducer in tests/fuzz/regress,
# then fuzzes from the seed corpus for FUZZ_RUNS inputs with a fixed seed.
# Prints "PASS fuzz/interp-smoke" or "FAIL fuzz/interp-smoke: why"; a
# missing clang or libFuzzer runtime is a FAIL, never a skip.
set -u
cd "$(dirname "$0")/../.." || { echo "FAIL fuzz/interp-smoke: no repository"; exit 1; }
BUILD=${BUILD:-build}
FUZZ_CC=${FUZZ_CC:-clang}
FUZZ_RUNS=${FUZZ_RUNS:-12000}
name=fuzz/interp-smoke
bin=$BUILD/fuzz/fuzz_interp
art=$BUILD/fuzz/artifacts
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() {
	echo "FAIL $name: $*"
	exit 1
}

# Options every run shares: one input may take 10 s and 2 GiB at most.
opts=(-timeout=10 -rss_limit_mb=2048 -max_len=256)

command -v "$FUZZ_CC" >/dev/null ||
	fail "$FUZZ_CC not found (as root: apt-get install clang libclang-rt-14-dev)"
printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' >"$tmp/probe.c"
"$FUZZ_CC" -fsanitize=fuzzer,address,undefined -o "$tmp/probe" "$tmp/probe.c" >"$tmp/probe.log" 2>&1 ||
	fail "$FUZZ_CC cannot link a libFuzzer target (libclang-rt-14-dev missing?): $(head -c 300 "$tmp/probe.log")"

make --no-print-directory -s BUILD="$BUILD" FUZZ_CC="$FUZZ_CC" fuzz-build >"$tmp/build.log" 2>&1 ||
	fail "build failed: $(tail -c 400 "$tmp/build.log")"

# Every bug found so far first: each must run clean.
for f in tests/fuzz/regress/*.bin; do
	[ -e "$f" ] || continue
	"$bin" "${opts[@]}" "$f" >"$tmp/replay.log" 2>&1 ||
		fail "reproducer $f fails again: $(grep -m1 -E 'runtime error|ERROR|SUMMARY' "$tmp/replay.log")"
done

bash tests/fuzz/make-seeds.sh "$tmp/corpus" >"$tmp/seeds.log" 2>&1 ||
	fail "cannot write the seed corpus: $(tail -c 300 "$tmp/seeds.log")"

mkdir -p "$art"
t0=$(date +%s)
"$bin" "${opts[@]}" -runs="$FUZZ_RUNS" -seed=1 -print_final_stats=1 \
	-artifact_prefix="$art/" "$tmp/corpus" >"$tmp/fuzz.log" 2>&1
rc=$?
t1=$(date +%s)
if [ $rc -ne 0 ]; then
	cp "$tmp/fuzz.log" "$art/last-failure.log"
	repro=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$tmp/fuzz.log" | tail -1)
	why=$(grep -m1 -E 'runtime error|==ERROR|ERROR: libFuzzer|SUMMARY' "$tmp/fuzz.log")
	fail "${why:-exit status $rc}; reproducer ${repro:-none written}; log $art/last-failure.log"
fi
stats=$(sed -n 's/^stat::number_of_executed_units: *//p' "$tmp/fuzz.log")
echo "    $FUZZ_RUNS runs (${stats:-?} executed) in $((t1 - t0)) s, no crash"
echo "PASS $name"
