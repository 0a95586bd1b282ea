/* COM1_INIT, an assembler macro for 16- and 32-bit code: 8 data bits, no
 * parity, 1 stop bit, 115200 baud, no UART interrupts. Needed because an
 * 8250 resets to 5 data bits, which some emulators (Bochs) enforce.
 * Clobbers AL and DX. */
#ifndef GUESTS_LIB_COM1_INIT_H
#define GUESTS_LIB_COM1_INIT_H

#include "lib/layout.h"

.macro COM1_INIT
	mov $COM1_LCR, %dx
	mov $LCR_DLAB, %al
	out %al, %dx
	mov $COM1, %dx		/* divisor 1: 115200 baud */
	mov $1, %al
	out %al, %dx
	inc %dx
	xor %al, %al
	out %al, %dx
	mov $COM1_LCR, %dx
	mov $LCR_8N1, %al
	out %al, %dx
	mov $COM1_IER, %dx
	xor %al, %al
	out %al, %dx
.endm

#endif
