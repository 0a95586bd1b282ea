#!/usr/bin/env bash
# The command's handling of bad input and its exit statuses: every error is
# one line on stderr naming the problem, with exit status 2. Prints
# "PASS name" / "FAIL name: wanted ..., got ...".
. "$(dirname "$0")/common.inc"

# Inputs made on the spot.
echo "just some text" >"$tmp/notes.txt"
head -c 30 "$g/hello32.elf" >"$tmp/truncated.elf"
head -c 3000000 /dev/zero >"$tmp/big.bin"
printf 'int _start(void){for(;;);}\n' >"$tmp/nomb.c"
gcc -m32 -ffreestanding -nostdlib -static -no-pie -Wl,-Ttext=0x100000 -Wl,--build-id=none \
	-o "$tmp/nomb.elf" "$tmp/nomb.c" 2>"$tmp/gcc.err" || echo "    (could not build nomb.elf: $(cat "$tmp/gcc.err"))"

expect no-arguments            2 "no command given"
expect unknown-command         2 "unknown command 'frobnicate'" frobnicate
expect run-without-guest       2 "no guest image given" run
expect unknown-option          2 "unknown option '--bogus'" run --bogus "$g/hello64.bin"
expect option-needs-value      2 "needs a value" run "$g/hello64.bin" --mem
expect two-guests              2 "unexpected argument" run "$g/hello64.bin" "$g/hello32.bin"
expect missing-file            2 "$tmp/nope.elf: No such file or directory" run "$tmp/nope.elf"
expect directory-as-guest      2 "$tmp" run "$tmp"
expect not-an-elf              2 "not an ELF" run "$tmp/notes.txt"
expect truncated-elf           2 "truncated" run "$tmp/truncated.elf"
expect no-multiboot-header     2 "no multiboot header" run "$tmp/nomb.elf"
expect flat-larger-than-memory 2 "does not fit" run --mem=1M "$tmp/big.bin"
expect elf-larger-than-memory  2 "does not fit in guest RAM" run --mem=1M "$g/hello32.elf"
expect bad-size-suffix         2 "--mem: bad size '64Q'" run --mem=64Q "$g/hello64.bin"
expect bad-size-number         2 "--mem: bad size 'lots'" run --mem=lots "$g/hello64.bin"
expect size-zero               2 "--mem: size '0' out of range" run --mem=0 "$g/hello64.bin"
expect size-unaligned          2 "out of range" run --mem=1000001 "$g/hello64.bin"
expect unknown-engine          2 "--engine: unknown engine 'quantum'" run --engine=quantum "$g/hello64.bin"
expect flat-with-cmdline       2 "takes no --cmdline" run --cmdline=x "$g/hello64.bin"
expect bad-flat-address        2 "--flat: bad address 'zz'" run --flat=zz "$g/hello64.bin"
expect flat-address-too-high   2 "1 MiB" run --flat=0x200000 "$g/hello64.bin"
expect missing-module          2 "$tmp/nomod: No such file or directory" run --module="$tmp/nomod" "$g/hello32.elf"
expect serial-unwritable       2 "--serial: $tmp/no/dir/out: No such file or directory" run --serial="$tmp/no/dir/out" "$g/hello64.bin"
expect help                    0 "" help
expect run-help                0 "" run --help

# A failed run never clobbers a file the user already has.
echo "precious" >"$tmp/serial.log"
"$hvmm" run --serial="$tmp/serial.log" "$tmp/nope.elf" >/dev/null 2>&1
if [ "$(cat "$tmp/serial.log")" = precious ]; then echo "PASS serial-file-kept-on-error"
else echo "FAIL serial-file-kept-on-error: the existing file was changed"; fi

"$hvmm" run --help >"$tmp/help" 2>&1
if grep -q -- "--engine" "$tmp/help" && grep -q -- "--mem" "$tmp/help" && grep -q -- "--serial" "$tmp/help"; then
	echo "PASS run-help-lists-options"
else echo "FAIL run-help-lists-options: --help does not list --engine/--mem/--serial"; fi

# Policies: built-in names, chaos seeds, policy files (errors as file:line:col).
printf 'cpl 0 -> sw\ncpl 3 ->\n' >"$tmp/bad.pol"
printf '# only comments\n' >"$tmp/empty.pol"
printf 'cpl 0..3 -> sw\n' >"$tmp/allsw.pol"
expect unknown-policy          2 "'quantum' is neither a built-in policy" run --policy=quantum "$g/hello64.bin"
expect bad-chaos-seed          2 "bad chaos seed 'x1'" run --policy=chaos:x1 "$g/hello64.bin"
expect empty-chaos-seed        2 "bad chaos seed ''" run --policy=chaos: "$g/hello64.bin"
expect policy-file-syntax      2 "$tmp/bad.pol:2:9: expected" run --policy="$tmp/bad.pol" "$g/hello64.bin"
expect policy-file-no-rules    2 "$tmp/empty.pol:" run --policy="$tmp/empty.pol" "$g/hello64.bin"
expect policy-file-directory   2 "$tmp" run --policy="$tmp" "$g/hello64.bin"
expect stats-bad-format        2 "--stats: unknown format 'xml'" run --stats=xml "$g/hello64.bin"
# What the user gave is quoted with '?' for a newline or other control
# byte, so that the error stays one line.
nl=$'\n'
printf 'cpl 9 -> sw\n' >"$tmp/bad${nl}name.pol"
expect newline-in-guest-name   2 "$tmp/no?such.elf: No such file" run "$tmp/no${nl}such.elf"
expect newline-in-option       2 "--mem: bad size '1?'" run --mem="1${nl}" "$g/hello64.bin"
expect newline-in-policy       2 "'x?y' is neither a built-in policy" run --policy="x${nl}y" "$g/hello64.bin"
expect newline-in-policy-file  2 "$tmp/bad?name.pol:1:5: CPL 9" run --policy="$tmp/bad${nl}name.pol" "$g/hello64.bin"
expect escape-in-chaos-seed    2 "bad chaos seed '?[2J'" run --policy=chaos:$'\e[2J' "$g/hello64.bin"
expect newline-in-bench-option 2 "--repeat: bad count '2?'" bench --repeat="2${nl}"
# --stats reports on stderr; the interpreter's count is exact, so two runs agree.
"$hvmm" run --policy=sw --stats "$g/hello64.bin" >"$tmp/out" 2>"$tmp/err" </dev/null
"$hvmm" run --policy=sw --stats=json "$g/hello64.bin" >"$tmp/out2" 2>"$tmp/err2" </dev/null
n1=$(sed -n 's/^  interpreter: \([0-9]*\) instructions.*/\1/p' "$tmp/err")
n2=$(sed -n 's/.*"sw":{"instructions":\([0-9]*\),.*/\1/p' "$tmp/err2")
if [ -n "$n1" ] && [ "$n1" -gt 0 ] && [ "$n1" = "$n2" ] && cmp -s "$tmp/out" tests/guests/hello64.bin.expected; then
	echo "PASS stats-text-and-json"
