/* The user program of linuxabi.elf: an ordinary static glibc program
 * (gcc -O2 -static, the host's C library), run in ring 3 by the guest
 * kernel. It drives glibc's string functions over many lengths and
 * alignments, which take the vector code paths glibc picks from CPUID,
 * and some double arithmetic, and prints results that depend on nothing
 * but the program: the same bytes on any engine. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>

#define BUF 320

static unsigned char src[BUF + 64] __attribute__((aligned(64)));
static unsigned char dst[BUF + 64] __attribute__((aligned(64)));

/* FNV-1a, 64-bit: every result below is folded into one of these. */
static uint64_t fnv(uint64_t h, uint64_t v)
{
	for (int i = 0; i < 8; i++) {
		h ^= (v >> (8 * i)) & 0xff;
		h *= 0x100000001b3ull;
	}
	return h;
}

static uint64_t lcg_state = 12345;

static unsigned int lcg(void)
{
	lcg_state = lcg_state * 6364136223846793005ull + 1442695040888963407ull;
	return (unsigned int)(lcg_state >> 33);
}

/* A NUL-free pattern over the whole source buffer. */
static void fill_src(void)
{
	for (int i = 0; i < BUF + 64; i++)
		src[i] = (unsigned char)('a' + (i * 7 + i / 13) % 26);
}

static void say(const char *s)
{
	/* Through the write system call directly, not stdio. */
	if (write(1, s, strlen(s)) != (ssize_t)strlen(s))
		exit(3);
}

static uint64_t test_strlen(void)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (int off = 0; off < 64; off++)
		for (int len = 0; len < 200; len += 1 + len / 16) {
			char *s = (char *)src + off;
			unsigned char saved = s[len];

			s[len] = 0;
			h = fnv(h, strlen(s) ^ (uint64_t)len << 16);
			h = fnv(h, (uint64_t)(strchr(s, 'q') ? strchr(s, 'q') - s : -1));
			h = fnv(h, (uint64_t)(strrchr(s, 'e') ? strrchr(s, 'e') - s : -1));
			h = fnv(h, (uint64_t)(strchr(s, 0) - s));
			s[len] = saved;
		}
	return h;
}

static uint64_t test_mem(void)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (int so = 0; so < 32; so += 3)
		for (int d = 0; d < 32; d += 5)
			for (int len = 0; len < 260; len += 1 + len / 8) {
				memset(dst, 0x5a, sizeof(dst));
				memcpy(dst + d, src + so, (size_t)len);
				h = fnv(h, (uint64_t)memcmp(dst + d, src + so, (size_t)len));
				if (len) {
					dst[d + len - 1] ^= 1;
					h = fnv(h, (uint64_t)(memcmp(dst + d, src + so,
								     (size_t)len) > 0));
				}
				h = fnv(h, (uint64_t)(memchr(dst, 0x5a, sizeof(dst)) ?
					(unsigned char *)memchr(dst, 0x5a, sizeof(dst)) - dst : -1));
				memset(dst + d, (int)(len & 0xff), (size_t)len);
				for (int k = 0; k < BUF + 64; k += 17)
					h = fnv(h, dst[k]);
				memmove(dst + d + 3, dst + d, (size_t)len);
				h = fnv(h, dst[d + len / 2 + 3]);
			}
	return h;
}

static uint64_t test_strcmp(void)
{
	uint64_t h = 0xcbf29ce484222325ull;
	char a[160], b[160];

	for (int len = 1; len < 150; len += 7)
		for (int pos = 0; pos < len; pos += 1 + len / 5) {
			memcpy(a, src + (len % 16), (size_t)len);
			memcpy(b + 1, src + (len % 16), (size_t)len);
			a[len] = b[len + 1] = 0;
			h = fnv(h, (uint64_t)(strcmp(a, b + 1) == 0));
			b[1 + pos]++;
			h = fnv(h, (uint64_t)(strcmp(a, b + 1) < 0));
			h = fnv(h, (uint64_t)(strncmp(a, b + 1, (size_t)pos) == 0));
			strcpy(b + 1, a);
			h = fnv(h, strlen(b + 1));
		}
	return h;
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return (a > b) - (a < b);
}

