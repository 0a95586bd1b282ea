/* The decoder against Capstone, in 16-, 32- and 64-bit mode.
 *
 * Inputs: every opcode of the one-byte, 0F, 0F 38 and 0F 3A maps with every
 * ModRM byte, the same with a spread of prefixes, then random byte strings
 * (HVMM_DECODE_RANDOM of them per mode, default 10^6; seed
 * HVMM_DECODE_SEED). Each string is 15 bytes; both decoders see the same.
 * HVMM_DECODE_VERBOSE=1 prints how often each reviewed line matched.
 *
 * Where both accept, length and mnemonic family must agree. Where Capstone
 * accepts and the decoder says #UD, the case must be listed in
 * tests/decoder/capstone-ud.txt; any other difference (length, mnemonic,
 * or a general-purpose instruction Capstone rejects) must be listed in
 * tests/decoder/capstone-diff.txt. Unlisted differences fail the test.
 * docs/decoder.md describes the file format. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <capstone/capstone.h>
#include <ctype.h>
#include <fnmatch.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "swvmm/decode.h"

#define STR_LEN     15
#define MAX_RULES   256
#define MAX_CONDS   8
#define MAX_REPORTS 40

/* ---- reviewed files ---- */

enum rule_kind { RK_UD, RK_LENGTH, RK_MNEMONIC, RK_OURS_ONLY };

struct cond {
	enum { C_OP, C_LOCKONLY, C_DEADREX, C_MOD3, C_MODMEM, C_REG, C_RM, C_PFX, C_NOPFX, C_REXW,
	       C_CS, C_OURS, C_ANYPFX, C_TABLE, C_SEG } kind;
	uint8_t bytes[3];
	unsigned n;
	uint8_t last_hi;  /* op=0f1a-1f: last opcode byte from bytes[n-1] to this */
	char text[32];
};

struct rule {
	unsigned modes;   /* bit 0: 16, bit 1: 32, bit 2: 64 */
	enum rule_kind kind;
	struct cond cond[MAX_CONDS];
	unsigned ncond;
	char line[240];
	unsigned long hits;
};

struct rules {
	struct rule r[MAX_RULES];
	unsigned n;
};

static FILE *open_reviewed(const char *name)
{
	char path[512];
	const char *dir = getenv("HVMM_DECODER_DATA");
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir ? dir : "tests/decoder", name);
	f = fopen(path, "r");
	if (!f) {
		/* from the build dir: find the data next to this source file */
		const char *src = __FILE__;
		const char *slash = strrchr(src, '/');
		int dl = slash ? (int)(slash - src) : 0;
		snprintf(path, sizeof(path), "%.*s%s../decoder/%s", dl, src,
		         slash ? "/" : "", name);
		f = fopen(path, "r");
	}
	return f;
}

static bool parse_hex(const char *s, uint8_t *out, unsigned *n)
{
	*n = 0;
	while (*s && *n < 3) {
		unsigned v;
		if (!isxdigit((unsigned char)s[0]) || !isxdigit((unsigned char)s[1]))
			return false;
		sscanf(s, "%2x", &v);
		out[(*n)++] = (uint8_t)v;
		s += 2;
	}
	return *s == 0;
}

