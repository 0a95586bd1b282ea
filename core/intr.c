/* Interrupt routing between the devices and the CPU. The local APIC
 * delivers its own vectors and the I/O APIC's; the 8259's INTR passes
 * through LINT0 when that is ExtINT and unmasked, when the APIC is
 * software-disabled (the "virtual wire" of firmware), or through an
 * unmasked ExtINT pin of the I/O APIC. APIC vectors are served first.
 * Devices drive their IRQ lines themselves (core/irq.h); the timers are
 * the device table's hooks (core/devices.h). */
#include "core/intr.h"

#include "core/devices.h"
#include "core/io_log.h"
#include "core/vm.h"

static bool pic_passes(const struct vm *vm)
{
	return vm->pic.intr && (lapic_passes_pic(&vm->lapic) || ioapic_passes_pic(&vm->ioapic));
}

/* Lockstep replays what the interpreter's step acknowledged
 * (core/io_log.h); NULL when nothing is recorded or replayed. */
static struct io_log *log_in(struct vm *vm, enum io_log_mode mode)
{
	struct io_log *l = vm->bus.log;
	return l && l->mode == mode ? l : NULL;
}

bool vm_intr_pending(struct vm *vm)
{
	struct io_log *l = log_in(vm, IO_LOG_REPLAY);
	if (l)
		return io_log_replay_pending(l, IOL_ACK);
	return vm->lapic.intr || pic_passes(vm);
}

static int intr_ack(struct vm *vm)
{
	int v = lapic_ack(&vm->lapic);
	if (v >= 0)
		return v;
	if (pic_passes(vm))
		return pic_ack(&vm->pic);
	return -1;
}

int vm_intr_ack(struct vm *vm)
{
	struct io_log *l = log_in(vm, IO_LOG_REPLAY);
	if (l)
		return io_log_replay_intr(l, IOL_ACK);
	int v = intr_ack(vm);
	if ((l = log_in(vm, IO_LOG_RECORD)))
		io_log_record_intr(l, IOL_ACK, v);
	return v;
}

void vm_timers_update(struct vm *vm)
{
	uint64_t now = vclock_now_ns(&vm->clock);
	unsigned nr;
	const struct vm_device *d = vm_devices(&nr);
	for (unsigned i = 0; i < nr; i++)
		if (d[i].update)
			d[i].update(vm_device_state(vm, &d[i]), now);
}

uint64_t vm_timers_deadline(struct vm *vm)
{
	uint64_t at = UINT64_MAX;
	unsigned nr;
	const struct vm_device *d = vm_devices(&nr);
	for (unsigned i = 0; i < nr; i++) {
		if (!d[i].deadline)
			continue;
		uint64_t t = d[i].deadline(vm_device_state(vm, &d[i]));
		if (t < at)
			at = t;
	}
	return at;
}

bool vm_intr_take_nmi(struct vm *vm)
{
	struct io_log *l = log_in(vm, IO_LOG_REPLAY);
	if (l)
		return io_log_replay_pending(l, IOL_NMI) && io_log_replay_intr(l, IOL_NMI) >= 0;
	bool nmi = vm->lapic.nmi;
	vm->lapic.nmi = false;
	if (nmi && (l = log_in(vm, IO_LOG_RECORD)))
		io_log_record_intr(l, IOL_NMI, 0);
	return nmi;
}

void vm_intr_set_apic_base(struct vm *vm, uint64_t apic_base)
{
	lapic_set_base(&vm->lapic, apic_base);
}

uint64_t vm_intr_get_cr8(struct vm *vm)
{
	return vm->lapic.tpr >> 4;
}

void vm_intr_set_cr8(struct vm *vm, uint64_t cr8)
{
	lapic_set_tpr(&vm->lapic, (uint8_t)((cr8 & 0xf) << 4));
}
