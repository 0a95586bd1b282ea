/* Interpreter data moves: MOV in every general-purpose form (registers,
 * memory, immediates, moffs), byte registers with and without REX,
 * zero-extension of 32-bit writes and merging of 8/16-bit ones, MOVZX,
 * MOVSX, MOVSXD, XCHG, BSWAP, LEA, CBW/CWD families, XLAT, NOPs, UD2. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests/unit/sw_fixture.h"

static void set_all_gprs(struct sw_fx *fx, uint64_t v)
{
	for (int r = 0; r < NR_GPRS; r++)
		if (r != RSP)
			fx->c->s.gpr[r] = v;
}

static void test_mov_regs_imm_64(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_LONG64);
	FX_CODE(fx,
		0x48, 0xb8, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, /* mov rax, 0x1122334455667788 */
		0xb9, 0xef, 0xbe, 0xad, 0xde,             /* mov ecx, 0xdeadbeef */
		0x66, 0xba, 0x34, 0x12,                   /* mov dx, 0x1234 */
		0xb4, 0x66,                               /* mov ah, 0x66 */
		0x40, 0xb6, 0x5a,                         /* mov sil, 0x5a */
		0xb7, 0x5a,                               /* mov bh, 0x5a */
		0x41, 0xb0, 0x11,                         /* mov r8b, 0x11 */
		0x49, 0xc7, 0xc2, 0xfb, 0xff, 0xff, 0xff, /* mov r10, -5 */
		0x45, 0x89, 0xd3,                         /* mov r11d, r10d */
		0x66, 0x45, 0x89, 0xd4,                   /* mov r12w, r10w */
		0x40, 0x88, 0xf7,                         /* mov dil, sil */
		0x88, 0xf1,                               /* mov cl, dh */
		0x41, 0x88, 0xf5,                         /* mov r13b, sil */
		0x45, 0x88, 0xd6,                         /* mov r14b, r10b */
		0x8a, 0x6d, 0x00,                         /* mov ch, [rbp+0] */
		0x40, 0x8a, 0x6d, 0x01,                   /* mov bpl, [rbp+1] */
		0xf4);                                    /* hlt */
	set_all_gprs(fx, ~0ull);
	fx->c->s.gpr[R12] = 0x1234567800000000ull;
	fx->c->s.gpr[RBP] = FX_DATA_ADDR;
	fx_poke16(fx, FX_DATA_ADDR, 0xb2a1);
	fx_run_to_hlt(fx, 20);
	const uint64_t *g = fx->c->s.gpr;
	assert_int_equal(g[RAX], 0x1122334455666688ull);
	assert_int_equal(g[RCX], 0xdeada112ull);
	assert_int_equal(g[RDX], 0xffffffffffff1234ull);
	assert_int_equal(g[RSI], 0xffffffffffffff5aull);  /* SIL, not DH */
	assert_int_equal(g[RBX], 0xffffffffffff5affull);
	assert_int_equal(g[R8], 0xffffffffffffff11ull);
	assert_int_equal(g[R10], 0xfffffffffffffffbull);
	assert_int_equal(g[R11], 0xfffffffbull);          /* zero-extended */
	assert_int_equal(g[R12], 0x123456780000fffbull);  /* merged */
	assert_int_equal(g[RDI], 0xffffffffffffff5aull);
	assert_int_equal(g[R13], 0xffffffffffffff5aull);
	assert_int_equal(g[R14], 0xfffffffffffffffbull);
	assert_int_equal(g[RBP], FX_DATA_ADDR | 0xb2);    /* BPL, not CH */
	assert_int_equal(g[RSP], FX_STACK_TOP);
	fx_free(fx);
}

