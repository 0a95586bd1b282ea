/* Conversion between the canonical vCPU state and KVM's structures: round
 * trips must be the identity, and each field must land where KVM reads
 * it. Runs without /dev/kvm. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/vm.h"
#include "hwvmm/hw_engine.h"
#include "hwvmm/kvm_convert.h"

/* Every KVM structure the engine moves, as one bundle. */
struct kvm_bundle {
	struct kvm_sync_regs sync;
	struct kvm_msr_block msrs;
	struct kvm_fpu fpu;
	struct kvm_debugregs dregs;
	struct kvm_xcrs xcrs;
	uint32_t mp_state;
};

static void to_kvm(const struct vcpu_state *s, bool payload, struct kvm_bundle *k)
{
	struct kvm_conv_caps caps = { .exception_payload = payload };
	kvm_sync_regs_from_state(s, &caps, &k->sync);
	kvm_msrs_from_state(s, &k->msrs);
	kvm_fpu_from_state(s, &k->fpu);
	kvm_debugregs_from_state(s, &k->dregs);
	kvm_xcrs_from_state(s, &k->xcrs);
	k->mp_state = kvm_mp_state_from_state(s);
}

/* Back into a state whose every field starts as garbage, except the ones
 * KVM does not carry (taken from keep), so that a field the conversion
 * forgot shows up in the diff. */
static void from_kvm(const struct kvm_bundle *k, const struct vcpu_state *keep,
                     struct vcpu_state *out)
{
	memset(out, 0x5a, sizeof(*out));
	out->fx.mxcsr_mask = keep->fx.mxcsr_mask;
	/* The PDPTE registers move by KVM_GET/SET_SREGS2 (hwvmm/kvm_state.c). */
	memcpy(out->pdpte, keep->pdpte, sizeof(out->pdpte));
	kvm_sync_regs_to_state(&k->sync, out);
	assert_int_equal(kvm_msrs_to_state(k->msrs.entry, k->msrs.hdr.nmsrs, out), 0);
	kvm_fpu_to_state(&k->fpu, out);
	kvm_debugregs_to_state(&k->dregs, out);
	assert_int_equal(kvm_xcrs_to_state(&k->xcrs, out), 0);
	kvm_mp_state_to_state(k->mp_state, out);
}

static void assert_round_trip(const struct vcpu_state *in)
{
	struct kvm_bundle k;
	struct vcpu_state out;

	to_kvm(in, true, &k);
	from_kvm(&k, in, &out);
	assert_int_equal(vcpu_state_diff(in, &out, stderr), 0);
}

static void fill_fx(struct vcpu_state *s)
{
	for (int i = 0; i < 8; i++)
		for (int b = 0; b < 10; b++)
			s->fx.st[i][b] = (uint8_t)(0x10 * i + b + 1);
	for (int i = 0; i < 16; i++)
		for (int b = 0; b < 16; b++)
			s->fx.xmm[i][b] = (uint8_t)(0xa0 + i * 3 + b);
	s->fx.fcw = 0x27f;
	s->fx.fsw = 0x3800;
	s->fx.ftw = 0x81;
	s->fx.fop = 0x5d9;
	s->fx.fip = 0x401234;
	s->fx.fdp = 0x7ffe0010;
	s->fx.mxcsr = 0x1fa0;
}

static void set_seg(struct seg_cache *c, uint16_t sel, uint64_t base, uint32_t limit,
                    uint8_t type, uint8_t dpl, uint8_t l, uint8_t db)
{
	*c = (struct seg_cache){
		.selector = sel, .base = base, .limit = limit, .type = type, .s = 1,
		.dpl = dpl, .present = 1, .l = l, .db = db, .g = limit > 0xfffff,
	};
}

static void flat32_state(struct vcpu_state *s)
{
	vcpu_state_set_flat32(s, 0x100000);
	s->gdtr = (struct dtable){ .base = 0x9000, .limit = 0x27 };
	s->idtr = (struct dtable){ .base = 0xa000, .limit = 0x7ff };
	s->tr = (struct seg_cache){ .selector = 0x20, .base = 0xb000, .limit = 0x67,
	                            .type = 0xb, .present = 1 };
	s->ldtr = (struct seg_cache){ .unusable = 1 };
	for (int i = 0; i < NR_GPRS; i++)
		s->gpr[i] = 0x1000 + (uint64_t)i;
	s->rflags = RFLAGS_FIXED | RFLAGS_ZF | RFLAGS_IF;
}

