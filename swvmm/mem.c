/* Guest memory as instructions see it: segmentation (limits, rights,
 * canonical addresses), then paging (swvmm/mmu.c), then RAM or the MMIO
 * bus. Every byte goes through gmem_find/gmem_ptr, bus_access or the host
 * address of a TLB entry (looked up with gmem_find for a whole 4 KiB page
 * inside one region; an access through it stays inside the page), so no
 * guest address reaches host memory outside guest RAM. Writes into RAM
 * outside the TLB fast path tell the decoded-instruction cache
 * (sw_ic_write). */
#include <string.h>

#include "core/vm.h"
#include "swvmm/audit.h"
#include "swvmm/cpu.h"
#include "swvmm/debug.h"
#include "swvmm/icache.h"
#include "swvmm/mem_fast.h"
#include "swvmm/tlb.h"
#include "swvmm/written.h"

/* ---- physical ---- */

/* A device access through the MMIO bus, as the audit records it. */
static void mmio(struct sw_cpu *c, uint64_t gpa, void *buf, unsigned len, bool write)
{
	bus_access(&c->vm->bus, BUS_MMIO, gpa, buf, len, write);
	if (c->vm->audit)
		sw_audit_event(c, AUDIT_MMIO, write ? AUDIT_OUT : AUDIT_IN, gpa, len,
		               audit_value(buf, len));
}

static void phys_read(struct sw_cpu *c, uint64_t gpa, void *buf, unsigned len)
{
	void *p = gmem_ptr(&c->vm->mem, gpa, len);
	if (p) {
		memcpy(buf, p, len);
		return;
	}
	c->vm->stats.mmio_accesses++;
	sw_block_break(c);   /* a device may stop the VM: end the decoded block */
	if (len == 1 || len == 2 || len == 4 || len == 8) {
		mmio(c, gpa, buf, len, false);
		return;
	}
	for (unsigned i = 0; i < len; i++) {
		uint8_t *b = (uint8_t *)buf + i;
		p = gmem_ptr(&c->vm->mem, gpa + i, 1);
		if (p)
			*b = *(uint8_t *)p;
		else
			mmio(c, gpa + i, b, 1, false);
	}
}

static void phys_write(struct sw_cpu *c, uint64_t gpa, const void *buf, unsigned len)
{
	const struct gmem_region *r = gmem_find(&c->vm->mem, gpa, len);
	if (r) {
		if (r->kind == GMEM_RAM) {   /* writes to ROM are dropped */
			memcpy(r->host + (gpa - r->gpa), buf, len);
			sw_ic_write(c, gpa, len);
			sw_written_note(c, gpa, len);
		}
		return;
	}
	c->vm->stats.mmio_accesses++;
	sw_block_break(c);
	if (len == 1 || len == 2 || len == 4 || len == 8) {
		uint8_t tmp[8];
		memcpy(tmp, buf, len);
		mmio(c, gpa, tmp, len, true);
		return;
	}
	for (unsigned i = 0; i < len; i++) {
		uint8_t b = ((const uint8_t *)buf)[i];
		r = gmem_find(&c->vm->mem, gpa + i, 1);
		if (r) {
			if (r->kind == GMEM_RAM) {
				r->host[gpa + i - r->gpa] = b;
				sw_ic_write(c, gpa + i, 1);
				sw_written_note(c, gpa + i, 1);
			}
		} else {
			mmio(c, gpa + i, &b, 1, true);
		}
	}
}

/* ---- linear ---- */

/* Linear addresses wrap at 4 GiB outside long mode. */
static uint64_t lin_wrap(const struct sw_cpu *c, uint64_t lin)
{
	return (c->s.efer & EFER_LMA) ? lin : lin & 0xffffffffull;
}

/* Translate every page of [lin, lin+len) (len <= 4096 + 8 pieces at most
 * two pages for scalar accesses; buffers loop). Faults before any byte
 * moves. Returns the number of pieces. */
struct piece {
	uint64_t gpa;
	unsigned len;
};

static unsigned translate_range(struct sw_cpu *c, uint64_t lin, unsigned len, unsigned acc,
                                struct piece *pc, unsigned max)
{
	unsigned n = 0;
	while (len && n < max) {
		unsigned in_page = 0x1000 - (unsigned)(lin & 0xfff);
		unsigned l = len < in_page ? len : in_page;
		pc[n].gpa = sw_translate(c, lin, acc);
		pc[n].len = l;
		n++;
		len -= l;
		lin = lin_wrap(c, lin + l);
	}
	return n;
}