static void test_mov_mem_64(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_LONG64);
	FX_CODE(fx,
		0x48, 0xc7, 0x03, 0xff, 0xff, 0xff, 0xff, /* mov qword [rbx], -1 */
		0xc7, 0x43, 0x08, 0x00, 0x00, 0x00, 0x80, /* mov dword [rbx+8], 0x80000000 */
		0xc6, 0x43, 0x10, 0x7f,                   /* mov byte [rbx+0x10], 0x7f */
		0x66, 0xc7, 0x43, 0x12, 0xef, 0xbe,       /* mov word [rbx+0x12], 0xbeef */
		0x88, 0x63, 0x18,                         /* mov [rbx+0x18], ah */
		0x40, 0x88, 0x73, 0x19,                   /* mov [rbx+0x19], sil */
		0x4c, 0x89, 0x4b, 0x20,                   /* mov [rbx+0x20], r9 */
		0x44, 0x89, 0x4b, 0x28,                   /* mov [rbx+0x28], r9d */
		0x66, 0x44, 0x89, 0x4b, 0x2c,             /* mov [rbx+0x2c], r9w */
		0x48, 0x8b, 0x0b,                         /* mov rcx, [rbx] */
		0x8b, 0x53, 0x08,                         /* mov edx, [rbx+8] */
		0x66, 0x44, 0x8b, 0x43, 0x12,             /* mov r8w, [rbx+0x12] */
		0x8a, 0x43, 0x10,                         /* mov al, [rbx+0x10] */
		0x44, 0x8b, 0x53, 0x2c,                   /* mov r10d, [rbx+0x2c] */
		0xf4);                                    /* hlt */
	uint8_t fill[64];
	memset(fill, 0xcc, sizeof(fill));
	fx_poke(fx, FX_DATA_ADDR, fill, sizeof(fill));
	set_all_gprs(fx, ~0ull);
	fx->c->s.gpr[RAX] = 0x1234;
	fx->c->s.gpr[RSI] = 0xab;
	fx->c->s.gpr[R9] = 0x0102030405060708ull;
	fx->c->s.gpr[RBX] = FX_DATA_ADDR;
	fx_run_to_hlt(fx, 20);
	uint64_t d = FX_DATA_ADDR;
	assert_int_equal(fx_peek(fx, d, 8), ~0ull);
	assert_int_equal(fx_peek(fx, d + 8, 8), 0xcccccccc80000000ull);
	assert_int_equal(fx_peek(fx, d + 0x10, 4), 0xbeefcc7full);
	assert_int_equal(fx_peek(fx, d + 0x18, 4), 0xccccab12ull);
	assert_int_equal(fx_peek(fx, d + 0x20, 8), 0x0102030405060708ull);
	assert_int_equal(fx_peek(fx, d + 0x28, 8), 0xcccc070805060708ull);
	const uint64_t *g = fx->c->s.gpr;
	assert_int_equal(g[RCX], ~0ull);
	assert_int_equal(g[RDX], 0x80000000ull);
	assert_int_equal(g[R8], 0xffffffffffffbeefull);
	assert_int_equal(g[RAX], 0x127f);
	assert_int_equal(g[R10], 0xcccc0708ull);
	fx_free(fx);
}

/* A0-A3 in 64-bit mode: 8-byte offsets, 4-byte ones with 67, FS override. */
static void test_mov_moffs_64(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_LONG64);
	FX_CODE(fx,
		0x48, 0xa3, 0x20, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, /* mov [0x40020], rax */
		0xa3, 0x30, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00,       /* mov [0x40030], eax */
		0xa2, 0x38, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00,       /* mov [0x40038], al */
		0x66, 0xa3, 0x3a, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, /* mov [0x4003a], ax */
		0xa1, 0x20, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00,       /* mov eax, [0x40020] */
		0x67, 0xa0, 0x21, 0x00, 0x04, 0x00,                         /* addr32 mov al, [0x40021] */
		0x64, 0xa0, 0x21, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, /* mov al, fs:[0x40021] */
		0x64, 0x48, 0xa1, 0x20, 0xf0, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, /* mov rax, fs:[0x3f020] */
		0x67, 0xa3, 0x40, 0x00, 0x04, 0x00,                         /* addr32 mov [0x40040], eax */
		0xf4);                                                      /* hlt */
	fx->c->s.gpr[RAX] = 0x1122334455667788ull;
	fx->c->s.seg[SEG_FS].base = 0x1000;
	fx_poke(fx, 0x41021, "\x99", 1);
	fx_run_to_hlt(fx, 20);
	assert_int_equal(fx_peek(fx, 0x40020, 8), 0x1122334455667788ull);
	assert_int_equal(fx_peek(fx, 0x40030, 8), 0x55667788ull);
	assert_int_equal(fx_peek(fx, 0x40038, 8), 0x77880088ull);
	assert_int_equal(fx_peek(fx, 0x40040, 8), 0x55667788ull);
	assert_int_equal(fx->c->s.gpr[RAX], 0x1122334455667788ull);
	fx_free(fx);

	/* The intermediate loads, one at a time. */
	fx = fx_new_ok(FX_LONG64);
	FX_CODE(fx,
		0xa1, 0x20, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00,       /* mov eax, [0x40020] */
		0x67, 0xa0, 0x21, 0x00, 0x04, 0x00,                         /* addr32 mov al, [0x40021] */
		0x64, 0xa0, 0x21, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, /* mov al, fs:[0x40021] */
		0xf4);
	fx_poke64(fx, 0x40020, 0x1122334455667788ull);
	fx_poke(fx, 0x41021, "\x99", 1);
	fx->c->s.seg[SEG_FS].base = 0x1000;
	fx->c->s.gpr[RAX] = ~0ull;
	fx_run(fx, 1);
	assert_int_equal(fx->c->s.gpr[RAX], 0x55667788ull);
	fx_run(fx, 1);
	assert_int_equal(fx->c->s.gpr[RAX], 0x55667777ull);
	fx_run(fx, 1);
	assert_int_equal(fx->c->s.gpr[RAX], 0x55667799ull);
	fx_assert_no_exc(fx);
	fx_free(fx);
}

