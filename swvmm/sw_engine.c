/* The interpreter as an engine: state in and out, and the run loop
 * (fetch, decode, dispatch, commit; events and stop conditions between
 * instructions). Faults unwind to the setjmp in sw_run with longjmp. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <x86intrin.h>

#include "core/clock.h"
#include "core/intr.h"
#include "core/vm.h"
#include "swvmm/cpu.h"
#include "swvmm/debug.h"
#include "swvmm/exec_fpu.h"
#include "swvmm/decode.h"
#include "swvmm/event.h"
#include "swvmm/flags.h"
#include "swvmm/icache.h"
#include "swvmm/step.h"
#include "swvmm/audit.h"
#include "swvmm/sw_engine.h"
#include "swvmm/tlb.h"
#include "swvmm/written.h"

static void read_cpu_model(struct sw_cpu *c)
{
	uint32_t r[4];
	const struct cpuid_model *m = &c->vm->cpuid;

	c->vendor_amd = !strcmp(m->vendor, "AuthenticAMD") || !strcmp(m->vendor, "HygonGenuine");
	cpuid_model_query(m, 0x80000000u, 0, r);
	uint32_t max_ext = r[0];
	c->maxphyaddr = 36;
	if (max_ext >= 0x80000008u) {
		cpuid_model_query(m, 0x80000008u, 0, r);
		if ((r[0] & 0xff) >= 32 && (r[0] & 0xff) <= 52)
			c->maxphyaddr = r[0] & 0xff;
	}
	if (max_ext >= 0x80000001u) {
		cpuid_model_query(m, 0x80000001u, 0, r);
		c->has_1g_pages = r[3] & (1u << 26);
	}
}

static int sw_create(struct vm *vm, void **ctx)
{
	struct sw_cpu *c = calloc(1, sizeof(*c));
	if (!c)
		return vm_fail(vm, -ENOMEM, "cannot allocate the interpreter's CPU");
	c->vm = vm;
	c->delivering = -1;
	if (sw_ic_init(c)) {
		free(c);
		return vm_fail(vm, -ENOMEM, "cannot allocate the decoded-instruction cache");
	}
	int r = sw_fpu_create(c);
	if (r) {
		sw_ic_free(c);
		free(c);
		return vm_fail(vm, r, "cannot set up the host's x87/SSE unit for the interpreter");
	}
	read_cpu_model(c);
	sw_exec_table_init(c->exec);
	sw_tlb_reset(c);
	*ctx = c;
	return 0;
}

static void sw_destroy(void *ctx)
{
	struct sw_cpu *c = ctx;
	if (c) {
		if (c->ic)
			sw_audit_tally_free(c);   /* before the pool it counts goes */
		sw_ic_free(c);
		sw_fpu_destroy(c);
		sw_written_free(c);
	}
	free(c);
}

static int sw_load_state(void *ctx, const struct vcpu_state *s)
{
	struct sw_cpu *c = ctx;
	c->s = *s;
	c->lf.op = LF_NONE;
	c->db_held = 0;
	sw_dbg_arm(c);
	c->tsc_offset = c->vm->clock.tsc_is_host ? 0
	                : s->tsc - (s->tsc_host ? s->tsc_host : vclock_host_tsc(&c->vm->clock));
	sw_update_mode(c);
	vm_intr_set_cr8(c->vm, s->cr8);
	vm_intr_set_apic_base(c->vm, s->msr.apic_base);
	/* The other engine may have changed page tables and code: the soft
	 * TLB always goes (refilling it is cheap); decoded code only when no
	 * caller reports the memory written (manage_caches). */
	sw_tlb_flush(c, false);
	if (!c->caches_managed)
		sw_mem_invalidate(c, 0, ~0ull);
	/* The PDPTE registers as the other engine had them; read from
	 * memory only for a state that carries none. */
	if (vcpu_has_pdptes(s))
		memcpy(c->pdpte, s->pdpte, sizeof(c->pdpte));
	else
		sw_mmu_load_pdptes(c);
	return 0;
}

static void sw_cached_pages(void *ctx, void (*fn)(void *opaque, uint64_t gpa), void *opaque)
{
	sw_ic_each_new_code_page(ctx, fn, opaque);
}

static void sw_manage_caches(void *ctx)
{
	struct sw_cpu *c = ctx;
	c->caches_managed = true;
}

static bool sw_invalidate(void *ctx, uint64_t gpa)
{
	struct sw_cpu *c = ctx;
	bool held = sw_ic_page_has_code(c, gpa >> 12);
	if (held)
		sw_mem_invalidate(c, gpa & ~0xfffull, 0x1000);
	return held;
}

