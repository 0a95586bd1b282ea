/* Raising exceptions and what happens when one arrives while another is
 * being delivered (Intel SDM Vol. 3, 6.15, Table 6-5): contributory and
 * page-fault pairs become #DF, a fault while delivering #DF shuts the
 * processor down (triple fault), everything else is handled serially. */
#include <stdio.h>

#include "core/vm.h"
#include "swvmm/cpu.h"
#include "swvmm/event.h"

void sw_raise(struct sw_cpu *c, unsigned vector, int errcode)
{
	c->exc.vector = vector;
	c->exc.errcode = errcode;
	c->exc.trap = false;
	longjmp(c->fault, SW_JMP_EXCEPTION);
}

void sw_raise_trap(struct sw_cpu *c, unsigned vector)
{
	c->exc.vector = vector;
	c->exc.errcode = SW_NO_ERRCODE;
	c->exc.trap = true;
	longjmp(c->fault, SW_JMP_EXCEPTION);
}

void sw_raise_pf(struct sw_cpu *c, uint64_t lin, unsigned pfec)
{
	/* CR2 is written when the fault is detected, so it survives a #DF. */
	c->s.cr2 = lin;
	sw_raise(c, EXC_PF, (int)pfec);
}

void sw_unsupported(struct sw_cpu *c, const char *what)
{
	struct vm *vm = c->vm;
	if (vm->stop == VM_RUNNING)
		snprintf(vm->err, sizeof(vm->err), "not supported by the interpreter: %s at rip %#llx",
		         what, (unsigned long long)c->insn_rip);
	vm_request_stop(vm, VM_STOP_UNSUPPORTED, VM_EXIT_FAILURE);
	longjmp(c->fault, SW_JMP_STOP);
}

enum exc_class { CLS_BENIGN, CLS_CONTRIBUTORY, CLS_PAGE_FAULT };

static enum exc_class exc_class(unsigned v)
{
	switch (v) {
	case EXC_DE: case EXC_TS: case EXC_NP: case EXC_SS: case EXC_GP:
		return CLS_CONTRIBUTORY;
	case EXC_PF:
		return CLS_PAGE_FAULT;
	default:
		return CLS_BENIGN;
	}
}

bool sw_exception_arrived(struct sw_cpu *c)
{
	unsigned v = c->exc.vector;
	int err = c->exc.errcode;

	if (c->delivering >= 0 && !c->delivering_soft) {
		unsigned prev = (unsigned)c->delivering;
		if (prev == EXC_DF) {
			struct vm *vm = c->vm;
			if (vm->stop == VM_RUNNING)
				snprintf(vm->err, sizeof(vm->err),
				         "triple fault at rip %#llx (vector %u while delivering #DF)",
				         (unsigned long long)c->s.rip, v);
			vm_request_stop(vm, VM_STOP_SHUTDOWN, VM_EXIT_TRIPLE_FAULT);
			c->delivering = -1;
			c->fault_depth = 0;
			return false;
		}
		enum exc_class a = exc_class(prev), b = exc_class(v);
		if ((a == CLS_CONTRIBUTORY && b == CLS_CONTRIBUTORY) ||
		    (a == CLS_PAGE_FAULT && b != CLS_BENIGN)) {
			v = EXC_DF;
			err = 0;
		}
	}
	/* A fault returns to the faulting instruction (RIP is committed only
	 * after an instruction completes); a trap to the next one. */
	uint64_t rip_after = c->exc.trap ? c->next_rip : c->s.rip;
	c->delivering = (int)v;
	c->delivering_soft = false;
	c->fault_depth = v == EXC_DF ? 2 : 1;
	sw_deliver_event(c, v, err, SW_EV_EXCEPTION | (c->exc.trap ? SW_EV_TRAP : 0), rip_after);
	c->delivering = -1;
	c->fault_depth = 0;
	return true;
}
