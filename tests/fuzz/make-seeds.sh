#!/usr/bin/env bash
# The assembly below is in single quotes on purpose: $ is AT&T syntax.
# shellcheck disable=SC2016
# Writes the seed corpus of the interpreter fuzzer into DIR: one input per
# mode and feature worth starting from (mode switches, gates, system calls,
# paging faults, events). Each seed is the 35-byte header that
# tests/fuzz/fuzz_interp.c describes, followed by code assembled here with
# as and objcopy (binutils).
#   make-seeds.sh DIR
set -euo pipefail
out=${1:?usage: make-seeds.sh DIR}
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# GPR bytes (header 18-33): RSP 0 is the mode's stack top; the others are
# pointers into the data copy (kind 1), eight bytes apart.
gprs="20 21 22 23 00 25 26 27 28 29 2a 2b 2c 2d 2e 2f"

# seed NAME "HEADER 0-11" "EDITS 12-17 (or empty)" 32|64 'ASSEMBLY' [OPTIONS2]
seed() {
	local name=$1 hdr=$2 edits=${3:-"00 00 00 00 00 00"} bits=$4 asm=$5 opt2=${6:-00}
	printf '%s\n' "$asm" >"$tmp/s.S"
	as --"$bits" -o "$tmp/s.o" "$tmp/s.S"
	objcopy -O binary -j .text "$tmp/s.o" "$tmp/s.bin"
	{
		for b in $hdr $edits $gprs $opt2; do printf '%b' "\\x$b"; done
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
