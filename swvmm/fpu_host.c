/* The host's x87/SSE unit run on the guest's image (swvmm/fpu_host.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <ucontext.h>
#include <unistd.h>

#include "swvmm/fpu_host.h"

#define CODE_SIZE  (256u * 1024)
#define NR_SLOTS   4096u             /* a power of two */
#define MAX_INSN   15u
#define KEY_WORDS  3                 /* the bytes, the kind, an XMM mask: 18 <= 24 */
#define MAX_SNIPPET 512u

_Static_assert(offsetof(struct fpu_host_ctx, gpr) == 512, "entry code: gpr at 512");
_Static_assert(offsetof(struct fpu_host_ctx, rflags) == 536, "exit code: rflags at 536");
_Static_assert(offsetof(struct fpu_host_ctx, resume) == 544, "snippet: resume at 544");
_Static_assert(offsetof(struct fpu_host_ctx, host) == 640, "exit code: host at 640");
_Static_assert(offsetof(struct fpu_host_ctx, mem) == 1152, "entry code: mem at 1152");

/* A snippet's key: the instruction's bytes, its length, the kind and
 * the XMM mask, zero-padded to whole words, so that hashing and comparing
 * are a few word operations. */
struct fpu_key {
	uint64_t w[KEY_WORDS];
};

struct fpu_snippet {
	struct fpu_key key;          /* all zero: free (a key's length is >= 1) */
	uint32_t off;                /* in the code buffer */
};

enum { KIND_FULL, KIND_SSE };

/* Entry: the guest's image and registers in, then the snippet (RSI).
 * Exit (the snippet jumps to ctx->resume): registers, RFLAGS and the image
 * out, the host's own state back. Only caller-saved registers change, and
 * the x87 stack, FCW and MXCSR are the caller's again on return. */
void hvmm_fpu_host_enter(struct fpu_host_ctx *ctx, const void *snippet);
void hvmm_fpu_host_exit(void);
__asm__(
	".text\n"
	".globl hvmm_fpu_host_enter\n"
	".hidden hvmm_fpu_host_enter\n"
	".type hvmm_fpu_host_enter, @function\n"
	"hvmm_fpu_host_enter:\n"
	"	fxrstor64 (%rdi)\n"
	"	mov 512(%rdi), %rax\n"
	"	mov 520(%rdi), %rdx\n"
	"	mov 528(%rdi), %rcx\n"
	"	pushq 536(%rdi)\n"
	"	popfq\n"
	"	mov %rsi, %r8\n"
	"	lea 1152(%rdi), %rsi\n"
	"	jmp *%r8\n"
	".size hvmm_fpu_host_enter, . - hvmm_fpu_host_enter\n"
	".globl hvmm_fpu_host_exit\n"
	".hidden hvmm_fpu_host_exit\n"
	".type hvmm_fpu_host_exit, @function\n"
	"hvmm_fpu_host_exit:\n"
	"	mov %rax, 512(%rdi)\n"
	"	mov %rdx, 520(%rdi)\n"
	"	mov %rcx, 528(%rdi)\n"
	"	pushfq\n"
	"	popq 536(%rdi)\n"
	"	fxsave64 (%rdi)\n"
	"	fxrstor64 640(%rdi)\n"
	"	ret\n"
	".size hvmm_fpu_host_exit, . - hvmm_fpu_host_exit\n");

/* jmp *544(%rdi): back to the exit code. */
static const uint8_t snippet_tail[] = { 0xff, 0xa7, 0x20, 0x02, 0x00, 0x00 };

/* The context a faulting snippet ran on, read without trusting RDI: a
 * SIGFPE from anywhere else may have any value there. */
static bool snippet_fault(const greg_t *g, struct fpu_host_ctx *head)
{
	struct iovec local = { head, offsetof(struct fpu_host_ctx, pad) };
	struct iovec remote = { (void *)(uintptr_t)g[REG_RDI], local.iov_len };
	if (process_vm_readv(getpid(), &local, 1, &remote, 1, 0) != (ssize_t)local.iov_len)
		return false;
	uint64_t rip = (uint64_t)g[REG_RIP];
	return head->magic == FPU_HOST_MAGIC && rip >= head->code_lo && rip < head->code_hi;
}

/* #MF or #XM at a snippet: note the vector, resume at the exit code (the
 * kernel puts back the FPU state of the fault on return). Any other
 * SIGFPE is a fault of the program's own: the default action again, and
 * the instruction faults once more. */
static void on_sigfpe(int sig, siginfo_t *si, void *uc_)
{
	ucontext_t *uc = uc_;
	greg_t *g = uc->uc_mcontext.gregs;
	struct fpu_host_ctx head;
	(void)si;
	if (!snippet_fault(g, &head)) {
		struct sigaction dfl = { .sa_handler = SIG_DFL };
		sigaction(sig, &dfl, NULL);
		return;
	}
	struct fpu_host_ctx *ctx = (struct fpu_host_ctx *)(uintptr_t)g[REG_RDI];
	ctx->trap = (uint32_t)g[REG_TRAPNO];
	g[REG_RIP] = (greg_t)ctx->resume;
}

