/* 8250/16550A UART. Transmission is instantaneous: THR is always empty, so
 * LSR always shows THRE|TEMT and the THR-empty interrupt is re-armed by
 * every transmitted byte. Input is one byte deep and is pulled from in_fd
 * without blocking when the guest looks (LSR, RBR, IIR) and, while the
 * receive interrupt is enabled, every UART_POLL_NS. */
#include "core/uart8250.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

enum {
	REG_RBR_THR = 0, REG_IER, REG_IIR_FCR, REG_LCR, REG_MCR, REG_LSR, REG_MSR, REG_SCR,
};

#define IER_ERBFI 0x01   /* received data available */
#define IER_ETBEI 0x02   /* THR empty */
#define IER_ELSI  0x04   /* receiver line status */
#define IER_MASK  0x0f

#define IIR_NONE  0x01
#define IIR_RLS   0x06
#define IIR_RDA   0x04
#define IIR_THRE  0x02
#define IIR_FIFO  0xc0   /* what a 16550A reports with FIFOs on */

#define FCR_ENABLE   0x01
#define FCR_CLEAR_RX 0x02

#define LCR_DLAB  0x80

#define MCR_DTR   0x01
#define MCR_RTS   0x02
#define MCR_OUT1  0x04
#define MCR_OUT2  0x08
#define MCR_LOOP  0x10
#define MCR_MASK  0x1f

#define LSR_DR    0x01
#define LSR_OE    0x02
#define LSR_THRE  0x20
#define LSR_TEMT  0x40

#define MSR_CTS   0x10
#define MSR_DSR   0x20
#define MSR_RI    0x40
#define MSR_DCD   0x80

void uart8250_init(struct uart8250 *u, int out_fd, int in_fd)
{
	memset(u, 0, sizeof(*u));
	u->out_fd = out_fd;
	u->in_fd = in_fd;
	/* The divisor has no defined reset value; 12 is 9600 baud. */
	u->divisor = 12;
}

static bool loopback(const struct uart8250 *u)
{
	return u->mcr & MCR_LOOP;
}

/* Buffer one input byte if there is one and none is buffered yet. */
static void rx_fill(struct uart8250 *u)
{
	if (u->rx_ready || loopback(u) || u->in_fd < 0 || u->in_eof)
		return;
	struct pollfd p = { .fd = u->in_fd, .events = POLLIN };
	int n;
	do
		n = poll(&p, 1, 0);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return;
	if (p.revents & POLLNVAL) {
		u->in_eof = true;
		return;
	}
	uint8_t b;
	ssize_t r;
	do
		r = read(u->in_fd, &b, 1);
	while (r < 0 && errno == EINTR);
	if (r == 1) {
		u->rx_byte = b;
		u->rx_ready = true;
	} else if (r == 0) {
		u->in_eof = true;
	} else if (errno != EAGAIN && errno != EWOULDBLOCK) {
		/* A broken input will not mend: stop polling it. */
		u->last_error = -errno;
		u->in_eof = true;
	}
}

static void tx(struct uart8250 *u, uint8_t b)
{
	u->tx_bytes++;
	u->thri_pending = true;
	if (loopback(u)) {
		if (u->rx_ready)
			u->lsr |= LSR_OE;
		u->rx_byte = b;
		u->rx_ready = true;
		return;
	}
	if (u->out_fd < 0)
		return;
	for (;;) {
		ssize_t n = write(u->out_fd, &b, 1);
		if (n == 1)
			return;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			/* Non-blocking output: wait rather than drop guest output. */
			struct pollfd p = { .fd = u->out_fd, .events = POLLOUT };
			if (poll(&p, 1, -1) >= 0 || errno == EINTR)
				continue;
		}
		u->last_error = n < 0 ? -errno : -EIO;
		return;
	}
}

/* Highest-priority pending interrupt, as IIR bits 3:0, for the input
 * seen so far. */
static uint8_t pending_id(const struct uart8250 *u)
{
	if ((u->ier & IER_ELSI) && (u->lsr & LSR_OE))
		return IIR_RLS;
	if ((u->ier & IER_ERBFI) && u->rx_ready)
		return IIR_RDA;
	if ((u->ier & IER_ETBEI) && u->thri_pending)
		return IIR_THRE;
	return IIR_NONE;
}

bool uart8250_irq_asserted(const struct uart8250 *u)
{
	return (u->mcr & MCR_OUT2) && pending_id(u) != IIR_NONE;
}