/* Real mode: 16-bit moffs relative to DS, ES override, 66/67 prefixes. */
static void test_mov_moffs_real(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_REAL);
	FX_CODE(fx,
		0xa1, 0x00, 0x80,                         /* mov ax, [0x8000] */
		0x26, 0x8a, 0x1e, 0x00, 0x80,             /* mov bl, es:[0x8000] */
		0x26, 0xa3, 0x02, 0x80,                   /* mov es:[0x8002], ax */
		0xa2, 0x04, 0x80,                         /* mov [0x8004], al */
		0x66, 0xa1, 0x00, 0x80,                   /* mov eax, [0x8000] */
		0x67, 0xa1, 0x06, 0x80, 0x00, 0x00,       /* addr32 mov ax, [0x8006] */
		0xf4);                                    /* hlt */
	struct seg_cache *es = &fx->c->s.seg[SEG_ES];
	es->selector = 0x3000;
	es->base = 0x30000;
	fx_poke32(fx, 0x28000, 0x11223344);
	fx_poke16(fx, 0x28006, 0xbeef);
	fx_poke(fx, 0x38000, "\x55", 1);
	fx_run_to_hlt(fx, 20);
	assert_int_equal(fx->c->s.gpr[RAX], 0x1122beefull);
	assert_int_equal(fx->c->s.gpr[RBX] & 0xff, 0x55);
	assert_int_equal(fx_peek(fx, 0x38002, 2), 0x3344);
	assert_int_equal(fx_peek(fx, 0x28004, 1), 0x44);
	fx_free(fx);

	fx = fx_new_ok(FX_PROT32);
	FX_CODE(fx,
		0xa1, 0x00, 0x00, 0x04, 0x00,             /* mov eax, [0x40000] */
		0x67, 0x66, 0xa1, 0x10, 0x00,             /* addr16 mov ax, [0x10] */
		0x66, 0xa3, 0x08, 0x00, 0x04, 0x00,       /* mov [0x40008], ax */
		0xf4);
	fx_poke32(fx, 0x40000, 0xdeadbeef);
	fx_poke16(fx, 0x10, 0x1234);
	fx_run_to_hlt(fx, 10);
	assert_int_equal(fx->c->s.gpr[RAX], 0xdead1234ull);
	assert_int_equal(fx_peek(fx, 0x40008, 4), 0x1234);
	fx_free(fx);
}

