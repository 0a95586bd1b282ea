/* The guests' runtime: port I/O, serial output, formatting, exit. Usable
 * from 32-bit and 64-bit C. */
#ifndef GUESTS_LIB_RT_H
#define GUESTS_LIB_RT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/layout.h"

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

/* Every guest defines this; the entry code calls it and halts when it
 * returns. magic and info are the multiboot handover, 0 for flat images. */
void guest_main(unsigned long magic, unsigned long info);

/* lib/serial.c: COM1 output, polling the line status before each byte. */
void serial_putc(char c);
void serial_write(const char *s, size_t n);
int vprintf(const char *fmt, va_list ap);
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* lib/fmt.c: %c %s %d %i %u %x %X %p %%, flags '-' and '0', a width, and
 * the size modifiers l and z. */
typedef void (*fmt_put_fn)(void *ctx, char c);
int vformat(fmt_put_fn put, void *ctx, const char *fmt, va_list ap);
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* lib/exit.c */
void halt(void) __attribute__((noreturn));
void exit_vm(unsigned int code) __attribute__((noreturn));
void panic(const char *fmt, ...)
	__attribute__((noreturn, format(printf, 1, 2)));

/* lib/string.c: the compiler may emit calls to these even when freestanding. */
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);

#endif