/* A 64-bit kernel-ish state with everything nonzero that can be. */
static void long64_state(struct vcpu_state *s)
{
	vcpu_state_reset(s);
	for (int i = 0; i < NR_GPRS; i++)
		s->gpr[i] = 0xffff800000000000ull | ((uint64_t)i << 32) | (0x1111u * (unsigned)i);
	s->rip = 0xffffffff81000123ull;
	s->rflags = RFLAGS_FIXED | RFLAGS_IF | RFLAGS_CF | RFLAGS_AC;
	set_seg(&s->seg[SEG_CS], 0x10, 0, 0xffffffff, 0xb, 0, 1, 0);
	set_seg(&s->seg[SEG_DS], 0x18, 0, 0xffffffff, 0x3, 0, 0, 1);
	set_seg(&s->seg[SEG_ES], 0x18, 0, 0xffffffff, 0x3, 0, 0, 1);
	set_seg(&s->seg[SEG_FS], 0, 0x7f0012345000ull, 0xffff, 0x3, 0, 0, 0);
	set_seg(&s->seg[SEG_GS], 0, 0xffff888012340000ull, 0xffff, 0x3, 0, 0, 0);
	s->seg[SEG_GS].avl = 1;
	/* 64-bit kernels run with a null SS. */
	s->seg[SEG_SS] = (struct seg_cache){ .unusable = 1, .dpl = 0, .type = 0x3, .s = 1 };
	s->tr = (struct seg_cache){ .selector = 0x40, .base = 0xfffffe0000003000ull,
	                            .limit = 0x4087, .type = 0xb, .present = 1 };
	s->ldtr = (struct seg_cache){ .unusable = 1 };
	s->gdtr = (struct dtable){ .base = 0xfffffe0000001000ull, .limit = 0x7f };
	s->idtr = (struct dtable){ .base = 0xfffffe0000000000ull, .limit = 0xfff };
	s->cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_AM | CR0_PG;
	s->cr2 = 0x7f0000001008ull;
	s->cr3 = 0x1234000;
	s->cr4 = CR4_PAE | CR4_PGE | CR4_OSFXSR | CR4_OSXMMEXCPT | CR4_OSXSAVE | CR4_FSGSBASE;
	s->cr8 = 0x5;
	s->efer = EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE;
	s->xcr0 = 0x7;
	s->dr[0] = 0x401000;
	s->dr[1] = 0x402000;
	s->dr[2] = 0x403000;
	s->dr[3] = 0x404000;
	s->dr[6] = 0xffff4ff1;
	s->dr[7] = 0x00000403 | (1u << 16);
	s->tsc = 0x123456789abcull;
	s->msr.sysenter_cs = 0x10;
	s->msr.sysenter_esp = 0xfffffe0000004000ull;
	s->msr.sysenter_eip = 0xffffffff81a00000ull;
	s->msr.star = 0x0023001000000000ull;
	s->msr.lstar = 0xffffffff81e00000ull;
	s->msr.cstar = 0xffffffff81e00100ull;
	s->msr.sfmask = 0x47700;
	s->msr.kernel_gs_base = 0x7f0000aa0000ull;
	s->msr.tsc_aux = 3;
	s->msr.apic_base = 0xfee00d00ull;
	fill_fx(s);
}

static void test_reset_round_trip(void **state)
{
	(void)state;
	struct vcpu_state s;
	vcpu_state_reset(&s);
	assert_round_trip(&s);
}

static void test_real_mode_round_trip(void **state)
{
	(void)state;
	struct vcpu_state s;
	vcpu_state_set_real_mode(&s, 0x1000, 0x0);
	s.gpr[RSP] = 0xfffe;
	assert_round_trip(&s);
}

static void test_flat32_round_trip(void **state)
{
	(void)state;
	struct vcpu_state s;
	flat32_state(&s);
	assert_round_trip(&s);
}

static void test_long64_round_trip(void **state)
{
	(void)state;
	struct vcpu_state s;
	long64_state(&s);
	assert_round_trip(&s);
}

