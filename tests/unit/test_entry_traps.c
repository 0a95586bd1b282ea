/* Kernel-entry traps (hwvmm/entry_traps.c) and the read-only page walk
 * they use (core/pagewalk.c), on guest memory built by hand: which entry
 * points are found, that the trap byte goes exactly there, and that the
 * guest's bytes come back. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "core/pagewalk.h"
#include "core/vm.h"
#include "hwvmm/entry_traps.h"

#define PML4 0x1000
#define PDPT 0x2000
#define PD   0x3000
#define PT   0x4000
#define IDT  0x8000
#define GDT  0x9000
#define KTEXT 0x200000          /* physical page of the kernel's text */
#define KLIN  0xffff800000000000ull /* ... mapped there by 4-level paging */

struct fx {
	struct vm vm;
};

static int setup(void **state)
{
	struct fx *f = test_calloc(1, sizeof(*f));
	struct vm_config cfg = { .ram_size = 8 << 20, .serial_out_fd = -1, .serial_in_fd = -1 };
	if (vm_init(&f->vm, &cfg))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	vm_destroy(&f->vm);
	test_free(f);
	return 0;
}

static void put64(struct vm *vm, uint64_t gpa, uint64_t v)
{
	assert_int_equal(gmem_load(&vm->mem, gpa, &v, 8), 0);
}

static uint8_t byte_at(struct vm *vm, uint64_t gpa)
{
	return *(uint8_t *)gmem_ptr(&vm->mem, gpa, 1);
}

/* Long mode: KLIN.. maps KTEXT.. through a 4 KiB page table, and the
 * first 2 MiB are identity-mapped with a 2 MiB page. */
static void long_mode(struct vm *vm, struct vcpu_state *s)
{
	unsigned i4 = (KLIN >> 39) & 511;
	put64(vm, PML4 + 0 * 8, PDPT | 3);
	put64(vm, PML4 + i4 * 8, PDPT | 3);
	put64(vm, PDPT, PD | 3);
	put64(vm, PD, 0x83);               /* 2 MiB page at 0 */
	put64(vm, PD + 8, PT | 3);         /* 2..4 MiB: a page table */
	put64(vm, PT, KTEXT | 3);          /* PT[0]: KLIN+2 MiB.. -> KTEXT */
	vcpu_state_reset(s);
	s->cr0 = CR0_PE | CR0_PG | CR0_ET;
	s->cr4 = CR4_PAE;
	s->efer = EFER_LME | EFER_LMA | EFER_SCE;
	s->cr3 = PML4;
	s->idtr.base = IDT;
	s->idtr.limit = 256 * 16 - 1;
	s->seg[SEG_CS].l = 1;
	s->seg[SEG_CS].dpl = 3;
	s->seg[SEG_CS].selector = 0x2b;
}

static void gate64(struct vm *vm, unsigned v, uint64_t target, bool present)
{
	uint64_t lo = (target & 0xffff) | 0x08ull << 16 | (uint64_t)(present ? 0x8e : 0x0e) << 40 |
	              (target >> 16 & 0xffff) << 48;
	put64(vm, IDT + v * 16, lo);
	put64(vm, IDT + v * 16 + 8, target >> 32);
}

