/* A small printf-style formatter writing through a callback, so that the
 * same code serves serial output and (in ring3) formatting into a buffer.
 * Only unsigned long arithmetic: 32-bit builds need no libgcc helpers. */
#include "lib/rt.h"

struct out {
	fmt_put_fn put;
	void *ctx;
	int n;
};

static void emit(struct out *o, char c)
{
	o->put(o->ctx, c);
	o->n++;
}

static void pad(struct out *o, char c, int count)
{
	while (count-- > 0)
		emit(o, c);
}

static void emit_number(struct out *o, unsigned long v, unsigned int base,
			int neg, int width, int zero, int left, int upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[3 * sizeof(long) + 1];
	int len = 0, total;

	do {
		tmp[len++] = digits[v % base];
		v /= base;
	} while (v);
	total = len + neg;
	if (!left && !zero)
		pad(o, ' ', width - total);
	if (neg)
		emit(o, '-');
	if (!left && zero)
		pad(o, '0', width - total);
	while (len)
		emit(o, tmp[--len]);
	if (left)
		pad(o, ' ', width - total);
}

int vformat(fmt_put_fn put, void *ctx, const char *fmt, va_list ap)
{
	struct out o = { put, ctx, 0 };

	for (; *fmt; fmt++) {
		int left = 0, zero = 0, width = 0, lng = 0;
		unsigned long u;
		const char *s;
		long v;
		int len;

		if (*fmt != '%') {
			emit(&o, *fmt);
			continue;
		}
		for (fmt++; *fmt == '-' || *fmt == '0'; fmt++) {
			if (*fmt == '-')
				left = 1;
			else
				zero = 1;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		if (*fmt == 'l' || *fmt == 'z') {
			lng = 1;
			fmt++;
		}
		switch (*fmt) {
		case 'c':
			if (!left)
				pad(&o, ' ', width - 1);
			emit(&o, (char)va_arg(ap, int));
			if (left)
				pad(&o, ' ', width - 1);
			break;
		case 's':
			s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			len = (int)strlen(s);
			if (!left)
				pad(&o, ' ', width - len);
			while (*s)
				emit(&o, *s++);
			if (left)
				pad(&o, ' ', width - len);
			break;
		case 'd':
		case 'i':
			v = lng ? va_arg(ap, long) : va_arg(ap, int);
			u = v < 0 ? -(unsigned long)v : (unsigned long)v;
			emit_number(&o, u, 10, v < 0, width, zero, left, 0);
			break;
		case 'u':
		case 'x':
		case 'X':
			u = lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned int);
			emit_number(&o, u, *fmt == 'u' ? 10 : 16, 0, width, zero,
				    left, *fmt == 'X');
			break;
		case 'p':
			emit(&o, '0');
			emit(&o, 'x');
			u = (unsigned long)(uintptr_t)va_arg(ap, void *);
			emit_number(&o, u, 16, 0, width - 2, zero, left, 0);
			break;
		case '\0':
			fmt--;	/* a lone '%' at the end: stop at the NUL */
			break;
		default:	/* '%%' and anything unknown print as is */
			emit(&o, *fmt);
			break;
		}
	}
	return o.n;
}

struct buf {
	char *p;
	size_t left;
};

static void put_buf(void *ctx, char c)
{
	struct buf *b = ctx;

	if (b->left > 1) {
		*b->p++ = c;
		b->left--;
	}
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct buf b = { buf, size };
	int n = vformat(put_buf, &b, fmt, ap);

	if (size)
		*b.p = '\0';
	return n;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
