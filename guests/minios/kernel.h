/* minios's kernel-side declarations, shared by kernel.c and mm.c. */
#ifndef GUESTS_MINIOS_KERNEL_H
#define GUESTS_MINIOS_KERNEL_H

#include <stdint.h>

#include "minios/minios.h"

/* The frame every kernel entry builds (entry.S), lowest address first. */
struct frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;	/* as the CPU pushes them */
};
_Static_assert(sizeof(struct frame) == FRAME_SIZE, "entry.S pushes 22 words");

#define PAGE_SIZE	4096UL
#define PTE_PWT		0x008
#define PTE_PCD		0x010
#define PTE_ADDR	0x000ffffffffff000UL

/* Physical frames handed out for process page tables and pages: past the
 * image and the BIOS area, inside the kernel's identity map. */
#define POOL_BASE	0x00200000UL
#define POOL_END	0x00800000UL

#define LAPIC_BASE	0xfee00000UL

/* entry.S */
extern char kstack_top[], dfstack_top[];
extern struct frame top_frame;	/* the top of the kernel stack */
extern const uint64_t exception_stubs[32];
void load_segments(void);
void syscall_entry(void);
void enter_frame(struct frame *f) __attribute__((noreturn));
void trap(struct frame *f);		/* the C side: every entry but SYSCALL */
int syscall_trap(struct frame *f);	/* 0: back with SYSRETQ */

/* cpu.c: GDT, TSS, IDT (the exception gates), SYSCALL MSRs. */
extern const char *const exception_names[32];
void cpu_setup(void);
void idt_set(unsigned int vector, uint64_t target, unsigned int dpl);
void kernel_fault(const struct frame *f) __attribute__((noreturn));

/* mm.c */
void mm_init(void);
uint64_t frame_alloc(void);		/* zeroed; 0 when none is left */
uint64_t frames_used(void);
uint64_t space_create(void);		/* a new PML4, kernel half in place */
int space_map(uint64_t pml4, uint64_t va, uint64_t pa, uint64_t flags);
int space_is_mapped(uint64_t pml4, uint64_t va);
void copy_page(uint64_t dst_pa, const void *src);

#endif
