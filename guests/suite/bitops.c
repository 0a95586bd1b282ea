/* BT/BTS/BTR/BTC (register and memory forms, bit offsets past the operand
 * and negative ones), BSF/BSR, BSWAP, MOVSX/MOVZX. SDM: BTx set CF to the
 * selected bit and leave ZF unaffected (OF, SF, AF, PF undefined, not
 * compared); a register bit offset on a memory operand addresses any bit
 * relative to it, while on a register or as an immediate it is taken
 * modulo the operand size; BSF/BSR set ZF only when the source is 0 (the
 * destination is then undefined; CF, OF, SF, AF, PF always are). */
#include "suite/suite.h"

static uint8_t bits[16] __attribute__((aligned(4)));

static void bt_reg(void)
{
	ulong v, fl;

	v = 0x80000001; fl = 0x2 | F_ZF;
	__asm__ volatile(WITH_FLAGS("btl %k[o], %k[r]") : [r] "+r"(v),
			 [fl] "+r"(fl) : [o] "r"((ulong)31) : "cc");
	check_vf(0x80000001, F_CF | F_ZF, v, fl, F_CF | F_ZF, "bt32 r,r 31");
	v = 0x80000001; fl = 0x2;
	__asm__ volatile(WITH_FLAGS("btl %k[o], %k[r]") : [r] "+r"(v),
			 [fl] "+r"(fl) : [o] "r"((ulong)33) : "cc");
	check_vf(0x80000001, 0, v, fl, F_CF | F_ZF, "bt32 r,r 33 (mod 32)");
	v = 0x0f0f; fl = 0x2 | F_CF;
	__asm__ volatile(WITH_FLAGS("btsw %w[o], %w[r]") : [r] "+r"(v),
			 [fl] "+r"(fl) : [o] "r"((ulong)0x14) : "cc");
	check_vf(0x0f1f, 0, v & 0xffff, fl, F_CF | F_ZF, "bts16 r,r 0x14");
	v = 0x0f0f; fl = 0x2;
	__asm__ volatile(WITH_FLAGS("btrl %k[o], %k[r]") : [r] "+r"(v),
			 [fl] "+r"(fl) : [o] "r"((ulong)3) : "cc");
	check_vf(0x0f07, F_CF, v & 0xffffffff, fl, F_CF | F_ZF, "btr32 r,r 3");
	v = 0x0f0f; fl = 0x2;
	__asm__ volatile(WITH_FLAGS("btcl $31, %k[r]") : [r] "+r"(v),
			 [fl] "+r"(fl) : : "cc");
	check_vf(0x80000f0f, 0, v & 0xffffffff, fl, F_CF | F_ZF,
		 "btc32 r,imm 31");
	v = 0x8000; fl = 0x2;
	__asm__ volatile(WITH_FLAGS("btcw $0x1f, %w[r]") : [r] "+r"(v),
			 [fl] "+r"(fl) : : "cc");
	check_vf(0x0000, F_CF, v & 0xffff, fl, F_CF | F_ZF,
		 "btc16 r,imm 0x1f (mod 16)");
}

static void bt_mem(void)
{
	ulong fl;
	uint8_t *p = bits + 8;

	memset(bits, 0, sizeof(bits));
	bits[12] = 0x08;
	bits[0] = 0x02;
	fl = 0x2;
	__asm__ volatile(WITH_FLAGS("btl %k[o], %[m]") : [fl] "+r"(fl)
			 : [m] "m"(*(uint32_t *)p), [o] "r"((ulong)35),
			   "m"(bits) : "cc");
	check_vf(0, F_CF, 0, fl, F_CF, "bt32 m,r 35 (next dword)");
	fl = 0x2;
	__asm__ volatile(WITH_FLAGS("btsl %k[o], %[m]") : [fl] "+r"(fl),
			 [m] "+m"(*(uint32_t *)p), "+m"(bits)
			 : [o] "r"((ulong)-1) : "cc");
	check_vf(0x80, 0, bits[7], fl, F_CF, "bts32 m,r -1 (byte before)");
	fl = 0x2;
	__asm__ volatile(WITH_FLAGS("btrw %w[o], %[m]") : [fl] "+r"(fl),
			 [m] "+m"(*(uint16_t *)p), "+m"(bits)
			 : [o] "r"((ulong)0x23) : "cc");
	check_vf(0, F_CF, bits[12], fl, F_CF, "btr16 m,r 0x23 (+4 bytes)");
	fl = 0x2;
	__asm__ volatile(WITH_FLAGS("btcl $33, %[m]") : [fl] "+r"(fl),
			 [m] "+m"(*(uint32_t *)p) : : "cc");
	check_vf(0x02, 0, bits[8], fl, F_CF, "btc32 m,imm 33 (mod 32)");
	fl = 0x2;
	__asm__ volatile(WITH_FLAGS("btl %k[o], %[m]") : [fl] "+r"(fl)
			 : [m] "m"(*(uint32_t *)p), [o] "r"((ulong)-63),
			   "m"(bits) : "cc");
	check_vf(0, F_CF, 0, fl, F_CF, "bt32 m,r -63 (bit 1 at -8)");
}