static void test_movzx_movsx(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_LONG64);
	FX_CODE(fx,
		0x0f, 0xb6, 0x03,                         /* movzx eax, byte [rbx] */
		0x48, 0x0f, 0xb7, 0x0b,                   /* movzx rcx, word [rbx] */
		0x66, 0x0f, 0xb6, 0xd7,                   /* movzx dx, bh */
		0x4c, 0x0f, 0xbe, 0x03,                   /* movsx r8, byte [rbx] */
		0x44, 0x0f, 0xbf, 0x0b,                   /* movsx r9d, word [rbx] */
		0x66, 0x44, 0x0f, 0xbe, 0x53, 0x02,       /* movsx r10w, byte [rbx+2] */
		0x4c, 0x63, 0x1b,                         /* movsxd r11, dword [rbx] */
		0x4d, 0x63, 0xe5,                         /* movsxd r12, r13d */
		0x63, 0x33,                               /* movsxd esi, dword [rbx] (no REX.W) */
		0x66, 0x63, 0x3b,                         /* movsxd di, word [rbx] */
		0x0f, 0xb6, 0xed,                         /* movzx ebp, ch */
		0xf4);                                    /* hlt */
	set_all_gprs(fx, ~0ull);
	fx->c->s.gpr[RBX] = 0x41280;
	fx->c->s.gpr[R13] = 0x87654321ull;
	fx->c->s.gpr[RDI] = 0;
	fx_poke32(fx, 0x41280, 0x80f0ff85);
	fx_run_to_hlt(fx, 20);
	const uint64_t *g = fx->c->s.gpr;
	assert_int_equal(g[RAX], 0x85);
	assert_int_equal(g[RCX], 0xff85);
	assert_int_equal(g[RDX], 0xffffffffffff0012ull);
	assert_int_equal(g[R8], 0xffffffffffffff85ull);
	assert_int_equal(g[R9], 0xffffff85ull);
	assert_int_equal(g[R10], 0xfffffffffffffff0ull);
	assert_int_equal(g[R11], 0xffffffff80f0ff85ull);
	assert_int_equal(g[R12], 0xffffffff87654321ull);
	assert_int_equal(g[RSI], 0x80f0ff85ull);
	assert_int_equal(g[RDI], 0xff85);
	assert_int_equal(g[RBP], 0xff);
	fx_free(fx);
}

static void test_xchg(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_LONG64);
	FX_CODE(fx,
		0x90,                                     /* nop */
		0x48, 0x91,                               /* xchg rcx, rax */
		0x87, 0xc0,                               /* xchg eax, eax */
		0x41, 0x90,                               /* xchg r8d, eax */
		0x86, 0xe3,                               /* xchg bl, ah */
		0x86, 0x16,                               /* xchg [rsi], dl */
		0x4c, 0x87, 0x4e, 0x08,                   /* xchg [rsi+8], r9 */
		0x40, 0x86, 0xfe,                         /* xchg sil, dil */
		0x66, 0x92,                               /* xchg dx, ax */
		0xf3, 0x90,                               /* pause */
		0xf4);                                    /* hlt */
	uint64_t *g = fx->c->s.gpr;
	g[RAX] = 0xaaaaaaaabbbbbbbbull;
	g[RCX] = 0x1111111122222222ull;
	g[R8] = 0x3333333344444444ull;
	g[RBX] = 0x5555;
	g[RDX] = 0x6677;
	g[RSI] = 0x40000;
	g[RDI] = 0x40123;
	g[R9] = 0xfedcba9876543210ull;
	fx_poke(fx, 0x40000, "\x99", 1);
	fx_poke64(fx, 0x40008, 0x0123456789abcdefull);

	fx_run(fx, 1);  /* 90 is a NOP, not XCHG EAX, EAX: RAX keeps its top */
	assert_int_equal(g[RAX], 0xaaaaaaaabbbbbbbbull);
	fx_run_to_hlt(fx, 20);
	assert_int_equal(g[RCX], 0xaaaaaaaabbbbbbbbull);
	assert_int_equal(g[R8], 0x22222222ull);
	assert_int_equal(g[RBX], 0x5544);
	assert_int_equal(g[RAX], 0x44446699ull);
	assert_int_equal(g[RDX], 0x5544);
	assert_int_equal(fx_peek(fx, 0x40000, 1), 0x77);
	assert_int_equal(fx_peek(fx, 0x40008, 8), 0xfedcba9876543210ull);
	assert_int_equal(g[R9], 0x0123456789abcdefull);
	assert_int_equal(g[RSI], 0x40023);
	assert_int_equal(g[RDI], 0x40100);
	fx_free(fx);
}

