/* The host unit as the interpreter's FPU (swvmm/fpu_host.c): snippets
 * run on the image given, registers and memory come back, the host's own
 * state is restored, and snippets are found again by their bytes. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "swvmm/fpu_host.h"

/* A host unit per test. */
#define HOST(h) \
	struct fpu_host *h = &(struct fpu_host){ 0 }; \
	assert_int_equal(fpu_host_init(h), 0); \
	(void)state


static void reset_image(struct fpu_host_ctx *c)
{
	memset(&c->fx, 0, sizeof(c->fx));
	c->fx.fcw = 0x37f;
	c->fx.mxcsr = 0x1f80;
}

/* addps xmm9, xmm3 (REX.R): the guest's register numbers as they are. */
static void test_sse_registers(void **state)
{
	HOST(h);
	struct fpu_host_ctx *c = h->ctx;
	static const uint8_t addps[] = { 0x44, 0x0f, 0x58, 0xcb };
	float a[4] = { 1, 2, 3, 4 }, b[4] = { 0.5f, -2, 1e30f, 0 }, got[4];

	reset_image(c);
	memcpy(c->fx.xmm[9], a, 16);
	memcpy(c->fx.xmm[3], b, 16);
	assert_int_equal(fpu_host_run(h, addps, sizeof(addps)), 0);
	memcpy(got, c->fx.xmm[9], 16);
	assert_true(got[0] == 1.5f && got[1] == 0 && got[2] == 1e30f && got[3] == 4);
	assert_memory_equal(c->fx.xmm[3], b, 16);
	assert_int_equal(c->fx.mxcsr, 0x1f80 | 0x20);   /* PE: 3 + 1e30 is inexact */
	fpu_host_free(h);
}

/* divsd xmm0, [rsi] and cvttsd2si rax, xmm0 (REX.W): memory and a GPR. */
static void test_memory_and_gpr(void **state)
{
	HOST(h);
	struct fpu_host_ctx *c = h->ctx;
	static const uint8_t divsd[] = { 0xf2, 0x0f, 0x5e, 0x06 };
	static const uint8_t cvt[] = { 0xf2, 0x48, 0x0f, 0x2c, 0xc0 };
	double x = 7.0, y = 2.0;

	reset_image(c);
	memcpy(c->fx.xmm[0], &x, 8);
	memcpy(c->mem, &y, 8);
	assert_int_equal(fpu_host_run(h, divsd, sizeof(divsd)), 0);
	assert_int_equal(fpu_host_run(h, cvt, sizeof(cvt)), 0);
	assert_int_equal(c->gpr[FPU_RAX], 3);
	assert_true(h->compiled == 2 || h->compiled > 2);
	fpu_host_free(h);
}

/* FCOMI sets ZF/PF/CF in RFLAGS; x87 state (TOS, tags) comes back; an
 * unmasked exception only sets ES, and the host's FCW is its own again. */
static void test_x87_state(void **state)
{
	HOST(h);
	struct fpu_host_ctx *c = h->ctx;
	static const uint8_t fld1[] = { 0xd9, 0xe8 }, fldz[] = { 0xd9, 0xee };
	static const uint8_t fcomi[] = { 0xdb, 0xf1 }, fdiv[] = { 0xd8, 0xf1 };
	uint16_t fcw;

	reset_image(c);
	fpu_host_run(h, fld1, 2);
	fpu_host_run(h, fldz, 2);
	assert_int_equal((c->fx.fsw >> 11) & 7, 6);      /* TOS = 6 */
	assert_int_equal(c->fx.ftw, 0xc0);               /* ST0, ST1 valid */
	fpu_host_run(h, fcomi, 2);                       /* 0 < 1: CF */
	assert_int_equal(c->rflags & 0x45, 0x01);
	c->fx.fcw = 0x37b;                               /* ZE unmasked */
	fpu_host_run(h, fdiv, 2);                        /* st0 = 0 / 1: fine */
	assert_int_equal(c->fx.fsw & 0x80, 0);
	fpu_host_run(h, fld1, 2);
	fpu_host_run(h, fldz, 2);
	static const uint8_t fdivr[] = { 0xd8, 0xf9 };   /* fdivr st0, st1: 1/0 */
	fpu_host_run(h, fdivr, 2);
	assert_int_equal(c->fx.fsw & 0x8084, 0x8084);    /* B, ES, ZE */
	__asm__ volatile("fnstcw %0" : "=m"(fcw));
	assert_int_equal(fcw, 0x37f);
	fpu_host_free(h);
}

