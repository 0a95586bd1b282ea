/* The CPUID model: a fixed baseline x86-64 processor that the interpreter
 * implements and a kernel can boot on, presented identically by both
 * engines. The feature bits come from one table (core/cpuid_features.h),
 * which also says why each bit left out is left out. Besides them:
 * - leaf 7: sub-leaf 0 only;
 * - leaf 0xD: XCR0 may hold x87 and SSE; the image is 576 bytes for
 *   either; XSAVEOPT; no XSAVEC, XSAVES or XINUSE (sub-leaf 1);
 * - 0x80000002-4: brand string; 0x80000008: address sizes.
 * The MTRR and machine-check MSRs answer although their bits are out
 * (swvmm/msr.c), as KVM answers them whatever CPUID says. Where KVM runs,
 * every feature is ANDed with KVM's supported CPUID, so that the model is
 * what both engines execute on this host. */
#include <errno.h>
#include <string.h>

#include "core/cpuid.h"
#include "core/cpuid_features.h"

#define MODEL_MAX_BASIC 0xdu
#define MODEL_MAX_EXT   0x80000008u
#define MODEL_PHYS_BITS 40u
#define MODEL_VIRT_BITS 48u
#define MODEL_XCR0   3u          /* x87, SSE */
#define MODEL_XSAVE_SIZE 576u    /* legacy area and header */

const struct cpuid_feature cpuid_features[] = {
#define CPUID_FEATURE_ROW(name, leaf, reg, bit, how, why) { name, leaf, reg, bit, how, why },
	CPUID_FEATURES(CPUID_FEATURE_ROW)
#undef CPUID_FEATURE_ROW
};
const unsigned cpuid_nr_features = sizeof(cpuid_features) / sizeof(cpuid_features[0]);

/* The bits of (leaf, reg) whose way into the model is in the set hows
 * (1 << enum cpuid_how). */
static uint32_t bits_of(uint32_t leaf, unsigned reg, unsigned hows)
{
	uint32_t r = 0;
	for (unsigned i = 0; i < cpuid_nr_features; i++) {
		const struct cpuid_feature *f = &cpuid_features[i];
		if (f->leaf == leaf && f->reg == reg && (hows >> f->how) & 1)
			r |= 1u << f->bit;
	}
	return r;
}

#define OFFERED ((1u << CPUID_ALL) | (1u << CPUID_HOST) | (1u << CPUID_INFO))

static uint32_t offered(uint32_t leaf, unsigned reg)
{
	return bits_of(leaf, reg, OFFERED);
}

static const char brand[48] = "hvmm virtual CPU";

static void host_cpuid(uint32_t fn, uint32_t idx, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(fn), "c"(idx));
}

static const struct cpuid_entry *find_in(const struct cpuid_entry *e, int n, uint32_t fn,
					 uint32_t idx)
{
	for (int i = 0; i < n; i++)
		if (e[i].function == fn &&
		    (!(e[i].flags & CPUID_F_SIGNIFICANT_INDEX) || e[i].index == idx))
			return &e[i];
	return NULL;
}

const struct cpuid_entry *cpuid_model_find(const struct cpuid_model *m, uint32_t function,
					   uint32_t index)
{
	return find_in(m->e, m->nr, function, index);
}

static struct cpuid_entry *add(struct cpuid_model *m, uint32_t fn, uint32_t idx, uint32_t flags,
			       uint32_t eax, uint32_t ebx, uint32_t ecx, uint32_t edx)
{
	struct cpuid_entry *e = &m->e[m->nr++];   /* the fixed set fits by construction */

	*e = (struct cpuid_entry){ .function = fn, .index = idx, .flags = flags,
				   .eax = eax, .ebx = ebx, .ecx = ecx, .edx = edx };
	return e;
}

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/* The host's limits: from KVM's list when given, else from the processor. */
static uint32_t host_value(const struct cpuid_entry *host, int nhost, uint32_t fn, int reg)
{
	uint32_t r[4];

	if (host) {
		const struct cpuid_entry *e = find_in(host, nhost, fn, 0);
		if (!e)
			return 0;
		r[0] = e->eax, r[1] = e->ebx, r[2] = e->ecx, r[3] = e->edx;
		return r[reg];
	}
	host_cpuid(fn, 0, r);
	return r[reg];
}