/* XCHG with a read-only page: #PF with W set and neither operand changed. */
static void test_xchg_fault_changes_nothing(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_LONG64);
	/* Map 0x200000-0x3fffff with 4 KiB pages, 0x200000 read-only. */
	fx->c->s.cr0 |= CR0_WP;
	fx_map_4k(fx, 0, 0x5, 0x7);
	fx_poke64(fx, 0x200000, 0x1111);
	FX_CODE(fx, 0x48, 0x87, 0x06,             /* xchg [rsi], rax */
		0xf4);
	fx->c->s.gpr[RSI] = 0x200000;
	fx->c->s.gpr[RAX] = 0x2222;
	fx_run(fx, 2);
	fx_assert_exc(fx, EXC_PF, PFEC_P | PFEC_W);
	assert_int_equal(fx->c->s.cr2, 0x200000);
	assert_int_equal(fx->c->s.gpr[RAX], 0x2222);
	assert_int_equal(fx_peek(fx, 0x200000, 8), 0x1111);
	fx_free(fx);
}

static void test_bswap_lea(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_LONG64);
	FX_CODE(fx,
		0x0f, 0xc8,                               /* bswap eax */
		0x48, 0x0f, 0xc9,                         /* bswap rcx */
		0x49, 0x0f, 0xc9,                         /* bswap r9 */
		0x66, 0x0f, 0xca,                         /* bswap dx (undefined: 0) */
		0x4c, 0x8d, 0x54, 0xbe, 0x10,             /* lea r10, [rsi+rdi*4+0x10] */
		0x44, 0x8d, 0x5c, 0xbe, 0x10,             /* lea r11d, [rsi+rdi*4+0x10] */
		0x66, 0x44, 0x8d, 0x66, 0xff,             /* lea r12w, [rsi-1] */
		0x67, 0x4c, 0x8d, 0x2c, 0x7e,             /* lea r13, [esi+edi*2] */
		0x44, 0x8d, 0x35, 0x00, 0x01, 0x00, 0x00, /* lea r14d, [rip+0x100] */
		0xf4);                                    /* hlt */
	uint64_t *g = fx->c->s.gpr;
	g[RAX] = 0xffffffff12345678ull;
	g[RCX] = 0x0102030405060708ull;
	g[R9] = 0x1122334455667788ull;
	g[RDX] = 0xaaaaaaaabbbb1234ull;
	g[RSI] = 0x100000000ull;
	g[RDI] = 0x80000001ull;
	g[R12] = 0x1234000000000000ull;
	fx_run_to_hlt(fx, 20);
	assert_int_equal(g[RAX], 0x78563412ull);
	assert_int_equal(g[RCX], 0x0807060504030201ull);
	assert_int_equal(g[R9], 0x8877665544332211ull);
	assert_int_equal(g[RDX], 0xaaaaaaaabbbb0000ull);
	assert_int_equal(g[R10], 0x300000014ull);
	assert_int_equal(g[R11], 0x14);
	assert_int_equal(g[R12], 0x123400000000ffffull);
	assert_int_equal(g[R13], 2);
	assert_int_equal(g[R14], FX_CODE_ADDR + 0x26 + 0x100);
	fx_free(fx);
}

/* LEA in 16-bit code: 16-bit address arithmetic wraps; 67 gives 32 bits;
 * 66 widens the destination. */
static void test_lea_16(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_REAL);
	FX_CODE(fx,
		0x8d, 0x40, 0x10,                         /* lea ax, [bx+si+0x10] */
		0x66, 0x8d, 0x48, 0x10,                   /* lea ecx, [bx+si+0x10] */
		0x67, 0x66, 0x8d, 0x14, 0x33,             /* lea edx, [ebx+esi] */
		0x67, 0x8d, 0x3c, 0x33,                   /* lea di, [ebx+esi] */
		0xf4);
	uint64_t *g = fx->c->s.gpr;
	g[RBX] = 0x1fff8;
	g[RSI] = 0x8;
	g[RAX] = 0xaaaa0000;
	g[RCX] = 0xaaaa0000;
	g[RDI] = 0xaaaa0000;
	fx_run_to_hlt(fx, 10);
	assert_int_equal(g[RAX], 0xaaaa0010ull);  /* (0xfff8 + 8 + 0x10) & 0xffff */
	assert_int_equal(g[RCX], 0x10);           /* zero-extended 16-bit address */
	assert_int_equal(g[RDX], 0x20000);
	assert_int_equal(g[RDI], 0xaaaa0000ull);  /* truncated to 16 bits */
	fx_free(fx);
}