static inline uint64_t lin_read(struct sw_cpu *c, uint64_t lin, unsigned size, unsigned acc)
{
	if (c->dbg_data)
		sw_dbg_data(c, lin, size, false);
	const uint8_t *p = sw_fast_ptr(c, lin, size, sw_tlb_fast_bit(c, acc & ~ACC_WRITE));
	if (p)
		return sw_load_le(p, size);
	struct piece pc[2];
	uint64_t v = 0;
	unsigned n = translate_range(c, lin, size, acc & ~ACC_WRITE, pc, 2), off = 0;
	for (unsigned i = 0; i < n; i++) {
		phys_read(c, pc[i].gpa, (uint8_t *)&v + off, pc[i].len);
		off += pc[i].len;
	}
	return v;
}

static inline void lin_write(struct sw_cpu *c, uint64_t lin, unsigned size, uint64_t val,
                             unsigned acc)
{
	if (c->dbg_data)
		sw_dbg_data(c, lin, size, true);
	uint8_t *p = sw_fast_ptr(c, lin, size, sw_tlb_fast_bit(c, acc | ACC_WRITE));
	if (p) {
		sw_store_le(p, size, val);
		return;
	}
	struct piece pc[2];
	unsigned n = translate_range(c, lin, size, acc | ACC_WRITE, pc, 2), off = 0;
	for (unsigned i = 0; i < n; i++) {
		phys_write(c, pc[i].gpa, (uint8_t *)&val + off, pc[i].len);
		off += pc[i].len;
	}
}

uint64_t sw_lin_read(struct sw_cpu *c, uint64_t lin, unsigned size, unsigned acc)
{
	return lin_read(c, lin, size, acc);
}

void sw_lin_write(struct sw_cpu *c, uint64_t lin, unsigned size, uint64_t val, unsigned acc)
{
	lin_write(c, lin, size, val, acc);
}

/* ---- segmentation ---- */

static __attribute__((noreturn)) void seg_fault(struct sw_cpu *c, unsigned sreg)
{
	sw_raise(c, sreg == SEG_SS ? EXC_SS : EXC_GP, 0);
}

uint64_t sw_seg_linear_cache(struct sw_cpu *c, const struct seg_cache *sc, unsigned sreg,
                             uint64_t off, unsigned size, unsigned acc)
{
	uint64_t last = off + (size ? size - 1 : 0);

	if (c->mode == MODE_LONG64) {
		/* No limits; only FS and GS have a base. */
		uint64_t lin = off + (sreg == SEG_FS || sreg == SEG_GS ? sc->base : 0);
		if (!sw_canonical(lin) || !sw_canonical(lin + (last - off)))
			seg_fault(c, sreg);
		return lin;
	}
	if (c->mode != MODE_REAL && c->mode != MODE_VM86) {
		if (sc->unusable)
			seg_fault(c, sreg);
		bool code = sc->type & 8;
		if ((acc & ACC_WRITE) && (code || !(sc->type & 2)))
			seg_fault(c, sreg);   /* code, or read-only data */
		if (!(acc & ACC_WRITE) && !(acc & ACC_FETCH) && code && !(sc->type & 2))
			seg_fault(c, sreg);   /* execute-only code */
		if (!code && (sc->type & 4)) {
			/* Expand-down: valid offsets are limit+1 .. 0xffff/0xffffffff. */
			uint64_t upper = sc->db ? 0xffffffffull : 0xffffull;
			if (off <= sc->limit || last > upper)
				seg_fault(c, sreg);
			return (sc->base + off) & 0xffffffffull;
		}
	}
	if (last > sc->limit)
		seg_fault(c, sreg);
	return (sc->base + off) & 0xffffffffull;
}

uint64_t sw_seg_linear(struct sw_cpu *c, unsigned sreg, uint64_t off, unsigned size, unsigned acc)
{
	return sw_seg_linear_cache(c, &c->s.seg[sreg], sreg, off, size, acc);
}

/* #AC: CPL 3, CR0.AM and EFLAGS.AC, misaligned data access. */
static void align_check(struct sw_cpu *c, uint64_t lin, unsigned size)
{
	if (size > 1 && (lin & (size - 1)) && c->cpl == 3 && (c->s.cr0 & CR0_AM) &&
	    (c->s.rflags & RFLAGS_AC))
		sw_raise(c, EXC_AC, 0);
}