static void test_pagewalk_modes(void **state)
{
	struct fx *f = *state;
	struct vcpu_state s;
	uint64_t gpa;

	long_mode(&f->vm, &s);
	assert_int_equal(guest_lin_to_phys(&f->vm.mem, &s, 0x12345, &gpa), 0);
	assert_int_equal(gpa, 0x12345);            /* through the 2 MiB page */
	assert_int_equal(guest_lin_to_phys(&f->vm.mem, &s, KLIN + 0x200123, &gpa), 0);
	assert_int_equal(gpa, KTEXT + 0x123);      /* through the page table */
	assert_int_equal(guest_lin_to_phys(&f->vm.mem, &s, KLIN + 0x201000, &gpa), -EFAULT);
	assert_int_equal(guest_lin_to_phys(&f->vm.mem, &s, 0x40000000, &gpa), -EFAULT);

	/* 32-bit paging with a 4 MiB PSE page and a 4 KiB one. */
	memset(&s, 0, sizeof(s));
	s.cr0 = CR0_PE | CR0_PG;
	s.cr4 = CR4_PSE;
	s.cr3 = PD;
	put64(&f->vm, PD, 0x83);                   /* 0..4 MiB -> 0 */
	put64(&f->vm, PD + 4 * 2, PT | 3);         /* 8 MiB.. -> page table (low dword) */
	assert_int_equal(guest_lin_to_phys(&f->vm.mem, &s, 0x3ff001, &gpa), 0);
	assert_int_equal(gpa, 0x3ff001);
	put64(&f->vm, PT, KTEXT | 3);
	assert_int_equal(guest_lin_to_phys(&f->vm.mem, &s, 0x800010, &gpa), 0);
	assert_int_equal(gpa, KTEXT + 0x10);

	/* Paging off: linear is physical. */
	s.cr0 = CR0_PE;
	assert_int_equal(guest_lin_to_phys(&f->vm.mem, &s, 0xabcdef, &gpa), 0);
	assert_int_equal(gpa, 0xabcdef);
}

static void test_arm_finds_gates_and_syscall(void **state)
{
	struct fx *f = *state;
	struct vm *vm = &f->vm;
	struct vcpu_state s;
	struct entry_traps t;

	long_mode(vm, &s);
	uint8_t text[0x100];
	for (unsigned i = 0; i < sizeof(text); i++)
		text[i] = (uint8_t)(0x90 + (i & 7));
	assert_int_equal(gmem_load(&vm->mem, KTEXT, text, sizeof(text)), 0);
	gate64(vm, 0, KLIN + 0x200000, true);      /* #DE */
	gate64(vm, 14, KLIN + 0x200010, true);     /* #PF */
	gate64(vm, 32, KLIN + 0x200010, true);     /* shares #PF's handler */
	gate64(vm, 33, KLIN + 0x200020, false);    /* not present */
	gate64(vm, 34, KLIN + 0x300000, true);     /* unmapped */
	s.msr.lstar = KLIN + 0x200040;
	s.msr.cstar = KLIN + 0x200050;

	assert_int_equal(entry_traps_arm(&t, vm, &s), 4);
	assert_true(t.armed);
	assert_int_equal(byte_at(vm, KTEXT + 0x00), ENTRY_TRAP_BYTE);
	assert_int_equal(byte_at(vm, KTEXT + 0x10), ENTRY_TRAP_BYTE);
	assert_int_equal(byte_at(vm, KTEXT + 0x20), text[0x20]);   /* not present: untouched */
	assert_int_equal(byte_at(vm, KTEXT + 0x40), ENTRY_TRAP_BYTE);
	assert_int_equal(byte_at(vm, KTEXT + 0x50), ENTRY_TRAP_BYTE);
	assert_int_equal(byte_at(vm, KTEXT + 0x01), text[0x01]);   /* one byte only */

	const struct entry_site *e = entry_traps_find(&t, KLIN + 0x200010);
	assert_non_null(e);
	assert_int_equal(e->vector, 14);
	uint64_t num;
	assert_int_equal(entry_event(e, &s, &num), RUN_EV_EXCEPTION);
	assert_int_equal(num, 14);
	s.gpr[RAX] = 60;
	assert_int_equal(entry_event(entry_traps_find(&t, KLIN + 0x200040), &s, &num), RUN_EV_SYSCALL);
	assert_int_equal(num, 60);
	assert_null(entry_traps_find(&t, KLIN + 0x200011));

	/* The guest's bytes come back; one it overwrote itself meanwhile stays. */
	*(uint8_t *)gmem_ptr(&vm->mem, KTEXT + 0x40, 1) = 0xcc;
	entry_traps_disarm(&t, vm);
	assert_false(t.armed);
	assert_memory_equal(gmem_ptr(&vm->mem, KTEXT, 0x40), text, 0x40);
	assert_int_equal(byte_at(vm, KTEXT + 0x40), 0xcc);
	assert_int_equal(byte_at(vm, KTEXT + 0x50), text[0x50]);
	assert_null(entry_traps_find(&t, KLIN + 0x200010));
}

