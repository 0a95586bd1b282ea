/* 8250/16550-compatible UART (COM1 at 0x3f8, IRQ 4): transmit to a file
 * descriptor, receive from one; the line status always reports the
 * transmitter empty, so guests never spin. The interrupt output follows
 * the registers: every access recomputes it and drives the IRQ line. */
#ifndef HVMM_UART8250_H
#define HVMM_UART8250_H

#include <stdbool.h>
#include <stdint.h>

#include "core/irq.h"

#define COM1_BASE 0x3f8
#define COM1_IRQ  4
#define UART_NR_PORTS 8
/* How often the input is looked at while the guest waits for a receive
 * interrupt: the latency of a typed key. */
#define UART_POLL_NS 10000000ull

struct uart8250 {
	int out_fd;          /* -1: output discarded */
	int in_fd;           /* -1: no input */
	uint8_t ier, lcr, mcr, scr;
	uint8_t iir;         /* only bits 7:6 (FIFOs on) are kept; the id is computed */
	uint8_t lsr;         /* only the overrun bit is kept; the rest is computed */
	uint8_t msr;         /* last value read, for inspection */
	bool thri_pending;   /* THR-empty interrupt not yet acknowledged */
	uint16_t divisor;
	bool rx_ready;       /* one buffered input byte */
	uint8_t rx_byte;
	bool in_eof;
	uint64_t tx_bytes;   /* bytes the guest sent */
	int last_error;      /* -errno of the last failed write, 0 if none */
	struct irq_line line;  /* unconnected after init */
	bool line_level;       /* level last driven on line */
	uint64_t next_poll_ns; /* when uart8250_poll_input looks next */
};

void uart8250_init(struct uart8250 *u, int out_fd, int in_fd);

/* bus_handler_fn for the 8 registers; a wider access touches consecutive
 * registers, one byte each, as on the ISA bus. Host write failures do not
 * fail the access: they are kept in last_error. */
int uart8250_io(void *opaque, uint64_t offset, void *data, unsigned len, bool is_write);

/* Level of the UART's interrupt output as the PC wires it: an enabled
 * interrupt is pending and MCR.OUT2 gates it onto the IRQ line. */
bool uart8250_irq_asserted(const struct uart8250 *u);

/* While the guest waits for a receive interrupt, look at the input every
 * UART_POLL_NS: a byte that arrived raises the interrupt. The deadline
 * is the next look, or UINT64_MAX when nothing waits for input. */
void uart8250_poll_input(struct uart8250 *u, uint64_t now_ns);
uint64_t uart8250_deadline(const struct uart8250 *u);

#endif