/* Drive the line on a change only: the controllers see edges. */
static void drive_irq(struct uart8250 *u)
{
	bool level = uart8250_irq_asserted(u);
	if (level == u->line_level)
		return;
	u->line_level = level;
	irq_line_set(&u->line, level);
}

static bool waits_for_input(const struct uart8250 *u)
{
	return (u->ier & IER_ERBFI) && !u->rx_ready && !loopback(u) && u->in_fd >= 0 &&
	       !u->in_eof;
}

void uart8250_poll_input(struct uart8250 *u, uint64_t now_ns)
{
	if (!waits_for_input(u) || now_ns < u->next_poll_ns)
		return;
	u->next_poll_ns = now_ns + UART_POLL_NS;
	rx_fill(u);
	drive_irq(u);
}

uint64_t uart8250_deadline(const struct uart8250 *u)
{
	return waits_for_input(u) ? u->next_poll_ns : UINT64_MAX;
}

static uint8_t msr_value(const struct uart8250 *u)
{
	if (!loopback(u))
		return MSR_DCD | MSR_DSR | MSR_CTS;   /* a peer is always attached */
	/* Loopback wires the modem outputs back to the inputs. */
	uint8_t v = 0;
	if (u->mcr & MCR_RTS)
		v |= MSR_CTS;
	if (u->mcr & MCR_DTR)
		v |= MSR_DSR;
	if (u->mcr & MCR_OUT1)
		v |= MSR_RI;
	if (u->mcr & MCR_OUT2)
		v |= MSR_DCD;
	return v;
}

static uint8_t reg_read(struct uart8250 *u, unsigned reg)
{
	bool dlab = u->lcr & LCR_DLAB;
	uint8_t v;

	switch (reg) {
	case REG_RBR_THR:
		if (dlab)
			return u->divisor & 0xff;
		rx_fill(u);
		if (!u->rx_ready)
			return 0;
		u->rx_ready = false;
		return u->rx_byte;
	case REG_IER:
		return dlab ? u->divisor >> 8 : u->ier;
	case REG_IIR_FCR:
		if (u->ier & IER_ERBFI)
			rx_fill(u);
		v = pending_id(u);
		if (v == IIR_THRE)   /* reading IIR acknowledges THR-empty */
			u->thri_pending = false;
		return v | (u->iir & IIR_FIFO);
	case REG_LCR:
		return u->lcr;
	case REG_MCR:
		return u->mcr;
	case REG_LSR:
		rx_fill(u);
		v = LSR_THRE | LSR_TEMT | (u->lsr & LSR_OE) | (u->rx_ready ? LSR_DR : 0);
		u->lsr &= ~LSR_OE;   /* error bits clear on read */
		return v;
	case REG_MSR:
		return u->msr = msr_value(u);
	default:
		return u->scr;
	}
}

static void reg_write(struct uart8250 *u, unsigned reg, uint8_t v)
{
	bool dlab = u->lcr & LCR_DLAB;

	switch (reg) {
	case REG_RBR_THR:
		if (dlab)
			u->divisor = (u->divisor & 0xff00) | v;
		else
			tx(u, v);
		break;
	case REG_IER:
		if (dlab) {
			u->divisor = (u->divisor & 0x00ff) | (uint16_t)(v << 8);
			break;
		}
		/* Enabling the THR-empty interrupt with THR empty raises it. */
		if ((v & IER_ETBEI) && !(u->ier & IER_ETBEI))
			u->thri_pending = true;
		u->ier = v & IER_MASK;
		break;
	case REG_IIR_FCR:
		u->iir = (v & FCR_ENABLE) ? IIR_FIFO : 0;
		if (v & FCR_CLEAR_RX)
			u->rx_ready = false;
		break;
	case REG_LCR:
		u->lcr = v;
		break;
	case REG_MCR:
		u->mcr = v & MCR_MASK;
		break;
	case REG_SCR:
		u->scr = v;
		break;
	default:
		break;   /* LSR and MSR are read-only here */
	}
}

int uart8250_io(void *opaque, uint64_t offset, void *data, unsigned len, bool is_write)
{
	struct uart8250 *u = opaque;
	uint8_t *bytes = data;

	if (offset >= UART_NR_PORTS || len > UART_NR_PORTS - offset)
		return -EINVAL;
	for (unsigned i = 0; i < len; i++) {
		if (is_write)
			reg_write(u, (unsigned)offset + i, bytes[i]);
		else
			bytes[i] = reg_read(u, (unsigned)offset + i);
		drive_irq(u);
	}
	return 0;
}