static bool parse_cond(const char *w, struct cond *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->text, sizeof(c->text), "%.31s", strchr(w, '=') ? strchr(w, '=') + 1 : "");
	if (!strncmp(w, "op=", 3)) {
		char hexpart[16];
		const char *dash = strchr(w, '-');
		unsigned hi;
		c->kind = C_OP;
		snprintf(hexpart, sizeof(hexpart), "%.*s",
		         dash ? (int)(dash - w - 3) : 15, w + 3);
		if (!parse_hex(hexpart, c->bytes, &c->n) || !c->n)
			return false;
		c->last_hi = c->bytes[c->n - 1];
		if (dash) {
			if (sscanf(dash + 1, "%2x", &hi) != 1)
				return false;
			c->last_hi = (uint8_t)hi;
		}
		return true;
	}
	if (!strcmp(w, "lockonly")) { c->kind = C_LOCKONLY; return true; }
	if (!strcmp(w, "deadrex")) { c->kind = C_DEADREX; return true; }
	if (!strcmp(w, "mod=3")) { c->kind = C_MOD3; return true; }
	if (!strcmp(w, "mod!=3")) { c->kind = C_MODMEM; return true; }
	if (!strncmp(w, "reg=", 4)) { c->kind = C_REG; c->n = (unsigned)atoi(w + 4); return true; }
	if (!strncmp(w, "rm=", 3)) { c->kind = C_RM; c->n = (unsigned)atoi(w + 3); return true; }
	if (!strncmp(w, "pfx=", 4)) { c->kind = C_PFX; return parse_hex(w + 4, c->bytes, &c->n); }
	if (!strncmp(w, "nopfx=", 6)) { c->kind = C_NOPFX; return parse_hex(w + 6, c->bytes, &c->n); }
	if (!strcmp(w, "anypfx")) { c->kind = C_ANYPFX; return true; }
	if (!strcmp(w, "seg")) { c->kind = C_SEG; return true; }
	if (!strcmp(w, "rex.w")) { c->kind = C_REXW; return true; }
	if (!strncmp(w, "cs=", 3)) { c->kind = C_CS; return true; }
	if (!strncmp(w, "ours=", 5)) { c->kind = C_OURS; return true; }
	if (!strcmp(w, "table=simd") || !strcmp(w, "table=x87")) { c->kind = C_TABLE; return true; }
	return false;
}

/* Line: MODES KIND COND... -- REASON */
static void load_rules(const char *name, struct rules *rs)
{
	char line[512];
	FILE *f = open_reviewed(name);
	unsigned lineno = 0;

	if (!f)
		fail_msg("cannot open tests/decoder/%s", name);
	while (fgets(line, sizeof(line), f)) {
		char *reason, *save = NULL, *w;
		struct rule *r;

		lineno++;
		line[strcspn(line, "\n")] = 0;
		if (!line[0] || line[0] == '#')
			continue;
		reason = strstr(line, " -- ");
		if (!reason)
			fail_msg("%s:%u: no ' -- reason'", name, lineno);
		if (rs->n == MAX_RULES)
			fail_msg("%s: too many rules", name);
		r = &rs->r[rs->n++];
		memset(r, 0, sizeof(*r));
		snprintf(r->line, sizeof(r->line), "%.239s", line);
		*reason = 0;
		w = strtok_r(line, " \t", &save);
		if (!w)
			fail_msg("%s:%u: empty rule", name, lineno);
		if (!strcmp(w, "*")) {
			r->modes = 7;
		} else {
			for (char *m = w; *m; m++) {
				if (!strncmp(m, "16", 2)) r->modes |= 1;
				else if (!strncmp(m, "32", 2)) r->modes |= 2;
				else if (!strncmp(m, "64", 2)) r->modes |= 4;
				else continue;
				m++;
			}
		}
		w = strtok_r(NULL, " \t", &save);
		if (!w)
			fail_msg("%s:%u: no kind", name, lineno);
		if (!strcmp(w, "ud")) r->kind = RK_UD;
		else if (!strcmp(w, "length")) r->kind = RK_LENGTH;
		else if (!strcmp(w, "mnemonic")) r->kind = RK_MNEMONIC;
		else if (!strcmp(w, "ours-only")) r->kind = RK_OURS_ONLY;
		else fail_msg("%s:%u: bad kind %s", name, lineno, w);
		while ((w = strtok_r(NULL, " \t", &save))) {
			if (r->ncond == MAX_CONDS)
				fail_msg("%s:%u: too many conditions", name, lineno);
			if (!parse_cond(w, &r->cond[r->ncond++]))
				fail_msg("%s:%u: bad condition %s", name, lineno, w);
		}
	}
	fclose(f);
}

/* ---- what a rule can look at ---- */

struct facts {
	bool lockonly;  /* accepted once each F0 becomes 3E (no effect) */
	bool deadrex;   /* a REX not directly before the opcode (ignored) */
	uint8_t pfx[STR_LEN];
	unsigned npfx;
	unsigned opstart;  /* index of the first opcode byte */
	bool rexw;
	uint8_t op[3];
	unsigned nop;
	int modrm;
	const char *cs_mnem;
	const char *our_mnem;
	unsigned table;    /* the main table's form for the opcode bytes */
};