static void test_events_round_trip(void **state)
{
	(void)state;
	struct vcpu_state s;
	long64_state(&s);

	s.ev.exception.pending = true;
	s.ev.exception.vector = 14;
	s.ev.exception.has_error_code = true;
	s.ev.exception.error_code = 0x6;
	assert_round_trip(&s);

	memset(&s.ev, 0, sizeof(s.ev));
	s.ev.exception.injected = true;
	s.ev.exception.vector = 13;
	s.ev.exception.has_error_code = true;
	s.ev.exception.error_code = 0x10;
	assert_round_trip(&s);

	memset(&s.ev, 0, sizeof(s.ev));
	s.ev.interrupt.injected = true;
	s.ev.interrupt.vector = 0x30;
	assert_round_trip(&s);
	s.ev.interrupt.soft = true;
	s.ev.interrupt.vector = 0x80;
	assert_round_trip(&s);

	memset(&s.ev, 0, sizeof(s.ev));
	s.ev.nmi.masked = true;
	assert_round_trip(&s);
	s.ev.nmi.pending = true;
	assert_round_trip(&s);
	s.ev.nmi.pending = false;
	s.ev.nmi.injected = true;
	assert_round_trip(&s);

	memset(&s.ev, 0, sizeof(s.ev));
	s.ev.shadow = SHADOW_STI;
	assert_round_trip(&s);
	s.ev.shadow = SHADOW_MOVSS;
	assert_round_trip(&s);
	s.ev.shadow = SHADOW_STI | SHADOW_MOVSS;
	assert_round_trip(&s);

	memset(&s.ev, 0, sizeof(s.ev));
	s.ev.halted = true;
	assert_round_trip(&s);
}

/* A forgotten field must show up: the round trip check can fail. */
static void test_round_trip_catches_a_change(void **state)
{
	(void)state;
	struct vcpu_state in, out;
	struct kvm_bundle k;
	long64_state(&in);
	to_kvm(&in, true, &k);
	k.sync.sregs.fs.base ^= 0x1000;
	k.fpu.xmm[7][3] ^= 1;
	from_kvm(&k, &in, &out);
	assert_int_equal(vcpu_state_diff(&in, &out, NULL), 2);
}

static void test_gpr_mapping(void **state)
{
	(void)state;
	struct vcpu_state s;
	struct kvm_regs r;
	flat32_state(&s);
	kvm_regs_from_state(&s, &r);
	assert_int_equal(r.rax, 0x1000);
	assert_int_equal(r.rcx, 0x1001);
	assert_int_equal(r.rdx, 0x1002);
	assert_int_equal(r.rbx, 0x1003);
	assert_int_equal(r.rsp, 0x1004);
	assert_int_equal(r.rbp, 0x1005);
	assert_int_equal(r.rsi, 0x1006);
	assert_int_equal(r.rdi, 0x1007);
	assert_int_equal(r.r8, 0x1008);
	assert_int_equal(r.r15, 0x100f);
	assert_int_equal(r.rip, 0x100000);
	assert_int_equal(r.rflags, RFLAGS_FIXED | RFLAGS_ZF | RFLAGS_IF);
}

static void test_segment_mapping(void **state)
{
	(void)state;
	struct vcpu_state s;
	struct kvm_sregs sr;
	long64_state(&s);
	s.seg[SEG_DS].dpl = 3;
	kvm_sregs_from_state(&s, &sr);

	assert_int_equal(sr.cs.selector, 0x10);
	assert_int_equal(sr.cs.type, 0xb);
	assert_int_equal(sr.cs.present, 1);
	assert_int_equal(sr.cs.s, 1);
	assert_int_equal(sr.cs.l, 1);
	assert_int_equal(sr.cs.db, 0);
	assert_int_equal(sr.cs.g, 1);
	assert_int_equal(sr.cs.dpl, 0);
	assert_int_equal(sr.cs.limit, 0xffffffff);
	assert_int_equal(sr.cs.unusable, 0);
	assert_int_equal(sr.ds.dpl, 3);
	assert_int_equal(sr.ds.db, 1);
	assert_int_equal(sr.fs.base, 0x7f0012345000ull);
	assert_int_equal(sr.gs.base, 0xffff888012340000ull);
	assert_int_equal(sr.gs.avl, 1);
	assert_int_equal(sr.fs.avl, 0);
	assert_int_equal(sr.fs.g, 0);
	assert_int_equal(sr.ss.unusable, 1);
	assert_int_equal(sr.ss.present, 0);
	assert_int_equal(sr.ldt.unusable, 1);
	assert_int_equal(sr.tr.type, 0xb);
	assert_int_equal(sr.tr.s, 0);
	assert_int_equal(sr.tr.base, 0xfffffe0000003000ull);
	assert_int_equal(sr.tr.limit, 0x4087);
	assert_int_equal(sr.gdt.base, 0xfffffe0000001000ull);
	assert_int_equal(sr.gdt.limit, 0x7f);
	assert_int_equal(sr.idt.limit, 0xfff);
}

