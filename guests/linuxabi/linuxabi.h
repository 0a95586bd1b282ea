/* linuxabi's kernel: what kernel.c, mm.c, exec.c and syscall.c share.
 * The entry code is minios's (minios/entry.S): the same GDT layout, the
 * same frame for every entry from ring 3, trap() and syscall_trap(). */
#ifndef GUESTS_LINUXABI_LINUXABI_H
#define GUESTS_LINUXABI_LINUXABI_H

#include <stdint.h>

#include "minios/kernel.h"

/* The user half of the one address space: [4 MiB, 1 GiB), the rest of
 * the first gigabyte after the kernel's identity-mapped 4 MiB. A static
 * non-PIE program is linked at 4 MiB; its break follows it, anonymous
 * mappings go from MMAP_BASE up, the stack grows down from
 * STACK_TOP within STACK_MAX. */
#define USER_LOW	0x00400000UL
#define USER_HIGH	0x40000000UL
#define MMAP_BASE	0x10000000UL
#define STACK_TOP	0x3fff0000UL
#define STACK_MAX	0x00800000UL

#define PAGE_MASK	(PAGE_SIZE - 1)
#define PAGE_DOWN(a)	((a) & ~PAGE_MASK)
#define PAGE_UP(a)	(((a) + PAGE_MASK) & ~PAGE_MASK)

#include <linux/mman.h>	/* Linux's PROT_* bits, kept per region */

/* mm.c: user memory in regions of the user half, each page mapped on
 * first touch (a fault from ring 3, or the kernel reaching in). */
void umm_init(uint64_t ram_top);
int region_add(uint64_t start, uint64_t end, unsigned int prot);
int region_remove(uint64_t start, uint64_t end);
int region_protect(uint64_t start, uint64_t end, unsigned int prot);
int region_prot(uint64_t va);	/* -1 outside every region */
int user_fault(uint64_t addr, int write);	/* 0: page mapped */
int user_access(uint64_t addr, uint64_t len, int write);	/* 0: usable */

/* exec.c: the embedded program's image in the user half and the initial
 * stack the x86-64 Linux ABI describes; the frame to enter it with. */
void exec_program(struct frame *f);
extern uint64_t user_brk_start;

/* syscall.c */
void linux_syscall(struct frame *f);
uint64_t syscall_count(void);

/* kernel.c */
void user_exit(uint64_t status, const char *why) __attribute__((noreturn));

#endif
