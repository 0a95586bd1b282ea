/* Port I/O through the bus: IN/OUT of 1, 2 and 4 bytes with imm8 and DX
 * ports on a test device and on the UART; IOPL and the TSS I/O bitmap
 * (allowed, denied, a multi-byte access over a denied bit, a port whose
 * bitmap bytes lie beyond the TSS limit); REP INSB/INSD/OUTSB/OUTSW with
 * both directions, a zero count, and a fault part-way that keeps the
 * registers consistent. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests/unit/sw_fixture.h"

#define DEV_PORT 0x200
#define NEW_TSS  0xb0000ull
#define SEL_TSS2 FX_GDT_FREE

struct dev {
	unsigned reads, writes;
	uint8_t next;            /* byte returned next */
	uint8_t log[64];         /* bytes written, in order */
	unsigned nlog;
	uint64_t last_offset;
	unsigned last_len;
};

static int dev_io(void *opaque, uint64_t offset, void *data, unsigned len, bool is_write)
{
	struct dev *d = opaque;
	uint8_t *b = data;
	d->last_offset = offset;
	d->last_len = len;
	if (is_write) {
		d->writes++;
		for (unsigned k = 0; k < len && d->nlog < sizeof(d->log); k++)
			d->log[d->nlog++] = b[k];
	} else {
		d->reads++;
		for (unsigned k = 0; k < len; k++)
			b[k] = d->next++;
	}
	return 0;
}

static struct sw_fx *new_fx(enum fx_mode m, struct dev *d)
{
	struct sw_fx *fx = fx_new(m);
	assert_non_null(fx);
	memset(d, 0, sizeof(*d));
	d->next = 0x10;
	assert_int_equal(bus_register(&fx->vm.bus, BUS_PIO, DEV_PORT, 8, dev_io, d, "test"), 0);
	return fx;
}

static void test_in_out_sizes(void **state)
{
	(void)state;
	struct dev d;
	struct sw_fx *fx = new_fx(FX_PROT32, &d);
	FX_CODE(fx,
		0xec,                                    /* in al, dx */
		0x66, 0xed,                              /* in ax, dx */
		0xed,                                    /* in eax, dx */
		0xee,                                    /* out dx, al */
		0x66, 0xef,                              /* out dx, ax */
		0xef,                                    /* out dx, eax */
		0xe6, 0xf8,                              /* out 0xf8, al (not claimed) */
		0xe4, 0xf8,                              /* in al, 0xf8 */
		0xf4);
	uint64_t *g = fx->c->s.gpr;
	g[RDX] = DEV_PORT + 2;
	g[RAX] = 0xffffffffffffffffull;
	fx_run(fx, 1);
	assert_int_equal(g[RAX], 0xffffffffffffff10ull);
	assert_int_equal(d.last_offset, 2);
	fx_run(fx, 1);
	assert_int_equal(g[RAX], 0xffffffffffff1211ull);
	fx_run(fx, 1);
	assert_int_equal(g[RAX], 0x16151413ull);             /* zero-extended */
	g[RAX] = 0xa1a2a3a4;
	fx_run(fx, 3);
	assert_int_equal(d.writes, 3);
	assert_int_equal(d.nlog, 1 + 2 + 4);
	static const uint8_t want[] = { 0xa4, 0xa4, 0xa3, 0xa4, 0xa3, 0xa2, 0xa1 };
	assert_memory_equal(d.log, want, sizeof(want));
	fx_run(fx, 10);
	fx_assert_no_exc(fx);
	assert_int_equal(g[RAX] & 0xff, 0xff);   /* an unclaimed port reads ones */
	fx_free(fx);
}

static void test_uart_out(void **state)
{
	(void)state;
	struct dev d;
	struct sw_fx *fx = new_fx(FX_LONG64, &d);
	FX_CODE(fx,
		0x66, 0xba, 0xf8, 0x03,                  /* mov dx, 0x3f8 */
		0xb0, 0x41,                              /* mov al, 'A' */
		0xee,                                    /* out dx, al */
		0xee,                                    /* out dx, al */
		0xf4);
	fx_run(fx, 10);
	fx_assert_no_exc(fx);
	assert_int_equal(fx->vm.com1.tx_bytes, 2);
	fx_free(fx);
}

/* A copy of the fixture's TSS with an I/O bitmap at 0x68 covering ports
 * 0-0x3ff (all allowed but deny_port), limit as given. */
