/* Port I/O: the IOPL and TSS I/O-permission-bitmap check (SDM Vol. 1,
 * 19.5), then the bus. */
#include "core/intr.h"
#include "core/vm.h"
#include "swvmm/audit.h"
#include "swvmm/cpu.h"

void sw_io_check(struct sw_cpu *c, uint16_t port, unsigned size)
{
	const struct vcpu_state *s = &c->s;

	if (c->mode == MODE_REAL)
		return;
	if (c->mode != MODE_VM86 && c->cpl <= sw_iopl(c))
		return;
	/* Only a 32/64-bit TSS has a bitmap; its offset is at 0x66, and every
	 * bit for the ports (two bytes read) must lie within the TSS limit. */
	const struct seg_cache *tr = &s->tr;
	if (tr->unusable || (tr->type != 0x9 && tr->type != 0xb) || tr->limit < 0x67)
		sw_gp0(c);
	uint64_t map = sw_lin_read(c, tr->base + 0x66, 2, ACC_SYS);
	uint64_t off = map + port / 8;
	if (off + 1 > tr->limit)
		sw_gp0(c);
	uint64_t bits = sw_lin_read(c, tr->base + off, 2, ACC_SYS);
	uint64_t mask = ((1u << size) - 1) << (port & 7);
	if (bits & mask)
		sw_gp0(c);
}

uint32_t sw_in(struct sw_cpu *c, uint16_t port, unsigned size)
{
	uint32_t v = 0;
	c->vm->stats.pio_accesses++;
	/* An unclaimed port reads as all ones (the bus fills the data). */
	bus_access(&c->vm->bus, BUS_PIO, port, &v, size, false);
	sw_note_event(c, RUN_EV_PORT, port);
	sw_audit_event(c, AUDIT_PIO, AUDIT_IN, port, size, sw_trunc(v, size));
	if (c->vm->stop != VM_RUNNING) {
		c->stop = true;
		sw_block_break(c);
	}
	return (uint32_t)sw_trunc(v, size);
}

void sw_out(struct sw_cpu *c, uint16_t port, unsigned size, uint32_t val)
{
	c->vm->stats.pio_accesses++;
	bus_access(&c->vm->bus, BUS_PIO, port, &val, size, true);
	sw_note_event(c, RUN_EV_PORT, port);
	sw_audit_event(c, AUDIT_PIO, AUDIT_OUT, port, size, sw_trunc(val, size));
	/* A device may have stopped the VM (debug-exit): end after this
	 * instruction, also inside a decoded block. */
	if (c->vm->stop != VM_RUNNING) {
		c->stop = true;
		sw_block_break(c);
	}
	/* An EOI or unmask may have let an interrupt through: the run loop
	 * takes it at the next boundary. */
	if (vm_intr_pending(c->vm))
		sw_block_break(c);
}