static void test_control_register_mapping(void **state)
{
	(void)state;
	struct vcpu_state s;
	struct kvm_sregs sr;
	long64_state(&s);
	kvm_sregs_from_state(&s, &sr);
	assert_int_equal(sr.cr0, s.cr0);
	assert_int_equal(sr.cr2, 0x7f0000001008ull);
	assert_int_equal(sr.cr3, 0x1234000);
	assert_int_equal(sr.cr4, s.cr4);
	assert_int_equal(sr.cr8, 5);
	assert_int_equal(sr.efer, EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE);
	assert_int_equal(sr.apic_base, 0xfee00d00ull);
	for (size_t i = 0; i < sizeof(sr.interrupt_bitmap) / sizeof(sr.interrupt_bitmap[0]); i++)
		assert_int_equal(sr.interrupt_bitmap[i], 0);

	/* apic_base read back lands in the MSR the state keeps it in. */
	sr.apic_base = 0xfee00900ull;
	kvm_sregs_to_state(&sr, &s);
	assert_int_equal(s.msr.apic_base, 0xfee00900ull);
}

static void test_real_mode_segments(void **state)
{
	(void)state;
	struct vcpu_state s;
	struct kvm_sregs sr;
	vcpu_state_set_real_mode(&s, 0x1000, 0);
	kvm_sregs_from_state(&s, &sr);
	assert_int_equal(sr.cs.selector, 0x1000);
	assert_int_equal(sr.cs.base, 0x10000);
	assert_int_equal(sr.cs.limit, 0xffff);
	assert_int_equal(sr.cs.type, 0xb);
	assert_int_equal(sr.ss.base, 0x10000);
	assert_int_equal(sr.cr0 & CR0_PE, 0);
}

static void test_event_mapping(void **state)
{
	(void)state;
	struct vcpu_state s;
	struct kvm_vcpu_events e;
	struct kvm_conv_caps payload = { .exception_payload = true };
	struct kvm_conv_caps legacy = { .exception_payload = false };
	vcpu_state_reset(&s);

	/* KVM encodes MOV SS as bit 0 and STI as bit 1, the state the other
	 * way round. */
	s.ev.shadow = SHADOW_STI;
	kvm_events_from_state(&s, &payload, &e);
	assert_int_equal(e.interrupt.shadow, KVM_X86_SHADOW_INT_STI);
	s.ev.shadow = SHADOW_MOVSS;
	kvm_events_from_state(&s, &payload, &e);
	assert_int_equal(e.interrupt.shadow, KVM_X86_SHADOW_INT_MOV_SS);
	assert_true(e.flags & KVM_VCPUEVENT_VALID_SHADOW);
	assert_true(e.flags & KVM_VCPUEVENT_VALID_NMI_PENDING);
	assert_true(e.flags & KVM_VCPUEVENT_VALID_PAYLOAD);
	assert_false(e.flags & KVM_VCPUEVENT_VALID_SMM);
	assert_false(e.flags & KVM_VCPUEVENT_VALID_SIPI_VECTOR);
	assert_int_equal(e.exception_has_payload, 0);

	s.ev.shadow = 0;
	s.ev.exception.pending = true;
	s.ev.exception.vector = 14;
	s.ev.exception.has_error_code = true;
	s.ev.exception.error_code = 0x7;
	kvm_events_from_state(&s, &payload, &e);
	assert_int_equal(e.exception.pending, 1);
	assert_int_equal(e.exception.injected, 0);
	assert_int_equal(e.exception.nr, 14);
	assert_int_equal(e.exception.has_error_code, 1);
	assert_int_equal(e.exception.error_code, 0x7);

	/* Without KVM_CAP_EXCEPTION_PAYLOAD KVM only takes injected ones. */
	kvm_events_from_state(&s, &legacy, &e);
	assert_int_equal(e.exception.pending, 0);
	assert_int_equal(e.exception.injected, 1);
	assert_false(e.flags & KVM_VCPUEVENT_VALID_PAYLOAD);

	memset(&s.ev, 0, sizeof(s.ev));
	s.ev.interrupt.injected = true;
	s.ev.interrupt.soft = true;
	s.ev.interrupt.vector = 0x80;
	s.ev.nmi.masked = true;
	kvm_events_from_state(&s, &payload, &e);
	assert_int_equal(e.interrupt.injected, 1);
	assert_int_equal(e.interrupt.soft, 1);
	assert_int_equal(e.interrupt.nr, 0x80);
	assert_int_equal(e.nmi.masked, 1);
	assert_int_equal(e.nmi.pending, 0);

	/* KVM counts pending NMIs; any count is "pending". */
	e.nmi.pending = 2;
	kvm_events_to_state(&e, &s);
	assert_true(s.ev.nmi.pending);
}

