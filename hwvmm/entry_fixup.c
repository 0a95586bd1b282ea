#include "hwvmm/entry_fixup.h"

#include "core/pagewalk.h"

/* A 64-bit interrupt frame from CPL 3: RIP, CS, RFLAGS, RSP, SS. */
struct frame {
	uint64_t rip, cs, rflags, rsp, ss;
};

static bool read_frame(const struct guest_mem *m, const struct vcpu_state *k, bool errcode,
                       struct frame *f)
{
	uint64_t q[6];
	if (guest_read_lin(m, k, k->gpr[RSP], q, sizeof(q)))
		return false;
	unsigned i = errcode;
	*f = (struct frame){ q[i], q[i + 1], q[i + 2], q[i + 3], q[i + 4] };
	return (f->cs & 3) == 3;
}

uint64_t entry_fix_iopl(const struct entry_fixups *fx, uint64_t rflags, uint64_t user_rflags)
{
	if (!fx->iopl)
		return rflags;
	return (rflags & ~RFLAGS_IOPL) | (user_rflags & RFLAGS_IOPL);
}

/* The user state at rip with the frame's stack and the segments the
 * stretch began with. same_segs: the frame must name those (a fault on
 * the instruction itself); a SYSCALL the host ran halfway may have
 * loaded others at CPL 3. */
static bool user_at(const struct entry_fixups *fx, const struct vcpu_state *k,
                    const struct vcpu_state *user, const struct frame *f, bool same_segs,
                    uint64_t rip, uint64_t rflags, struct vcpu_state *out)
{
	if (same_segs &&
	    (f->cs != user->seg[SEG_CS].selector || f->ss != user->seg[SEG_SS].selector))
		return false;
	*out = *k;
	out->seg[SEG_CS] = user->seg[SEG_CS];
	out->seg[SEG_SS] = user->seg[SEG_SS];
	out->rip = rip;
	out->gpr[RSP] = f->rsp;
	out->rflags = entry_fix_iopl(fx, rflags, user->rflags) | RFLAGS_FIXED;
	out->cr2 = user->cr2;
	out->ev.halted = false;
	return true;
}

static bool insn_is(const struct guest_mem *m, const struct vcpu_state *u, uint64_t rip,
                    uint8_t b0, uint8_t *b1)
{
	uint8_t b[2];
	/* 64-bit code ignores the CS base. */
	uint64_t lin = u->seg[SEG_CS].l ? rip : u->seg[SEG_CS].base + rip;
	if (guest_read_lin(m, u, lin, b, 2) || b[0] != b0)
		return false;
	*b1 = b[1];
	return true;
}

/* #UD from CPL 3 on INT n or SYSENTER. */
static bool fix_ud(const struct guest_mem *m, const struct entry_fixups *fx,
                   const struct vcpu_state *k, const struct vcpu_state *user,
                   struct vcpu_state *out, enum run_event *ev, uint64_t *num)
{
	struct frame f;
	uint8_t b1;
	if (!read_frame(m, k, false, &f) || !user_at(fx, k, user, &f, true, f.rip, f.rflags, out))
		return false;
	if (fx->int_n && insn_is(m, out, f.rip, 0xcd, &b1) && b1 != 3 && b1 != 4) {
		/* Named as the gate the INT goes through names it. */
		*ev = entry_gate_event(b1, out, num);
		return true;
	}
	if (fx->sysenter && insn_is(m, out, f.rip, 0x0f, &b1) && b1 == 0x34) {
		*ev = RUN_EV_SYSCALL;
		*num = out->gpr[RAX];
		return true;
	}
	return false;
}

/* #GP or #PF from CPL 3 at LSTAR: SYSCALL ran there without leaving CPL
 * 3, with RCX and R11 set as SYSCALL sets them. */
static bool fix_syscall(const struct guest_mem *m, const struct entry_fixups *fx,
                        const struct vcpu_state *k, const struct vcpu_state *user,
                        struct vcpu_state *out, enum run_event *ev, uint64_t *num)
{
	struct frame f;
	uint8_t b1;
	uint64_t rip = k->gpr[RCX] - 2;
	if (!read_frame(m, k, true, &f) || f.rip != user->msr.lstar ||
	    !user_at(fx, k, user, &f, false, rip, k->gpr[R11], out) ||
	    !insn_is(m, out, rip, 0x0f, &b1) || b1 != 0x05)
		return false;
	*ev = RUN_EV_SYSCALL;
	*num = out->gpr[RAX];
	return true;
}

bool entry_fixup(const struct guest_mem *m, const struct entry_fixups *fx,
                 const struct entry_site *e, const struct vcpu_state *k,
                 const struct vcpu_state *user, struct vcpu_state *out,
                 enum run_event *ev, uint64_t *num)
{
	if (e->kind != ENTRY_GATE || !(k->efer & EFER_LMA) || vcpu_cpl(user) != 3)
		return false;
	if ((e->via & ENTRY_VIA_UD) && (fx->int_n || fx->sysenter) &&
	    fix_ud(m, fx, k, user, out, ev, num))
		return true;
	return (e->via & (ENTRY_VIA_GP | ENTRY_VIA_PF)) && fx->syscall &&
	       fix_syscall(m, fx, k, user, out, ev, num);
}
