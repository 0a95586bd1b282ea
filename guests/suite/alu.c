/* Runs the ALU table (alu_table.c): each case sets the arithmetic flags,
 * runs one instruction on registers and compares the result and the flags
 * the manual defines. The 16-bit build runs the same table in real mode,
 * where the 32-bit forms carry an operand-size prefix. */
#include "suite/alu.h"

static const char *const names[] = {
	"add", "adc", "sub", "sbb", "cmp", "and", "or", "xor", "test", "inc",
	"dec", "neg", "not", "shl", "shr", "sar", "rol", "ror", "rcl", "rcr",
	"shld", "shrd",
};

#ifdef __x86_64__
#define Q(x) x
#else
#define Q(x)
#endif

/* f carries the flags in and out; a is the destination, b the source,
 * c the count in CL. */
#define RUN(body) __asm__ volatile("push %[f]\n\t" POPF body "\n\t" PUSHF \
		"pop %[f]" : [a] "+q"(a), [f] "+r"(f) : [b] "q"(b), [c] "c"(c) \
		: "cc")
#define K(op, sz) ((op) << 8 | (sz))
#define BIN(op, mn) \
	case K(op, 8): RUN(mn "b %b[b], %b[a]"); break; \
	case K(op, 16): RUN(mn "w %w[b], %w[a]"); break; \
	case K(op, 32): RUN(mn "l %k[b], %k[a]"); break; \
	Q(case K(op, 64): RUN(mn "q %q[b], %q[a]"); break;)
#define UN(op, mn) \
	case K(op, 8): RUN(mn "b %b[a]"); break; \
	case K(op, 16): RUN(mn "w %w[a]"); break; \
	case K(op, 32): RUN(mn "l %k[a]"); break; \
	Q(case K(op, 64): RUN(mn "q %q[a]"); break;)
#define SH(op, mn) \
	case K(op, 8): RUN(mn "b %%cl, %b[a]"); break; \
	case K(op, 16): RUN(mn "w %%cl, %w[a]"); break; \
	case K(op, 32): RUN(mn "l %%cl, %k[a]"); break; \
	Q(case K(op, 64): RUN(mn "q %%cl, %q[a]"); break;)
#define SHD(op, mn) \
	case K(op, 16): RUN(mn "w %%cl, %w[b], %w[a]"); break; \
	case K(op, 32): RUN(mn "l %%cl, %k[b], %k[a]"); break; \
	Q(case K(op, 64): RUN(mn "q %%cl, %q[b], %q[a]"); break;)

static int exec(unsigned int op, unsigned int size, ulong *res, ulong b,
		ulong c, ulong *flags)
{
	ulong a = *res, f = *flags;

	switch (K(op, size)) {
	BIN(OP_ADD, "add") BIN(OP_ADC, "adc") BIN(OP_SUB, "sub")
	BIN(OP_SBB, "sbb") BIN(OP_CMP, "cmp") BIN(OP_AND, "and")
	BIN(OP_OR, "or") BIN(OP_XOR, "xor") BIN(OP_TEST, "test")
	UN(OP_INC, "inc") UN(OP_DEC, "dec") UN(OP_NEG, "neg") UN(OP_NOT, "not")
	SH(OP_SHL, "shl") SH(OP_SHR, "shr") SH(OP_SAR, "sar")
	SH(OP_ROL, "rol") SH(OP_ROR, "ror") SH(OP_RCL, "rcl") SH(OP_RCR, "rcr")
	SHD(OP_SHLD, "shld") SHD(OP_SHRD, "shrd")
	default:
		return 0;
	}
	*res = a;
	*flags = f;
	return 1;
}

void alu_checks(void)
{
	for (unsigned int i = 0; i < alu_ncases; i++) {
		const struct alu_case *t = &alu_cases[i];
		ulong res = (ulong)t->a, flags = 0x2 | t->fin;
		ulong b = (ulong)t->b, c = (ulong)t->c;
		char opnds[64], in[16] = "";
		uint64_t mask = ((uint64_t)2 << (t->size - 1)) - 1;

		if (t->op >= OP_SHL && t->op <= OP_RCR)
			c = b;		/* the count goes in CL */
		if (t->op <= OP_XOR || t->op == OP_TEST)
			snprintf(opnds, sizeof(opnds), "%lx,%lx",
				 (unsigned long)t->a, (unsigned long)t->b);
		else if (t->op <= OP_NOT)
			snprintf(opnds, sizeof(opnds), "%lx",
				 (unsigned long)t->a);
		else if (t->op <= OP_RCR)
			snprintf(opnds, sizeof(opnds), "%lx,cl=%lu",
				 (unsigned long)t->a, (unsigned long)t->b);
		else
			snprintf(opnds, sizeof(opnds), "%lx,%lx,cl=%lu",
				 (unsigned long)t->a, (unsigned long)t->b,
				 (unsigned long)t->c);
		if (t->fin)
			snprintf(in, sizeof(in), " fl=%x", t->fin);
		if (!exec(t->op, t->size, &res, b, c, &flags)) {
			check(1, 0, "%s%u %s: no such form", names[t->op],
			      t->size, opnds);
			continue;
		}
		check_vf(t->result, t->fout, (uint64_t)res & mask,
			 (unsigned int)flags, F_ARITH & ~t->undef,
			 "%s%u %s%s", names[t->op], t->size, opnds, in);
	}
}
