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
	uint8_t ier, iir, lcr, mcr, lsr, msr, scr;
	uint16_t divisor;
	bool rx_ready;       /* one buffered input byte */
	uint8_t rx_byte;
	bool in_eof;
	uint64_t tx_bytes;   /* bytes the guest sent */
	int last_error;      /* -errno of the last failed write, 0 if none */
};

void uart8250_init(struct uart8250 *u, int out_fd, int in_fd);

/* bus_handler_fn for the 8 registers. */
int uart8250_io(void *opaque, uint64_t offset, void *data, unsigned len, bool is_write);

#endif