static void test_mp_state_mapping(void **state)
{
	(void)state;
	struct vcpu_state s;
	vcpu_state_reset(&s);
	assert_int_equal(kvm_mp_state_from_state(&s), KVM_MP_STATE_RUNNABLE);
	s.ev.halted = true;
	assert_int_equal(kvm_mp_state_from_state(&s), KVM_MP_STATE_HALTED);
	kvm_mp_state_to_state(KVM_MP_STATE_RUNNABLE, &s);
	assert_false(s.ev.halted);
}

static uint64_t msr_value(const struct kvm_msr_block *m, uint32_t index)
{
	for (unsigned i = 0; i < m->hdr.nmsrs; i++)
		if (m->entry[i].index == index)
			return m->entry[i].data;
	fail_msg("MSR 0x%x missing", index);
	return 0;
}

static void test_msr_mapping(void **state)
{
	(void)state;
	struct vcpu_state s;
	struct kvm_msr_block m;
	long64_state(&s);
	kvm_msrs_from_state(&s, &m);

	assert_int_equal(m.hdr.nmsrs, KVM_NR_MSRS);
	for (unsigned i = 0; i < m.hdr.nmsrs; i++)
		for (unsigned j = i + 1; j < m.hdr.nmsrs; j++)
			assert_int_not_equal(m.entry[i].index, m.entry[j].index);
	assert_int_equal(msr_value(&m, 0x10), 0x123456789abcull);
	assert_int_equal(msr_value(&m, 0x1b), 0xfee00d00ull);
	assert_int_equal(msr_value(&m, 0x174), 0x10);
	assert_int_equal(msr_value(&m, 0x176), 0xffffffff81a00000ull);
	assert_int_equal(msr_value(&m, 0x277), 0x0007040600070406ull);
	assert_int_equal(msr_value(&m, 0xc0000081), 0x0023001000000000ull);
	assert_int_equal(msr_value(&m, 0xc0000082), 0xffffffff81e00000ull);
	assert_int_equal(msr_value(&m, 0xc0000083), 0xffffffff81e00100ull);
	assert_int_equal(msr_value(&m, 0xc0000084), 0x47700);
	assert_int_equal(msr_value(&m, 0xc0000102), 0x7f0000aa0000ull);
	assert_int_equal(msr_value(&m, 0xc0000103), 3);

	/* The machine-check, MTRR and AMD counter MSRs move with the rest,
	 * each run MSR by MSR (they were the interpreter's alone). */
	s.msr.mcg_status = 4;
	s.msr.mtrr_def_type = 0xc06;
	s.msr.mtrr_var[3] = 0xfff0000800ull;
	s.msr.mtrr_fix16k[1] = 0x0505050505050505ull;
	s.msr.mc_bank[4 * VCPU_MCE_BANKS - 1] = 0x77;
	s.msr.amd_perf_ctr[2] = 0x123456789ull;
	kvm_msrs_from_state(&s, &m);
	assert_int_equal(m.hdr.nmsrs, KVM_NR_MSRS);
	assert_int_equal(msr_value(&m, 0x17a), 4);
	assert_int_equal(msr_value(&m, 0x2ff), 0xc06);
	assert_int_equal(msr_value(&m, 0x203), 0xfff0000800ull);
	assert_int_equal(msr_value(&m, 0x259), 0x0505050505050505ull);
	assert_int_equal(msr_value(&m, 0x400 + 4 * VCPU_MCE_BANKS - 1), 0x77);
	assert_int_equal(msr_value(&m, 0xc0010006), 0x123456789ull);
	msr_value(&m, 0x250);
	msr_value(&m, 0x26f);
	msr_value(&m, 0xc0010000);
	struct vcpu_state back = s;
	memset(&back.msr, 0, sizeof(back.msr));
	assert_int_equal(kvm_msrs_to_state(m.entry, m.hdr.nmsrs, &back), 0);
	assert_memory_equal(&back.msr, &s.msr, sizeof(s.msr));
	assert_string_equal(kvm_msr_name(0x405), "mc_bank");
	assert_null(kvm_msr_name(0x400 + 4 * VCPU_MCE_BANKS));

	assert_string_equal(kvm_msr_name(0xc0000082), "lstar");
	assert_string_equal(kvm_msr_name(0x10), "tsc");
	assert_null(kvm_msr_name(0xc0000100)); /* FS base lives in the segment */

	struct kvm_msr_entry bad = { .index = 0xc0000100, .data = 1 };
	assert_int_equal(kvm_msrs_to_state(&bad, 1, &s), -ENOENT);

	kvm_msrs_indices(&m);
	assert_int_equal(m.hdr.nmsrs, KVM_NR_MSRS);
	assert_int_equal(msr_value(&m, 0xc0000082), 0);
}

