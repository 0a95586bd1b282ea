#!/usr/bin/env bash
# The assembly below is in single quotes on purpose: $ is AT&T syntax.
# shellcheck disable=SC2016
# Writes the seed corpus of one fuzz target (tests/fuzz/targets) into DIR:
# a few inputs worth starting from, in the input format its source
# describes, made here (with as, ld and objcopy where they hold code), and
# the seeds kept as files in tests/fuzz/corpus/TARGET.
#   make-seeds.sh TARGET DIR
set -euo pipefail
target=${1:?usage: make-seeds.sh TARGET DIR}
out=${2:?usage: make-seeds.sh TARGET DIR}
mkdir -p "$out"
out=$(cd "$out" && pwd)
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Bytes for the binary headers: u8 N, u16 N, u64 N (little-endian);
# hex "HH HH ..."; str8 S (a length byte, then S).
u8() { printf %b "\\x$(printf %02x "$(($1 & 255))")"; }
u16() { u8 "$1"; u8 "$(($1 >> 8))"; }
u64() { local i; for i in 0 1 2 3 4 5 6 7; do u8 "$(($1 >> (8 * i)))"; done; }
hex() { local b; for b in "$@"; do printf %b "\\x$b"; done; }
str8() { u8 "${#1}"; printf '%s' "$1"; }

# asm NAME 32|64 'ASSEMBLY': $tmp/NAME.o
asm() {
	printf '%s\n' "$3" >"$tmp/$1.S"
	as --"$2" -o "$tmp/$1.o" "$tmp/$1.S"
}
# flat NAME: the code of $tmp/NAME.o as $tmp/NAME.bin
flat() {
	objcopy -O binary -j .text "$tmp/$1.o" "$tmp/$1.bin"
}

# ---- interp: fuzz_interp.c's 35-byte header, then code.
# GPR bytes (header 18-33): RSP 0 is the mode's stack top; the others are
# pointers into the data copy (kind 1), eight bytes apart.
gprs="20 21 22 23 00 25 26 27 28 29 2a 2b 2c 2d 2e 2f"

# seed NAME "HEADER 0-11" "EDITS 12-17 (or empty)" 32|64 'ASSEMBLY' [OPTIONS2]
seed() {
	local name=$1 hdr=$2 edits=${3:-"00 00 00 00 00 00"} bits=$4 code=$5 opt2=${6:-00}
	asm s "$bits" "$code"
	flat s
	{
		# shellcheck disable=SC2086
		hex $hdr $edits $gprs $opt2
		cat "$tmp/s.bin"
	} >"$out/$name"
}

# Header byte 0: mode (0 real, 1 prot16, 2 prot32, 3 compat16, 4 compat32,
# 5 long64, 6 vm86) | 0x08 paging | 0x10 PAE | 0x20 large pages | 0x40 NXE
# | 0x80 LME. Byte 1: CPL | IOPL << 2 | IDT style << 4 (0x10 handlers in
# the code, 0x20 trap gates, 0x40 DPL 3, 0x80 IST / 16-bit gates).
# Bytes 2-3: RFLAGS (0x0200 IF, 0x0100 TF). Byte 34 (OPTIONS2): 0x01 gates
# 0-7 from the payload, 0x02 TSS stacks from it, 0x04 IDTR limit from byte
# 10, 0x08 short GDTR limit, 0x10 short CS limit, 0x20 expand-down data,
# 0x40 FS/GS bases.