static void build(struct cpuid_model *m, uint32_t phys_bits, uint32_t virt_bits)
{
	uint32_t v[4], sig[4], ext0[4], b[12];

	memcpy(b, brand, sizeof(b));

	host_cpuid(0, 0, v);
	host_cpuid(1, 0, sig);
	host_cpuid(0x80000000u, 0, ext0);

	add(m, 0, 0, 0, m->max_basic, v[1], v[2], v[3]);
	/* EBX: CLFLUSH line 8 x 8 bytes, one logical processor, APIC ID 0. */
	add(m, 1, 0, 0, sig[0], (1u << 16) | (8u << 8), offered(1, 2), offered(1, 3));
	if (m->max_basic >= 7)
		add(m, 7, 0, CPUID_F_SIGNIFICANT_INDEX, 0, offered(7, 1), offered(7, 2), offered(7, 3));
	if (m->max_basic >= 0xd) {
		add(m, 0xd, 0, CPUID_F_SIGNIFICANT_INDEX, MODEL_XCR0, MODEL_XSAVE_SIZE,
		    MODEL_XSAVE_SIZE, 0);
		add(m, 0xd, 1, CPUID_F_SIGNIFICANT_INDEX, 1u /* XSAVEOPT */, 0, 0, 0);
	}

	/* EBX-EDX of 0x80000000 carry the vendor on AMD and are zero on Intel:
	 * mirror the host. AMD also repeats the signature in 0x80000001 EAX. */
	add(m, 0x80000000u, 0, 0, m->max_ext, ext0[1], ext0[2], ext0[3]);
	add(m, 0x80000001u, 0, 0, m->zero_out_of_range ? sig[0] : 0, 0,
	    offered(0x80000001u, 2), offered(0x80000001u, 3));
	for (uint32_t i = 0; i < 3; i++)
		add(m, 0x80000002u + i, 0, 0, b[4 * i], b[4 * i + 1], b[4 * i + 2], b[4 * i + 3]);
	add(m, 0x80000005u, 0, 0, 0, 0, 0, 0);
	add(m, 0x80000006u, 0, 0, 0, 0, 0, 0);
	add(m, 0x80000007u, 0, 0, 0, 0, 0, 0);
	add(m, 0x80000008u, 0, 0, phys_bits | (virt_bits << 8), 0, 0, 0);

	/* Leaves above the (possibly host-lowered) maxima do not exist. */
	int n = 0;
	for (int i = 0; i < m->nr; i++) {
		uint32_t fn = m->e[i].function;
		bool ok = fn < 0x80000000u ? fn <= m->max_basic : fn <= m->max_ext;
		if (ok)
			m->e[n++] = m->e[i];
	}
	m->nr = n;
}

/* AND every feature register with the host's for the same leaf. */
static void intersect(struct cpuid_model *m, const struct cpuid_entry *host, int nhost)
{
	for (int i = 0; i < m->nr; i++) {
		struct cpuid_entry *e = &m->e[i];
		const struct cpuid_entry *h = find_in(host, nhost, e->function, e->index);
		uint32_t hb = h ? h->ebx : 0, hc = h ? h->ecx : 0, hd = h ? h->edx : 0;

		switch (e->function) {
		case 1:
			/* The hypervisor bit only informs the guest. */
			e->ecx &= hc | bits_of(1, 2, 1u << CPUID_INFO);
			e->edx &= hd;
			break;
		case 7:
			e->ebx &= hb, e->ecx &= hc, e->edx &= hd;
			break;
		case 0x80000001u:
			e->ecx &= hc, e->edx &= hd;
			break;
		case 0xd:                /* XCR0 bits and XSAVEOPT */
			e->eax &= h ? h->eax : 0;
			break;
		}
	}
}

