/* The adaptive policy's state, which hangs off struct policy: what it
 * learned of each address space's user stretches, and the stretch under
 * way. policy/adaptive.c uses it; docs/policy.md describes the policy. */
#ifndef HVMM_ADAPTIVE_TABLE_H
#define HVMM_ADAPTIVE_TABLE_H

#include <stdbool.h>
#include <stdint.h>

struct policy_ops;

/* Address spaces remembered at once; a power of two (the table is
 * direct-mapped by CR3: a collision forgets the older one). */
#define ADAPTIVE_SLOTS 32

struct adaptive_slot {
	uint64_t cr3;       /* page-table base: CR3 without PCID and flags */
	uint64_t len;       /* mean user-stretch length, interpreter instructions */
	bool used;          /* len holds a measurement for cr3 */
};

struct adaptive {
	const struct policy_ops *base;   /* theorem3's entry: the split it narrows */
	struct adaptive_slot slot[ADAPTIVE_SLOTS];
	/* The user stretch under way: from the drop to CPL 3 to the next
	 * kernel entry. */
	bool open;
	unsigned at;        /* its slot */
	uint64_t insn0;     /* the interpreter's instruction count at its start */
	uint64_t hw_ns;     /* time it spent on KVM so far, migrations in included */
	uint64_t hw_runs;   /* run calls it made on KVM so far */
	uint64_t hw_t0;     /* VM clock at the last decision that chose KVM */
	/* The last stretch measured was short: the next one on a short
	 * address space starts a free chunk instead of a measured stretch. */
	bool free_next;
	/* The interpreter's speed on user code: the stretch's part there
	 * began at sw_t0 (in_sw); user_ns and user_insns sum those parts. */
	bool in_sw;
	uint64_t sw_t0;
	uint64_t user_ns, user_insns;
};

#endif