static bool is_legacy_prefix(uint8_t b)
{
	switch (b) {
	case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65:
	case 0x66: case 0x67: case 0xf0: case 0xf2: case 0xf3:
		return true;
	}
	return false;
}

static void get_facts(const uint8_t *s, enum decode_mode mode, struct facts *f)
{
	unsigned i = 0;
	uint8_t rex = 0;

	memset(f, 0, sizeof(*f));
	while (i < STR_LEN) {
		if (is_legacy_prefix(s[i])) {
			f->pfx[f->npfx++] = s[i++];
			if (rex)
				f->deadrex = true;
			rex = 0;
		} else if (mode == DECODE_64 && (s[i] & 0xf0) == 0x40) {
			if (rex)
				f->deadrex = true;
			rex = s[i++];
		} else {
			break;
		}
	}
	f->rexw = rex & 8;
	f->opstart = i;
	for (; i < STR_LEN && f->nop < 3; ) {
		f->op[f->nop++] = s[i++];
		if (f->nop == 1 && f->op[0] == 0x0f)
			continue;
		if (f->nop == 2 && (f->op[1] == 0x38 || f->op[1] == 0x3a))
			continue;
		break;
	}
	f->modrm = i < STR_LEN ? s[i] : -1;
	if (f->nop == 1)
		f->table = opcode_map[K1(f->op[0])];
	else if (f->nop == 2 && f->op[1] != 0x38 && f->op[1] != 0x3a)
		f->table = opcode_map[K0F(f->op[1])];
	else if (f->nop == 3)
		f->table = opcode_map[(f->op[1] == 0x38 ? K38(0) : K3A(0)) + f->op[2]];
}

static bool has_prefix(const struct facts *f, uint8_t p)
{
	for (unsigned i = 0; i < f->npfx; i++)
		if (f->pfx[i] == p)
			return true;
	return false;
}

static bool cond_holds(const struct cond *c, const struct facts *f)
{
	switch (c->kind) {
	case C_OP:
		return f->nop >= c->n && !memcmp(f->op, c->bytes, c->n - 1) &&
		       f->op[c->n - 1] >= c->bytes[c->n - 1] &&
		       f->op[c->n - 1] <= c->last_hi;
	case C_LOCKONLY:
		return f->lockonly;
	case C_DEADREX:
		return f->deadrex;
	case C_MOD3:
		return f->modrm >= 0 && (f->modrm >> 6) == 3;
	case C_MODMEM:
		return f->modrm >= 0 && (f->modrm >> 6) != 3;
	case C_REG:
		return f->modrm >= 0 && ((unsigned)f->modrm >> 3 & 7) == c->n;
	case C_RM:
		return f->modrm >= 0 && ((unsigned)f->modrm & 7) == c->n;
	case C_PFX:
		return has_prefix(f, c->bytes[0]);
	case C_NOPFX:
		return !has_prefix(f, c->bytes[0]);
	case C_ANYPFX:
		return f->npfx > 0;
	case C_SEG:
		return has_prefix(f, 0x26) || has_prefix(f, 0x2e) || has_prefix(f, 0x36) ||
		       has_prefix(f, 0x3e) || has_prefix(f, 0x64) || has_prefix(f, 0x65);
	case C_REXW:
		return f->rexw;
	case C_CS:
		return f->cs_mnem && !fnmatch(c->text, f->cs_mnem, 0);
	case C_OURS:
		return f->our_mnem && !fnmatch(c->text, f->our_mnem, 0);
	case C_TABLE:
		return f->table == (strcmp(c->text, "simd") ? IF_X87 : IF_SIMD);
	}
	return false;
}

