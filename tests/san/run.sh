#!/usr/bin/env bash
# The sanitizer build's tests (tests/san/README.md): the unit tests and the
# guest cases under the interpreter, built with ASan (LeakSanitizer with
# it) and UBSan (tests/san/san.mk), where any report fails them.
#  - unit/NAME: each $BUILD/san/tests/test_* but test_hw_* (those need a
#    real KVM and run in the KVM harness), its cmocka results as for the
#    plain build;
#  - sw/NAME: tests/guests/run-cases.sh sw with $BUILD/san/hvmm, its
#    seccomp sandbox off: the sanitizer runtimes make system calls its
#    allow-list leaves out (sigaltstack for a new thread; LeakSanitizer's
#    check at exit stops the threads with ptrace).
# Every report goes to a file of its own (log_path), so that none hides
# behind an exit status a test expects; a test that left one FAILs with
# its first line. Builds what is missing first (make san-build); a
# failed build or a missing clang is a FAIL, never a skip. Prints
# "PASS name" / "FAIL name: why" lines.
set -u
cd "$(dirname "$0")/../.." || { echo "FAIL san: no repository"; exit 1; }
BUILD=${BUILD:-build}
SAN_CC=${SAN_CC:-clang}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. tests/tap.sh

command -v "$SAN_CC" >/dev/null || {
	echo "FAIL build: $SAN_CC not found (as root: apt-get install clang libclang-rt-14-dev)"
	exit 1
}
make --no-print-directory -s -j"$(nproc)" BUILD="$BUILD" SAN_CC="$SAN_CC" san-build >"$tmp/build.log" 2>&1 || {
	echo "FAIL build: $(tail -c 400 "$tmp/build.log")"
	exit 1
}

mkdir -p "$tmp/reports"
export ASAN_OPTIONS="log_path=$tmp/reports/asan:detect_leaks=1"
export UBSAN_OPTIONS="log_path=$tmp/reports/ubsan:print_stacktrace=1:halt_on_error=1"

# reported NAME: FAIL NAME with the first report's summary, if any came.
reported() {
	local f
	for f in "$tmp"/reports/*; do
		[ -e "$f" ] || return 0
		echo "FAIL $1: sanitizer report: $(grep -a -m1 -E 'ERROR:|runtime error|SUMMARY' "$f")"
		sed 's/^/    /' "$f" | head -30
		mkdir -p "$tmp/seen" && mv "$tmp"/reports/* "$tmp/seen/"
		return 0
	done
}

for t in "$BUILD"/san/tests/test_*; do
	name=$(basename "$t")
	case $name in test_hw_*) continue ;; esac
	tap_run "$t" "unit/$name"
	reported "unit/$name"
done

printf '#!/usr/bin/env bash\n[ "$1" = run ] && shift && set -- run --sandbox=off "$@"\nexec "%s" "$@"\n' \
	"$(cd "$BUILD/san" && pwd)/hvmm" >"$tmp/hvmm"
chmod +x "$tmp/hvmm"
HVMM=$tmp/hvmm BUILD=$BUILD bash tests/guests/run-cases.sh sw 2>&1 | sed -E 's#^(PASS|FAIL) #\1 sw/#'
reported sw
