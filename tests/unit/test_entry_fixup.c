/* The host fix-ups of kernel entries (hwvmm/entry_fixup.c), without KVM:
 * frames as a PVM host leaves them on the kernel stack, built by hand in
 * guest memory, and the CPL-3 state each must give back. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/vm.h"
#include "hwvmm/entry_fixup.h"

#define PML4  0x1000
#define PDPT  0x2000
#define PD    0x3000
#define UCODE 0x5000            /* the user's instruction */
#define KSTK  0x8000            /* top of the kernel stack */
#define LSTAR 0x9000            /* the SYSCALL target */
#define UCS   0x2b
#define USS   0x23

struct fx {
	struct vm vm;
	struct vcpu_state user, k, out;
	struct entry_site site;
	struct entry_fixups pvm;
	enum run_event ev;
	uint64_t num;
};

static void put(struct vm *vm, uint64_t gpa, const void *p, unsigned n)
{
	assert_int_equal(gmem_load(&vm->mem, gpa, p, n), 0);
}

static void put64(struct vm *vm, uint64_t gpa, uint64_t v)
{
	put(vm, gpa, &v, 8);
}

/* A 64-bit CPL-3 state over identity-mapped 2 MiB pages, and the state
 * at the handler's first instruction with the frame (5 or 6 quadwords)
 * on the kernel stack. */
static void user_state(struct vcpu_state *s)
{
	vcpu_state_reset(s);
	s->cr0 = CR0_PE | CR0_PG | CR0_ET;
	s->cr4 = CR4_PAE;
	s->efer = EFER_LME | EFER_LMA | EFER_SCE;
	s->cr3 = PML4;
	s->seg[SEG_CS].selector = UCS;
	s->seg[SEG_CS].dpl = 3;
	s->seg[SEG_CS].l = 1;
	s->seg[SEG_SS].selector = USS;
	s->seg[SEG_SS].dpl = 3;
	s->rflags = RFLAGS_FIXED | RFLAGS_IF | (3ull << 12);
	s->cr2 = 0xdead000;
	s->msr.lstar = LSTAR;
	s->gpr[RAX] = 39;
}

static void frame(struct fx *f, bool errcode, uint64_t rip, uint64_t cs, uint64_t rflags)
{
	uint64_t q[6], *p = q;
	if (errcode)
		*p++ = 0;
	*p++ = rip;
	*p++ = cs;
	*p++ = rflags;
	*p++ = 0x7ffff000;       /* user RSP */
	*p++ = USS;
	unsigned n = (unsigned)(p - q) * 8;
	put(&f->vm, KSTK - n, q, n);
	f->k = f->user;
	f->k.seg[SEG_CS].selector = 0x08;
	f->k.seg[SEG_CS].dpl = 0;
	f->k.seg[SEG_SS].selector = 0;
	f->k.seg[SEG_SS].dpl = 0;
	f->k.gpr[RSP] = KSTK - n;
	f->k.rflags = RFLAGS_FIXED;
	f->k.rip = 0x4000;
}

static void insn(struct fx *f, uint64_t at, uint8_t b0, uint8_t b1)
{
	uint8_t b[2] = { b0, b1 };
	put(&f->vm, at, b, 2);
}

