/* The inline fast path of guest data accesses: an access inside one page
 * whose TLB entry lets it go straight to host memory (swvmm/tlb.h). The
 * full path (segmentation, #AC, page walks, page-crossing accesses, MMIO,
 * writes to pages holding cached code) is sw_read/sw_write in
 * swvmm/mem.c, which these fall back to. */
#ifndef HVMM_SWVMM_MEM_FAST_H
#define HVMM_SWVMM_MEM_FAST_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "swvmm/cpu.h"
#include "swvmm/tlb.h"

/* The host address of [lin, lin+size) when one TLB entry allows the
 * access straight to guest memory (bit: TLBF_* for the access at the
 * current CPL, e.g. c->fast_r), else NULL. */
static inline uint8_t *sw_fast_ptr(const struct sw_cpu *c, uint64_t lin, unsigned size,
                                   unsigned bit)
{
	if ((lin & 0xfff) > 0x1000u - size)
		return NULL;
	const struct sw_tlb_entry *e = sw_tlb_hit(c, lin, bit);
	if (!e)
		return NULL;
	return e->host + (lin & 0xfff);
}

/* sw_fast_ptr for a data read / write at the current CPL, trying the page
 * of the last one first. */
static inline const uint8_t *sw_fast_rd(struct sw_cpu *c, uint64_t lin, unsigned size)
{
	if ((lin & 0xfff) > 0x1000u - size)
		return NULL;
	if (lin >> 12 == c->rd_vpn)
		return c->rd_host + (lin & 0xfff);
	const struct sw_tlb_entry *e = sw_tlb_hit(c, lin, c->fast_r);
	if (!e)
		return NULL;
	c->rd_vpn = e->vpn;
	c->rd_host = e->host;
	return e->host + (lin & 0xfff);
}

static inline uint8_t *sw_fast_wr(struct sw_cpu *c, uint64_t lin, unsigned size)
{
	if ((lin & 0xfff) > 0x1000u - size)
		return NULL;
	if (lin >> 12 == c->wr_vpn)
		return c->wr_host + (lin & 0xfff);
	const struct sw_tlb_entry *e = sw_tlb_hit(c, lin, c->fast_w);
	if (!e)
		return NULL;
	c->wr_vpn = e->vpn;
	c->wr_host = e->host;
	return e->host + (lin & 0xfff);
}

static inline uint64_t sw_load_le(const uint8_t *p, unsigned size)
{
	uint8_t b;
	uint16_t w;
	uint32_t d;
	uint64_t q;
	switch (size) {
	case 1: memcpy(&b, p, 1); return b;
	case 2: memcpy(&w, p, 2); return w;
	case 4: memcpy(&d, p, 4); return d;
	default: memcpy(&q, p, 8); return q;
	}
}

static inline void sw_store_le(uint8_t *p, unsigned size, uint64_t v)
{
	uint8_t b = (uint8_t)v;
	uint16_t w = (uint16_t)v;
	uint32_t d = (uint32_t)v;
	switch (size) {
	case 1: memcpy(p, &b, 1); break;
	case 2: memcpy(p, &w, 2); break;
	case 4: memcpy(p, &d, 4); break;
	default: memcpy(p, &v, 8); break;
	}
}

/* 64-bit mode through a segment without a base (not FS or GS), where the
 * offset is the linear address: the host address for a read or a write of
 * [lin, lin+size), or NULL when the access needs the full path (then the
 * instruction's general handler does it all). No canonical check: the
 * TLB holds canonical pages only, so a non-canonical address misses. At
 * CPL 3 a misaligned access takes the full path for the #AC check. */
static inline const uint8_t *sw_rd64(struct sw_cpu *c, uint64_t lin, unsigned size)
{
	if ((lin & (size - 1)) && c->cpl == 3)
		return NULL;
	return sw_fast_rd(c, lin, size);
}

static inline uint8_t *sw_wr64(struct sw_cpu *c, uint64_t lin, unsigned size)
{
	if ((lin & (size - 1)) && c->cpl == 3)
		return NULL;
	return sw_fast_wr(c, lin, size);
}

#endif
