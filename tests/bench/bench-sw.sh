#!/usr/bin/env bash
# make bench-sw: the benchmark loops (guests/bench/) under hvmm's
# interpreter (hvmm run --engine=sw), QEMU TCG and Bochs, and a table of
# MIPS and ns per iteration with hvmm's speed relative to the other two.
# How it measures: docs/benchmarks.md. A benchmark, not a test: it exits 0
# unless it cannot run at all, whatever the numbers.
#
# Settings (environment or make variables):
#   BENCH_ROUNDS   rounds, each running every loop on every engine (5)
#   BENCH_TARGET   seconds of loop time aimed at per long run (0.5)
#   BENCH_LOOPS    loops to run (default: all, G_BENCH_LOOPS in guests/guests.mk:
#                  alu array int_r0 int80_r3 syscall cr3 out cpuid sse x87)
#   BENCH_ENGINES  engines to run (hvmm qemu bochs)
#   BENCH_TIMEOUT  seconds before one run counts as hung (120)
#   BENCH_OUT      where the table is also written ($BUILD/bench/bench-sw.md)
set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
ROUNDS=${BENCH_ROUNDS:-5}
TARGET=${BENCH_TARGET:-0.5}
read -r -a LOOPS <<<"${BENCH_LOOPS:-$(sed -n "s/^G_BENCH_LOOPS := //p" guests/guests.mk)}"
read -r -a ENGINES <<<"${BENCH_ENGINES:-hvmm qemu bochs}"
TIMEOUT=${BENCH_TIMEOUT:-120}
OUT=${BENCH_OUT:-$BUILD/bench/bench-sw.md}

# guests/bench/bench.h: the parameter block (magic, then the iteration
# count as 64-bit little endian) at this offset of the flat image; the
# floppy image has the 512-byte boot sector in front.
PARAM_OFFSET=$((0x100))
MAGIC=HVBENCH1
# Calibration starts every engine on each loop with this many iterations:
# the same on all, so their checksums must agree.
CAL_ITERS=100000

die() { echo "bench-sw: $*" >&2; exit 1; }