seeds_interp() {
seed real-alu "00 10 00 00 00 00 00 00 00 00 00 00" "" 32 '
.code16
	mov $0x1234, %ax
	add %bx, %ax
	push %ax
	pop %cx
	imul %cx, %dx
	mov %ax, 4(%bx,%si)
	daa
	int $0x21
	cli
	hlt'

seed real-rep "00 00 00 00 00 00 00 00 00 00 00 00" "" 32 '
.code16
	mov $-1, %ecx
	cld
	rep movsb
	mov $0x100, %cx
	std
	rep stosw
	repne scasb
	hlt'

seed real-to-prot32 "00 00 00 00 00 00 00 00 00 00 00 00" "" 32 '
.code16
start:
	pushw $0
	pushw $0x1000
	pushw $0xff
	mov %sp, %bp
	lgdtl (%bp)
	mov %cr0, %eax
	or $1, %al
	mov %eax, %cr0
	ljmpl $0x08, $(0x20000 + p32 - start)
.code32
p32:
	mov $0x18, %ax
	mov %ax, %ds
	mov %ax, %ss
	mov $0x80000, %esp
	push $1
	pop %eax
	hlt'

seed prot32-pae "1a 10 00 00 00 00 00 00 00 00 00 00" "" 32 '
.code32
	mov %cr3, %eax
	mov %eax, %cr3
	invlpg 0x40000
	mov 0x40000, %eax
	movl $1, 0x40004
	cpuid
	rdtsc
	mov $0x1b, %ecx
	rdmsr
	int $0x80
	hlt'

seed prot32-user "02 53 00 02 00 00 00 00 00 00 00 00" "" 32 '
.code32
	int $0x80
	in $0x80, %al
	cli
	sysenter
	lgdt (%eax)
	hlt'

seed prot32-iomap "02 13 00 02 00 00 00 00 00 00 00 04" "" 32 '
.code32
	in $0x40, %al
	out %al, $0x81
	mov $0x3f8, %dx
	mov $4, %ecx
	rep outsb
	rep insb
	hlt'

seed prot32-pf "0a 10 00 00 10 00 00 00 00 00 00 00" "40 00 00 00 00 01" 32 '
.code32
	mov 0x40000, %eax
	movl $5, 0x41000
	mov %cr2, %ebx
	hlt'

seed prot32-to-long "82 10 00 00 00 00 00 00 00 00 00 00" "" 32 '
.code32
start:
	mov %cr4, %eax
	or $0x20, %eax
	mov %eax, %cr4
	mov $0x10000, %eax
	mov %eax, %cr3
	mov %cr0, %eax
	or $0x80000000, %eax
	mov %eax, %cr0
	ljmp $0x10, $(0x20000 + l64 - start)
.code64
l64:
	mov $0x1234, %rax
	hlt'

seed prot16-desc "01 10 00 00 00 00 00 00 00 00 00 03" "" 32 '
.code16
	mov $0x5b, %ax
	lar %ax, %bx
	lsl %ax, %cx
	verr %ax
	verw %ax
	arpl %ax, %dx
	sldt %ax
	str %ax
	mov $0x5b, %ax
	mov %ax, %ds
	mov $0x4, %ax
	mov %ax, %es
	ljmp $0x60, $0
	hlt'

seed vm86 "06 00 00 02 00 00 00 00 00 00 00 00" "" 32 '
.code16
	pushf
	popf
	in $0x80, %al
	int $0x10
	hlt'

seed long64-sys "45 10 00 00 00 00 00 01 00 00 00 00" "" 64 '
.code64
	mov $0xc0000080, %ecx
	rdmsr
	or $1, %eax
	wrmsr
	swapgs
	lea 1f(%rip), %rcx
	mov $0x202, %r11d
	cmpxchg16b (%rdi)
	xadd %eax, (%rsi)
	bsf %rax, %rbx
	sysretq
1:	syscall
	hlt'

seed long64-user "45 53 00 02 00 00 00 01 00 00 00 00" "" 64 '
.code64
	syscall
	int $0x80
	mov %cr0, %rax
	hlt'

seed long64-iret "05 10 00 00 00 00 00 00 00 00 00 00" "" 64 '
.code64
	mov %ss, %eax
	push %rax
	push %rsp
	pushf
	push $0x33
	lea 1f(%rip), %rax
	push %rax
	iretq
1:	int3
	hlt'

seed long64-tf "05 10 00 01 00 00 00 00 00 00 00 00" "" 64 '
.code64
	nop
	pushf
	popf
	mov $1, %eax
	hlt'

seed long64-events "05 90 00 00 00 00 00 00 07 0e 20 00" "" 64 '
.code64
	iretq
	hlt'

seed long64-wake "05 10 00 02 00 00 00 00 00 00 20 08" "" 64 '
.code64
1:	sti
	hlt
	jmp 1b'

seed long64-desc "05 10 00 00 00 00 00 00 00 00 00 03" "" 64 '
.code64
	mov $0x5b, %eax
	mov %eax, %ds
	mov $0xa0, %eax
	lldt %ax
	lar %eax, %ebx
	sgdt (%rdi)
	sidt (%rsi)
	lcall *(%rdx)
	ljmp *(%rbx)
	hlt'

seed compat32-far "04 10 00 00 00 00 00 00 00 00 00 00" "" 32 '
.code32
start:
	lcall $0x10, $(0x20000 + l64 - start)
	push %ds
	pop %es
	hlt
.code64
l64:
	lretl'

seed compat16 "03 10 00 00 00 00 00 00 00 00 00 00" "" 32 '
.code16
	mov $0x18, %ax
	mov %ax, %ds
	push %ds
	pop %fs
	enter $8, $1
	leave
	hlt'

seed long64-gates "05 10 00 00 00 00 00 00 00 00 ff 00" "" 64 '
.code64
	ud2
	int $0x40
	int3
	hlt
	.quad 0x00008e0000100000, 0x0000000000000000
	.quad 0x0000850000380000, 0xffff800000000000' 05

seed long64-tss "05 13 00 00 00 00 00 01 00 00 00 00" "" 64 '
.code64
	mov %fs:0, %rax
	mov %gs:8, %rbx
	syscall
	int $0x80
	hlt
	.quad 0x00007fffffff0000' 42

seed prot32-limits "02 10 00 00 00 00 00 00 00 00 00 00" "" 32 '
.code32
	mov 0x10, %eax
	mov 0x2000, %ebx
	push %eax
	lgdt (%esi)
	jmp .+0x100
	hlt' 38
}

