/* DAA, DAS, AAA, AAS, AAM, AAD, worked out from the SDM's Operation
 * sections (DAA/DAS examples 0x79+0x35 and 0x35-0x47 are the manual's
 * own); the flags each leaves undefined are not compared. AAA/AAS inputs
 * avoid a carry out of AL, where Intel's "AX + 106H" and the older "AL + 6,
 * AH + 1" descriptions differ. In 64-bit mode all six raise #UD. */
#include "suite/suite.h"

#ifndef __x86_64__
#define BCD(insn, ax, fl) __asm__ volatile(WITH_FLAGS(insn) \
	: "+a"(ax), [fl] "+r"(fl) : : "cc")

static void bcd_adjust(void)
{
	const unsigned int szp = F_SF | F_ZF | F_PF;
	ulong ax, fl;

	ax = 0xae; fl = 0x2;
	BCD("daa", ax, fl);
	check_vf(0x14, F_CF | F_AF | F_PF, ax & 0xff, fl, szp | F_CF | F_AF,
		 "daa 0xae (0x79+0x35)");
	ax = 0x12; fl = 0x2 | F_AF;
	BCD("daa", ax, fl);
	check_vf(0x18, F_AF | F_PF, ax & 0xff, fl, szp | F_CF | F_AF,
		 "daa 0x12 af=1");
	ax = 0x99; fl = 0x2;
	BCD("daa", ax, fl);
	check_vf(0x99, F_SF | F_PF, ax & 0xff, fl, szp | F_CF | F_AF,
		 "daa 0x99 unchanged");
	ax = 0xee; fl = 0x2 | F_CF | F_AF;
	BCD("das", ax, fl);
	check_vf(0x88, F_CF | F_AF | F_SF | F_PF, ax & 0xff, fl,
		 szp | F_CF | F_AF, "das 0xee (0x35-0x47)");
	ax = 0x10; fl = 0x2 | F_AF;
	BCD("das", ax, fl);
	check_vf(0x0a, F_AF | F_PF, ax & 0xff, fl, szp | F_CF | F_AF,
		 "das 0x10 af=1");
	ax = 0x010b; fl = 0x2;
	BCD("aaa", ax, fl);
	check_vf(0x0201, F_CF | F_AF, ax & 0xffff, fl, F_CF | F_AF,
		 "aaa 0x010b");
	ax = 0x0105; fl = 0x2 | F_CF;
	BCD("aaa", ax, fl);
	check_vf(0x0105, 0, ax & 0xffff, fl, F_CF | F_AF, "aaa 0x0105");
	ax = 0x020b; fl = 0x2;
	BCD("aas", ax, fl);
	check_vf(0x0105, F_CF | F_AF, ax & 0xffff, fl, F_CF | F_AF,
		 "aas 0x020b");
	ax = 0x0208; fl = 0x2 | F_AF;
	BCD("aas", ax, fl);
	check_vf(0x0102, F_CF | F_AF, ax & 0xffff, fl, F_CF | F_AF,
		 "aas 0x0208 af=1");
	ax = 0x003f; fl = 0x2;
	BCD("aam", ax, fl);
	check_vf(0x0603, F_PF, ax & 0xffff, fl, szp, "aam 63");
	ax = 0x003f; fl = 0x2;
	BCD("aam $16", ax, fl);
	check_vf(0x030f, F_PF, ax & 0xffff, fl, szp, "aam 63 base 16");
	ax = 0x0607; fl = 0x2;
	BCD("aad", ax, fl);
	check_vf(0x0043, 0, ax & 0xffff, fl, szp, "aad 0x0607");
	ax = 0x0102; fl = 0x2;
	BCD("aad $16", ax, fl);
	check_vf(0x0012, F_PF, ax & 0xffff, fl, szp, "aad 0x0102 base 16");
	ax = 0x0a00; fl = 0x2;
	BCD("aad", ax, fl);
	check_vf(0x0064, 0, ax & 0xffff, fl, szp, "aad 0x0a00");
	ax = 0x1234;
	trap_clear();
	__asm__ volatile(FAULTS("aam $0") : "+a"(ax) : : "cc", "memory");
	check_trap(0, 0, "aam 0 raises #de");
	check(0x1234, ax & 0xffff, "aam 0 leaves ax");
}
#else
/* The one-byte BCD opcodes are invalid in 64-bit mode (the assembler
 * refuses them there, hence .byte). */
#define UD(bytes, name) do { \
	trap_clear(); \
	__asm__ volatile(FAULTS(".byte " bytes) : : : "cc", "memory"); \
	check_trap(6, 0, name " raises #ud in 64-bit mode"); \
} while (0)

static void bcd_adjust(void)
{
	UD("0x27", "daa");
	UD("0x2f", "das");
	UD("0x37", "aaa");
	UD("0x3f", "aas");
	UD("0xd4, 0x0a", "aam");
	UD("0xd5, 0x0a", "aad");
}
#endif

void bcd_checks(void)
{
	bcd_adjust();
}
