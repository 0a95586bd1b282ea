/* suite32: segment register loads and their faults, limit and type checks
 * on access, LAR/LSL/VERR/VERW, and string instructions with segment
 * overrides. SDM vol. 3, 5.4-5.6 and the MOV/POP Sreg pages: a selector
 * that fails a load raises #GP(selector) (#NP for a not-present data
 * segment, #SS for a not-present stack segment) and leaves the register
 * as it was; access through a null selector or past a limit raises
 * #GP(0), or #SS(0) through SS. Error codes are the selector without its
 * RPL (bits 1:0 are EXT and IDT, both 0 here). */
#include "suite/pm32.h"

extern uint64_t gdt[GDT_ENTRIES];
static volatile uint32_t probe = 0x600df00d;
static uint8_t lim_stack[512] __attribute__((aligned(16)));
static volatile ulong saved_esp __attribute__((used));

static void load(const char *reg, ulong sel, ulong want_vec, ulong want_err)
{
	trap_clear();
	if (reg[0] == 'd')
		__asm__ volatile(FAULTS_ARMED("mov %w0, %%ds") "mov %w1, %%ds\n\t"
				 DISARM : : "r"(sel), "r"(SEL_KDATA) : "memory");
	else if (reg[0] == 's')
		__asm__ volatile(FAULTS("mov %w0, %%ss") "mov %w1, %%ss"
				 : : "r"(sel), "r"(SEL_KDATA) : "memory");
	else
		__asm__ volatile(FAULTS("mov %w0, %%fs") "mov %w1, %%fs"
				 : : "r"(sel), "r"(SEL_KDATA) : "memory");
	check_trap(want_vec, want_err, "mov %s,0x%lx", reg, sel);
}

static void loads(void)
{
	load("ds", 0, NO_TRAP, 0);
	load("ds", GDT_ENTRIES * 8, 13, GDT_ENTRIES * 8);
	load("ds", SEL_NP, 11, SEL_NP);
	load("ss", SEL_NP, 12, SEL_NP);
	load("ds", SEL_XO, 13, SEL_XO);
	load("ds", SEL_RCODE, NO_TRAP, 0);
	load("ss", SEL_RO, 13, SEL_RO);
	load("ss", SEL_RCODE, 13, SEL_RCODE);
	load("ss", 0, 13, 0);
	load("ss", SEL_DATA1, 13, SEL_DATA1);
	load("ds", SEL_DATA1, NO_TRAP, 0);
	load("ds", SEL_TSS, 13, SEL_TSS);
	load("fs", SEL_GATE3, 13, SEL_GATE3);
	load("ds", SEL_KDATA | 3, 13, SEL_KDATA);
	load("fs", SEL_UDATA | 3, NO_TRAP, 0);
	load("ds", 0x04, 13, 0x04);	/* TI=1 after LLDT 0 */
}

/* Access through ES = sel at offset off, a dword read or write. */
static ulong access_es(ulong sel, ulong off, int write)
{
	ulong v = 0;

	trap_clear();
	if (write)
		__asm__ volatile("mov %w1, %%es\n\t" FAULTS("movl $1, %%es:(%2)")
				 "mov %w3, %%es" : "+r"(v) : "r"(sel), "r"(off),
				 "r"(SEL_KDATA) : "memory");
	else
		__asm__ volatile("mov %w1, %%es\n\t" FAULTS("movl %%es:(%2), %k0")
				 "mov %w3, %%es" : "+r"(v) : "r"(sel), "r"(off),
				 "r"(SEL_KDATA) : "memory");
	return v;
}

static void accesses(void)
{
	ulong addr = (uintptr_t)&probe, v;

	access_es(0, addr, 0);
	check_trap_dev(13, 0, NO_TRAP, 0, "read through null es");
	access_es(SEL_LIM, 0xffc, 0);
	check_trap(NO_TRAP, 0, "read at limit-3 of a 0xfff segment");
	access_es(SEL_LIM, 0xffd, 0);
	check_trap_dev(13, 0, NO_TRAP, 0,
		       "read across the limit of a 0xfff segment");
	access_es(SEL_DOWN, 0x800, 0);
	check_trap_dev(13, 0, NO_TRAP, 0, "read below an expand-down limit");
	v = access_es(SEL_DOWN, addr, 0);
	check_trap(NO_TRAP, 0, "read above an expand-down limit");
	check(0x600df00d, v, "read above an expand-down limit value");
	access_es(SEL_RO, addr, 1);
	check_trap_dev(13, 0, NO_TRAP, 0, "write through a read-only segment");
	check_dev(0x600df00d, probe, 1,
		  "write through a read-only segment is dropped");
	access_es(SEL_RCODE, addr, 1);
	check_trap_dev(13, 0, NO_TRAP, 0, "write through a code segment");
	probe = 0x600df00d;
	v = access_es(SEL_BASE, addr - 0x10000, 0);
	check(0x600df00d, v, "read through a segment based at 0x10000");
}