# ---- decode: instruction bytes (fuzz_decode.c), one encoding each of the
# decoder's paths: prefixes, REX, the 0F, 0F38 and 0F3A maps, ModRM and
# SIB forms, RIP-relative, moffs, immediates of every size, x87, SSE.
seeds_decode() {
	local i=0 h
	for h in "90" "66 67 f0 f3 2e 01 04 24" "48 8b 84 8b 78 56 34 12" \
		"48 b8 88 77 66 55 44 33 22 11" "a1 44 33 22 11" "67 a1 44 33 22 11" \
		"8b 05 10 00 00 00" "0f 01 d0" "0f 22 d8" "0f 38 f0 06" \
		"66 0f 3a 0f c1 08" "f3 0f 10 44 24 08" "c4 e2 79 18 06" "d9 ee" "dd 1c 24" \
		"c8 10 00 01" "9a 00 10 00 00 08 00" "62 00" "40 40 40 40 90" \
		"f2 f3 66 f2 0f 58 c1" "0f 0f c1 b4" "f0 87 06" "cd 80" "0f 05" \
		"26 36 64 65 67 66 f3 f2 f0 2e 3e 26 36 64 65 0f"; do
		# shellcheck disable=SC2086
		hex $h >"$out/decode-$i"
		i=$((i + 1))
	done
}

# ---- load: fuzz_load.c's header (flags, RAM, flat address, the image's
# length), the image, then command line, initrd and modules. Images:
# multiboot ELF32 and higher-half
# ELF64, an a.out-kludge image, bzImages of protocol 2.15 (64-bit entry)
# and 2.06 (32-bit), and a flat binary.
# load_seed NAME FLAGS RAM CMDLINE INITRD-FILE MODULES IMAGE-FILE: MODULES
# is "FILE:ARGS|FILE:ARGS..."; an initrd "-" stands for none.
load_seed() {
	local name=$1 flags=$2 ram=$3 cmdline=$4 initrd=$5 mods=$6 image=$7 m
	{
		u8 "$flags"; u8 "$ram"; u8 0; u8 0x7c; u8 0   # flat: 0x7c00
		local n; n=$(stat -c %s "$image")
		u16 "$n"; u8 "$((n >> 16))"
		cat "$image"
		[ $((flags & 8)) = 0 ] || str8 "$cmdline"
		if [ $((flags & 4)) != 0 ]; then u16 "$(stat -c %s "$initrd")"; cat "$initrd"; fi
		local IFS='|'
		for m in $mods; do
			u16 "$(stat -c %s "${m%%:*}")"; cat "${m%%:*}"; str8 "${m#*:}"
		done
	} >"$out/$name"
}

