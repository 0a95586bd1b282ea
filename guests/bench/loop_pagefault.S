/* Page-fault storm: from 64-bit ring 3, a write to each page of a
 * 256-page window (the data area's second MiB, unmapped by bench_setup)
 * in turn, wrapping around. Each write faults: pf_entry maps that page,
 * unmaps the one it mapped before (so the next write faults again) and
 * returns; the write then completes. 29 instructions per iteration: 8 in
 * the loop (the faulting write retires once), 21 in the handler. Work:
 * one fault per iteration. Checksum: faults the handler counted. */
#include "lib/layout.h"
#include "bench/bench.h"

	BENCH_LOOP pagefault, 29, 3, faults, 1, 0
	mov $BENCH_DATA2, %edx
	xor %ecx, %ecx
1:	mov %rcx, %rsi
	shl $12, %rsi
	add %rdx, %rsi
	mov %ecx, (%rsi)
	inc %ecx
	and $BENCH_DATA2_PAGES - 1, %ecx
	dec %rdi
	jnz 1b
	mov pf_count(%rip), %rax
	int $VEC_RETURN

/* The window's page-table entries are data_pt[256..511]. A fault
 * elsewhere goes to the common exception stub, which reports it. */
#define WINDOW_PTES	data_pt + 8 * BENCH_DATA2_PAGES
	.balign 64
pf_entry:
	push %rax
	push %rdx
	mov %cr2, %rax
	sub $BENCH_DATA2, %rax
	cmp $BENCH_DATA2_PAGES << 12, %rax
	jae 2f
	shr $12, %rax
	mov pf_last(%rip), %rdx
	movq $0, WINDOW_PTES(,%rdx,8)
	mov %rax, pf_last(%rip)
	shl $12, %rdx
	invlpg BENCH_DATA2(%rdx)
	mov %rax, %rdx
	shl $12, %rdx
	add $BENCH_DATA2 | PTE_P | PTE_W | PTE_U, %rdx
	mov %rdx, WINDOW_PTES(,%rax,8)
	incq pf_count(%rip)
	pop %rdx
	pop %rax
	add $8, %rsp		/* the error code */
	iretq
2:	pop %rdx
	pop %rax
	jmp *exception_stubs + 8 * VEC_PF(%rip)

/* bench_setup: unmap the window, flush the TLB, install pf_entry. */
	.globl bench_setup
bench_setup:
	lea WINDOW_PTES(%rip), %rdi
	mov $BENCH_DATA2_PAGES, %ecx
	xor %eax, %eax
	rep stosq
	mov %cr3, %rax
	mov %rax, %cr3
	mov $VEC_PF, %edi
	lea pf_entry(%rip), %rsi
	xor %edx, %edx
	jmp set_gate

	.data
	.balign 8
pf_count:
	.quad 0
pf_last:			/* window page mapped last */
	.quad 0
