/* 8250 UART: transmit, divisor latch, scratch, line status, input, loopback
 * and the interrupt hook. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include "core/pic.h"
#include "core/uart8250.h"

static uint8_t rd(struct uart8250 *u, unsigned reg)
{
	uint8_t v = 0;
	assert_int_equal(uart8250_io(u, reg, &v, 1, false), 0);
	return v;
}

static void wr(struct uart8250 *u, unsigned reg, uint8_t v)
{
	assert_int_equal(uart8250_io(u, reg, &v, 1, true), 0);
}

static void test_tx_to_pipe(void **state)
{
	(void)state;
	int p[2];
	assert_int_equal(pipe(p), 0);
	struct uart8250 u;
	uart8250_init(&u, p[1], -1);
	const char *msg = "hi\n";
	for (const char *c = msg; *c; c++)
		wr(&u, 0, (uint8_t)*c);
	assert_int_equal(u.tx_bytes, 3);
	assert_int_equal(u.last_error, 0);
	char got[4] = { 0 };
	assert_int_equal(read(p[0], got, 3), 3);
	assert_string_equal(got, msg);

	/* A dead reader: the failure is recorded, the guest carries on. */
	close(p[0]);
	signal(SIGPIPE, SIG_IGN);
	wr(&u, 0, 'x');
	assert_int_equal(u.last_error, -EPIPE);
	assert_int_equal(u.tx_bytes, 4);
	close(p[1]);

	/* No output fd: bytes are counted and dropped. */
	uart8250_init(&u, -1, -1);
	wr(&u, 0, 'y');
	assert_int_equal(u.tx_bytes, 1);
	assert_int_equal(u.last_error, 0);
}

static void test_dlab_and_scratch(void **state)
{
	(void)state;
	int p[2];
	assert_int_equal(pipe(p), 0);
	struct uart8250 u;
	uart8250_init(&u, p[1], -1);

	wr(&u, 1, 0x0f);       /* IER */
	wr(&u, 3, 0x83);       /* DLAB on, 8N1 */
	wr(&u, 0, 0x01);       /* DLL: 115200 baud */
	wr(&u, 1, 0x00);       /* DLM */
	assert_int_equal(u.divisor, 1);
	assert_int_equal(rd(&u, 0), 0x01);
	assert_int_equal(rd(&u, 1), 0x00);
	wr(&u, 1, 0x02);
	assert_int_equal(u.divisor, 0x0201);
	assert_int_equal(u.tx_bytes, 0);   /* DLL write is not a transmit */
	wr(&u, 3, 0x03);       /* DLAB off */
	assert_int_equal(rd(&u, 3), 0x03);
	assert_int_equal(rd(&u, 1), 0x0f);  /* IER untouched by the DLM writes */
	assert_int_equal(u.divisor, 0x0201);

	wr(&u, 7, 0xa5);
	assert_int_equal(rd(&u, 7), 0xa5);
	wr(&u, 7, 0x5a);
	assert_int_equal(rd(&u, 7), 0x5a);

	/* IER keeps only its four defined bits; MCR its five. */
	wr(&u, 1, 0xff);
	assert_int_equal(rd(&u, 1), 0x0f);
	wr(&u, 4, 0xff & ~0x10);
	assert_int_equal(rd(&u, 4), 0x0f);

	/* FIFO enable shows in IIR bits 7:6, as the 16550A probe expects. */
	wr(&u, 1, 0);
	assert_int_equal(rd(&u, 2), 0x01);
	wr(&u, 2, 0x07);
	assert_int_equal(rd(&u, 2), 0xc1);
	wr(&u, 2, 0x00);
	assert_int_equal(rd(&u, 2), 0x01);

	/* Modem status: a peer is always there. */
	assert_int_equal(rd(&u, 6), 0xb0);
	close(p[0]);
	close(p[1]);
}