static void test_fpu_debug_xcr_mapping(void **state)
{
	(void)state;
	struct vcpu_state s;
	struct kvm_fpu f;
	struct kvm_debugregs d;
	struct kvm_xcrs x;
	long64_state(&s);

	kvm_fpu_from_state(&s, &f);
	assert_int_equal(f.fcw, 0x27f);
	assert_int_equal(f.fsw, 0x3800);
	assert_int_equal(f.ftwx, 0x81);
	assert_int_equal(f.last_opcode, 0x5d9);
	assert_int_equal(f.last_ip, 0x401234);
	assert_int_equal(f.last_dp, 0x7ffe0010);
	assert_int_equal(f.mxcsr, 0x1fa0);
	assert_memory_equal(f.fpr[3], s.fx.st[3], 10);
	assert_memory_equal(f.xmm[15], s.fx.xmm[15], 16);
	/* KVM does not carry mxcsr_mask: reading back keeps the state's. */
	s.fx.mxcsr_mask = 0xffbf;
	kvm_fpu_to_state(&f, &s);
	assert_int_equal(s.fx.mxcsr_mask, 0xffbf);

	/* The XSAVE form: FXSAVE layout, header marking x87 and SSE live. */
	struct kvm_xsave *x2 = calloc(1, sizeof(*x2));
	struct vcpu_state back = s;
	uint64_t xstate_bv;
	assert_non_null(x2);
	kvm_xsave_from_state(&s, x2);
	memcpy(&xstate_bv, (uint8_t *)x2->region + KVM_XSAVE_HDR_OFFSET, sizeof(xstate_bv));
	assert_int_equal(xstate_bv, KVM_XSTATE_FP_SSE);
	uint16_t fcw;
	memcpy(&fcw, x2->region, sizeof(fcw));                        /* FCW at byte 0 */
	assert_int_equal(fcw, 0x27f);
	assert_int_equal(x2->region[6], 0x1fa0);                      /* MXCSR at byte 24 */
	assert_memory_equal((uint8_t *)x2->region + 160 + 15 * 16, s.fx.xmm[15], 16);
	memset(&back.fx, 0, sizeof(back.fx));
	back.fx.mxcsr_mask = s.fx.mxcsr_mask;
	kvm_xsave_to_state(x2, &back);
	assert_int_equal(vcpu_state_diff(&s, &back, stderr), 0);
	free(x2);

	kvm_debugregs_from_state(&s, &d);
	assert_int_equal(d.db[0], 0x401000);
	assert_int_equal(d.db[3], 0x404000);
	assert_int_equal(d.dr6, 0xffff4ff1);
	assert_int_equal(d.dr7, 0x00000403 | (1u << 16));
	assert_int_equal(d.flags, 0);

	kvm_xcrs_from_state(&s, &x);
	assert_int_equal(x.nr_xcrs, 1);
	assert_int_equal(x.xcrs[0].xcr, 0);
	assert_int_equal(x.xcrs[0].value, 7);
	x.xcrs[0].xcr = 1;
	assert_int_equal(kvm_xcrs_to_state(&x, &s), -ENOENT);
}

/* Segment states VM entry refuses but the interpreter may hold: a data
 * segment not accessed, a code segment not accessed, an available TSS.
 * Guards hwvmm/kvm_convert.c kvm_sregs_fix_for_entry (called by
 * hw_load_state on every load into KVM) and kvm_sregs_unfix
 * (hw_store_state, hw_peek_state): KVM gets the accessed/busy forms, the
 * guest's view comes back unchanged. */