static int catch_sigfpe(void)
{
	struct sigaction sa, old;
	if (sigaction(SIGFPE, NULL, &old) < 0)
		return -errno;
	if ((old.sa_flags & SA_SIGINFO) && old.sa_sigaction == on_sigfpe)
		return 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigfpe;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	return sigaction(SIGFPE, &sa, NULL) < 0 ? -errno : 0;
}

static int map_code(struct fpu_host *h)
{
	int fd = memfd_create("hvmm-fpu", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	int r = 0;
	if (ftruncate(fd, CODE_SIZE)) {
		r = -errno;
	} else {
		h->rw = mmap(NULL, CODE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		h->rx = mmap(NULL, CODE_SIZE, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0);
		if (h->rw == MAP_FAILED || h->rx == MAP_FAILED)
			r = -errno;
	}
	close(fd);
	h->size = CODE_SIZE;
	return r;
}

int fpu_host_init(struct fpu_host *h)
{
	memset(h, 0, sizeof(*h));
	h->rw = h->rx = MAP_FAILED;
	h->ctx = aligned_alloc(64, sizeof(*h->ctx));
	h->slots = calloc(NR_SLOTS, sizeof(*h->slots));
	int r = h->ctx && h->slots ? map_code(h) : -ENOMEM;
	if (r) {
		fpu_host_free(h);
		return r;
	}
	h->nslots = NR_SLOTS;
	memset(h->ctx, 0, sizeof(*h->ctx));
	h->ctx->resume = (uint64_t)(uintptr_t)hvmm_fpu_host_exit;
	h->ctx->magic = FPU_HOST_MAGIC;
	h->ctx->code_lo = (uint64_t)(uintptr_t)h->rx;
	h->ctx->code_hi = h->ctx->code_lo + h->size;
	__asm__ volatile("fxsave64 %0" : "=m"(h->ctx->host));
	return 0;
}

void fpu_host_free(struct fpu_host *h)
{
	if (h->rw != MAP_FAILED && h->rw)
		munmap(h->rw, h->size);
	if (h->rx != MAP_FAILED && h->rx)
		munmap(h->rx, h->size);
	free(h->ctx);
	free(h->slots);
	memset(h, 0, sizeof(*h));
}

static uint32_t hash_key(const struct fpu_key *k)
{
	uint64_t x = k->w[0] * 0x9e3779b97f4a7c15ull ^ k->w[1] * 0xc2b2ae3d27d4eb4full ^
	             k->w[2] * 0x165667b19e3779f9ull;
	return (uint32_t)(x >> 32 ^ x);
}

static bool same_key(const struct fpu_key *a, const struct fpu_key *b)
{
	return a->w[0] == b->w[0] && a->w[1] == b->w[1] && a->w[2] == b->w[2];
}

/* Forget every snippet: the buffer or the table is full. */
static void flush(struct fpu_host *h)
{
	memset(h->slots, 0, h->nslots * sizeof(*h->slots));
	h->nused = 0;
	h->used = 0;
}

/* Code writers for the SSE snippets: [RDI + disp32] operands. */
static unsigned put_rdi_disp(uint8_t *b, unsigned reg, uint32_t disp)
{
	b[0] = (uint8_t)(0x80 | (reg & 7) << 3 | 7);     /* mod 10, rm RDI */
	memcpy(b + 1, &disp, 4);
	return 5;
}

/* MOVDQU xmmN, [RDI + image offset] (load) or the store. */
static unsigned put_movdqu(uint8_t *b, unsigned xmm, bool load)
{
	unsigned n = 0;
	b[n++] = 0xf3;
	if (xmm & 8)
		b[n++] = 0x44;                             /* REX.R */
	b[n++] = 0x0f;
	b[n++] = load ? 0x6f : 0x7f;
	return n + put_rdi_disp(b + n, xmm, (uint32_t)offsetof(struct fpu_host_ctx, fx.xmm[xmm]));
}

/* MOV r64, [RDI + disp] (load) or the store, for RAX (0), RCX (1), RDX (2). */
static unsigned put_mov64(uint8_t *b, unsigned reg, uint32_t disp, bool load)
{
	b[0] = 0x48;
	b[1] = load ? 0x8b : 0x89;
	return 2 + put_rdi_disp(b + 2, reg, disp);
}

/* 0F AE /op [RDI + disp]: LDMXCSR (2), STMXCSR (3). */
static unsigned put_mxcsr(uint8_t *b, unsigned op, uint32_t disp)
{
	b[0] = 0x0f;
	b[1] = 0xae;
	return 2 + put_rdi_disp(b + 2, op, disp);
}

static unsigned put_gprs(uint8_t *b, bool load)
{
	static const uint8_t regs[3] = { 0, 2, 1 };      /* RAX, RDX, RCX: gpr[] order */
	unsigned n = 0;
	for (unsigned k = 0; k < 3; k++)
		n += put_mov64(b + n, regs[k], (uint32_t)(offsetof(struct fpu_host_ctx, gpr) + 8 * k),
		               load);
	return n;
}

/* An SSE snippet, called as a function with the context in RDI: the XMM
 * registers of mask and MXCSR from the image, the GPRs, [RSI]; the
 * instruction; the registers, MXCSR, GPRs and RFLAGS back; the host's
 * MXCSR again. No FXSAVE/FXRSTOR: a fraction of the cost. A fault goes
 * to the full exit code (the handler), which returns for it. */
static unsigned sse_code(uint8_t *b, const uint8_t *insn, unsigned len, uint16_t mask)
{
	static const uint8_t lea_rsi[] = { 0x48, 0x8d, 0xb7 };
	uint32_t mem = (uint32_t)offsetof(struct fpu_host_ctx, mem);
	uint32_t mxcsr = (uint32_t)offsetof(struct fpu_host_ctx, fx.mxcsr);
	uint32_t host_mxcsr = (uint32_t)offsetof(struct fpu_host_ctx, host.mxcsr);
	uint32_t flags = (uint32_t)offsetof(struct fpu_host_ctx, rflags);
	unsigned n = 0;

	memcpy(b, lea_rsi, 3);
	memcpy(b + 3, &mem, 4);
	n = 7;
	n += put_gprs(b + n, true);
	for (unsigned x = 0; x < 16; x++)
		if (mask & (1u << x))
			n += put_movdqu(b + n, x, true);
	n += put_mxcsr(b + n, 2, mxcsr);
	memcpy(b + n, insn, len);
	n += len;
	n += put_mxcsr(b + n, 3, mxcsr);
	for (unsigned x = 0; x < 16; x++)
		if (mask & (1u << x))
			n += put_movdqu(b + n, x, false);
	n += put_mxcsr(b + n, 2, host_mxcsr);
	n += put_gprs(b + n, false);
	b[n++] = 0x9c;                                     /* pushfq */
	b[n++] = 0x8f;                                     /* pop [rdi + flags] */
	n += put_rdi_disp(b + n, 0, flags);
	b[n++] = 0xc3;                                     /* ret */
	return n;
}

static unsigned full_code(uint8_t *b, const uint8_t *insn, unsigned len)
{
	memcpy(b, insn, len);
	memcpy(b + len, snippet_tail, sizeof(snippet_tail));
	return len + (unsigned)sizeof(snippet_tail);
}

static const uint8_t *compile(struct fpu_host *h, struct fpu_snippet *s, const struct fpu_key *k,
                              const uint8_t *insn, unsigned len, unsigned kind, uint16_t mask)
{
	uint8_t *w = h->rw + h->used;
	unsigned n = kind == KIND_SSE ? sse_code(w, insn, len, mask) : full_code(w, insn, len);
	s->key = *k;
	s->off = (uint32_t)h->used;
	h->used += n;
	h->nused++;
	h->compiled++;
	return h->rx + s->off;
}

static const uint8_t *lookup(struct fpu_host *h, const uint8_t *insn, unsigned len,
                             unsigned kind, uint16_t mask)
{
	struct fpu_key k = { { 0 } };
	uint8_t *b = (uint8_t *)k.w;
	memcpy(b, insn, len);
	b[15] = (uint8_t)len;
	b[16] = (uint8_t)kind;
	b[17] = (uint8_t)mask;
	b[18] = (uint8_t)(mask >> 8);
	if (h->used + MAX_SNIPPET > h->size || h->nused >= h->nslots / 2)
		flush(h);
	for (uint32_t i = hash_key(&k);; i++) {
		struct fpu_snippet *s = &h->slots[i & (h->nslots - 1)];
		if (same_key(&s->key, &k))
			return h->rx + s->off;
		if (!s->key.w[0] && !s->key.w[1] && !s->key.w[2])
			return compile(h, s, &k, insn, len, kind, mask);
	}
}

/* Only an unmasked MXCSR exception or a pending x87 one can fault: then
 * (rarely) make sure the handler is ours, whoever replaced it. */
static int prepare(struct fpu_host *h, unsigned len)
{
	if (len < 1 || len > MAX_INSN)
		return -EINVAL;
	h->ctx->trap = 0;
	h->ctx->rflags = (h->ctx->rflags & 0x8d5) | 2;
	if ((h->ctx->fx.mxcsr & 0x1f80) != 0x1f80 || (h->ctx->fx.fsw & 0x80))
		return catch_sigfpe();
	return 0;
}

int fpu_host_run(struct fpu_host *h, const uint8_t *insn, unsigned len)
{
	int r = prepare(h, len);
	if (r)
		return r;
	hvmm_fpu_host_enter(h->ctx, lookup(h, insn, len, KIND_FULL, 0));
	h->runs++;
	return 0;
}

int fpu_host_run_sse(struct fpu_host *h, const uint8_t *insn, unsigned len, uint16_t xmm)
{
	h->ctx->fx.fsw = 0;              /* no x87 state goes in: nothing pends */
	int r = prepare(h, len);
	if (r)
		return r;
	void (*fn)(struct fpu_host_ctx *) =
		(void (*)(struct fpu_host_ctx *))(uintptr_t)lookup(h, insn, len, KIND_SSE, xmm);
	fn(h->ctx);
	h->runs++;
	return 0;
}
