/* libFuzzer target for the device models (core/devices.c's table, behind
 * the bus): random sequences of port and MMIO reads and writes of every
 * size a CPU makes, VM-clock time passing, interrupt acknowledges, and the
 * APIC base and CR8 writes the engines pass on. Besides not crashing,
 *  - an access of a size a CPU makes (ports 1, 2 or 4 bytes; MMIO up to
 *    8) is served or unclaimed, never an error: the KVM engine stops the
 *    VM on an error (hwvmm/kvm_run.c), while the interpreter goes on;
 *  - an acknowledged vector is 0-255 or -1;
 *  - once the timers are brought up to now, none is due at or before
 *    now: else the engines' timer wake-ups would come back at once,
 *    forever.
 *
 * Time: the VM clock is the host TSC scaled by its rate. Here the rate is
 * 10^9 ticks per nanosecond, so the host TSC moves the clock by less than
 * a nanosecond while an input runs, and the clock's paused ticks set it
 * to the input's time before every step: a run is deterministic.
 *
 * Input (missing bytes read as 0):
 *   0-7   RTC wall time at VM clock 0 (ns since 1970, modulo 230 years)
 *   8     n, then n bytes the UART receives
 *   then  steps, each a byte (FZ_OP_* in bits 0-2; access size in bits
 *         3-4; bit 7: write) and its operands */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <x86intrin.h>

#include "core/devices.h"
#include "core/intr.h"
#include "core/vm.h"
#include "tests/fuzz/fuzz.h"

#define FZ_TSC_KHZ   1000000000000000ull   /* 10^9 ticks per ns */
#define FZ_MAX_NS    (1ull << 33)          /* ~8.6 s: tsc0 + ticks stays in 64 bits */
#define FZ_WALL_SPAN (230ull * 365 * 24 * 3600 * 1000000000ull)
#define FZ_MAX_STEPS 512

enum {
	FZ_OP_DEV,     /* device (byte), offset into one of its ranges */
	FZ_OP_PIO,     /* 16-bit port */
	FZ_OP_MMIO,    /* 0xfe000000 + 24 bits: the IOAPIC, the local APIC, around */
	FZ_OP_TIME,    /* 16-bit count << shift byte ns pass; the timers catch up */
	FZ_OP_ACK,     /* up to 8 acknowledge cycles, and the NMI line */
	FZ_OP_APIC,    /* APIC base (8 bytes) and CR8 (byte) */
	FZ_OP_REPEAT,  /* the last access again, count byte times (a REP OUTS) */
	FZ_OP_TIMERS,  /* the timers catch up without time passing */
};

struct fz_dev {
	struct vm *vm;
	struct fz_reader in;
	uint64_t now;
	/* The last access, for FZ_OP_REPEAT. */
	enum bus_space sp;
	uint64_t addr;
	unsigned len;
	bool write;
	uint8_t val[8];
};

static void fz_set_now(struct fz_dev *d)
{
	struct vclock *c = &d->vm->clock;
	/* now = (TSC - paused - tsc0) / 10^9, rounded down: with paused
	 * taken at this TSC, the ticks since then stay below 10^9. */
	c->paused = __rdtsc() - c->tsc0 - vclock_ns_to_tsc(c, d->now);
}

static void fz_access(struct fz_dev *d)
{
	uint8_t buf[8];
	memcpy(buf, d->val, sizeof(buf));
	fz_set_now(d);
	int r = bus_access(&d->vm->bus, d->sp, d->addr, buf, d->len, d->write);
	FZ_CHECK(r == 0 || r == -ENOENT, "%s %s of %u bytes at %#llx: %s",
	         d->write ? "write" : "read", d->sp == BUS_PIO ? "port" : "MMIO", d->len,
	         (unsigned long long)d->addr, strerror(-r));
}

/* Sizes a CPU makes: ports 1, 2, 4; MMIO 1, 2, 4, 8. */
static unsigned fz_len(enum bus_space sp, uint8_t op)
{
	unsigned l = 1u << ((op >> 3) & 3);
	return sp == BUS_PIO && l == 8 ? 4 : l;
}

/* An address in one of the ranges of one device row, or a few bytes past
 * its end. */
static void fz_pick_dev(struct fz_dev *d)
{
	unsigned nr, nranges = 0;
	const struct vm_device *t = vm_devices(&nr);
	uint8_t b = fz_u8(&d->in);
	const struct vm_device *dev = &t[b % nr];
	while (nranges < DEV_MAX_RANGES && dev->range[nranges].len)
		nranges++;
	const struct dev_range *rg = &dev->range[(b >> 4) % nranges];
	uint64_t off = rg->len > 0xff ? fz_uint(&d->in, 2) : fz_u8(&d->in);
	d->sp = rg->space;
	d->addr = rg->base + off % (rg->len + 8);
}