static void bsf_bsr(void)
{
	ulong r, fl;

	r = 0x5555; fl = 0x2 | F_ZF;
	__asm__ volatile(WITH_FLAGS("bsfl %k[s], %k[r]") : [r] "+r"(r),
			 [fl] "+r"(fl) : [s] "r"((ulong)0x00801000) : "cc");
	check_vf(12, 0, r, fl, F_ZF, "bsf32 0x801000");
	r = 0x5555; fl = 0x2 | F_ZF;
	__asm__ volatile(WITH_FLAGS("bsrl %k[s], %k[r]") : [r] "+r"(r),
			 [fl] "+r"(fl) : [s] "r"((ulong)0x00801000) : "cc");
	check_vf(23, 0, r, fl, F_ZF, "bsr32 0x801000");
	r = 0x5555; fl = 0x2;
	__asm__ volatile(WITH_FLAGS("bsrw %w[s], %w[r]") : [r] "+r"(r),
			 [fl] "+r"(fl) : [s] "r"((ulong)0x8001) : "cc");
	check_vf(15, 0, r & 0xffff, fl, F_ZF, "bsr16 0x8001");
	r = 0x5555; fl = 0x2;
	__asm__ volatile(WITH_FLAGS("bsfw %w[s], %w[r]") : [r] "+r"(r),
			 [fl] "+r"(fl) : [s] "r"((ulong)0x8000) : "cc");
	check_vf(15, 0, r & 0xffff, fl, F_ZF, "bsf16 0x8000");
	/* Zero source: only ZF is defined (the destination is not). */
	r = 0x5555; fl = 0x2;
	__asm__ volatile(WITH_FLAGS("bsfl %k[s], %k[r]") : [r] "+r"(r),
			 [fl] "+r"(fl) : [s] "r"((ulong)0) : "cc");
	check_vf(0, F_ZF, 0, fl, F_ZF, "bsf32 0 sets ZF (dest undefined)");
	r = 0x5555; fl = 0x2;
	__asm__ volatile(WITH_FLAGS("bsrl %k[s], %k[r]") : [r] "+r"(r),
			 [fl] "+r"(fl) : [s] "r"((ulong)0) : "cc");
	check_vf(0, F_ZF, 0, fl, F_ZF, "bsr32 0 sets ZF (dest undefined)");
}

static void swap_extend(void)
{
	ulong r;

	r = 0x12345678;
	__asm__ volatile("bswap %k0" : "+r"(r));
	check(0x78563412, r & 0xffffffff, "bswap32");
	__asm__ volatile("movsbl %b1, %k0" : "=r"(r) : "q"((ulong)0x80));
	check(0xffffff80, r & 0xffffffff, "movsx32 byte 0x80");
	__asm__ volatile("movzbl %b1, %k0" : "=r"(r) : "q"((ulong)0xff80));
	check(0x80, r & 0xffffffff, "movzx32 byte 0x80");
	__asm__ volatile("movswl %w1, %k0" : "=r"(r) : "r"((ulong)0x8000));
	check(0xffff8000, r & 0xffffffff, "movsx32 word 0x8000");
	__asm__ volatile("movzwl %w1, %k0" : "=r"(r) : "r"((ulong)0x18000));
	check(0x8000, r & 0xffffffff, "movzx32 word 0x8000");
	r = 0x12345678;
	__asm__ volatile("movsbw %b1, %w0" : "+r"(r) : "q"((ulong)0x80));
	check(0x1234ff80, r & 0xffffffff, "movsx16 byte keeps bits 31:16");
	r = 0x12345678;
	__asm__ volatile("movzbw %b1, %w0" : "+r"(r) : "q"((ulong)0x9f));
	check(0x1234009f, r & 0xffffffff, "movzx16 byte keeps bits 31:16");
	r = 0;
	__asm__ volatile("movsbl %1, %k0" : "=r"(r) : "m"(bits[7]));
	check(0xffffff80, r & 0xffffffff, "movsx32 m8");
}

void bitops_checks(void)
{
	bt_reg();
	bt_mem();
	bsf_bsr();
	swap_extend();
}