static struct rule *find_rule(struct rules *rs, enum rule_kind kind,
                              unsigned modebit, const struct facts *f)
{
	for (unsigned i = 0; i < rs->n; i++) {
		struct rule *r = &rs->r[i];
		bool ok = r->kind == kind && (r->modes & modebit);
		for (unsigned j = 0; ok && j < r->ncond; j++)
			ok = cond_holds(&r->cond[j], f);
		if (ok) {
			r->hits++;
			return r;
		}
	}
	return NULL;
}

/* ---- mnemonic families ---- */

/* Capstone spells some instructions per operand size or differently;
 * these map its spelling to the table's mnemonic. */
static const char *const cs_alias[][2] = {
	{ "movsb", "movs" }, { "movsw", "movs" }, { "movsd", "movs" },
	{ "movsq", "movs" }, { "cmpsb", "cmps" }, { "cmpsw", "cmps" },
	{ "cmpsd", "cmps" }, { "cmpsq", "cmps" }, { "stosb", "stos" },
	{ "stosw", "stos" }, { "stosd", "stos" }, { "stosq", "stos" },
	{ "lodsb", "lods" }, { "lodsw", "lods" }, { "lodsd", "lods" },
	{ "lodsq", "lods" }, { "scasb", "scas" }, { "scasw", "scas" },
	{ "scasd", "scas" }, { "scasq", "scas" }, { "insb", "ins" },
	{ "insw", "ins" }, { "insd", "ins" }, { "outsb", "outs" },
	{ "outsw", "outs" }, { "outsd", "outs" },
	{ "cwde", "cbw" }, { "cdqe", "cbw" }, { "cdq", "cwd" }, { "cqo", "cwd" },
	{ "pushal", "pusha" }, { "pushaw", "pusha" }, { "popal", "popa" },
	{ "popaw", "popa" }, { "pushfd", "pushf" }, { "pushfq", "pushf" },
	{ "popfd", "popf" }, { "popfq", "popf" }, { "iretd", "iret" },
	{ "iretq", "iret" }, { "retfq", "retf" }, { "lcall", "callf" },
	{ "ljmp", "jmpf" }, { "xlatb", "xlat" }, { "jecxz", "jcxz" },
	{ "jrcxz", "jcxz" }, { "ud2b", "ud1" }, { "cmpxchg16b", "cmpxchg8b" },
	{ "fxsave64", "fxsave" }, { "fxrstor64", "fxrstor" },
	{ "xsave64", "xsave" }, { "xrstor64", "xrstor" },
	{ "xsaveopt64", "xsaveopt" }, { "xsavec64", "xsavec" },
	{ "xsaves64", "xsaves" }, { "xrstors64", "xrstors" },
	{ "sysexitq", "sysexit" }, { "sysretq", "sysret" }, { "sysretl", "sysret" },
	{ "movabs", "mov" }, { "fwait", "wait" }, { "endbr64", "nop" },
	{ "endbr32", "nop" },
};

/* Capstone's mnemonic without prefix words (rep, lock, ...). */
static const char *cs_base_mnemonic(const char *m)
{
	static const char *const words[] = { "lock ", "rep ", "repe ", "repne ",
		"repz ", "repnz ", "bnd ", "notrack ", "xacquire ", "xrelease ",
		"data16 ", "addr32 " };
	bool again = true;
	while (again) {
		again = false;
		for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
			size_t n = strlen(words[i]);
			if (!strncmp(m, words[i], n)) {
				m += n;
				again = true;
			}
		}
	}
	return m;
}

static const char *cs_family(const char *m)
{
	for (size_t i = 0; i < sizeof(cs_alias) / sizeof(cs_alias[0]); i++)
		if (!strcmp(m, cs_alias[i][0]))
			return cs_alias[i][1];
	return m;
}

/* Table mnemonics that stand for a whole extension: only the length is
 * compared for them. */
static bool generic_mnemonic(unsigned m)
{
	return m == M_3dnow || m == M_vex || m == M_evex || m == M_xop;
}

/* Capstone's spelling of a SIMD or x87 row: the CMPPS..CMPSD predicates
 * it folds into the mnemonic (cmpltps) are the imm8, and the 8087/287
 * controls and FSTP1 have names of its own. The string-instruction
 * aliases (movsd, cmpsd) do not apply here. */