seeds_load() {
	local mb_code='
	mov $0x3f8, %dx
	mov $0x6b, %al
	out %al, %dx
	hlt
	.data
	.long 1, 2, 3
	.bss
	.space 0x3000'
	asm mb32 32 "
	.text
	.long 0x1badb002, 3, -(0x1badb002 + 3)
	.globl _start
_start: $mb_code"
	ld -m elf_i386 -n -Ttext=0x100000 -e _start --build-id=none --no-warn-rwx-segments -s -o "$tmp/mb32.elf" "$tmp/mb32.o"
	asm mb64 64 "
	.text
	.long 0x1badb002, 0, -0x1badb002
	.globl _start
_start: $mb_code"
	printf 'SECTIONS { . = 0xffffffff80200000; .text : AT(0x200000) { *(.text) }
		.data : AT(0x201000) { *(.data) } .bss : { *(.bss) } }\n' >"$tmp/high.ld"
	ld -m elf_x86_64 -n -T "$tmp/high.ld" -e _start --build-id=none --no-warn-rwx-segments -s -o "$tmp/mb64.elf" "$tmp/mb64.o"
	# a.out kludge (flag 16): header_addr, load_addr, load_end_addr (0:
	# the whole file), bss_end_addr, entry_addr.
	asm aout 32 '
	.long 0x1badb002, 0x10003, -(0x1badb002 + 0x10003)
	.long 0x100000, 0x100000, 0, 0x102000, 0x100020
	hlt'
	flat aout
	# bzImage: setup header (core/bootparam.h), two sectors of setup, then
	# the protected-mode kernel with its 64-bit entry 0x200 in.
	asm bz64 32 '
	.org 0x1f1
	.byte 1
	.org 0x1fe
	.word 0xaa55
	.byte 0xeb, 0x66
	.ascii "HdrS"
	.word 0x020f
	.org 0x211
	.byte 0x01
	.org 0x22c
	.long 0x37ffffff, 0x200000
	.byte 1
	.org 0x236
	.word 0x0001
	.long 255
	.org 0x258
	.quad 0x1000000
	.long 0x400000
	.org 0x400
	hlt
	.org 0x600
	hlt'
	flat bz64
	asm bz32 32 '
	.org 0x1f1
	.byte 0
	.org 0x1fe
	.word 0xaa55
	.byte 0xeb, 0x3a
	.ascii "HdrS"
	.word 0x0206
	.org 0x211
	.byte 0x01
	.org 0x22c
	.long 0x7fffffff
	.org 0x238
	.long 2047
	.org 0xa00
	hlt'
	flat bz32
	printf 'module one' >"$tmp/mod1"
	printf 'initrd contents' >"$tmp/initrd"
	: >"$tmp/empty"
	printf '\xb0\x41\xe6\xe9\xf4' >"$tmp/flat.bin"

	load_seed mb32 0 15 "" - "" "$tmp/mb32.elf"
	load_seed mb32-modules 0x28 15 "console=ttyS0 quiet" - \
		"$tmp/mod1:arg=1 two|$tmp/empty:" "$tmp/mb32.elf"
	load_seed mb64-high 0x08 0x8f "x" - "" "$tmp/mb64.elf"
	load_seed aout 0x12 3 "" - "$tmp/mod1:" "$tmp/aout.bin"
	load_seed bz64-initrd 0x0c 31 "console=ttyS0 root=/dev/ram0" "$tmp/initrd" "" "$tmp/bz64.bin"
	load_seed bz32 0x03 7 "" - "" "$tmp/bz32.bin"
	load_seed flat 0x01 0 "" - "" "$tmp/flat.bin"
}

# ---- devices: fuzz_devices.c's RTC time and serial input, then steps:
# op byte (0 device, 1 port, 2 MMIO, 3 time, 4 acknowledge, 5 APIC base
# and CR8, 6 repeat, 7 timers; bits 3-4 size 1/2/4/8; bit 7 write) and
# its operands.
dev_seed() { # NAME SERIAL-INPUT STEPS-HEX...
	local name=$1 input=$2
	shift 2
	{
		u64 1709251198000000000   # 2024-02-29 23:59:58 UTC
		str8 "$input"
		hex "$@"
	} >"$out/$name"
}