/* The same bytes run the same snippet; a full table starts again. */
static void test_snippet_cache(void **state)
{
	HOST(h);
	static const uint8_t nop[] = { 0x66, 0x0f, 0xef, 0xc0 };   /* pxor xmm0, xmm0 */
	uint64_t n = h->compiled;
	fpu_host_run(h, nop, sizeof(nop));
	fpu_host_run(h, nop, sizeof(nop));
	assert_true(h->compiled <= n + 1);
	for (unsigned i = 0; i < 5000; i++) {
		uint8_t psh[] = { 0x66, 0x0f, 0x70, 0xc0, (uint8_t)i };  /* pshufd */
		uint8_t pal[] = { 0x66, 0x0f, 0x3a, 0x0f, 0xc1, (uint8_t)(i >> 8) };
		fpu_host_run(h, psh, sizeof(psh));
		fpu_host_run(h, pal, sizeof(pal));
	}
	assert_true(h->nused <= h->nslots / 2);
	assert_int_equal(fpu_host_run(h, nop, 0), -EINVAL);
	assert_int_equal(fpu_host_run(h, nop, 16), -EINVAL);
	fpu_host_free(h);
}

/* An unmasked SIMD exception is the host's #XM at the snippet: trap 19,
 * the destination as it was, the flag that says why. A pending x87
 * exception stops an MMX instruction with #MF. */
static void test_host_faults(void **state)
{
	HOST(h);
	struct fpu_host_ctx *c = h->ctx;
	static const uint8_t divss[] = { 0xf3, 0x0f, 0x5e, 0xc1 };   /* divss xmm0, xmm1 */
	static const uint8_t paddb[] = { 0x0f, 0xfc, 0xc1 };         /* paddb mm0, mm1 */
	float one = 1, zero = 0;

	reset_image(c);
	c->fx.mxcsr = 0x1f80 & ~0x200;                 /* ZM clear */
	memcpy(c->fx.xmm[0], &one, 4);
	memcpy(c->fx.xmm[1], &zero, 4);
	assert_int_equal(fpu_host_run(h, divss, sizeof(divss)), 0);
	assert_int_equal(c->trap, 19);
	assert_memory_equal(c->fx.xmm[0], &one, 4);
	assert_int_equal(c->fx.mxcsr & 0x3f, 0x04);
	c->fx.mxcsr = 0x1f80;
	assert_int_equal(fpu_host_run(h, divss, sizeof(divss)), 0);
	assert_int_equal(c->trap, 0);

	reset_image(c);
	c->fx.fcw = 0x37b;
	c->fx.fsw = 0x8084;                            /* ZE pending */
	assert_int_equal(fpu_host_run(h, paddb, sizeof(paddb)), 0);
	assert_int_equal(c->trap, 16);
	assert_int_equal(c->fx.ftw, 0);                /* MMX did not run */
	fpu_host_free(h);
}

/* FCMOVB runs on the guest's CF. */
static void test_flags_in(void **state)
{
	HOST(h);
	struct fpu_host_ctx *c = h->ctx;
	static const uint8_t fld1[] = { 0xd9, 0xe8 }, fldz[] = { 0xd9, 0xee };
	static const uint8_t fcmovb[] = { 0xda, 0xc1 };             /* st0 = st1 if CF */

	reset_image(c);
	fpu_host_run(h, fld1, 2);
	fpu_host_run(h, fldz, 2);
	c->rflags = 1;
	fpu_host_run(h, fcmovb, 2);
	assert_int_equal(c->fx.st[0][7], 0x80);         /* st0 = 1.0 now */
	assert_int_equal(c->fx.st[0][9], 0x3f);
	fpu_host_free(h);
}

/* A SIGFPE that is not a snippet's keeps its default action. */
static void test_other_sigfpe_kills(void **state)
{
	HOST(h);
	static const uint8_t divss[] = { 0xf3, 0x0f, 0x5e, 0xc1 };
	h->ctx->fx.mxcsr = 0x1f80 & ~0x200;            /* the handler goes in */
	fpu_host_run(h, divss, sizeof(divss));
	pid_t pid = fork();
	if (pid == 0) {
		/* A divide error of the CPU's own, outside any snippet; in C it
		 * would be undefined behaviour, which UBSan stops first. */
		unsigned zero = 0;
		__asm__ volatile("divl %0" : : "r"(zero), "a"(10), "d"(0));
		_exit(0);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGFPE);
	fpu_host_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sse_registers),
		cmocka_unit_test(test_memory_and_gpr),
		cmocka_unit_test(test_x87_state),
		cmocka_unit_test(test_snippet_cache),
		cmocka_unit_test(test_host_faults),
		cmocka_unit_test(test_flags_in),
		cmocka_unit_test(test_other_sigfpe_kills),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