static const char *cs_simd_family(const char *m, char *buf, size_t n)
{
	static const char *const preds[] = { "eq", "lt", "le", "unord", "neq",
		"nlt", "nle", "ord" };
	static const char *const x87[][2] = { { "feni8087_nop", "fneni" },
		{ "fdisi8087_nop", "fndisi" }, { "fsetpm", "fnsetpm" },
		{ "fstpnce", "fstp" } };
	size_t len = strlen(m);

	for (size_t i = 0; i < sizeof(x87) / sizeof(x87[0]); i++)
		if (!strcmp(m, x87[i][0]))
			return x87[i][1];
	if (strncmp(m, "cmp", 3) || len < 6)
		return m;
	for (size_t i = 0; i < sizeof(preds) / sizeof(preds[0]); i++) {
		size_t pl = strlen(preds[i]);
		if (len == 3 + pl + 2 && !strncmp(m + 3, preds[i], pl)) {
			snprintf(buf, n, "cmp%s", m + 3 + pl);
			return buf;
		}
	}
	return m;
}

static bool same_mnemonic(const char *csm, const struct insn *d)
{
	char buf[16];
	if (d->form == IF_SIMD || d->form == IF_X87)
		return !strcmp(cs_simd_family(csm, buf, sizeof(buf)), insn_mnemonic_str(d));
	return !strcmp(cs_family(csm), insn_mnemonic_name(d->mnem));
}

/* ---- the comparison ---- */

struct counts {
	unsigned long compared, agreed, both_valid, listed_ud, listed_diff, mismatched;
};

struct run {
	csh cs;
	cs_insn *ci;
	enum decode_mode mode;
	unsigned modebit;
	struct rules *ud, *diff;
	struct counts n;
	unsigned reported;
};

static unsigned long env_count(const char *name, unsigned long dflt)
{
	const char *v = getenv(name);
	return v && *v ? strtoul(v, NULL, 0) : dflt;
}

static void hex(char *out, size_t outlen, const uint8_t *s, unsigned n)
{
	size_t p = 0;
	out[0] = 0;
	for (unsigned i = 0; i < n && p + 3 < outlen; i++)
		p += (size_t)snprintf(out + p, outlen - p, "%02x", s[i]);
}

static void report(struct run *r, const char *what, const uint8_t *s, int ours,
                   const struct insn *d, bool cs_ok)
{
	char bytes[64];
	r->n.mismatched++;
	if (r->reported++ >= env_count("HVMM_DECODE_REPORTS", MAX_REPORTS))
		return;
	hex(bytes, sizeof(bytes), s, STR_LEN);
	fprintf(stderr, "MISMATCH %d-bit %s: %s\n  ours: ", r->mode == DECODE_16 ? 16 :
	        r->mode == DECODE_32 ? 32 : 64, what, bytes);
	if (ours > 0)
		fprintf(stderr, "len %d %s (%s)\n", ours, insn_mnemonic_str(d),
		        insn_form_name(d->form));
	else
		fprintf(stderr, "%s\n", ours == DECODE_UD ? "#UD" :
		        ours == DECODE_TOOLONG ? "#GP (over 15 bytes)" : "need more bytes");
	if (cs_ok)
		fprintf(stderr, "  capstone: len %u %s %s\n", r->ci->size,
		        r->ci->mnemonic, r->ci->op_str);
	else
		fprintf(stderr, "  capstone: rejects\n");
}

/* Forms the table marks F_EXT (VMX, SVM, XSAVE, ...) decode with the right
 * length but the interpreter raises #UD or #NM for them: each such
 * instruction Capstone accepts must be listed, with the reason, in
 * capstone-ud.txt. Returns true when it was counted. */
static bool ext_ud(struct run *r, const uint8_t *s, int ours, const struct insn *d,
                   const struct facts *f)
{
	if (!(insn_forms[d->form].flags & F_EXT))
		return false;
	if (find_rule(r->ud, RK_UD, r->modebit, f))
		r->n.listed_ud++;
	else
		report(r, "capstone accepts, interpreter raises #UD/#NM (unlisted)", s, ours, d, true);
	return true;
}