static void test_lsr_and_input(void **state)
{
	(void)state;
	int in[2];
	assert_int_equal(pipe(in), 0);
	struct uart8250 u;
	uart8250_init(&u, -1, in[0]);

	assert_int_equal(rd(&u, 5), 0x60);      /* THRE|TEMT, no data */
	assert_int_equal(rd(&u, 0), 0);

	assert_int_equal(write(in[1], "ab", 2), 2);
	assert_int_equal(rd(&u, 5), 0x61);
	assert_int_equal(rd(&u, 5), 0x61);      /* looking twice keeps the byte */
	assert_int_equal(rd(&u, 0), 'a');
	assert_int_equal(rd(&u, 0), 'b');       /* RBR alone also pulls input */
	assert_int_equal(rd(&u, 5), 0x60);
	assert_false(u.in_eof);

	close(in[1]);
	assert_int_equal(rd(&u, 5), 0x60);
	assert_true(u.in_eof);
	assert_int_equal(rd(&u, 0), 0);
	close(in[0]);
}

static void test_wide_access(void **state)
{
	(void)state;
	struct uart8250 u;
	uart8250_init(&u, -1, -1);
	/* A 16-bit write at 7 would run past the registers. */
	uint16_t w = 0x1234;
	assert_int_equal(uart8250_io(&u, 7, &w, 2, true), -EINVAL);
	assert_int_equal(uart8250_io(&u, 8, &w, 1, true), -EINVAL);
	/* A 16-bit read at 5 reads LSR then MSR. */
	w = 0;
	assert_int_equal(uart8250_io(&u, 5, &w, 2, false), 0);
	assert_int_equal(w, 0xb060);
}

static void test_loopback(void **state)
{
	(void)state;
	int out[2];
	assert_int_equal(pipe(out), 0);
	assert_int_equal(fcntl(out[0], F_SETFL, O_NONBLOCK), 0);
	struct uart8250 u;
	uart8250_init(&u, out[1], -1);

	wr(&u, 4, 0x10 | 0x03);                 /* loopback, DTR, RTS */
	assert_int_equal(rd(&u, 6), 0x30);      /* CTS, DSR follow RTS, DTR */
	wr(&u, 0, 'Q');
	assert_int_equal(rd(&u, 5), 0x61);
	assert_int_equal(rd(&u, 0), 'Q');
	wr(&u, 0, '1');
	wr(&u, 0, '2');                         /* overruns the one-byte buffer */
	assert_int_equal(rd(&u, 5), 0x63);
	assert_int_equal(rd(&u, 5), 0x61);      /* OE clears on read */
	assert_int_equal(rd(&u, 0), '2');
	char c;
	assert_int_equal(read(out[0], &c, 1), -1);   /* nothing left the UART */
	assert_int_equal(errno, EAGAIN);

	wr(&u, 4, 0);
	wr(&u, 0, 'Z');
	assert_int_equal(read(out[0], &c, 1), 1);
	assert_int_equal(c, 'Z');
	close(out[0]);
	close(out[1]);
}

static void test_interrupts(void **state)
{
	(void)state;
	int in[2];
	assert_int_equal(pipe(in), 0);
	struct uart8250 u;
	uart8250_init(&u, -1, in[0]);

	wr(&u, 4, 0x08);                        /* OUT2: IRQ line connected */
	assert_false(uart8250_irq_asserted(&u));
	wr(&u, 1, 0x02);                        /* enable THR empty */
	assert_true(uart8250_irq_asserted(&u));
	assert_int_equal(rd(&u, 2), 0x02);
	assert_false(uart8250_irq_asserted(&u)); /* IIR read acknowledged it */
	assert_int_equal(rd(&u, 2), 0x01);
	wr(&u, 0, 'x');                         /* sent at once: empty again */
	assert_true(uart8250_irq_asserted(&u));
	wr(&u, 4, 0x00);                        /* OUT2 off gates the line */
	assert_false(uart8250_irq_asserted(&u));
	wr(&u, 4, 0x08);

	/* Received data outranks THR empty. */
	wr(&u, 1, 0x03);
	assert_int_equal(write(in[1], "k", 1), 1);
	assert_int_equal(rd(&u, 2), 0x04);
	assert_int_equal(rd(&u, 0), 'k');
	assert_int_equal(rd(&u, 2), 0x02);
	assert_int_equal(rd(&u, 2), 0x01);
	wr(&u, 1, 0x00);
	assert_false(uart8250_irq_asserted(&u));
	close(in[0]);
	close(in[1]);
}