static int setup(void **state)
{
	struct fx *f = test_calloc(1, sizeof(*f));
	struct vm_config cfg = { .ram_size = 4 << 20, .serial_out_fd = -1, .serial_in_fd = -1 };
	if (vm_init(&f->vm, &cfg))
		return -1;
	put64(&f->vm, PML4, PDPT | 7);
	put64(&f->vm, PDPT, PD | 7);
	put64(&f->vm, PD, 0x87);
	user_state(&f->user);
	f->site = (struct entry_site){ .kind = ENTRY_GATE, .vector = 6, .via = ENTRY_VIA_UD };
	f->pvm = (struct entry_fixups){ .int_n = true, .syscall = true, .sysenter = true };
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

static bool fix(struct fx *f)
{
	return entry_fixup(&f->vm.mem, &f->pvm, &f->site, &f->k, &f->user, &f->out, &f->ev,
	                   &f->num);
}

/* INT 0x80 that arrived as #UD: back on the CD 80 at CPL 3, as a system call. */
static void test_int80_as_ud(void **state)
{
	struct fx *f = *state;
	insn(f, UCODE, 0xcd, 0x80);
	frame(f, false, UCODE, UCS, RFLAGS_FIXED | RFLAGS_IF | RFLAGS_CF);
	assert_true(fix(f));
	assert_int_equal(f->out.rip, UCODE);
	assert_int_equal(f->out.seg[SEG_CS].selector, UCS);
	assert_int_equal(vcpu_cpl(&f->out), 3);
	assert_int_equal(f->out.seg[SEG_SS].selector, USS);
	assert_int_equal(f->out.gpr[RSP], 0x7ffff000);
	assert_int_equal(f->out.rflags, RFLAGS_FIXED | RFLAGS_IF | RFLAGS_CF);
	assert_int_equal(f->ev, RUN_EV_SYSCALL);
	assert_int_equal(f->num, 39);
	/* Nothing else of the state moved. */
	assert_int_equal(f->out.cr2, f->user.cr2);
	assert_memory_equal(f->out.gpr + RAX, f->k.gpr + RAX, sizeof(uint64_t) * 4);
}

/* INT n other than 0x80 is an interrupt event with its vector. */
static void test_int_n_vector(void **state)
{
	struct fx *f = *state;
	insn(f, UCODE, 0xcd, 0x41);
	frame(f, false, UCODE, UCS, RFLAGS_FIXED);
	assert_true(fix(f));
	assert_int_equal(f->ev, RUN_EV_INTERRUPT);
	assert_int_equal(f->num, 0x41);
	/* As the native hand-off names an entry through a gate below 32. */
	insn(f, UCODE, 0xcd, 0x0e);
	assert_true(fix(f));
	assert_int_equal(f->ev, RUN_EV_EXCEPTION);
	assert_int_equal(f->num, 0x0e);
}

/* Genuine #UDs stay: UD2, INT3/INT 4 (delivered natively), and every
 * #UD on a host that delivers INT n. */
static void test_genuine_ud(void **state)
{
	struct fx *f = *state;
	insn(f, UCODE, 0x0f, 0x0b);
	frame(f, false, UCODE, UCS, RFLAGS_FIXED);
	assert_false(fix(f));
	insn(f, UCODE, 0xcd, 0x03);
	assert_false(fix(f));
	insn(f, UCODE, 0xcd, 0x04);
	assert_false(fix(f));
	insn(f, UCODE, 0xcd, 0x80);
	f->pvm.int_n = false;
	assert_false(fix(f));
}

/* A frame from CPL 0, or with selectors other than the stretch's, is not
 * the user's. */
static void test_frame_must_be_users(void **state)
{
	struct fx *f = *state;
	insn(f, UCODE, 0xcd, 0x80);
	frame(f, false, UCODE, 0x08, RFLAGS_FIXED);
	assert_false(fix(f));
	frame(f, false, UCODE, 0x33, RFLAGS_FIXED);
	assert_false(fix(f));
	/* A site that no #UD, #GP or #PF gate leads to. */
	frame(f, false, UCODE, UCS, RFLAGS_FIXED);
	f->site.via = 0;
	assert_false(fix(f));
}

static void test_sysenter_as_ud(void **state)
{
	struct fx *f = *state;
	insn(f, UCODE, 0x0f, 0x34);
	frame(f, false, UCODE, UCS, RFLAGS_FIXED);
	assert_true(fix(f));
	assert_int_equal(f->out.rip, UCODE);
	assert_int_equal(f->ev, RUN_EV_SYSCALL);
	f->pvm.sysenter = false;
	assert_false(fix(f));
}

/* SYSCALL ran LSTAR at CPL 3, whose trap byte faulted: #GP(0) with the
 * frame at LSTAR, RCX and R11 as SYSCALL set them. Back on the 0F 05. */
static void test_syscall_as_gp(void **state)
{
	struct fx *f = *state;
	insn(f, UCODE, 0x0f, 0x05);
	f->site = (struct entry_site){ .kind = ENTRY_GATE, .vector = 13, .via = ENTRY_VIA_GP };
	frame(f, true, LSTAR, UCS, RFLAGS_FIXED);
	f->k.gpr[RCX] = UCODE + 2;
	f->k.gpr[R11] = RFLAGS_FIXED | RFLAGS_IF | RFLAGS_ZF | (3ull << 12);
	assert_true(fix(f));
	assert_int_equal(f->out.rip, UCODE);
	assert_int_equal(f->out.rflags, f->k.gpr[R11]);
	assert_int_equal(f->out.gpr[RSP], 0x7ffff000);
	assert_int_equal(vcpu_cpl(&f->out), 3);
	assert_int_equal(f->ev, RUN_EV_SYSCALL);
	assert_int_equal(f->num, 39);

	/* Not at LSTAR, or RCX not after a SYSCALL: a genuine fault. */
	frame(f, true, LSTAR + 1, UCS, RFLAGS_FIXED);
	f->k.gpr[RCX] = UCODE + 2;
	assert_false(fix(f));
	frame(f, true, LSTAR, UCS, RFLAGS_FIXED);
	f->k.gpr[RCX] = UCODE + 3;
	assert_false(fix(f));
	f->k.gpr[RCX] = UCODE + 2;
	f->pvm.syscall = false;
	assert_false(fix(f));

	/* A host that loaded STAR's selectors at CPL 3 on the way: the user's
	 * own segments come back all the same. */
	f->pvm.syscall = true;
	frame(f, true, LSTAR, 0x33, RFLAGS_FIXED);
	f->k.gpr[RCX] = UCODE + 2;
	assert_true(fix(f));
	assert_int_equal(f->out.seg[SEG_CS].selector, UCS);
	/* ... but a frame from CPL 0 is never the user's. */
	frame(f, true, LSTAR, 0x08, RFLAGS_FIXED);
	f->k.gpr[RCX] = UCODE + 2;
	assert_false(fix(f));
}

/* With the LSTAR page supervisor-only it is a #PF: CR2 = LSTAR is undone. */
static void test_syscall_as_pf_restores_cr2(void **state)
{
	struct fx *f = *state;
	insn(f, UCODE, 0x0f, 0x05);
	f->site = (struct entry_site){ .kind = ENTRY_GATE, .vector = 14, .via = ENTRY_VIA_PF };
	frame(f, true, LSTAR, UCS, RFLAGS_FIXED);
	f->k.gpr[RCX] = UCODE + 2;
	f->k.gpr[R11] = RFLAGS_FIXED;
	f->k.cr2 = LSTAR;
	assert_true(fix(f));
	assert_int_equal(f->out.cr2, 0xdead000);
}

/* A host that loses IOPL: the user state's IOPL goes back in. */
static void test_iopl_put_back(void **state)
{
	struct fx *f = *state;
	insn(f, UCODE, 0xcd, 0x80);
	frame(f, false, UCODE, UCS, RFLAGS_FIXED | RFLAGS_IF);
	f->pvm.iopl = true;
	assert_true(fix(f));
	assert_int_equal(f->out.rflags, RFLAGS_FIXED | RFLAGS_IF | (3ull << 12));
	f->pvm.iopl = false;
	assert_true(fix(f));
	assert_int_equal(f->out.rflags, RFLAGS_FIXED | RFLAGS_IF);
	assert_int_equal(entry_fix_iopl(&f->pvm, RFLAGS_FIXED, 3ull << 12), RFLAGS_FIXED);
}

/* Outside long mode nothing is fixed (the host runs no legacy CPL 3 natively). */
static void test_legacy_mode_untouched(void **state)
{
	struct fx *f = *state;
	insn(f, UCODE, 0xcd, 0x80);
	frame(f, false, UCODE, UCS, RFLAGS_FIXED);
	f->k.efer = 0;
	assert_false(fix(f));
}

int main(void)
{
#define T(t) cmocka_unit_test_setup_teardown(t, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_int80_as_ud), T(test_int_n_vector), T(test_genuine_ud),
		T(test_frame_must_be_users), T(test_sysenter_as_ud), T(test_syscall_as_gp),
		T(test_syscall_as_pf_restores_cr2), T(test_iopl_put_back),
		T(test_legacy_mode_untouched),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
