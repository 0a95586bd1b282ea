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

#define CODE_SIZE  (64u * 1024)
#define NR_SLOTS   4096u             /* a power of two */
#define MAX_INSN   15u

_Static_assert(offsetof(struct fpu_host_ctx, gpr) == 512, "entry code: gpr at 512");
_Static_assert(offsetof(struct fpu_host_ctx, rflags) == 536, "exit code: rflags at 536");
_Static_assert(offsetof(struct fpu_host_ctx, resume) == 544, "snippet: resume at 544");
_Static_assert(offsetof(struct fpu_host_ctx, host) == 640, "exit code: host at 640");
_Static_assert(offsetof(struct fpu_host_ctx, mem) == 1152, "entry code: mem at 1152");

struct fpu_snippet {
	uint8_t len;                 /* 0: free */
	uint8_t key[MAX_INSN];
	uint32_t off;                /* in the code buffer */
};

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

static uint32_t hash_bytes(const uint8_t *b, unsigned len)
{
	uint32_t x = 2166136261u ^ len;
	for (unsigned i = 0; i < len; i++)
		x = (x ^ b[i]) * 16777619u;
	return x;
}

/* Forget every snippet: the buffer or the table is full. */
static void flush(struct fpu_host *h)
{
	memset(h->slots, 0, h->nslots * sizeof(*h->slots));
	h->nused = 0;
	h->used = 0;
}

static const uint8_t *compile(struct fpu_host *h, struct fpu_snippet *s,
                              const uint8_t *insn, unsigned len)
{
	uint8_t *w = h->rw + h->used;
	memcpy(w, insn, len);
	memcpy(w + len, snippet_tail, sizeof(snippet_tail));
	s->len = (uint8_t)len;
	memcpy(s->key, insn, len);
	s->off = (uint32_t)h->used;
	h->used += len + sizeof(snippet_tail);
	h->nused++;
	h->compiled++;
	return h->rx + s->off;
}

static const uint8_t *lookup(struct fpu_host *h, const uint8_t *insn, unsigned len)
{
	if (h->used + MAX_INSN + sizeof(snippet_tail) > h->size || h->nused >= h->nslots / 2)
		flush(h);
	for (uint32_t i = hash_bytes(insn, len);; i++) {
		struct fpu_snippet *s = &h->slots[i & (h->nslots - 1)];
		if (!s->len)
			return compile(h, s, insn, len);
		if (s->len == len && !memcmp(s->key, insn, len))
			return h->rx + s->off;
	}
}

int fpu_host_run(struct fpu_host *h, const uint8_t *insn, unsigned len)
{
	if (len < 1 || len > MAX_INSN)
		return -EINVAL;
	h->ctx->trap = 0;
	h->ctx->rflags = (h->ctx->rflags & 0x8d5) | 2;
	/* Only an unmasked MXCSR exception or a pending x87 one can fault:
	 * then (rarely) make sure the handler is ours, whoever replaced it. */
	if ((h->ctx->fx.mxcsr & 0x1f80) != 0x1f80 || (h->ctx->fx.fsw & 0x80)) {
		int r = catch_sigfpe();
		if (r)
			return r;
	}
	hvmm_fpu_host_enter(h->ctx, lookup(h, insn, len));
	h->runs++;
	return 0;
}