/* 64-bit mode without FS/GS needs no descriptor: only the canonical
 * check, done here for both ends; everything else goes the full way. */
static inline uint64_t seg_linear(struct sw_cpu *c, unsigned seg, uint64_t off, unsigned size,
                                  unsigned acc)
{
	if (c->mode == MODE_LONG64) {
		uint64_t lin = off + (seg >= SEG_FS ? c->s.seg[seg].base : 0);
		if (sw_canonical(lin) && sw_canonical(lin + size - 1))
			return lin;
	}
	return sw_seg_linear(c, seg, off, size, acc);
}

uint64_t sw_read(struct sw_cpu *c, unsigned seg, uint64_t off, unsigned size)
{
	uint64_t lin = seg_linear(c, seg, off, size, ACC_READ);
	align_check(c, lin, size);
	return lin_read(c, lin, size, ACC_READ);
}

void sw_write(struct sw_cpu *c, unsigned seg, uint64_t off, unsigned size, uint64_t val)
{
	uint64_t lin = seg_linear(c, seg, off, size, ACC_WRITE);
	align_check(c, lin, size);
	lin_write(c, lin, size, val, ACC_WRITE);
}

void sw_check_write(struct sw_cpu *c, unsigned seg, uint64_t off, unsigned size)
{
	struct piece pc[2];
	uint64_t lin = seg_linear(c, seg, off, size, ACC_WRITE);
	align_check(c, lin, size);
	if (!sw_fast_ptr(c, lin, size, c->fast_w))
		translate_range(c, lin, size, ACC_WRITE, pc, 2);
}

void sw_read_buf(struct sw_cpu *c, unsigned seg, uint64_t off, void *buf, unsigned len)
{
	if (!len)
		return;
	uint64_t lin = sw_seg_linear(c, seg, off, len, ACC_READ);
	if (c->dbg_data)
		sw_dbg_data(c, lin, len, false);
	uint8_t *b = buf;
	while (len) {
		struct piece pc;
		translate_range(c, lin, len, ACC_READ, &pc, 1);
		phys_read(c, pc.gpa, b, pc.len);
		b += pc.len;
		len -= pc.len;
		lin = lin_wrap(c, lin + pc.len);
	}
}

void sw_write_buf(struct sw_cpu *c, unsigned seg, uint64_t off, const void *buf, unsigned len)
{
	if (!len)
		return;
	uint64_t lin = sw_seg_linear(c, seg, off, len, ACC_WRITE);
	if (c->dbg_data)
		sw_dbg_data(c, lin, len, true);
	/* Check every page before the first byte is written. */
	uint64_t l = lin;
	unsigned left = len;
	while (left) {
		struct piece pc;
		translate_range(c, l, left, ACC_WRITE, &pc, 1);
		left -= pc.len;
		l = lin_wrap(c, l + pc.len);
	}
	const uint8_t *b = buf;
	while (len) {
		struct piece pc;
		translate_range(c, lin, len, ACC_WRITE, &pc, 1);
		phys_write(c, pc.gpa, b, pc.len);
		b += pc.len;
		len -= pc.len;
		lin = lin_wrap(c, lin + pc.len);
	}
}

/* ---- instruction fetch ---- */

unsigned sw_fetch(struct sw_cpu *c, uint64_t rip, uint8_t *buf, unsigned len)
{
	const struct seg_cache *cs = &c->s.seg[SEG_CS];
	uint64_t lin;

	if (!len)
		return 0;
	if (c->mode == MODE_LONG64) {
		if (!sw_canonical(rip))
			sw_gp0(c);
		lin = rip;
	} else {
		/* The whole instruction must lie within CS: fetch up to the
		 * limit; asking for a byte beyond it faults. */
		if (rip > cs->limit)
			sw_gp0(c);
		if (len - 1 > cs->limit - rip)
			len = (unsigned)(cs->limit - rip + 1);
		lin = (cs->base + rip) & 0xffffffffull;
	}
	/* Up to the end of the page: the next page is fetched (and may fault)
	 * only when the decoder needs its bytes. */
	unsigned in_page = 0x1000 - (unsigned)(lin & 0xfff);
	if (len > in_page)
		len = in_page;
	uint64_t gpa = sw_translate(c, lin, ACC_FETCH);
	phys_read(c, gpa, buf, len);
	return len;
}