static void stack_limit(void)
{
	ulong top = (uintptr_t)lim_stack + sizeof(lim_stack);

	/* Base 0, byte-granular limit top - 1, writable data, B=1. */
	gdt[SEL_STK / 8] = ((top - 1) & 0xffff) | 0x93ULL << 40 |
			   (uint64_t)(((top - 1) >> 16) & 0xf) << 48 |
			   0x4ULL << 52;
	trap_clear();
	__asm__ volatile("mov %%esp, saved_esp\n\t"
			 "mov %w0, %%ss\n\t"
			 "mov %1, %%esp\n\t"
			 FAULTS("movl 64(%%esp), %%eax")
			 "mov %w2, %%ss\n\t"
			 "mov saved_esp, %%esp"
			 : : "r"(SEL_STK), "r"(top - 32), "r"(SEL_KDATA)
			 : "eax", "memory");
	check_trap_dev(12, 0, NO_TRAP, 0, "read past the stack segment limit");
}

static void descriptor_queries(void)
{
	ulong r, fl;

	fl = 0x2;
	__asm__ volatile(WITH_FLAGS("lsl %2, %0") : "=r"(r), [fl] "+r"(fl)
			 : "r"((ulong)SEL_LIM) : "cc");
	check_vf(0xfff, F_ZF, r, fl, F_ZF, "lsl byte-granular segment");
	fl = 0x2;
	__asm__ volatile(WITH_FLAGS("lsl %2, %0") : "=r"(r), [fl] "+r"(fl)
			 : "r"((ulong)SEL_KDATA) : "cc");
	check_vf(0xffffffff, F_ZF, r, fl, F_ZF, "lsl page-granular segment");
	fl = 0x2;
	__asm__ volatile(WITH_FLAGS("lar %2, %0") : "=r"(r), [fl] "+r"(fl)
			 : "r"((ulong)SEL_RO) : "cc");
	/* Bits 19:16 are undefined (00FxFF00H). */
	check_vf(0x00c09100, F_ZF, r & 0x00f0ff00, fl, F_ZF, "lar data ro");
	r = 0x1234; fl = 0x2 | F_ZF;
	__asm__ volatile(WITH_FLAGS("lar %2, %0") : "+r"(r), [fl] "+r"(fl)
			 : "r"((ulong)0) : "cc");
	check_vf(0x1234, 0, r, fl, F_ZF, "lar null clears zf");
	fl = 0x2;
	__asm__ volatile(WITH_FLAGS("verr %w1") : [fl] "+r"(fl)
			 : "r"((ulong)SEL_XO) : "cc");
	check_vf(0, 0, 0, fl, F_ZF, "verr execute-only code");
	fl = 0x2;
	__asm__ volatile(WITH_FLAGS("verr %w1") : [fl] "+r"(fl)
			 : "r"((ulong)SEL_RCODE) : "cc");
	check_vf(0, F_ZF, 0, fl, F_ZF, "verr readable code");
	fl = 0x2 | F_ZF;
	__asm__ volatile(WITH_FLAGS("verw %w1") : [fl] "+r"(fl)
			 : "r"((ulong)SEL_RO) : "cc");
	check_vf(0, 0, 0, fl, F_ZF, "verw read-only data");
	fl = 0x2;
	__asm__ volatile(WITH_FLAGS("verw %w1") : [fl] "+r"(fl)
			 : "r"((ulong)SEL_KDATA) : "cc");
	check_vf(0, F_ZF, 0, fl, F_ZF, "verw writable data");
}

static char s_src[8] = "ABCDEFG", s_dst[8];

static void string_overrides(void)
{
	ulong si = (uintptr_t)s_src - 0x10000, di = (uintptr_t)s_dst, c = 4;

	memset(s_dst, 0, sizeof(s_dst));
	__asm__ volatile("mov %w3, %%fs\n\tcld\n\trep movsb %%fs:(%%esi), "
			 "%%es:(%%edi)\n\tmov %w4, %%fs"
			 : "+S"(si), "+D"(di), "+c"(c)
			 : "r"(SEL_BASE), "r"(SEL_KDATA) : "memory");
	check(0, memcmp(s_dst, "ABCD", 5), "rep movsb fs: source");
	/* STOS always writes through ES, whatever DS is. */
	di = (uintptr_t)s_dst - 0x10000;
	__asm__ volatile("mov %w2, %%es\n\tstosb\n\tmov %w3, %%es"
			 : "+D"(di) : "a"('z'), "r"(SEL_BASE), "r"(SEL_KDATA)
			 : "memory");
	check('z', s_dst[0], "stosb writes through es");
	si = (uintptr_t)s_src + 1 - 0x10000; c = 0;
	__asm__ volatile("mov %w2, %%gs\n\tlodsb %%gs:(%%esi)\n\t"
			 "mov %w3, %%gs" : "+S"(si), "+a"(c)
			 : "r"(SEL_BASE), "r"(SEL_KDATA) : "memory");
	check('B', c & 0xff, "lodsb gs: source");
}

void pm32_segment_checks(void)
{
	loads();
	accesses();
	stack_limit();
	descriptor_queries();
	string_overrides();
}
