/* libFuzzer target for the instruction decoder (swvmm/decode.c): any
 * bytes, in each of the three decode modes. Besides not crashing, the
 * decoder must keep the promises the interpreter builds on:
 *  - a length is 1-15 and no more than the bytes it was given, and the
 *    fields are in range (form, mnemonic, sizes, registers, segment);
 *  - fewer bytes never change the answer, only defer it: with k bytes of
 *    an instruction of length n > k it asks for more (DECODE_MORE), and
 *    with k >= n it decodes the same instruction. An instruction that
 *    crosses a page is fetched that way (swvmm/step.c, icache.c);
 *  - an invalid or too-long encoding stays so with more bytes, and with
 *    fewer it is that or DECODE_MORE.
 * Input: the instruction bytes (only the first 16 can matter). */
#include <stdbool.h>
#include <string.h>

#include "swvmm/decode.h"
#include "tests/fuzz/fuzz.h"

#define FZ_MAX 16

static int fz_decode(const uint8_t *b, size_t n, enum decode_mode m, struct insn *in)
{
	memset(in, 0, sizeof(*in));
	return decode_insn(b, n, m, in);
}

static void fz_check_fields(const struct insn *in, int len, size_t avail, enum decode_mode m)
{
	FZ_CHECK(len >= 1 && len <= 15 && (size_t)len <= avail, "length %d of %zu bytes", len,
	         avail);
	FZ_CHECK(in->len == len, "insn.len %u, returned %d", in->len, len);
	FZ_CHECK(in->form > IF_INVALID && in->form < NR_INSN_FORMS, "form %u", in->form);
	FZ_CHECK(in->mnem < NR_MNEMONICS, "mnemonic %u", in->mnem);
	FZ_CHECK(insn_mnemonic_str(in) != NULL, "no mnemonic for form %s",
	         insn_form_name(in->form));
	FZ_CHECK(in->opsize == 1 || in->opsize == 2 || in->opsize == 4 || in->opsize == 8,
	         "operand size %u", in->opsize);
	FZ_CHECK(in->adsize == 2 || in->adsize == 4 || (in->adsize == 8 && m == DECODE_64),
	         "address size %u in mode %d", in->adsize, m);
	FZ_CHECK(in->seg < NR_SREGS, "segment %u", in->seg);
	FZ_CHECK(in->base <= INSN_REG_RIP && in->index <= INSN_REG_NONE && in->scale <= 3,
	         "base %u index %u scale %u", in->base, in->index, in->scale);
	FZ_CHECK((in->base == INSN_REG_RIP) == !!(in->flags & INSN_RIPREL),
	         "base %u with flags %#x", in->base, in->flags);
	FZ_CHECK(in->reg < 16 && in->rm < 16, "reg %u rm %u", in->reg, in->rm);
	FZ_CHECK(m == DECODE_64 || !in->rex, "REX %#x outside 64-bit mode", in->rex);
}

static void fz_check_mode(const uint8_t *b, size_t n, enum decode_mode m)
{
	struct insn full, part;
	int r = fz_decode(b, n, m, &full);

	FZ_CHECK(r > 0 || r == DECODE_UD || r == DECODE_TOOLONG || r == DECODE_MORE,
	         "result %d", r);
	if (r > 0)
		fz_check_fields(&full, r, n, m);
	bool settled = false;   /* a shorter prefix already gave the final answer */
	for (size_t k = 0; k < n; k++) {
		int rk = fz_decode(b, k, m, &part);
		if (r > 0 && k < (size_t)r) {
			FZ_CHECK(rk == DECODE_MORE, "mode %d: %zu of the %d bytes gave %d", m, k, r,
			         rk);
		} else if (r > 0) {
			FZ_CHECK(rk == r && !memcmp(&part, &full, sizeof(part)),
			         "mode %d: %zu bytes decode differently from %zu (%d, %d)", m, k,
			         n, rk, r);
		} else {
			FZ_CHECK(rk == DECODE_MORE || rk == r, "mode %d: %zu bytes gave %d, %zu gave %d",
			         m, k, rk, n, r);
			FZ_CHECK(!settled || rk == r, "mode %d: %zu bytes gave %d after a shorter "
			         "prefix gave %d", m, k, rk, r);
			settled = rk == r;
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n = size < FZ_MAX ? size : FZ_MAX;
	/* A copy of exactly n bytes: ASan then sees a read past the end. */
	uint8_t *exact = malloc(n ? n : 1);
	if (!exact)
		return 0;
	memcpy(exact, data, n);
	for (int m = DECODE_16; m <= DECODE_64; m++)
		fz_check_mode(exact, n, (enum decode_mode)m);
	free(exact);
	return 0;
}