static int sw_store_state(void *ctx, struct vcpu_state *s)
{
	struct sw_cpu *c = ctx;
	sw_flags_sync(c);
	*s = c->s;
	s->cr8 = vm_intr_get_cr8(c->vm);
	if (vcpu_pae_legacy(s))
		memcpy(s->pdpte, c->pdpte, sizeof(s->pdpte));
	else
		memset(s->pdpte, 0, sizeof(s->pdpte));
	s->tsc_host = vclock_host_tsc(&c->vm->clock);
	s->tsc = s->tsc_host + c->tsc_offset;
	/* RDTSC may have shown a value bumped past the host clock (two reads
	 * in one host tick): the TSC never goes back across a switch. */
	if ((int64_t)(s->tsc - c->s.tsc) < 0)
		s->tsc = c->s.tsc;
	return 0;
}

/* Deliver an event that is pending at this instruction boundary: one
 * carried over from the other engine, an NMI, an injected interrupt.
 * Returns whether one was delivered. */
static bool deliver_pending(struct sw_cpu *c)
{
	struct vcpu_events *ev = &c->s.ev;
	unsigned v;

	if (ev->exception.pending || ev->exception.injected) {
		v = ev->exception.vector;
		int err = ev->exception.has_error_code ? (int)ev->exception.error_code : SW_NO_ERRCODE;
		unsigned kind = SW_EV_EXCEPTION;
		if (v == EXC_DB || v == EXC_BP || v == EXC_OF)
			kind |= SW_EV_TRAP;
		ev->exception.pending = ev->exception.injected = false;
		c->delivering = (int)v;
		c->delivering_soft = false;
		sw_deliver_event(c, v, err, kind, c->s.rip);
		c->delivering = -1;
		return true;
	}
	if (ev->nmi.injected || (ev->nmi.pending && !ev->nmi.masked && !ev->shadow)) {
		ev->nmi.injected = ev->nmi.pending = false;
		c->delivering = EXC_NMI;
		c->delivering_soft = true;
		sw_deliver_event(c, EXC_NMI, SW_NO_ERRCODE, SW_EV_EXTERNAL, c->s.rip);
		c->delivering = -1;
		return true;
	}
	if (ev->interrupt.injected) {
		ev->interrupt.injected = false;
		/* A software interrupt caught mid-delivery is redone by
		 * executing its INT instruction again (RIP points at it). */
		if (ev->interrupt.soft)
			return false;
		v = ev->interrupt.vector;
		c->delivering = (int)v;
		c->delivering_soft = true;
		sw_deliver_event(c, v, SW_NO_ERRCODE, SW_EV_EXTERNAL, c->s.rip);
		c->delivering = -1;
		return true;
	}
	return false;
}

/* Would deliver_pending() deliver something? */
static bool event_pending(const struct sw_cpu *c)
{
	const struct vcpu_events *ev = &c->s.ev;
	return ev->exception.pending || ev->exception.injected || ev->nmi.injected ||
	       (ev->nmi.pending && !ev->nmi.masked && !ev->shadow) ||
	       (ev->interrupt.injected && !ev->interrupt.soft);
}

#define SW_SLICE 1024

/* Steps taken in this run call. */
static uint64_t run_steps(const struct sw_cpu *c)
{
	return c->icount - c->run_icount0 + c->run_events;
}

void sw_note_event(struct sw_cpu *c, unsigned kind, uint64_t num)
{
	if (!(c->event_mask & (1u << kind)) || c->event_kind != RUN_EV_NONE)
		return;
	c->event_kind = kind;
	c->event_num = num;
	c->stop = true;
	sw_block_break(c);
}

/* Take an external interrupt from the controllers (core/intr.h) at this
 * boundary if the CPU accepts one: IF set, no interrupt shadow, nothing
 * else being delivered first. It then goes the way of an interrupt
 * carried over from the other engine. */
static void accept_interrupt(struct sw_cpu *c)
{
	struct vcpu_events *ev = &c->s.ev;

	if (vm_intr_take_nmi(c->vm))
		ev->nmi.pending = true;
	if (!(c->s.rflags & RFLAGS_IF) || ev->shadow || event_pending(c) ||
	    !vm_intr_pending(c->vm))
		return;
	int v = vm_intr_ack(c->vm);
	if (v < 0)
		return;
	ev->interrupt.injected = true;
	ev->interrupt.soft = false;
	ev->interrupt.vector = (uint8_t)v;
	c->vm->stats.interrupts_sw++;
}

static enum run_exit_reason run_loop(struct sw_cpu *c, const struct run_limits *lim)
{
	struct vm *vm = c->vm;