static void test_cbw_cwd_xlat(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_LONG64);
	FX_CODE(fx,
		0x66, 0x98,                               /* cbw */
		0x98,                                     /* cwde */
		0x48, 0x98,                               /* cdqe */
		0x66, 0x99,                               /* cwd */
		0x99,                                     /* cdq */
		0x48, 0x99,                               /* cqo */
		0x98,                                     /* cwde */
		0x99,                                     /* cdq */
		0xd7,                                     /* xlat */
		0xf4);
	uint64_t *g = fx->c->s.gpr;
	g[RAX] = 0x123456789abcde80ull;
	fx_run(fx, 1);
	assert_int_equal(g[RAX], 0x123456789abcff80ull);
	fx_run(fx, 1);
	assert_int_equal(g[RAX], 0xffffff80ull);
	fx_run(fx, 1);
	assert_int_equal(g[RAX], 0xffffffffffffff80ull);
	fx_run(fx, 1);
	assert_int_equal(g[RDX], 0xffff);
	fx_run(fx, 1);
	assert_int_equal(g[RDX], 0xffffffffull);
	fx_run(fx, 1);
	assert_int_equal(g[RDX], ~0ull);
	g[RAX] = 0xffffffff00017fffull;
	fx_run(fx, 1);
	assert_int_equal(g[RAX], 0x7fffull);
	fx_run(fx, 1);
	assert_int_equal(g[RDX], 0);
	g[RAX] = 0x1205;
	g[RBX] = 0x40000;
	fx_poke(fx, 0x40005, "\xee", 1);
	fx_run_to_hlt(fx, 5);
	assert_int_equal(g[RAX], 0x12ee);
	fx_free(fx);

	fx = fx_new_ok(FX_REAL);
	FX_CODE(fx,
		0xd7,                                     /* xlat (ds:bx+al) */
		0x26, 0xd7,                               /* es: xlat */
		0x67, 0xd7,                               /* addr32 xlat (ds:ebx+al) */
		0xf4);
	g = fx->c->s.gpr;
	fx->c->s.seg[SEG_ES].base = 0x30000;
	g[RAX] = 0x3;
	g[RBX] = 0x100;
	fx_poke(fx, 0x20103, "\x10", 1);
	fx_poke(fx, 0x30110, "\x20", 1);
	fx_poke(fx, 0x20120, "\x30", 1);
	fx_run_to_hlt(fx, 5);
	assert_int_equal(g[RAX], 0x30);
	fx_free(fx);
}

/* Multi-byte and hint NOPs change nothing (no memory access either); UD2
 * raises #UD with RIP at the instruction. */
static void test_nops_ud2(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_LONG64);
	FX_CODE(fx,
		0x0f, 0x1f, 0x00,                         /* nop dword [rax] */
		0x66, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00, /* nop word [rax+rax+0] */
		0x0f, 0x18, 0x08,                         /* prefetcht0 [rax] */
		0x0f, 0x0d, 0x08,                         /* prefetchw [rax] */
		0x0f, 0x18, 0x20,                         /* nop (0F 18 /4) [rax] */
		0x0f, 0x0b);                              /* ud2 */
	/* An unmapped, non-canonical address: an access would fault. */
	fx->c->s.gpr[RAX] = 0x8000000000000000ull;
	struct vcpu_state before = fx->c->s;
	fx_run(fx, 5);
	fx_assert_no_exc(fx);
	assert_int_equal(fx->c->s.rip, FX_CODE_ADDR + 21);
	before.rip = fx->c->s.rip;
	assert_memory_equal(before.gpr, fx->c->s.gpr, sizeof(before.gpr));
	assert_int_equal(before.rflags, fx->c->s.rflags);
	fx_run(fx, 1);
	fx_assert_exc(fx, EXC_UD, FX_NOERR);
	assert_int_equal(fx->c->last_event.rip, FX_CODE_ADDR + 21);
	fx_free(fx);
}

/* Set or clear a CPUID.01H feature bit in the VM's model (reg 2 ECX,
 * 3 EDX). */
