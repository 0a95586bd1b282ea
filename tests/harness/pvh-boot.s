# Boot sector of the kvm-run VMX backend's disk (tests/harness/bochs-vmx.sh):
# loads the uncompressed kernel and the initramfs and starts the kernel
# through its PVH entry, skipping the bzImage's self-decompression (about
# 40 s under Bochs).
#
# Disk layout (512-byte sectors): 0 this sector; 1-2 the info block, read to
# INFO; then what the info block's extents name. The info block:
#     0  struct hvm_start_info, version 1 (magic, version, flags,
#        nr_modules, modlist, cmdline, rsdp, memmap, memmap_entries)
#    56  the PVH entry point (the kernel's XEN_ELFNOTE_PHYS32_ENTRY)
#    64  the module list: one struct hvm_modlist_entry, the initramfs
#    96  up to 8 extents {u32 first sector, u32 sectors, u32 address},
#        ended by one of 0 sectors
#   192  the kernel command line, NUL-terminated
# This sector adds the memory map: the BIOS's int 15h E820 entries, 24 bytes
# each (struct hvm_memmap_table_entry), at MEMMAP, and their count. It reads
# the disk itself (ATA PIO, polled, in protected mode, so that the data goes
# straight above 1 MiB), then enters the kernel as the PVH boot ABI asks:
# 32-bit protected mode with flat segments, paging and interrupts off, EBX =
# the hvm_start_info's address. A failure is reported on COM1 as one line
# "kvm-harness-error: <reason>", then Bochs is stopped (port 0x8900).
#
# Assembled with `as --32`, linked at 0x7c00 as a flat binary.

	.equ INFO, 0x00f00000
	.equ MEMMAP, 0x1000		# E820 entries, below this sector
	.equ MAX_ENTRIES, 128		# ends below 0x7c00 with the stack
	.equ SMAP, 0x534d4150
	.equ ATA, 0x1f0			# primary channel, master
	.equ ATA_CTL, 0x3f6
	.equ COM1, 0x3f8

	.text
	.code16
	.globl _start
_start:
	cli
	ljmp $0, $1f			# some BIOSes jump to 07c0:0000
1:	xor %ax, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov $0x7c00, %sp
	cld

	# The memory map. The BIOS may fill only 20 of each entry's 24 bytes:
	# the last 4 are reserved, and Linux reads only address, size, type.
	mov $MEMMAP, %di
	xor %ebx, %ebx
	xor %bp, %bp
e820:	mov $0xe820, %eax
	mov $24, %ecx
	mov $SMAP, %edx
	int $0x15
	jc 2f
	cmp $SMAP, %eax
	jne 2f
	add $24, %di
	inc %bp
	cmp $MAX_ENTRIES, %bp
	jae 2f
	test %ebx, %ebx
	jnz e820
2:	mov %bp, entries

	in $0x92, %al			# A20 on (fast A20 gate)
	or $2, %al
	and $0xfe, %al
	out %al, $0x92

	lgdtl gdtr
	mov %cr0, %eax
	or $1, %eax
	mov %eax, %cr0
	ljmpl $0x08, $pm

	.code32
pm:	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov %ax, %fs
	mov %ax, %gs

	mov $ATA_CTL, %dx		# no disk interrupts: polled
	mov $2, %al
	out %al, %dx
	mov $1, %esi			# the info block
	mov $2, %ebx
	mov $INFO, %edi
	call ata_read
	mov $msg_info, %esi
	cmpl $0x336ec578, INFO
	jne fail
	mov $INFO + 96, %ebp		# the extents
3:	mov 4(%ebp), %ebx
	test %ebx, %ebx
	jz 4f
	mov (%ebp), %esi
	mov 8(%ebp), %edi
	call ata_read
	add $12, %ebp
	jmp 3b

4:	mov $INFO, %ebx
	movl $MEMMAP, 40(%ebx)		# memmap_paddr
	movl $0, 44(%ebx)
	movzwl entries, %eax
	mov %eax, 48(%ebx)		# memmap_entries
	jmp *56(%ebx)

# Read EBX sectors from sector ESI on to EDI, 256 per command (LBA28).
ata_read:
	mov %ebx, %ecx
	cmp $256, %ecx
	jbe 1f
	mov $256, %ecx
1:	sub %ecx, %ebx
	call ata_wait
	mov $ATA + 6, %dx		# drive, LBA 24-27
	mov %esi, %eax
	shr $24, %eax
	and $0x0f, %al
	or $0xe0, %al
	out %al, %dx
	mov $ATA + 2, %dx		# sector count (0: 256)
	mov %cl, %al
	out %al, %dx
	inc %dx				# LBA 0-7, 8-15, 16-23
	mov %esi, %eax
	out %al, %dx
	inc %dx
	shr $8, %eax
	out %al, %dx
	inc %dx
	shr $8, %eax
	out %al, %dx
	mov $ATA + 7, %dx		# READ SECTORS
	mov $0x20, %al
	out %al, %dx
	add %ecx, %esi
2:	push %ecx
	call ata_wait
	test $0x08, %al			# DRQ
	jz ata_err
	mov $ATA, %dx
	mov $128, %ecx
	rep insl
	pop %ecx
	loop 2b
	test %ebx, %ebx
	jnz ata_read
	ret

# Wait while the drive is busy; fail on an error. Returns the status in AL.
ata_wait:
	mov $ATA + 7, %dx
1:	in %dx, %al
	test $0x80, %al			# BSY
	jnz 1b
	test $0x21, %al			# ERR, DF
	jnz ata_err
	ret

ata_err:
	mov $msg_disk, %esi
fail:	push %esi
	mov $msg_head, %esi
	call puts
	pop %esi
	call puts
	mov $0x8900, %dx		# Bochs: stop the simulation
	mov $msg_stop, %esi
1:	lodsb
	out %al, %dx
	test %al, %al
	jnz 1b
2:	hlt
	jmp 2b

# Write the string at ESI to COM1, each byte once the line is idle.
puts:	mov $COM1 + 5, %dx
1:	in %dx, %al
	test $0x40, %al			# transmitter empty
	jz 1b
	lodsb
	test %al, %al
	jz 2f
	mov $COM1, %dx
	out %al, %dx
	jmp puts
2:	ret

	.p2align 3
gdt:	.quad 0
	.quad 0x00cf9a000000ffff	# 0x08: code, flat, 32-bit
	.quad 0x00cf92000000ffff	# 0x10: data, flat
gdtr:	.word gdtr - gdt - 1
	.long gdt
entries: .word 0
msg_head: .asciz "kvm-harness-error: boot: "
msg_disk: .asciz "disk read failed\n"
msg_info: .asciz "no info block\n"
msg_stop: .asciz "Shutdown"

	.org 510
	.word 0xaa55