static void compare_one(struct run *r, const uint8_t *s)
{
	struct insn d;
	struct facts f;
	const uint8_t *p = s;
	size_t left = STR_LEN;
	uint64_t addr = 0x1000;
	int ours = decode_insn(s, STR_LEN, r->mode, &d);
	bool cs_ok = cs_disasm_iter(r->cs, &p, &left, &addr, r->ci);
	const char *csm = cs_ok ? cs_base_mnemonic(r->ci->mnemonic) : NULL;

	r->n.compared++;
	if (ours <= 0 && !cs_ok) {
		r->n.agreed++;
		return;
	}
	get_facts(s, r->mode, &f);
	f.cs_mnem = csm;
	f.our_mnem = ours > 0 ? insn_mnemonic_str(&d) : NULL;
	if (ours <= 0) {
		if (has_prefix(&f, 0xf0)) {
			uint8_t t[STR_LEN];
			struct insn d2;
			memcpy(t, s, STR_LEN);
			for (unsigned i = 0; i < f.opstart; i++)
				if (t[i] == 0xf0)
					t[i] = 0x3e;
			f.lockonly = decode_insn(t, STR_LEN, r->mode, &d2) > 0;
		}
		if (ours == DECODE_UD && find_rule(r->ud, RK_UD, r->modebit, &f))
			r->n.listed_ud++;
		else
			report(r, "capstone accepts, decoder rejects", s, ours, &d, cs_ok);
		return;
	}
	if (!cs_ok) {
		if (generic_mnemonic(d.mnem))
			r->n.agreed++;
		else if (find_rule(r->diff, RK_OURS_ONLY, r->modebit, &f))
			r->n.listed_diff++;
		else
			report(r, "decoder accepts, capstone rejects", s, ours, &d, cs_ok);
		return;
	}
	if ((unsigned)ours != r->ci->size) {
		if (find_rule(r->diff, RK_LENGTH, r->modebit, &f))
			r->n.listed_diff++;
		else
			report(r, "length", s, ours, &d, cs_ok);
		return;
	}
	if (!generic_mnemonic(d.mnem) && !same_mnemonic(csm, &d)) {
		if (find_rule(r->diff, RK_MNEMONIC, r->modebit, &f))
			r->n.listed_diff++;
		else
			report(r, "mnemonic", s, ours, &d, cs_ok);
		return;
	}
	if (ext_ud(r, s, ours, &d, &f))
		return;
	r->n.agreed++;
	r->n.both_valid++;
}

/* xorshift64*: fixed seed, reproducible runs */
static uint64_t rnd(uint64_t *st)
{
	*st ^= *st >> 12;
	*st ^= *st << 25;
	*st ^= *st >> 27;
	return *st * 0x2545f4914f6cdd1dull;
}

static void fill_random(uint8_t *s, unsigned from, uint64_t *st)
{
	for (unsigned i = from; i < STR_LEN; i++)
		s[i] = (uint8_t)rnd(st);
}

/* Opcode bytes of every map entry point: one-byte, 0F xx, 0F 38 xx, 0F 3A xx. */
static unsigned opcode_prefix(unsigned i, uint8_t *op)
{
	if (i < 256) { op[0] = (uint8_t)i; return 1; }
	if (i < 512) { op[0] = 0x0f; op[1] = (uint8_t)i; return 2; }
	op[0] = 0x0f;
	op[1] = i < 768 ? 0x38 : 0x3a;
	op[2] = (uint8_t)i;
	return 3;
}