# --- tools -------------------------------------------------------------
# Debian's QEMU and Bochs (with its terminal display: the Debian build
# has no nogui display, and the sdl/wx/x ones need a display server).
BOCHS_BIOS=/usr/share/bochs/BIOS-bochs-latest
BOCHS_VGABIOS=/usr/share/bochs/VGABIOS-lgpl-latest
need=()
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
command -v bochs >/dev/null || need+=(bochs)
[ -e /usr/lib/x86_64-linux-gnu/bochs/plugins/libbx_term_gui.so ] || need+=(bochs-term)
[ -r "$BOCHS_BIOS" ] || need+=(bochsbios)
[ -r "$BOCHS_VGABIOS" ] || need+=(vgabios)
if ((${#need[@]})); then
	[ "$(id -u)" = 0 ] ||
		die "missing Debian packages: ${need[*]} (as root: apt-get install ${need[*]})"
	echo "bench-sw: installing ${need[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	# bochs-term in the same command satisfies bochs's need for a display
	# package, so no X11 one comes along.
	{ apt-get update -q && apt-get install -y -q --no-install-recommends \
		"${need[@]}"; } </dev/null >/dev/null || die "apt-get install ${need[*]} failed"
fi
[ -x "$BUILD/hvmm" ] || die "$BUILD/hvmm missing (make bench-sw builds it)"
for l in "${LOOPS[@]}"; do
	for ext in bin img; do
		f=$BUILD/guests/bench_$l.$ext
		[ -r "$f" ] || die "$f missing (make bench-sw builds it)"
		skip=$PARAM_OFFSET
		[ $ext = img ] && skip=$((skip + 512))
		[ "$(dd if="$f" bs=1 skip=$skip count=8 status=none)" = "$MAGIC" ] ||
			die "$f has no parameter block at its offset"
	done
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$(dirname "$OUT")"
started=$EPOCHREALTIME

# --- images --------------------------------------------------------------
le64() { # N: its 8 bytes, little endian, as printf escapes
	local n=$1 i s=
	for ((i = 0; i < 8; i++)); do
		s+=$(printf '\\%03o' $(((n >> (8 * i)) & 255)))
	done
	printf '%s' "$s"
}

# image LOOP N EXT: path of a copy of the loop's image set to N iterations
image() {
	local f=$tmp/img/$1-$2.$3 skip=$PARAM_OFFSET
	[ "$3" = img ] && skip=$((skip + 512))
	if [ ! -e "$f" ]; then
		mkdir -p "$tmp/img"
		cp "$BUILD/guests/bench_$1.$3" "$f.tmp"
		# shellcheck disable=SC2059
		printf "$(le64 "$2")" |
			dd of="$f.tmp" bs=1 seek=$((skip + 8)) conv=notrunc status=none
		mv "$f.tmp" "$f"
	fi
	echo "$f"
}

# --- one run ---------------------------------------------------------------
# The children's CPU time (user + system) so far, from the shell's own
# `times` (no subshell: a fork would start from zero).
cpu_snapshot() { times >"$1"; }
cpu_between() { # FILE0 FILE1: seconds of CPU used by children in between
	awk 'FNR == 2 { s = 0
		for (i = 1; i <= 2; i++) { split($i, p, "m"); sub("s", "", p[2]); s += p[1] * 60 + p[2] }
		v[++k] = s }
	END { printf "%.3f", v[2] - v[1] }' "$1" "$2"
}

# run ENGINE LOOP N: sets T (wall seconds), C (CPU seconds, user + system,
# of the emulator and its threads), SUM (checksum) and ERR (empty when the
# run is good: right exit status and the guest's complete report).
run() {
	local engine=$1 loop=$2 n=$3 serial=$tmp/serial.txt log=$tmp/engine.log
	local img rc t0 t1
	rm -f "$serial"
	case $engine in
	hvmm)
		img=$(image "$loop" "$n" bin)
		cpu_snapshot "$tmp/times0"
		t0=$EPOCHREALTIME
		timeout -s KILL "$TIMEOUT" "$BUILD/hvmm" run --engine=sw --mem=64M \
			--serial="$serial" "$img" </dev/null >"$log" 2>&1
		rc=$?
		t1=$EPOCHREALTIME ;;
	qemu)
		img=$(image "$loop" "$n" img)
		cpu_snapshot "$tmp/times0"
		t0=$EPOCHREALTIME
		timeout -s KILL "$TIMEOUT" qemu-system-x86_64 -accel tcg -M pc -m 64 \
			-nodefaults -display none -monitor none -no-reboot \
			-serial "file:$serial" \
			-device isa-debug-exit,iobase=0xf4,iosize=1 \
			-boot a -drive "file=$img,if=floppy,format=raw" \
			</dev/null >"$log" 2>&1
		rc=$?
		t1=$EPOCHREALTIME ;;
	bochs)
		# Bochs has no isa-debug-exit: the guest ends it through the
		# shutdown port (guests/bench/bench.h). The Debian build starts
		# in its debugger; the rc file's "c" lets it run. No sound: the
		# ALSA mixer thread sometimes crashes Bochs as it exits.
		img=$(image "$loop" "$n" img)
		cat >"$tmp/bochsrc" <<-EOF
		megs: 64
		romimage: file=$BOCHS_BIOS
		vgaromimage: file=$BOCHS_VGABIOS
		floppya: 1_44="$img", status=inserted
		boot: floppy
		com1: enabled=1, mode=file, dev=$serial
		display_library: term
		clock: sync=none
		cpu: reset_on_triple_fault=0
		panic: action=fatal
		speaker: enabled=0
		sound: driver=dummy
		log: $log
		EOF
		echo c >"$tmp/bochs.cmd"
		cpu_snapshot "$tmp/times0"
		t0=$EPOCHREALTIME
		TERM=xterm timeout -s KILL "$TIMEOUT" bochs -q -f "$tmp/bochsrc" \
			-rc "$tmp/bochs.cmd" </dev/null >/dev/null 2>>"$log"
		rc=$?
		t1=$EPOCHREALTIME ;;
	esac
	cpu_snapshot "$tmp/times1"
	T=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }')
	C=$(cpu_between "$tmp/times0" "$tmp/times1")
	SUM=$(sed -n "s/^bench $loop: checksum \(0x[0-9a-f]*\)\$/\1/p" "$serial" 2>/dev/null)
	ERR=
	# All three end with status 1: isa-debug-exit's (0 << 1) | 1 for QEMU
	# and hvmm, the shutdown port's fatal exit for Bochs.
	if ((rc == 124 || rc == 137)); then
		ERR="no end after ${TIMEOUT}s"
	elif ! grep -q "^bench $loop: iterations $n," "$serial" 2>/dev/null ||
		[ -z "$SUM" ] || ! grep -qx "bench: done" "$serial"; then
		ERR="exit status $rc, output: $(tr '\n' '/' <"$serial" 2>/dev/null | cut -c1-200)"
	elif ((rc != 1)); then
		ERR="exit status $rc"
	fi
	if [ -n "$ERR" ]; then
		ERR="$ERR; log: $(tail -n 3 "$log" 2>/dev/null | tr '\n|' '/ ' | cut -c1-300)"
	fi
}

