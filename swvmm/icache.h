/* The decoded-instruction cache. A block is a run of decoded instructions
 * (decoded struct insn plus the handler chosen at decode time) starting at
 * a guest physical address, ending at the first instruction that may
 * branch, change mode, paging or code, at the end of the 4 KiB page, or
 * after SW_BLOCK_MAX instructions. Blocks are found by physical address
 * and decode mode in a direct-mapped table; their instructions live in a
 * pool that is emptied (with every block) when it fills up.
 *
 * Self-modifying code: every page holding cached code has a code-page
 * record with a mask of its 64-byte lines that hold decoded bytes and a
 * generation number each block copies. A write that touches such a line
 * (any write path: swvmm/mem.c, page-table A/D bits, sw_mem_invalidate)
 * bumps the generation, which drops every block of the page, and calls
 * sw_block_break so the running block ends after the writing instruction.
 * Writes to pages without code never look here: the TLB's fast write bit
 * is taken away from every entry that maps a page once it holds code. */
#ifndef HVMM_SWVMM_ICACHE_H
#define HVMM_SWVMM_ICACHE_H

#include <stdint.h>

#include "swvmm/cpu.h"
#include "swvmm/decode.h"

#define SW_IC_BLOCK_BITS 14
#define SW_IC_BLOCKS     (1u << SW_IC_BLOCK_BITS)
#define SW_IC_POOL       65536u   /* decoded instructions */
#define SW_IC_PAGES      4096u    /* code-page records (open addressing) */
#define SW_IC_PAGES_MAX  3072u    /* more: start afresh */
#define SW_BLOCK_MAX     32u      /* fits sw_block.n */
#define SW_IC_FRESH      256u     /* pages newly holding code, between reports */

struct sw_uop {
	sw_exec_fn fn;
	struct insn in;
};

struct sw_block {
	uint64_t key;       /* gpa << 2 | decode mode */
	uint32_t epoch;     /* valid only in the cache's current epoch */
	uint32_t gen;       /* generation of its code page when decoded */
	uint32_t uop;       /* first instruction in the pool */
	uint16_t page;      /* code-page record */
	uint16_t bytes;     /* length of the code it covers */
	uint8_t n;          /* instructions */
	bool stop;          /* the last one returns control to the run loop */
};

struct sw_code_page {
	uint64_t ppn;
	uint64_t lines;     /* 64-byte lines of the page that hold cached code */
	uint32_t gen;
	uint32_t epoch;
};

struct sw_icache {
	uint32_t epoch;
	uint32_t pool_used;
	uint32_t pages_used;
	uint64_t decoded;   /* blocks decoded (statistics for tests and tuning) */
	uint64_t flushes;   /* times everything was dropped */
	uint64_t smc;       /* code pages invalidated by writes */
	uint64_t fresh[SW_IC_FRESH]; /* pages that came to hold code since the
	                                last sw_ic_each_new_code_page */
	unsigned fresh_n;
	bool fresh_lost;    /* more than SW_IC_FRESH: report every code page */
	struct sw_block block[SW_IC_BLOCKS];
	struct sw_code_page page[SW_IC_PAGES];
	struct sw_uop pool[SW_IC_POOL];
};

int sw_ic_init(struct sw_cpu *c);
/* fn(opaque, gpa) for each page that came to hold decoded code since the
 * last call (at least those; all of them after an overflow). */
void sw_ic_each_new_code_page(struct sw_cpu *c, void (*fn)(void *opaque, uint64_t gpa),
                              void *opaque);
void sw_ic_free(struct sw_cpu *c);

static inline uint64_t sw_ic_key(uint64_t gpa, enum decode_mode dm)
{
	return gpa << 2 | (uint64_t)dm;
}

/* The table slot of a key (multiplicative hash: nearby addresses spread). */
static inline unsigned sw_ic_slot(uint64_t key)
{
	return (unsigned)((key * 0x9e3779b97f4a7c15ull) >> (64 - SW_IC_BLOCK_BITS));
}

static inline const struct sw_block *sw_ic_find(const struct sw_icache *ic, uint64_t key)
{
	const struct sw_block *b = &ic->block[sw_ic_slot(key)];
	if (b->key == key && b->epoch == ic->epoch && ic->page[b->page].gen == b->gen)
		return b;
	return NULL;
}

static inline const struct sw_uop *sw_ic_uops(const struct sw_icache *ic, const struct sw_block *b)
{
	return &ic->pool[b->uop];
}

/* Decode a block at gpa, whose page lies at host page (4 KiB readable).
 * NULL when its first instruction cannot be cached (it crosses the page
 * end or does not decode): the caller fetches and decodes it itself. */
const struct sw_block *sw_ic_decode(struct sw_cpu *c, uint64_t gpa, const uint8_t *page,
                                    enum decode_mode dm);

/* Does physical page ppn hold cached code? */
bool sw_ic_page_has_code(const struct sw_cpu *c, uint64_t ppn);

/* [gpa, gpa+len) was written: drop the blocks of any code it touched. */
void sw_ic_write(struct sw_cpu *c, uint64_t gpa, uint64_t len);

/* The handler for a decoded instruction (swvmm/exec_fast.c): a variant
 * specialised for its operands where one exists, else c->exec[form]. */
sw_exec_fn sw_select_handler(const struct sw_cpu *c, const struct insn *i);

#endif