/* The set follows the guest: a new IDT base, a new LSTAR. */
static void test_arm_follows_idtr_and_msrs(void **state)
{
	struct fx *f = *state;
	struct vm *vm = &f->vm;
	struct vcpu_state s;
	struct entry_traps t;

	long_mode(vm, &s);
	gate64(vm, 3, 0x100, true);
	assert_int_equal(entry_traps_arm(&t, vm, &s), 1);
	entry_traps_disarm(&t, vm);

	s.idtr.base = IDT + 0x1000;
	put64(vm, IDT + 0x1000 + 5 * 16, (0x300 & 0xffff) | 0x08ull << 16 | 0xeeull << 40);
	put64(vm, IDT + 0x1000 + 5 * 16 + 8, 0);
	s.msr.lstar = 0x400;
	assert_int_equal(entry_traps_arm(&t, vm, &s), 2);
	assert_non_null(entry_traps_find(&t, 0x300));
	assert_non_null(entry_traps_find(&t, 0x400));
	assert_null(entry_traps_find(&t, 0x100));
	entry_traps_disarm(&t, vm);

	/* An IDT limit that covers only vectors 0-4 hides vector 5. */
	s.idtr.limit = 5 * 16 - 1;
	s.msr.lstar = 0;
	s.efer &= ~EFER_SCE;
	assert_int_equal(entry_traps_arm(&t, vm, &s), 0);
	assert_false(t.armed);
}

/* Legacy protected mode: a 32-bit interrupt gate's target is its code
 * segment's base plus the offset; a task gate's is the new task's CS:EIP
 * from its TSS; SYSENTER_EIP counts when SYSENTER_CS is set. */
static void test_arm_legacy_gates(void **state)
{
	struct fx *f = *state;
	struct vm *vm = &f->vm;
	struct vcpu_state s;
	struct entry_traps t;

	memset(&s, 0, sizeof(s));
	s.cr0 = CR0_PE;
	s.gdtr.base = GDT;
	s.gdtr.limit = 0x1f;
	s.idtr.base = IDT;
	s.idtr.limit = 8 * 8 - 1;
	s.ldtr.unusable = 1;
	/* GDT[1]: code, base 0x10000. */
	put64(vm, GDT + 8, 0x00cf9a010000ffffull);
	/* IDT[6]: 32-bit interrupt gate, selector 8, offset 0x234. */
	put64(vm, IDT + 6 * 8, 0x234 | 0x08ull << 16 | 0x8eull << 40);
	/* IDT[7]: task gate to GDT[3], a 32-bit TSS at 0x7000 whose task
	 * starts at 8:0x345. */
	put64(vm, IDT + 7 * 8, 0x18ull << 16 | 0x85ull << 40);
	put64(vm, GDT + 0x18, 0x67 | 0x7000ull << 16 | 0x89ull << 40);
	uint32_t eip = 0x345;
	uint16_t cs = 8;
	assert_int_equal(gmem_load(&vm->mem, 0x7020, &eip, 4), 0);
	assert_int_equal(gmem_load(&vm->mem, 0x704c, &cs, 2), 0);
	s.msr.sysenter_cs = 8;
	s.msr.sysenter_eip = 0x5000;
	assert_int_equal(entry_traps_arm(&t, vm, &s), 3);
	assert_non_null(entry_traps_find(&t, 0x10345));
	assert_int_equal(byte_at(vm, 0x10345), ENTRY_TRAP_BYTE);
	assert_non_null(entry_traps_find(&t, 0x10234));
	assert_int_equal(byte_at(vm, 0x10234), ENTRY_TRAP_BYTE);
	assert_non_null(entry_traps_find(&t, 0x5000));
	entry_traps_disarm(&t, vm);
	assert_int_equal(byte_at(vm, 0x10234), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pagewalk_modes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_arm_finds_gates_and_syscall, setup, teardown),
		cmocka_unit_test_setup_teardown(test_arm_follows_idtr_and_msrs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_arm_legacy_gates, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