# --- instructions per iteration, from the guests' own report --------------
declare -A K NITERS FAILED CALSUM W1 WN C1 CN
for l in "${LOOPS[@]}"; do
	run hvmm "$l" 1
	k=$(sed -n "s/^bench $l: iterations 1, instructions per iteration \([0-9]*\),.*/\1/p" \
		"$tmp/serial.txt")
	# Where hvmm cannot run it, the count the loop's source declares.
	[ -n "$k" ] || k=$(sed -n 's/.*BENCH_LOOP [a-z0-9_]*, \([0-9]*\),.*/\1/p' \
		"guests/bench/loop_$l.S")
	K[$l]=$k
done

host_cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
ncpu=$(nproc)
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
qemu_ver=$(qemu-system-x86_64 --version | head -n 1)
bochs_ver=$(dpkg-query -W -f='${Version}' bochs 2>/dev/null || echo unknown)
hvmm_ver=$(git describe --always --dirty 2>/dev/null || echo unknown)
echo "bench-sw: host $host_cpu ($ncpu CPUs), loops: ${LOOPS[*]}," \
	"engines: ${ENGINES[*]}, $ROUNDS rounds"

# --- calibration -----------------------------------------------------------
# Per engine and loop, on CPU time (what other load on the host disturbs
# least): the start-up (a 1-iteration run), then
# CAL_ITERS iterations, growing tenfold while the loop's share is below
# 20 ms, then scaling towards TARGET seconds until a run, and the lesser of
# it and a repeat, lands within a factor of 2 of it. That last N is the
# one the rounds use.
echo "bench-sw: calibrating"
for l in "${LOOPS[@]}"; do
	for e in "${ENGINES[@]}"; do
		run "$e" "$l" 1
		if [ -n "$ERR" ]; then FAILED[$e,$l]=$ERR; continue; fi
		s=$C
		n=$CAL_ITERS
		confirm=
		for ((step = 0; step < 12; step++)); do
			run "$e" "$l" "$n"
			if [ -n "$ERR" ]; then FAILED[$e,$l]=$ERR; break; fi
			((step == 0)) && CALSUM[$e,$l]=$SUM
			# A run that lands in the window is repeated and the
			# lesser time counts: other load only ever adds time,
			# and one slowed run would make N too small.
			[ -n "$confirm" ] &&
				C=$(awk -v a="$C" -v b="$confirm" 'BEGIN { print (a < b ? a : b) }')
			next=$(awk -v c="$C" -v s="$s" -v n="$n" -v g="$TARGET" 'BEGIN {
				d = c - s
				if (d < 0.02) { printf "%d", n * 10; exit }
				if (d >= g / 2 && d <= g * 2) { print 0; exit }
				m = int((n - 1) * g / d) + 1; if (m < 2) m = 2
				printf "%d", m }')
			if ((next == 0)); then
				[ -n "$confirm" ] && break
				confirm=$C
				continue
			fi
			confirm=
			n=$next
		done
		[ -n "${FAILED[$e,$l]:-}" ] && continue
		NITERS[$e,$l]=$n
		printf '  %-9s %-6s start-up %.3fs, N = %d: %.3fs (CPU %.3fs)\n' \
			"$l" "$e" "$s" "$n" "$T" "$C"
	done