static void run_mode(enum decode_mode mode)
{
	static const uint8_t prefixes[][3] = {
		{ 0x66 }, { 0x67 }, { 0xf3 }, { 0xf2 }, { 0xf0 }, { 0x2e }, { 0x64 },
		{ 0x66, 0x67 }, { 0xf0, 0x66 }, { 0xf3, 0x66 }, { 0x26, 0x48 },
		{ 0x41 }, { 0x44 }, { 0x48 }, { 0x4f }, { 0x66, 0x48 }, { 0x40, 0x66 },
	};
	static const unsigned plen[] = { 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2,
		1, 1, 1, 1, 2, 2 };
	struct rules *ud = calloc(1, sizeof(*ud)), *diff = calloc(1, sizeof(*diff));
	struct run r = { 0 };
	uint64_t st = env_count("HVMM_DECODE_SEED", 1) * 0x9e3779b97f4a7c15ull +
	              0x632be59bd9b4e019ull;
	unsigned long nrandom = env_count("HVMM_DECODE_RANDOM", 1000000);
	unsigned long systematic;
	uint8_t s[STR_LEN];
	cs_mode csmode = mode == DECODE_16 ? CS_MODE_16 :
	                 mode == DECODE_32 ? CS_MODE_32 : CS_MODE_64;

	assert_non_null(ud);
	assert_non_null(diff);
	load_rules("capstone-ud.txt", ud);
	load_rules("capstone-diff.txt", diff);
	assert_int_equal(cs_open(CS_ARCH_X86, csmode, &r.cs), CS_ERR_OK);
	r.ci = cs_malloc(r.cs);
	assert_non_null(r.ci);
	r.mode = mode;
	r.modebit = mode == DECODE_16 ? 1 : mode == DECODE_32 ? 2 : 4;
	r.ud = ud;
	r.diff = diff;

	/* every opcode with every ModRM, random SIB/displacement/immediate */
	for (unsigned i = 0; i < 1024; i++) {
		uint8_t op[3];
		unsigned n = opcode_prefix(i, op);
		for (unsigned m = 0; m < 256; m++) {
			memcpy(s, op, n);
			s[n] = (uint8_t)m;
			fill_random(s, n + 1, &st);
			compare_one(&r, s);
		}
		/* the same behind each prefix set, with a spread of ModRMs */
		for (unsigned k = 0; k < sizeof(plen) / sizeof(plen[0]); k++) {
			if (mode != DECODE_64 && (prefixes[k][plen[k] - 1] & 0xf0) == 0x40)
				continue;
			for (unsigned m = 0; m < 256; m += 9) {
				memcpy(s, prefixes[k], plen[k]);
				memcpy(s + plen[k], op, n);
				s[plen[k] + n] = (uint8_t)(m ^ (rnd(&st) & 0xc0));
				fill_random(s, plen[k] + n + 1, &st);
				compare_one(&r, s);
			}
		}
	}
	systematic = r.n.compared;
	for (unsigned long i = 0; i < nrandom; i++) {
		fill_random(s, 0, &st);
		compare_one(&r, s);
	}

	printf("capstone %d-bit: compared %lu (%lu opcode/ModRM/prefix, %lu random), "
	       "agreed %lu (%lu valid in both), listed-UD %lu, listed-diff %lu, "
	       "mismatched %lu\n",
	       mode == DECODE_16 ? 16 : mode == DECODE_32 ? 32 : 64, r.n.compared,
	       systematic, nrandom, r.n.agreed, r.n.both_valid, r.n.listed_ud, r.n.listed_diff,
	       r.n.mismatched);
	if (getenv("HVMM_DECODE_VERBOSE")) {
		for (unsigned i = 0; i < ud->n; i++)
			printf("  %8lu  %s\n", ud->r[i].hits, ud->r[i].line);
		for (unsigned i = 0; i < diff->n; i++)
			printf("  %8lu  %s\n", diff->r[i].hits, diff->r[i].line);
	}
	cs_free(r.ci, 1);
	cs_close(&r.cs);
	free(ud);
	free(diff);
	if (r.n.mismatched)
		fail_msg("%lu unlisted differences from Capstone (first ones above)",
		         r.n.mismatched);
}

static void test_capstone_16(void **state)
{
	(void)state;
	run_mode(DECODE_16);
}

static void test_capstone_32(void **state)
{
	(void)state;
	run_mode(DECODE_32);
}

static void test_capstone_64(void **state)
{
	(void)state;
	run_mode(DECODE_64);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_capstone_16),
		cmocka_unit_test(test_capstone_32),
		cmocka_unit_test(test_capstone_64),
	};
	return cmocka_run_group_tests_name("decode_capstone", tests, NULL, NULL);
}