/* The line follows the registers at once, through the PIC: THR empty,
 * received data, line status (overrun), OUT2. */
static void test_irq_line(void **state)
{
	(void)state;
	int in[2];
	assert_int_equal(pipe(in), 0);
	struct pic pic;
	pic_init(&pic);
	pic.chip[0].imr = 0;
	struct isa_irqs isa = { .pic = &pic };
	struct uart8250 u;
	uart8250_init(&u, -1, in[0]);
	u.line = (struct irq_line){ &isa, COM1_IRQ };
	const uint8_t bit = 1u << COM1_IRQ;

	wr(&u, 1, 0x02);                          /* THRE enabled, OUT2 off */
	assert_false(pic.chip[0].lines & bit);
	wr(&u, 4, 0x08);
	assert_true(pic.chip[0].lines & bit);
	assert_int_equal(pic_ack(&pic), PIC_RESET_MASTER_BASE + COM1_IRQ);
	assert_int_equal(rd(&u, 2), 0x02);
	assert_false(pic.chip[0].lines & bit);
	wr(&u, 0, 'a');                           /* THR empties again: a new edge */
	assert_true(pic.chip[0].irr & bit);
	wr(&u, 1, 0x00);
	assert_false(pic.chip[0].lines & bit);

	/* Input arrives while the receive interrupt waits for it. */
	wr(&u, 1, 0x01);
	assert_int_equal(uart8250_deadline(&u), 0);
	uart8250_poll_input(&u, 0);               /* nothing there yet */
	assert_false(pic.chip[0].lines & bit);
	assert_int_equal(uart8250_deadline(&u), UART_POLL_NS);
	assert_int_equal(write(in[1], "qr", 2), 2);
	uart8250_poll_input(&u, UART_POLL_NS - 1); /* not yet due */
	assert_false(pic.chip[0].lines & bit);
	uart8250_poll_input(&u, UART_POLL_NS);
	assert_true(pic.chip[0].lines & bit);
	assert_int_equal(uart8250_deadline(&u), UINT64_MAX);   /* a byte waits */
	assert_int_equal(rd(&u, 0), 'q');
	assert_false(pic.chip[0].lines & bit);
	assert_int_equal(rd(&u, 5) & 0x01, 0x01); /* LSR pulls the next byte */
	assert_true(pic.chip[0].lines & bit);
	assert_int_equal(rd(&u, 0), 'r');
	assert_false(pic.chip[0].lines & bit);

	/* Line status: an overrun in loopback, cleared by reading LSR. */
	wr(&u, 4, 0x18);
	wr(&u, 1, 0x04);
	wr(&u, 0, 'x');
	wr(&u, 0, 'y');
	assert_true(pic.chip[0].lines & bit);
	assert_int_equal(rd(&u, 2), 0x06);
	assert_int_equal(rd(&u, 5) & 0x02, 0x02);
	assert_false(pic.chip[0].lines & bit);

	/* End of input: nothing left to wait for. */
	wr(&u, 4, 0x08);
	wr(&u, 1, 0x01);
	rd(&u, 0);
	close(in[1]);
	uart8250_poll_input(&u, 2 * UART_POLL_NS);
	assert_true(u.in_eof);
	assert_int_equal(uart8250_deadline(&u), UINT64_MAX);
	close(in[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tx_to_pipe),
		cmocka_unit_test(test_dlab_and_scratch),
		cmocka_unit_test(test_lsr_and_input),
		cmocka_unit_test(test_wide_access),
		cmocka_unit_test(test_loopback),
		cmocka_unit_test(test_interrupts),
		cmocka_unit_test(test_irq_line),
	};
	return cmocka_run_group_tests_name("uart8250", tests, NULL, NULL);
}