seeds_devices() {
	# 8259 pair initialised (ICW1-4, masks), then the 8254 at 1 kHz
	# (mode 2), time passing, acknowledges, EOI.
	dev_seed pic-pit "" \
		81 20 00 11 81 21 00 20 81 21 00 04 81 21 00 01 81 21 00 00 \
		81 a0 00 11 81 a1 00 28 81 a1 00 02 81 a1 00 01 81 a1 00 00 \
		81 43 00 34 81 40 00 a9 81 40 00 04 03 00 10 0a 04 07 81 20 00 20 \
		03 00 40 0c 04 07 01 40 00 81 43 00 c2 01 40 00 01 61 00
	# RTC: update, periodic and alarm interrupts on, time set and read.
	dev_seed rtc "" \
		81 70 00 0b 81 71 00 72 81 70 00 00 81 71 00 30 81 70 00 0b 81 71 00 52 \
		03 00 40 10 07 81 70 00 0c 01 71 00 81 70 00 09 01 71 00 81 70 00 32 01 71 00
	# Local APIC: enabled, periodic timer, count read, EOI; the IOAPIC's
	# pin 4 routed; an NMI by the ICR.
	dev_seed apic "" \
		92 f0 00 e0 ff 01 00 00 92 e0 03 e0 0b 00 00 00 92 20 03 e0 20 00 02 00 \
		92 80 03 e0 00 10 00 00 03 00 20 08 04 07 12 90 03 e0 92 b0 00 e0 00 00 00 00 \
		92 00 00 c0 18 00 00 00 92 10 00 c0 31 00 00 00 92 00 03 e0 00 04 00 00 \
		05 00 08 e0 fe 00 00 00 00 0f 04 01
	# COM1: receive interrupts on, two bytes in, transmit, loopback.
	dev_seed uart "hi" \
		81 f9 03 01 81 fc 03 08 81 21 00 ef 03 00 10 14 07 01 fd 03 01 f8 03 01 f8 03 \
		81 f8 03 41 86 20 81 fc 03 18 81 f8 03 42 01 f8 03
	# PCI configuration ports, the CRT controller, ACPI PM, the 8042's
	# reset, debug-exit, wide and unaligned accesses.
	dev_seed misc "" \
		91 f8 0c 00 00 00 80 11 fc 0c 89 fe 0c 34 12 81 d4 03 0e 01 d5 03 \
		00 a5 02 11 00 40 80 00 b0 02 aa 81 64 00 fe 81 f4 00 07
}

# ---- policy: the example policy files, and rules of every condition.
seeds_policy() {
	cp policy/examples/*.pol "$out/"
	printf 'cpl 0..2 -> sw\nevent port 0x3f8..0x3ff -> stop\n-> hw\n' >"$out/short.pol"
	printf 'mode real, vm86,long->sw # c\nevent exception de..df,gp,pf cpl 3->audit 1\n' >"$out/modes.pol"
	printf 'rip 0x1000..0x1fff, 0x3000 cr3 0x5000 -> hw\nevent cr 0,3 -> sw\nevent msr 0xc0000080 -> stop\nevent syscall 60 -> audit 3\nevent interrupt -> hw\n-> sw' >"$out/conds.pol"
}

# ---- cli: the arguments of hvmm run or bench, NUL-separated.
cli_seed() { # NAME ARGS...
	local name=$1
	shift
	printf '%s\0' "$@" | head -c -1 >"$out/$name"
}

seeds_cli() {
	cli_seed run run --policy=chaos:5 -v --mem=64M --stats=json --timeout=0.5 \
		--max-instructions=100000 --sandbox=off guest.elf
	cli_seed run-kernel run --cmdline="console=ttyS0" --module=m1 --module="m2 args" \
		--initrd=rd --serial=none --audit=a.jsonl --audit-level=all --audit-format=text \
		--audit-filter=kind=syscall,cpl=3 --audit-filter=rip=0x1000..0x2000 k.elf
	cli_seed run-flat run --flat=0x7c00 --engine=sw --audit-summary=json -vv boot.bin
	cli_seed run-lockstep run --policy=lockstep:500 -h guest.bin
	cli_seed bench bench --workloads=compute,out --policy=sw --policy=theorem3 --repeat=2 \
		--iterations=1000 --csv=/tmp/x.csv
	cli_seed bench-bad bench --repeat=0 --json=/
}

# ---- audit: tests/fuzz/corpus/audit holds lines of a real audit.
seeds_audit() { :; }

type "seeds_$target" >/dev/null 2>&1 || {
	echo "make-seeds.sh: no seeds for '$target'" >&2
	exit 2
}
"seeds_$target"
if [ -d "tests/fuzz/corpus/$target" ]; then
	cp "tests/fuzz/corpus/$target"/* "$out/"
fi