static void test_double(void)
{
	double v[64], sum = 0, sq = 0, prod = 1, harm = 0;
	char buf[64];

	for (int i = 0; i < 64; i++) {
		v[i] = (double)(int)(lcg() % 20001 - 10000) / (double)(1 + lcg() % 97);
		sum += v[i];
		sq += sqrt(fabs(v[i]));
		prod *= 1.0 + v[i] / 100000.0;
		harm += 1.0 / (i + 1);
	}
	printf("sum %.17g\n", sum);
	printf("sqrt sum %.17g\n", sq);
	printf("product %.17g\n", prod);
	printf("harmonic 64 %.17g\n", harm);
	printf("sqrt 2 %.17g, 1/3 %.17g, 2/3 %a\n", sqrt(2.0), 1.0 / 3, 2.0 / 3);
	qsort(v, 64, sizeof(v[0]), cmp_double);
	printf("sorted: min %.17g median %.17g max %.17g\n", v[0], v[32], v[63]);
	for (int i = 1; i < 64; i++)
		if (v[i - 1] > v[i])
			say("qsort order broken\n");
	snprintf(buf, sizeof(buf), "%.6e|%10.3f|%g", sum * 1e10, prod, harm);
	printf("formatted %s\n", buf);
	printf("parsed %.17g\n", strtod("3.14159265358979323846264338327950288", NULL) * 2);
}

/* Strings that end at the last byte before an inaccessible page: the
 * vector routines read whole aligned blocks and must not cross into it. */
static uint64_t test_page_end(void)
{
	uint64_t h = 0xcbf29ce484222325ull;
	long page = sysconf(_SC_PAGESIZE);
	char *p = mmap(NULL, 2 * (size_t)page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED || mprotect(p + page, (size_t)page, PROT_NONE))
		return 0;
	for (int len = 0; len < 70; len++) {
		char *s = p + page - 1 - len;

		memcpy(s, src + len, (size_t)len);
		s[len] = 0;
		h = fnv(h, strlen(s));
		h = fnv(h, (uint64_t)(strchr(s, 'z') ? strchr(s, 'z') - s : -1));
		h = fnv(h, (uint64_t)(memchr(s, 0, (size_t)len + 1) ?
			(char *)memchr(s, 0, (size_t)len + 1) - s : -1));
		h = fnv(h, (uint64_t)strcmp(s, (char *)src + len) < 0);
	}
	munmap(p, 2 * (size_t)page);
	return h;
}

/* A block past malloc's mmap threshold, copied in large pieces (the
 * routines' non-temporal paths) and compared back. */
static uint64_t test_big(void)
{
	size_t n = 1 << 20;
	unsigned char *a = malloc(n), *b = malloc(n);
	uint64_t h = 0xcbf29ce484222325ull;

	if (!a || !b)
		return 0;
	for (size_t i = 0; i < n; i++)
		a[i] = (unsigned char)(i * 131 + (i >> 11));
	memcpy(b, a, n);
	h = fnv(h, (uint64_t)memcmp(a, b, n));
	memmove(b + 4097, b, n - 4097);
	h = fnv(h, (uint64_t)(memcmp(a, b + 4097, n - 4097) == 0));
	b[n - 3] ^= 0x80;
	h = fnv(h, (uint64_t)(memcmp(a + 4096, b + 4096, n - 4096) < 0));
	memset(a, 0, n);
	h = fnv(h, (uint64_t)(memchr(a, 1, n) == NULL));
	free(a);
	free(b);
	return h;
}

int main(int argc, char **argv)
{
	say("linuxabi: hello from a static glibc program\n");
	printf("argc %d argv[0] %s\n", argc, argv[0]);
	struct utsname u;
	if (uname(&u) == 0)
		printf("uname %s %s\n", u.sysname, u.machine);
	fill_src();
	printf("strlen/strchr/strrchr %016llx\n", (unsigned long long)test_strlen());
	printf("memcpy/memcmp/memchr/memset/memmove %016llx\n",
	       (unsigned long long)test_mem());
	printf("strcmp/strncmp/strcpy %016llx\n", (unsigned long long)test_strcmp());
	printf("page end %016llx\n", (unsigned long long)test_page_end());
	printf("1 MiB blocks %016llx\n", (unsigned long long)test_big());
	test_double();
	char *p = malloc(100000);
	memset(p, 1, 100000);
	printf("malloc %d\n", p[99999] + p[0]);
	free(p);
	printf("done\n");
	return 0;
}