/* Features the interpreter runs on the host processor exist only where
 * the host has them. */
static void intersect_host_run(struct cpuid_model *m)
{
	uint32_t r[4];
	struct cpuid_entry *e = (struct cpuid_entry *)cpuid_model_find(m, 1, 0);
	host_cpuid(1, 0, r);
	if (e) {
		e->ecx &= r[2] | ~bits_of(1, 2, 1u << CPUID_HOST);
		e->edx &= r[3] | ~bits_of(1, 3, 1u << CPUID_HOST);
	}
}

int cpuid_model_init(struct cpuid_model *m, const struct cpuid_entry *host, int nhost)
{
	uint32_t v[4], phys, virt, hmax;

	if (nhost < 0 || (nhost > 0 && !host))
		return -EINVAL;
	if (!nhost)
		host = NULL;
	memset(m, 0, sizeof(*m));

	host_cpuid(0, 0, v);
	memcpy(m->vendor, &v[1], 4);
	memcpy(m->vendor + 4, &v[3], 4);
	memcpy(m->vendor + 8, &v[2], 4);
	m->zero_out_of_range = !strcmp(m->vendor, "AuthenticAMD") ||
			       !strcmp(m->vendor, "HygonGenuine");

	m->max_basic = min_u32(MODEL_MAX_BASIC, host_value(host, nhost, 0, 0));
	hmax = host_value(host, nhost, 0x80000000u, 0);
	m->max_ext = hmax >= 0x80000000u ? min_u32(MODEL_MAX_EXT, hmax) : 0x80000000u;

	/* Guest address widths may not exceed what the host translates. */
	phys = MODEL_PHYS_BITS, virt = MODEL_VIRT_BITS;
	if (hmax >= 0x80000008u) {
		uint32_t a = host_value(host, nhost, 0x80000008u, 0);
		if ((a & 0xff) && (a & 0xff) < phys)
			phys = a & 0xff;
		if (((a >> 8) & 0xff) && ((a >> 8) & 0xff) < virt)
			virt = (a >> 8) & 0xff;
	}

	build(m, phys, virt);
	intersect_host_run(m);
	if (host)
		intersect(m, host, nhost);
	return 0;
}

void cpuid_model_query(const struct cpuid_model *m, uint32_t function, uint32_t index,
		       uint32_t out[4])
{
	const struct cpuid_entry *e;
	bool in_basic = function <= m->max_basic;
	bool in_ext = function >= 0x80000000u && function <= m->max_ext;

	out[0] = out[1] = out[2] = out[3] = 0;
	if (!in_basic && !in_ext) {
		if (m->zero_out_of_range)
			return;
		function = m->max_basic;
	}
	e = cpuid_model_find(m, function, index);
	if (!e)
		return;
	out[0] = e->eax, out[1] = e->ebx, out[2] = e->ecx, out[3] = e->edx;
}

bool cpuid_model_has(const struct cpuid_model *m, const struct cpuid_feature *f)
{
	uint32_t r[4];
	bool in_range = f->leaf < 0x80000000u ? f->leaf <= m->max_basic : f->leaf <= m->max_ext;
	if (!in_range)
		return false;
	cpuid_model_query(m, f->leaf, 0, r);
	return (r[f->reg] >> f->bit) & 1;
}

const char *cpuid_feature_why(const struct cpuid_feature *f, const struct cpuid_model *kvm,
                              const struct cpuid_model *sw)
{
	if (f->how == CPUID_OUT)
		return f->why;
	if (cpuid_model_has(kvm, f))
		return NULL;
	if (!cpuid_model_has(sw, f))
		return "the host processor lacks it (the interpreter runs it on the host's unit)";
	return "KVM does not offer it";
}