else
	echo "FAIL stats-text-and-json: wanted equal nonzero instruction counts, got text '$n1' json '$n2' ($(head -c 200 "$tmp/err2"))"
fi
# Rules on events: a stop at the first access to COM1's port 0x3f8 (the
# UART set-up, before any byte goes out), and at the first system call.
printf 'event port 0x3f8 -> stop\n-> sw\n' >"$tmp/port.pol"
"$hvmm" run --policy="$tmp/port.pol" -v "$g/hello64.bin" >"$tmp/out" 2>"$tmp/err" </dev/null; st=$?
if [ $st -eq 0 ] && [ ! -s "$tmp/out" ] && grep -q "guest stopped: policy" "$tmp/err"; then
	echo "PASS policy-stop-on-port"
else echo "FAIL policy-stop-on-port: wanted no output and a policy stop, got status $st, '$(head -c 60 "$tmp/out")', '$(head -c 200 "$tmp/err")'"; fi
printf '# stop at the first system call\nevent syscall -> stop\n-> sw\n' >"$tmp/sys.pol"
"$hvmm" run --policy="$tmp/sys.pol" "$g/ring3.bin" >"$tmp/out" 2>"$tmp/err" </dev/null; st=$?
full=$(cat tests/guests/ring3.bin.expected); got=$(cat "$tmp/out")
if [ $st -eq 0 ] && [ -n "$got" ] && [ "$got" != "$full" ] && [ "${full#"$got"}" != "$full" ]; then
	echo "PASS policy-stop-on-syscall"
else echo "FAIL policy-stop-on-syscall: wanted a proper prefix of ring3's output, got status $st, '$(head -c 100 "$tmp/out")'"; fi
# A policy file that keeps every CPL in the interpreter runs without KVM.
expect policy-file-runs        0 "" run --policy="$tmp/allsw.pol" --serial=none "$g/hello64.bin"
# --serial=FILE puts COM1's output in FILE (replacing what a successful
# run writes to), nothing on stdout.
"$hvmm" run --engine=sw --serial="$tmp/com1.txt" "$g/hello64.bin" >"$tmp/out" 2>&1 </dev/null
if cmp -s "$tmp/com1.txt" tests/guests/hello64.bin.expected && [ ! -s "$tmp/out" ]; then
	echo "PASS serial-to-file"
else
	echo "FAIL serial-to-file: wanted the guest's output in the file only, got file '$(head -c 100 "$tmp/com1.txt")' stdout '$(head -c 100 "$tmp/out")'"
fi

# -v reports how the guest stopped, on stderr.
"$hvmm" run --engine=sw -v "$g/exitcode.bin" >/dev/null 2>"$tmp/err" </dev/null
if grep -q "exit status 43" "$tmp/err"; then echo "PASS verbose-reports-stop"
else echo "FAIL verbose-reports-stop: wanted 'exit status 43' on stderr, got '$(head -c 200 "$tmp/err")'"; fi

# Without /dev/kvm the hw engine is refused in one line, exit 2, and so
# are the policies that need it for user code; with it, the guest runs.
if [ -e /dev/kvm ]; then
	expect kvm-present-runs 0 "" run --engine=hw "$g/hello64.bin"
else
	expect kvm-unavailable 2 "KVM unavailable: /dev/kvm: No such file or directory" run --engine=hw "$g/hello64.bin"
	expect kvm-unavailable-adaptive 2 "KVM unavailable: /dev/kvm: No such file or directory" run --policy=adaptive "$g/hello64.bin"
fi

# Lockstep needs a KVM that runs everything: without /dev/kvm it is refused
# in one line, as run --policy=lockstep and as hvmm diff; a bad step count
# is a usage error either way.
if [ ! -e /dev/kvm ]; then
	expect lockstep-kvm-unavailable 2 "KVM unavailable: /dev/kvm" run --policy=lockstep "$g/hello64.bin"
	expect diff-kvm-unavailable 2 "KVM unavailable: /dev/kvm" diff "$g/hello64.bin"
fi
expect lockstep-bad-steps 2 "bad lockstep step count '0'" run --policy=lockstep:0 "$g/hello64.bin"
expect diff-bad-steps 2 "bad lockstep step count 'x'" diff --policy=lockstep:x "$g/hello64.bin"