static void test_sregs_fixed_for_entry(void **state)
{
	(void)state;
	struct vcpu_state s, back;
	struct kvm_sregs sr;
	flat32_state(&s);
	s.seg[SEG_DS].type = 0x2;
	s.seg[SEG_CS].type = 0xa;
	s.tr.type = 0x9;
	s.seg[SEG_FS] = (struct seg_cache){ .unusable = 1, .type = 0x2, .s = 1 };
	kvm_sregs_from_state(&s, &sr);
	kvm_sregs_fix_for_entry(&sr);
	assert_int_equal(sr.ds.type, 0x3);
	assert_int_equal(sr.cs.type, 0xb);
	assert_int_equal(sr.tr.type, 0xb);
	assert_int_equal(sr.es.type, 0x3);
	assert_int_equal(sr.fs.type, 0x2);   /* unusable: VM entry ignores it */
	assert_int_equal(sr.ds.selector, s.seg[SEG_DS].selector);
	assert_int_equal(sr.tr.base, s.tr.base);

	/* What KVM hands back, as is, then with the guest's view restored. */
	back = s;
	kvm_sregs_to_state(&sr, &back);
	assert_int_equal(back.seg[SEG_DS].type, 0x3);
	assert_int_equal(back.tr.type, 0xb);
	kvm_sregs_unfix(&s, &back);
	assert_int_equal(vcpu_state_diff(&s, &back, stderr), 0);

	/* A 16-bit available TSS becomes busy the same way. */
	s.tr.type = 0x1;
	kvm_sregs_from_state(&s, &sr);
	kvm_sregs_fix_for_entry(&sr);
	assert_int_equal(sr.tr.type, 0x3);
	back = s;
	kvm_sregs_to_state(&sr, &back);
	kvm_sregs_unfix(&s, &back);
	assert_int_equal(back.tr.type, 0x1);
}

/* kvm_sregs_unfix restores only the entry fix-up: a segment or TR that
 * the guest really loaded again on KVM keeps what KVM reports. */
static void test_sregs_unfix_keeps_guest_changes(void **state)
{
	(void)state;
	struct vcpu_state loaded, back;
	struct kvm_sregs sr;
	flat32_state(&loaded);
	loaded.seg[SEG_DS].type = 0x2;
	loaded.seg[SEG_ES].type = 0x2;
	loaded.seg[SEG_SS].type = 0x2;
	loaded.seg[SEG_CS].type = 0xa;
	loaded.tr.type = 0x9;
	kvm_sregs_from_state(&loaded, &sr);
	kvm_sregs_fix_for_entry(&sr);
	back = loaded;
	kvm_sregs_to_state(&sr, &back);

	/* DS reloaded from another descriptor (accessed). */
	back.seg[SEG_DS].selector = 0x18;
	back.seg[SEG_DS].base = 0x1000;
	/* ES: same selector, now a smaller limit. */
	back.seg[SEG_ES].limit = 0xfff;
	/* SS: a type that is not the fix-up of the loaded one. */
	back.seg[SEG_SS].type = 0x7;
	/* CS: a far jump to another code segment. */
	back.seg[SEG_CS].selector = 0x28;
	/* TR: LTR of another TSS. */
	back.tr.selector = 0x30;
	back.tr.base = 0xc000;

	struct vcpu_state want = back;
	kvm_sregs_unfix(&loaded, &back);
	assert_int_equal(vcpu_state_diff(&want, &back, stderr), 0);
	assert_int_equal(back.seg[SEG_DS].type, 0x3);
	assert_int_equal(back.seg[SEG_ES].type, 0x3);
	assert_int_equal(back.seg[SEG_SS].type, 0x7);
	assert_int_equal(back.seg[SEG_CS].type, 0xb);
	assert_int_equal(back.tr.type, 0xb);
}

/* A real-mode CS loaded as code (type 11) and handed back as data (3),
 * as KVM under Bochs's VMX does, or the other way, is the loaded one: the
 * guest cannot see the type. In protected mode LAR shows it, and KVM's
 * answer stands. */