static void install_tss(struct sw_fx *fx, uint32_t limit, unsigned deny_port)
{
	uint8_t map[0x80], head[0x68];
	/* The fixture's TSS fields (ring-0 stack for the #GP), then the map. */
	assert_int_equal(gmem_read(&fx->vm.mem, FX_TSS, head, sizeof(head)), 0);
	fx_poke(fx, NEW_TSS, head, sizeof(head));
	memset(map, 0, sizeof(map));
	map[deny_port / 8] |= (uint8_t)(1u << (deny_port % 8));
	fx_poke16(fx, NEW_TSS + 0x66, 0x68);
	fx_poke(fx, NEW_TSS + 0x68, map, sizeof(map));
	uint64_t desc = (limit & 0xffff) | ((NEW_TSS & 0xffffff) << 16) | (0xbull << 40) |
	                (1ull << 47);
	fx_set_gdt(fx, SEL_TSS2, desc);
	fx_seg_from_gdt(fx, &fx->c->s.tr, SEL_TSS2);
}

static void io_at_user(struct sw_fx *fx, unsigned iopl, uint16_t port, const uint8_t *code,
                       size_t n)
{
	uint8_t buf[8];
	memcpy(buf, code, n);
	buf[n] = 0xf4;
	fx_code_at(fx, FX_CODE_ADDR, buf, n + 1);
	fx->c->s.rflags = (fx->c->s.rflags & ~RFLAGS_IOPL) | ((uint64_t)iopl << 12);
	fx_to_user(fx);
	fx->c->s.gpr[RDX] = port;
	fx->c->s.gpr[RAX] = 0x5a;
	fx_run(fx, 1);
}

static const uint8_t out_dx_al[] = { 0xee };          /* out dx, al */
static const uint8_t out_dx_eax[] = { 0xef };         /* out dx, eax */
static const uint8_t in_al_dx[] = { 0xec };           /* in al, dx */

static void test_iopl_and_bitmap(void **state)
{
	(void)state;
	struct dev d;
	struct sw_fx *fx;

	/* IOPL 3 allows any port at CPL 3, without looking at the TSS. */
	fx = new_fx(FX_PROT32, &d);
	io_at_user(fx, 3, DEV_PORT, out_dx_al, 1);
	fx_assert_no_exc(fx);
	assert_int_equal(d.writes, 1);
	fx_free(fx);

	/* IOPL 0: the bitmap decides. Allowed port. */
	fx = new_fx(FX_PROT32, &d);
	install_tss(fx, 0x68 + 0x80, DEV_PORT + 4);
	io_at_user(fx, 0, DEV_PORT, in_al_dx, 1);
	fx_assert_no_exc(fx);
	assert_int_equal(d.reads, 1);
	fx_free(fx);

	/* Denied port. */
	fx = new_fx(FX_PROT32, &d);
	install_tss(fx, 0x68 + 0x80, DEV_PORT + 4);
	io_at_user(fx, 0, DEV_PORT + 4, out_dx_al, 1);
	fx_assert_exc(fx, EXC_GP, 0);
	assert_int_equal(d.writes, 0);
	fx_free(fx);

	/* Four bytes from DEV_PORT + 1 cover the denied DEV_PORT + 4. */
	fx = new_fx(FX_PROT32, &d);
	install_tss(fx, 0x68 + 0x80, DEV_PORT + 4);
	io_at_user(fx, 0, DEV_PORT + 1, out_dx_eax, 1);
	fx_assert_exc(fx, EXC_GP, 0);
	assert_int_equal(d.writes, 0);
	fx_free(fx);

	/* The bitmap bytes of port 0x3f8 lie beyond a short TSS limit. */
	fx = new_fx(FX_PROT32, &d);
	install_tss(fx, 0x68 + 0x50, DEV_PORT + 4);
	io_at_user(fx, 0, 0x3f8, out_dx_al, 1);
	fx_assert_exc(fx, EXC_GP, 0);
	assert_int_equal(fx->vm.com1.tx_bytes, 0);
	fx_free(fx);

	/* The same limit still covers DEV_PORT's bytes. */
	fx = new_fx(FX_PROT32, &d);
	install_tss(fx, 0x68 + 0x50, DEV_PORT + 4);
	io_at_user(fx, 0, DEV_PORT, out_dx_al, 1);
	fx_assert_no_exc(fx);
	assert_int_equal(d.writes, 1);
	fx_free(fx);

	/* Long mode uses the 64-bit TSS's bitmap the same way. */
	fx = new_fx(FX_LONG64, &d);
	install_tss(fx, 0x68 + 0x80, DEV_PORT + 4);
	fx_set_gdt(fx, SEL_TSS2 + 8, 0);
	fx_seg_from_gdt(fx, &fx->c->s.tr, SEL_TSS2);
	io_at_user(fx, 0, DEV_PORT + 4, out_dx_al, 1);
	fx_assert_exc(fx, EXC_GP, 0);
	fx_free(fx);
}

