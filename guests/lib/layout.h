/* Constants shared by the guests' assembly and C: where flat images live,
 * the boot GDT's selectors, the devices the guests talk to, exit codes. */
#ifndef GUESTS_LIB_LAYOUT_H
#define GUESTS_LIB_LAYOUT_H

/* A flat image is loaded here and entered in real mode at FLAT_SEG:0000. */
#define FLAT_BASE	0x10000
#define FLAT_SEG	0x1000
/* Memory below the EBDA that a flat image (with its .bss) may use. */
#define FLAT_LIMIT	0x9f000

/* Selectors of the boot GDT (lib/boot_data.S). */
#define BOOT_CS32	0x08
#define BOOT_DS		0x10
#define BOOT_CS64	0x18
#define BOOT_GDT_SIZE	(4 * 8)

#define BOOT_STACK_SIZE	16384

#define CR0_PE		0x00000001
#define CR0_PG		0x80000000
#define CR4_PAE		0x00000020
#define MSR_EFER	0xc0000080
#define EFER_SCE	0x00000001
#define EFER_LME	0x00000100
#define EFER_LMA	0x00000400

#define PTE_P		0x001
#define PTE_W		0x002
#define PTE_U		0x004
#define PTE_PS		0x080

/* 8250 UART at COM1. With DLAB set in LCR, ports +0 and +1 hold the
 * baud rate divisor instead of THR and IER. */
#define COM1		0x3f8
#define COM1_IER	(COM1 + 1)
#define COM1_LCR	(COM1 + 3)
#define COM1_LSR	(COM1 + 5)
#define LCR_8N1		0x03
#define LCR_DLAB	0x80
#define LSR_THRE	0x20

/* isa-debug-exit: writing v makes the VM exit with status (v << 1) | 1. */
#define DEBUG_EXIT_PORT	0xf4
#define EXIT_FAIL	1
#define EXIT_EXCEPTION	0x40	/* + vector, for an unexpected exception */

#endif