static void test_sregs_unfix_real_mode_cs(void **state)
{
	(void)state;
	struct vcpu_state loaded, back;
	vcpu_state_reset(&loaded);
	back = loaded;
	back.seg[SEG_CS].type = 0x3;
	kvm_sregs_unfix(&loaded, &back);
	assert_int_equal(back.seg[SEG_CS].type, 0xb);
	loaded.seg[SEG_CS].type = 0x3;
	back = loaded;
	back.seg[SEG_CS].type = 0xb;
	kvm_sregs_unfix(&loaded, &back);
	assert_int_equal(back.seg[SEG_CS].type, 0x3);
	/* Another change than the type: KVM's stands. */
	back.seg[SEG_CS].type = 0xb;
	back.seg[SEG_CS].selector = 0x1234;
	kvm_sregs_unfix(&loaded, &back);
	assert_int_equal(back.seg[SEG_CS].type, 0xb);

	flat32_state(&loaded);
	loaded.seg[SEG_CS].type = 0x3;
	back = loaded;
	back.seg[SEG_CS].type = 0xb;
	kvm_sregs_unfix(&loaded, &back);
	assert_int_equal(back.seg[SEG_CS].type, 0xb);
}

/* Guards unfix_one's comparison: segment caches built field by field
 * leave their padding as it was, so equal fields with different padding
 * are the same segment (a memcmp made the real-mode CS unfix depend on
 * stack garbage under Bochs's VMX). */
static void test_sregs_unfix_ignores_padding(void **state)
{
	(void)state;
	struct vcpu_state loaded, back;
	memset(&loaded, 0x00, sizeof(loaded));
	memset(&back, 0xa5, sizeof(back));
	vcpu_state_reset(&loaded);
	vcpu_state_reset(&back);
	for (int i = 0; i < NR_SREGS; i++) {
		struct seg_cache c = loaded.seg[i];
		memset(&back.seg[i], 0xa5, sizeof(back.seg[i]));
#define COPY_FIELD(f) back.seg[i].f = c.f;
		SEG_CACHE_FIELDS(COPY_FIELD)
#undef COPY_FIELD
	}
	back.seg[SEG_CS].type = 0x3;
	kvm_sregs_unfix(&loaded, &back);
	assert_int_equal(back.seg[SEG_CS].type, 0xb);
	assert_true(seg_cache_equal(&loaded.seg[SEG_CS], &back.seg[SEG_CS]));
}

/* Where /dev/kvm is missing the engine says so in one line, and crashes
 * nothing; where it exists the engine must come up. */
static void test_engine_create(void **state)
{
	(void)state;
	struct vm *vm = malloc(sizeof(*vm));
	struct vm_config cfg = { .ram_size = 2 << 20, .serial_out_fd = -1, .serial_in_fd = -1 };
	assert_non_null(vm);
	assert_int_equal(vm_init(vm, &cfg), 0);

	assert_string_equal(hw_engine_ops.name, "hw");
	assert_non_null(hw_engine_ops.destroy);
	assert_non_null(hw_engine_ops.load_state);
	assert_non_null(hw_engine_ops.store_state);
	assert_non_null(hw_engine_ops.run);

	void *ctx = (void *)1;
	int r = hw_engine_ops.create(vm, &ctx);
	if (access("/dev/kvm", F_OK) == 0) {
		assert_int_equal(r, 0);
		assert_non_null(ctx);
		hw_engine_ops.destroy(ctx);
	} else {
		char want[128];
		snprintf(want, sizeof(want), "KVM unavailable: /dev/kvm: %s", strerror(ENOENT));
		assert_int_equal(r, -ENODEV);
		assert_null(ctx);
		assert_string_equal(vm->err, want);
	}
	vm_destroy(vm);
	free(vm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reset_round_trip),
		cmocka_unit_test(test_real_mode_round_trip),
		cmocka_unit_test(test_flat32_round_trip),
		cmocka_unit_test(test_long64_round_trip),
		cmocka_unit_test(test_events_round_trip),
		cmocka_unit_test(test_round_trip_catches_a_change),
		cmocka_unit_test(test_gpr_mapping),
		cmocka_unit_test(test_segment_mapping),
		cmocka_unit_test(test_control_register_mapping),
		cmocka_unit_test(test_real_mode_segments),
		cmocka_unit_test(test_event_mapping),
		cmocka_unit_test(test_mp_state_mapping),
		cmocka_unit_test(test_msr_mapping),
		cmocka_unit_test(test_fpu_debug_xcr_mapping),
		cmocka_unit_test(test_engine_create),
		cmocka_unit_test(test_sregs_fixed_for_entry),
		cmocka_unit_test(test_sregs_unfix_keeps_guest_changes),
		cmocka_unit_test(test_sregs_unfix_real_mode_cs),
		cmocka_unit_test(test_sregs_unfix_ignores_padding),
	};
	return cmocka_run_group_tests_name("kvm_convert", tests, NULL, NULL);
}
