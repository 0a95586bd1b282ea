/* 8250/16550-compatible UART (COM1 at 0x3f8): transmit to a file
 * descriptor, receive from one; the line status always reports the
 * transmitter empty, so guests never spin. */
#ifndef HVMM_UART8250_H
#define HVMM_UART8250_H

#include <stdbool.h>
#include <stdint.h>

#define COM1_BASE 0x3f8
#define UART_NR_PORTS 8

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
};

void uart8250_init(struct uart8250 *u, int out_fd, int in_fd);

/* bus_handler_fn for the 8 registers; a wider access touches consecutive
 * registers, one byte each, as on the ISA bus. Host write failures do not
 * fail the access: they are kept in last_error. */
int uart8250_io(void *opaque, uint64_t offset, void *data, unsigned len, bool is_write);

/* Level of the UART's interrupt output as the PC wires it: an enabled
 * interrupt is pending and MCR.OUT2 gates it onto the IRQ line (IRQ 4 for
 * COM1). For the interrupt controller to sample; may poll the input fd. */
bool uart8250_irq_asserted(struct uart8250 *u);

#endif