static void test_rep_ins_outs(void **state)
{
	(void)state;
	struct dev d;
	struct sw_fx *fx = new_fx(FX_PROT32, &d);
	FX_CODE(fx,
		0xf3, 0x6c,                              /* rep insb */
		0xf3, 0x6e,                              /* rep outsb */
		0xf3, 0x6d,                              /* rep insd */
		0xfd,                                    /* std */
		0x66, 0xf3, 0x6f,                        /* rep outsw */
		0xf4);
	uint64_t *g = fx->c->s.gpr;
	g[RDX] = DEV_PORT;
	g[RCX] = 4;
	g[RDI] = FX_DATA_ADDR;
	g[RSI] = FX_DATA_ADDR + 0x100;
	fx_poke32(fx, FX_DATA_ADDR + 0x100, 0x44332211);

	fx_run(fx, 4);   /* one step per element */
	assert_int_equal(g[RCX], 0);
	assert_int_equal(g[RDI], FX_DATA_ADDR + 4);
	assert_int_equal(fx_peek(fx, FX_DATA_ADDR, 4), 0x13121110);
	assert_int_equal(fx_rip_lin(fx), FX_CODE_ADDR + 2);

	g[RCX] = 3;
	fx_run(fx, 2);
	assert_int_equal(g[RCX], 1);
	assert_int_equal(fx_rip_lin(fx), FX_CODE_ADDR + 2);   /* still on it */
	fx_run(fx, 1);
	assert_int_equal(g[RCX], 0);
	assert_int_equal(g[RSI], FX_DATA_ADDR + 0x103);
	assert_int_equal(d.nlog, 3);
	assert_memory_equal(d.log, "\x11\x22\x33", 3);

	/* Count 0: nothing moves, the instruction completes. */
	fx_run(fx, 1);
	assert_int_equal(d.reads, 4);
	assert_int_equal(g[RDI], FX_DATA_ADDR + 4);
	assert_int_equal(fx_rip_lin(fx), FX_CODE_ADDR + 6);

	/* STD; REP OUTSW backwards from 0x102: words at 0x102 and 0x100. */
	g[RCX] = 2;
	g[RSI] = FX_DATA_ADDR + 0x102;
	fx_run(fx, 10);
	fx_assert_no_exc(fx);
	assert_int_equal(g[RSI], FX_DATA_ADDR + 0xfe);
	assert_int_equal(d.nlog, 7);
	assert_memory_equal(d.log + 3, "\x33\x44\x11\x22", 4);
	fx_free(fx);
}

/* A 16-bit address size uses CX/DI only; a fault on the second element
 * leaves one element done and the registers describing the rest. */
static void test_rep_ins_fault_midway(void **state)
{
	(void)state;
	struct dev d;
	struct sw_fx *fx = new_fx(FX_PROT32, &d);
	/* ES limit 0x40001: the element at 0x40002 is beyond it. */
	fx_set_gdt(fx, FX_GDT_FREE, fx_desc(0, 0x40001, 0x3, 0, FX_DB));
	fx_seg_from_gdt(fx, &fx->c->s.seg[SEG_ES], FX_GDT_FREE);
	FX_CODE(fx, 0xf3, 0x66, 0x6d, 0xf4);             /* rep insw */
	uint64_t *g = fx->c->s.gpr;
	g[RDX] = DEV_PORT;
	g[RCX] = 3;
	g[RDI] = FX_DATA_ADDR;
	fx_run(fx, 2);
	fx_assert_exc(fx, EXC_GP, 0);
	assert_int_equal(g[RCX], 2);
	assert_int_equal(g[RDI], FX_DATA_ADDR + 2);
	assert_int_equal(d.reads, 1);                /* the faulting element read nothing */
	assert_int_equal(fx->c->last_event.rip, FX_CODE_ADDR);
	fx_free(fx);

	/* 67: 16-bit addressing wraps DI and counts CX. */
	fx = new_fx(FX_PROT32, &d);
	FX_CODE(fx, 0x67, 0xf3, 0x6c, 0xf4);             /* rep insb (addr16) */
	g = fx->c->s.gpr;
	g[RDX] = DEV_PORT;
	g[RCX] = 0xffff0002;
	g[RDI] = 0x4ffff;
	fx_run(fx, 5);
	fx_assert_no_exc(fx);
	assert_int_equal(g[RCX], 0xffff0000);
	assert_int_equal(g[RDI], 0x40001);
	assert_int_equal(fx_peek(fx, 0xffff, 1), 0x10);
	assert_int_equal(fx_peek(fx, 0x0, 1), 0x11);
	fx_free(fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_out_sizes),
		cmocka_unit_test(test_uart_out),
		cmocka_unit_test(test_iopl_and_bitmap),
		cmocka_unit_test(test_rep_ins_outs),
		cmocka_unit_test(test_rep_ins_fault_midway),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