static void fz_timers(struct fz_dev *d)
{
	fz_set_now(d);
	vm_timers_update(d->vm);
	uint64_t due = vm_timers_deadline(d->vm);
	FZ_CHECK(due > d->now, "a timer due at %llu ns, already past at %llu ns",
	         (unsigned long long)due, (unsigned long long)d->now);
}

static void fz_step(struct fz_dev *d, uint8_t op)
{
	struct vm *vm = d->vm;
	switch (op & 7) {
	case FZ_OP_DEV:
	case FZ_OP_PIO:
	case FZ_OP_MMIO:
		if ((op & 7) == FZ_OP_DEV) {
			fz_pick_dev(d);
		} else if ((op & 7) == FZ_OP_PIO) {
			d->sp = BUS_PIO;
			d->addr = fz_uint(&d->in, 2);
		} else {
			d->sp = BUS_MMIO;
			d->addr = 0xfe000000ull + fz_uint(&d->in, 3);
		}
		d->len = fz_len(d->sp, op);
		d->write = op & 0x80;
		memset(d->val, 0, sizeof(d->val));
		if (d->write)
			for (unsigned i = 0; i < d->len; i++)
				d->val[i] = fz_u8(&d->in);
		fz_access(d);
		break;
	case FZ_OP_TIME: {
		uint64_t delta = fz_uint(&d->in, 2) << (fz_u8(&d->in) & 31);
		d->now = delta < FZ_MAX_NS - d->now ? d->now + delta : FZ_MAX_NS;
		fz_timers(d);
		break;
	}
	case FZ_OP_ACK: {
		unsigned n = (fz_u8(&d->in) & 7) + 1;
		fz_set_now(d);
		for (unsigned i = 0; i < n && vm_intr_pending(vm); i++) {
			int v = vm_intr_ack(vm);
			FZ_CHECK(v >= -1 && v <= 255, "acknowledged vector %d", v);
		}
		(void)vm_intr_take_nmi(vm);
		break;
	}
	case FZ_OP_APIC:
		fz_set_now(d);
		vm_intr_set_apic_base(vm, fz_uint(&d->in, 8));
		vm_intr_set_cr8(vm, fz_u8(&d->in) & 0xf);
		FZ_CHECK(vm_intr_get_cr8(vm) <= 0xf, "CR8 %llu",
		         (unsigned long long)vm_intr_get_cr8(vm));
		break;
	case FZ_OP_REPEAT: {
		unsigned n = fz_u8(&d->in);
		for (unsigned i = 0; i < n && d->len; i++)
			fz_access(d);
		break;
	}
	case FZ_OP_TIMERS:
		fz_timers(d);
		break;
	}
}

/* The UART's input: a pipe holding the bytes, then end of file, on fd. */
static void fz_serial_in(struct fz_reader *in, int fd)
{
	int p[2];
	size_t n;
	const uint8_t *b = fz_take(in, fz_u8(in), &n);
	FZ_CHECK(!pipe(p), "pipe: %s", strerror(errno));
	FZ_CHECK(write(p[1], b, n) == (ssize_t)n, "pipe write: %s", strerror(errno));
	close(p[1]);
	FZ_CHECK(dup2(p[0], fd) == fd, "dup2: %s", strerror(errno));
	close(p[0]);
}

/* One VM for every input: a fresh one costs a millisecond of page faults
 * (its firmware tables), so each input starts from a copy of the VM as
 * vm_init left it. Devices keep no state outside struct vm, and guest
 * memory, which they do not use, stays mapped. */
static struct vm *fz_vm(int serial_in)
{
	static struct vm *vm, *pristine;
	if (!vm) {
		struct vm_config cfg = { .ram_size = 2u << 20, .serial_in_fd = serial_in,
		                         .tsc_khz = FZ_TSC_KHZ };
		/* The UART writes somewhere real. */
		cfg.serial_out_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
		vm = calloc(1, sizeof(*vm));
		pristine = malloc(sizeof(*vm));
		FZ_CHECK(vm && pristine && cfg.serial_out_fd >= 0 && !vm_init(vm, &cfg),
		         "no VM: %s", vm ? vm->err : "out of memory");
		memcpy(pristine, vm, sizeof(*vm));
	}
	memcpy(vm, pristine, sizeof(*vm));
	return vm;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int serial_in = -1;   /* the fd number the UART reads */
	if (serial_in < 0)
		serial_in = open("/dev/null", O_RDONLY | O_CLOEXEC);
	struct fz_dev d = { .in = { data, size } };
	uint64_t wall = fz_uint(&d.in, 8) % FZ_WALL_SPAN;
	fz_serial_in(&d.in, serial_in);
	d.vm = fz_vm(serial_in);
	/* The RTC from the input, not the host's clock. */
	cmos_init(&d.vm->cmos, &d.vm->clock, d.vm->cmos.line, (int64_t)wall);
	cmos_set_ram_size(&d.vm->cmos, d.vm->cfg.ram_size);
	for (unsigned i = 0; i < FZ_MAX_STEPS && d.in.n; i++)
		fz_step(&d, fz_u8(&d.in));
	return 0;
}