static void set_leaf1_bit(struct sw_fx *fx, unsigned reg, unsigned bit, bool on)
{
	struct cpuid_model *m = &fx->vm.cpuid;
	for (int k = 0; k < m->nr; k++) {
		if (m->e[k].function != 1)
			continue;
		uint32_t *r = reg == 2 ? &m->e[k].ecx : &m->e[k].edx;
		*r = on ? *r | (1u << bit) : *r & ~(1u << bit);
	}
}

/* MOVBE (CPUID.01H:ECX.22) and MOVNTI (SSE2, CPUID.01H:EDX.26) run where
 * the CPUID model lists them and raise #UD where it does not. */
static void run_movbe(bool present)
{
	struct sw_fx *fx = fx_new_ok(FX_LONG64);
	set_leaf1_bit(fx, 2, 22, present);
	FX_CODE(fx,
		0x0f, 0x38, 0xf0, 0x03,                   /* movbe eax, [rbx] */
		0x48, 0x0f, 0x38, 0xf1, 0x4b, 0x08,       /* movbe [rbx+8], rcx */
		0x66, 0x0f, 0x38, 0xf0, 0x13,             /* movbe dx, [rbx] */
		0xf4);
	uint64_t *g = fx->c->s.gpr;
	g[RBX] = FX_DATA_ADDR;
	g[RCX] = 0x0102030405060708ull;
	g[RDX] = 0xaaaaaaaaaaaaaaaaull;
	fx_poke32(fx, FX_DATA_ADDR, 0x11223344);
	if (present) {
		fx_run_to_hlt(fx, 5);
		assert_int_equal(g[RAX], 0x44332211ull);
		assert_int_equal(fx_peek(fx, FX_DATA_ADDR + 8, 8), 0x0807060504030201ull);
		assert_int_equal(g[RDX], 0xaaaaaaaaaaaa4433ull);
	} else {
		fx_run(fx, 1);
		fx_assert_exc(fx, EXC_UD, FX_NOERR);
	}
	fx_free(fx);
}

static void run_movnti(bool present)
{
	struct sw_fx *fx = fx_new_ok(FX_LONG64);
	set_leaf1_bit(fx, 3, 26, present);
	FX_CODE(fx,
		0x48, 0x0f, 0xc3, 0x4b, 0x10,             /* movnti [rbx+0x10], rcx */
		0x0f, 0xc3, 0x73, 0x18,                   /* movnti [rbx+0x18], esi */
		0xf4);
	uint64_t *g = fx->c->s.gpr;
	g[RBX] = FX_DATA_ADDR;
	g[RCX] = 0x0102030405060708ull;
	g[RSI] = 0xffffffff99887766ull;
	if (present) {
		fx_run_to_hlt(fx, 5);
		assert_int_equal(fx_peek(fx, FX_DATA_ADDR + 0x10, 8), 0x0102030405060708ull);
		assert_int_equal(fx_peek(fx, FX_DATA_ADDR + 0x18, 8), 0x99887766ull);
	} else {
		fx_run(fx, 1);
		fx_assert_exc(fx, EXC_UD, FX_NOERR);
	}
	fx_free(fx);
}

static void test_movbe_movnti(void **state)
{
	(void)state;
	run_movbe(true);
	run_movbe(false);
	run_movnti(true);
	run_movnti(false);
}

/* LEA with a register operand (mod == 3) is #UD. */
static void test_lea_register_ud(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_LONG64);
	FX_CODE(fx, 0x8d, 0xc1);                     /* lea eax, ecx (invalid) */
	fx->c->s.gpr[RAX] = 5;
	fx_run(fx, 1);
	fx_assert_exc(fx, EXC_UD, FX_NOERR);
	assert_int_equal(fx->c->s.gpr[RAX], 5);
	fx_free(fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mov_regs_imm_64),
		cmocka_unit_test(test_mov_mem_64),
		cmocka_unit_test(test_mov_moffs_64),
		cmocka_unit_test(test_mov_moffs_real),
		cmocka_unit_test(test_movzx_movsx),
		cmocka_unit_test(test_xchg),
		cmocka_unit_test(test_xchg_fault_changes_nothing),
		cmocka_unit_test(test_bswap_lea),
		cmocka_unit_test(test_lea_16),
		cmocka_unit_test(test_cbw_cwd_xlat),
		cmocka_unit_test(test_nops_ud2),
		cmocka_unit_test(test_lea_register_ud),
		cmocka_unit_test(test_movbe_movnti),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