	for (;;) {
		if (vm_poll_stop(vm))
			return RUN_EXIT_STOPPED;
		if (c->stop) {
			c->stop = false;
			return RUN_EXIT_EVENT;
		}
		/* A spent budget ends the call before an interrupt is taken:
		 * the next run call (in either engine) takes it. */
		uint64_t left = ~0ull;
		bool spent = false;
		if (lim->max_instructions) {
			uint64_t done = run_steps(c);
			spent = done >= lim->max_instructions;
			left = spent ? 0 : lim->max_instructions - done;
		}
		if (!spent)
			accept_interrupt(c);
		/* HLT waits here; it ends the VM when nothing can wake it. */
		if (c->s.ev.halted && !event_pending(c)) {
			if (!(c->s.rflags & RFLAGS_IF)) {
				vm_log(vm, LOG_INFO, "halted with interrupts off at rip %#llx",
				       (unsigned long long)c->s.rip);
				vm_request_stop(vm, VM_STOP_HALT, VM_EXIT_OK);
				return RUN_EXIT_STOPPED;
			}
			return RUN_EXIT_HALT;
		}
		if (lim->stop_on_cpl_change && c->cpl != c->run_cpl)
			return RUN_EXIT_CPL_CHANGE;
		if (spent)
			return RUN_EXIT_BUDGET;
		if (lim->stop_at_rip && !c->run_first && c->s.rip == lim->rip)
			return RUN_EXIT_RIP;
		/* Blocks run at most SW_SLICE instructions between passes
		 * here, and every 16 passes the VM clock is read: timers fall
		 * due (and the run's deadline passes) late by some 16k
		 * instructions, tens of microseconds, at most. */
		if (!(++c->run_polls & 15)) {
			uint64_t now = vclock_now_ns(&vm->clock);
			if (now >= vm_timers_deadline(vm))
				vm_timers_update(vm);
			if (lim->deadline_ns && now >= lim->deadline_ns)
				return RUN_EXIT_BUDGET;
		}
		if (left > SW_SLICE)
			left = SW_SLICE;
		c->run_first = false;

		c->insn_rip = c->next_rip = c->s.rip;
		if (deliver_pending(c)) {
			c->run_events++;
			continue;
		}
		/* Single-stepping, RF, an interrupt shadow and armed
		 * breakpoints are rules of one instruction; everything else
		 * runs a block at a time. */
		if ((c->s.rflags & (RFLAGS_TF | RFLAGS_RF)) || c->s.ev.shadow ||
		    (c->dbg_exec | c->dbg_data))
			sw_step(c);
		else
			sw_run_blocks(c, left);
	}
}

static int sw_run(void *ctx, const struct run_limits *lim, struct run_exit *out)
{
	struct sw_cpu *c = ctx;
	uint64_t t0 = vclock_now_ns(&c->vm->clock);

	c->run_icount0 = c->icount;
	c->run_icount_sup0 = c->icount_sup;
	c->audit_cpls = c->vm->audit ? c->vm->audit->insn_cpls : 0;
	c->run_events = 0;
	c->run_cpl = c->cpl;
	c->run_first = true;
	/* The first pass reads the clock: runs shorter than 16 passes (a
	 * user stretch between system calls, stopped at each CPL change)
	 * must still bring the timers up to date. */
	c->run_polls = 15;
	/* stop_on_io: port accesses end the run like a port event. */
	c->event_mask = lim->events | (lim->stop_on_io ? 1u << RUN_EV_PORT : 0);
	c->event_kind = RUN_EV_NONE;
	c->run_stop_rip = lim->stop_at_rip ? lim->rip : SW_NO_RIP;
	c->lf.op = LF_NONE;   /* the caller may have set c->s.rflags */
	c->stop = false;
	out->reason = RUN_EXIT_STOPPED;

	switch (setjmp(c->fault)) {
	case 0:
		break;
	case SW_JMP_EXCEPTION:
		sw_block_unwound(c);
		if (!sw_exception_arrived(c))
			goto done;   /* triple fault: the VM is stopped */
		c->run_events++;
		break;
	default:                     /* SW_JMP_STOP: the VM is stopped */
		sw_block_unwound(c);
		c->delivering = -1;
		c->fault_depth = 0;
		goto done;
	}
	out->reason = run_loop(c, lim);
done:
	out->event = c->event_kind;
	out->num = c->event_num;
	c->event_mask = 0;
	sw_flags_sync(c);   /* outside a run, c->s.rflags is complete */
	c->vm->stats.sw_instructions += c->icount - c->run_icount0;
	c->vm->stats.sw_instructions_cpl0 += c->icount_sup - c->run_icount_sup0;
	c->vm->stats.ns_sw += vclock_now_ns(&c->vm->clock) - t0;
	return 0;
}

const struct engine_ops sw_engine_ops = {
	.name = "sw",
	.create = sw_create,
	.destroy = sw_destroy,
	.load_state = sw_load_state,
	.store_state = sw_store_state,
	.peek_state = sw_store_state,
	.manage_caches = sw_manage_caches,
	.invalidate = sw_invalidate,
	.cached_pages = sw_cached_pages,
	.run = sw_run,
	.watch = sw_watch,
	.written = sw_written,
};