done

rm -rf "$tmp/img"	# the calibration's copies; the rounds need others
echo "bench-sw: calibration took $(awk -v a="$started" -v b="$EPOCHREALTIME" \
	'BEGIN { printf "%.0f", b - a }')s"

# --- rounds ----------------------------------------------------------------
# Interleaved: every round runs every loop on every engine (start-up run,
# then the long run), the engine order rotating from round to round, so
# that slow drifts of the machine spread over all of them.
for ((r = 0; r < ROUNDS; r++)); do
	echo "bench-sw: round $((r + 1)) of $ROUNDS"
	for l in "${LOOPS[@]}"; do
		for ((i = 0; i < ${#ENGINES[@]}; i++)); do
			e=${ENGINES[(i + r) % ${#ENGINES[@]}]}
			[ -n "${FAILED[$e,$l]:-}" ] && continue
			run "$e" "$l" 1
			if [ -n "$ERR" ]; then FAILED[$e,$l]=$ERR; continue; fi
			W1[$e,$l]+=" $T"
			C1[$e,$l]+=" $C"
			run "$e" "$l" "${NITERS[$e,$l]}"
			if [ -n "$ERR" ]; then FAILED[$e,$l]=$ERR; continue; fi
			WN[$e,$l]+=" $T"
			CN[$e,$l]+=" $C"
		done
	done
done

# --- results ---------------------------------------------------------------
# Per clock (W wall, C CPU): loop time = median(long runs) - median(1-
# iteration runs), over N - 1 iterations; spread = the range of the
# rounds' own differences, in % of that loop time.
declare -A START LOOPT NS MIPS SPREAD
stats() { # CLOCK
	local c=$1 e l
	local -n one=${c}1 long=${c}N
	for l in "${LOOPS[@]}"; do
		for e in "${ENGINES[@]}"; do
			[ -n "${FAILED[$e,$l]:-}" ] && continue
			read -r "START[$c,$e,$l]" "LOOPT[$c,$e,$l]" "NS[$c,$e,$l]" \
				"MIPS[$c,$e,$l]" "SPREAD[$c,$e,$l]" < <(
			awk -v a="${one[$e,$l]}" -v b="${long[$e,$l]}" \
			    -v n="${NITERS[$e,$l]}" -v k="${K[$l]}" '
			function median(str, v, cnt, i, j, x) {
				cnt = split(str, v, " ")
				for (i = 2; i <= cnt; i++)
					for (j = i; j > 1 && v[j - 1] > v[j]; j--) {
						x = v[j]; v[j] = v[j - 1]; v[j - 1] = x
					}
				return cnt % 2 ? v[(cnt + 1) / 2] : (v[cnt / 2] + v[cnt / 2 + 1]) / 2
			}
			BEGIN {
				s = median(a); d = median(b) - s
				if (d <= 0) { printf "%.3f %.3f - - -\n", s, d; exit }
				cnt = split(a, x, " "); split(b, y, " ")
				lo = hi = y[1] - x[1]
				for (i = 2; i <= cnt; i++) {
					v = y[i] - x[i]; if (v < lo) lo = v; if (v > hi) hi = v
				}
				printf "%.3f %.3f %.1f %.1f %d\n", s, d, d * 1e9 / (n - 1),
					k * (n - 1) / d / 1e6, (hi - lo) * 100 / d + 0.5
			}')
		done
	done
}
stats W
stats C

others=()
for e in "${ENGINES[@]}"; do [ "$e" = hvmm ] || others+=("$e"); done
name() { case $1 in hvmm) echo "hvmm sw" ;; qemu) echo "QEMU TCG" ;; bochs) echo "Bochs" ;; esac; }
ratio() { # CLOCK LOOP ENGINE: ENGINE's time per iteration over hvmm's
	local a=${NS[$1,hvmm,$2]:--} b=${NS[$1,$3,$2]:--}
	if [ "$a" = - ] || [ "$b" = - ]; then echo "-"; return; fi
	awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2fx", b / a }'
}
table() { # CLOCK
	local c=$1 l e row hdr="| loop | insns/iter" sep="|---|---:"
	for e in "${ENGINES[@]}"; do
		hdr+=" | $(name "$e") MIPS | $(name "$e") ns/iter"
		sep+="|---:|---:"
	done
	for e in "${others[@]}"; do
		hdr+=" | hvmm vs $(name "$e")"
		sep+="|---:"
	done
	echo "$hdr |"
	echo "$sep|"
	for l in "${LOOPS[@]}"; do
		row="| $l | ${K[$l]}"
		for e in "${ENGINES[@]}"; do
			if [ -n "${FAILED[$e,$l]:-}" ]; then row+=" | failed | failed"
			else row+=" | ${MIPS[$c,$e,$l]} | ${NS[$c,$e,$l]}"; fi
		done
		for e in "${others[@]}"; do row+=" | $(ratio "$c" "$l" "$e")"; done
		echo "$row |"
	done
}

elapsed=$(awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", b - a }')
{
	echo "Host: $host_cpu, $ncpu CPUs, $(uname -sr); $(date '+%Y-%m-%d %H:%M %Z')"
	echo "Engines: hvmm $hvmm_ver (--engine=sw); $qemu_ver (-accel tcg);" \
		"Bochs $bochs_ver (Debian)"
	echo "Rounds: $ROUNDS; load average at start $load_start," \
		"at end $(cut -d' ' -f1-3 /proc/loadavg); took ${elapsed}s"
	echo
	echo "By wall time (medians over the rounds, start-up subtracted):"
	echo
	table W
	echo
	echo "By CPU time (user + system of the emulator process):"
	echo
	table C
	echo
	echo "\"hvmm vs X\": X's time per iteration over hvmm's (above 1: hvmm is faster)."
	echo
	echo "| loop | engine | N | start-up s | loop s | spread % | CPU loop s | CPU spread % | checksum at N=$CAL_ITERS |"
	echo "|---|---|---:|---:|---:|---:|---:|---:|---|"
	for l in "${LOOPS[@]}"; do
		for e in "${ENGINES[@]}"; do
			if [ -n "${FAILED[$e,$l]:-}" ]; then
				echo "| $l | $(name "$e") | failed |||||||"
				continue
			fi
			echo "| $l | $(name "$e") | ${NITERS[$e,$l]} | ${START[W,$e,$l]} |" \
				"${LOOPT[W,$e,$l]} | ${SPREAD[W,$e,$l]} | ${LOOPT[C,$e,$l]} |" \
				"${SPREAD[C,$e,$l]} | ${CALSUM[$e,$l]:-} |"
		done
	done
	# Checksums at the common calibration count must agree.
	for l in "${LOOPS[@]}"; do
		ref=
		for e in "${ENGINES[@]}"; do
			c=${CALSUM[$e,$l]:-}
			[ -n "$c" ] || continue
			if [ -z "$ref" ]; then ref=$c; elif [ "$c" != "$ref" ]; then
				echo
				echo "NOTE: $l: checksums differ between engines at N=$CAL_ITERS"
				break
			fi
		done
	done
	for l in "${LOOPS[@]}"; do
		for e in "${ENGINES[@]}"; do
			[ -n "${FAILED[$e,$l]:-}" ] && continue
			awk -v d="${LOOPT[C,$e,$l]}" -v g="$TARGET" 'BEGIN { exit !(d < g / 4) }' ||
				continue
			echo
			echo "NOTE: $l on $(name "$e"): the loop took ${LOOPT[C,$e,$l]}s of CPU," \
				"well below the ${TARGET}s aimed at (calibration disturbed): less precise"
		done
	done
	for l in "${LOOPS[@]}"; do
		for e in "${ENGINES[@]}"; do
			[ -n "${FAILED[$e,$l]:-}" ] || continue
			echo
			echo "NOTE: $l failed on $(name "$e"): ${FAILED[$e,$l]}"
		done
	done
} >"$OUT"

echo
cat "$OUT"
echo
echo "bench-sw: table also in $OUT"
exit 0
