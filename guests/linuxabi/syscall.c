/* linuxabi's system calls: the part of Linux's x86-64 interface that
 * glibc's static start-up and the program use, reached through SYSCALL
 * (number in RAX; arguments in RDI, RSI, RDX, R10, R8, R9; the result or
 * -errno in RAX). Every answer depends only on the calls made before, so
 * that the program sees the same system on every run: the clock counts
 * calls, getrandom's bytes are a fixed sequence. An unknown call is
 * reported on the console and fails with ENOSYS. */
#include <asm/errno.h>
#include <asm/prctl.h>
#include <asm/stat.h>
#include <asm/unistd.h>
#include <linux/fcntl.h>
#include <linux/resource.h>
#include <linux/sysinfo.h>
#include <linux/time_types.h>
#include <linux/uio.h>
#include <linux/utsname.h>

#include "lib/rt.h"
#include "lib/sysregs.h"
#include "linuxabi/linuxabi.h"

#define MSR_FS_BASE	0xc0000100
#define TCGETS		0x5401
#define SIGNAL_MAX	64
#define KSIGACTION_SIZE	32	/* handler, flags, restorer, mask */
#define CLOCK_EPOCH	1700000000UL	/* the clock's first second */

extern uint64_t ram_top;

static uint64_t calls, brk_cur, mmap_next = MMAP_BASE, random_state = 0x9e3779b97f4a7c15UL;
static uint64_t fs_base;

uint64_t syscall_count(void)
{
	return calls;
}

/* The user's buffer [p, p + n) as a kernel pointer, or NULL. */
static void *user_ptr(uint64_t p, uint64_t n, int write)
{
	return user_access(p, n, write) ? NULL : (void *)(uintptr_t)p;
}

static long sys_write(uint64_t fd, uint64_t buf, uint64_t n)
{
	const char *s = user_ptr(buf, n, 0);

	if (fd != 1 && fd != 2)
		return -EBADF;
	if (!s)
		return -EFAULT;
	serial_write(s, n);
	return (long)n;
}

static long sys_writev(uint64_t fd, uint64_t iov, uint64_t cnt)
{
	const struct iovec *v = cnt <= 1024 ? user_ptr(iov, cnt * sizeof(*v), 0) : NULL;
	long total = 0;

	if (!v)
		return -EFAULT;
	for (uint64_t i = 0; i < cnt; i++) {
		long r = sys_write(fd, (uintptr_t)v[i].iov_base, v[i].iov_len);

		if (r < 0)
			return r;
		total += r;
	}
	return total;
}

/* fds 0-2 are one character device that is not a terminal. */
static long sys_fstat(uint64_t fd, uint64_t buf)
{
	struct stat *st = user_ptr(buf, sizeof(*st), 1);

	if (fd > 2)
		return -EBADF;
	if (!st)
		return -EFAULT;
	memset(st, 0, sizeof(*st));
	st->st_mode = 0020620;		/* S_IFCHR, rw--w---- */
	st->st_nlink = 1;
	st->st_blksize = 1024;
	return 0;
}

static long sys_newfstatat(uint64_t dirfd, uint64_t path, uint64_t buf, uint64_t flags)
{
	const char *p = user_ptr(path, 1, 0);

	if (!p)
		return -EFAULT;
	if (*p || !(flags & AT_EMPTY_PATH))
		return -ENOENT;		/* no file system */
	return sys_fstat(dirfd, buf);
}

static long sys_brk(uint64_t addr)
{
	uint64_t old_end = PAGE_UP(brk_cur), new_end = PAGE_UP(addr);

	if (addr < user_brk_start || addr > MMAP_BASE)
		return (long)brk_cur;
	if (new_end > old_end && region_add(old_end, new_end, PROT_READ | PROT_WRITE))
		return (long)brk_cur;
	if (new_end < old_end && region_remove(new_end, old_end))
		return (long)brk_cur;
	brk_cur = addr;
	return (long)brk_cur;
}

/* Anonymous private memory only, placed at the next free address (or
 * where MAP_FIXED says); never reused. */
static long sys_mmap(uint64_t addr, uint64_t len, uint64_t prot, uint64_t flags, uint64_t fd)
{
	uint64_t n = PAGE_UP(len);

	(void)fd;
	if (!len || n < len)
		return -EINVAL;
	if (!(flags & MAP_ANONYMOUS) || (flags & MAP_TYPE) != MAP_PRIVATE)
		return -ENODEV;
	if (!(flags & MAP_FIXED)) {
		if (n > STACK_TOP - STACK_MAX - mmap_next)
			return -ENOMEM;
		addr = mmap_next;
		mmap_next += n;
	} else if (addr & PAGE_MASK) {
		return -EINVAL;
	}
	if (region_add(addr, addr + n, (unsigned int)prot & (PROT_READ | PROT_WRITE | PROT_EXEC)))
		return -ENOMEM;
	return (long)addr;
}

static long sys_munmap(uint64_t addr, uint64_t len)
{
	if ((addr & PAGE_MASK) || !len || region_remove(addr, addr + PAGE_UP(len)))
		return -EINVAL;
	return 0;
}

/* Shrink in place, or grow by moving (MREMAP_MAYMOVE) to a new mapping
 * with the contents copied. */
static long sys_mremap(uint64_t old, uint64_t old_len, uint64_t new_len, uint64_t flags)
{
	int prot = region_prot(old);
	long to;

	if ((old & PAGE_MASK) || !new_len || prot < 0 || (flags & ~MREMAP_MAYMOVE))
		return -EINVAL;
	if (PAGE_UP(new_len) <= PAGE_UP(old_len)) {
		if (PAGE_UP(new_len) < PAGE_UP(old_len) &&
		    region_remove(old + PAGE_UP(new_len), old + PAGE_UP(old_len)))
			return -EINVAL;
		return (long)old;
	}
	if (!(flags & MREMAP_MAYMOVE))
		return -ENOMEM;
	to = sys_mmap(0, new_len, (unsigned int)prot, MAP_PRIVATE | MAP_ANONYMOUS, 0);
	if (to < 0)
		return to;
	if (user_access(old, old_len, 0) || user_access((uint64_t)to, old_len, 1))
		return -EFAULT;
	memcpy((void *)(uintptr_t)to, (const void *)(uintptr_t)old, old_len);
	region_remove(old, old + PAGE_UP(old_len));
	return to;
}

static long sys_mprotect(uint64_t addr, uint64_t len, uint64_t prot)
{
	if (addr & PAGE_MASK)
		return -EINVAL;
	if (len && region_protect(addr, addr + PAGE_UP(len),
				  (unsigned int)prot & (PROT_READ | PROT_WRITE | PROT_EXEC)))
		return -ENOMEM;
	return 0;
}

static long sys_arch_prctl(uint64_t code, uint64_t addr)
{
	uint64_t *out;

	switch (code) {
	case ARCH_SET_FS:
		if (addr >= 1UL << 47)
			return -EPERM;
		fs_base = addr;
		wrmsr(MSR_FS_BASE, addr);
		return 0;
	case ARCH_GET_FS:
		if (!(out = user_ptr(addr, sizeof(*out), 1)))
			return -EFAULT;
		*out = fs_base;
		return 0;
	default:
		return -EINVAL;
	}
}

static long sys_prlimit64(uint64_t pid, uint64_t resource, uint64_t new_lim, uint64_t old_lim)
{
	struct rlimit64 *old = old_lim ? user_ptr(old_lim, sizeof(*old), 1) : NULL;

	(void)new_lim;		/* accepted and ignored */
	if (pid > 1 || resource >= RLIM_NLIMITS)
		return -EINVAL;
	if (old_lim && !old)
		return -EFAULT;
	if (old) {
		old->rlim_cur = old->rlim_max = RLIM64_INFINITY;
		if (resource == RLIMIT_STACK)
			old->rlim_cur = STACK_MAX;
		else if (resource == RLIMIT_NOFILE)
			old->rlim_cur = old->rlim_max = 3;
	}
	return 0;
}

static long sys_getrandom(uint64_t buf, uint64_t n)
{
	unsigned char *p = user_ptr(buf, n, 1);

	if (!p)
		return -EFAULT;
	for (uint64_t i = 0; i < n; i++) {
		random_state ^= random_state << 13;
		random_state ^= random_state >> 7;
		random_state ^= random_state << 17;
		p[i] = (unsigned char)random_state;
	}
	return (long)n;
}

static void copy_field(char *dst, const char *src)
{
	memcpy(dst, src, strlen(src) + 1);
}

static long sys_uname(uint64_t buf)
{
	struct new_utsname *u = user_ptr(buf, sizeof(*u), 1);

	if (!u)
		return -EFAULT;
	memset(u, 0, sizeof(*u));
	copy_field(u->sysname, "Linux");
	copy_field(u->nodename, "linuxabi");
	copy_field(u->release, "6.1.0");
	copy_field(u->version, "#1");
	copy_field(u->machine, "x86_64");
	copy_field(u->domainname, "(none)");
	return 0;
}

/* A clock that moves one microsecond per call that reads it. */
static uint64_t clock_now_ns(void)
{
	static uint64_t reads;

	return CLOCK_EPOCH * 1000000000UL + ++reads * 1000;
}

static long sys_clock_gettime(uint64_t clock, uint64_t buf)
{
	struct __kernel_timespec *ts = user_ptr(buf, sizeof(*ts), 1);
	uint64_t ns = clock_now_ns();

	if (clock > 11)
		return -EINVAL;
	if (!ts)
		return -EFAULT;
	ts->tv_sec = (long long)(ns / 1000000000UL);
	ts->tv_nsec = (long long)(ns % 1000000000UL);
	return 0;
}

static long sys_gettimeofday(uint64_t buf)
{
	struct __kernel_old_timeval *tv = buf ? user_ptr(buf, sizeof(*tv), 1) : NULL;
	uint64_t ns = clock_now_ns();

	if (buf && !tv)
		return -EFAULT;
	if (tv) {
		tv->tv_sec = (long)(ns / 1000000000UL);
		tv->tv_usec = (long)(ns % 1000000000UL / 1000);
	}
	return 0;
}

static long sys_sysinfo(uint64_t buf)
{
	struct sysinfo *si = user_ptr(buf, sizeof(*si), 1);

	if (!si)
		return -EFAULT;
	memset(si, 0, sizeof(*si));
	si->totalram = ram_top;
	si->freeram = ram_top / 2;
	si->procs = 1;
	si->mem_unit = 1;
	return 0;
}

/* The old signal mask, where asked for, is empty; nothing is delivered. */
static long sys_rt_sigmask(uint64_t old, uint64_t size)
{
	void *p = old ? user_ptr(old, size, 1) : NULL;

	if (old && !p)
		return -EFAULT;
	if (p)
		memset(p, 0, size);
	return 0;
}

static long sys_kill(uint64_t pid, uint64_t sig)
{
	static char why[24];

	if (pid != 1)
		return -ESRCH;
	if (!sig || sig > SIGNAL_MAX)
		return sig ? -EINVAL : 0;
	snprintf(why, sizeof(why), "killed by signal %lu", sig);
	user_exit(128 + sig, why);
}

static long dispatch(const struct frame *f)
{
	uint64_t a = f->rdi, b = f->rsi, c = f->rdx, d = f->r10, e = f->r8;

	switch (f->rax) {
	case __NR_read:
		return a == 0 ? 0 : -EBADF;	/* stdin is at its end */
	case __NR_write:
		return sys_write(a, b, c);
	case __NR_writev:
		return sys_writev(a, b, c);
	case __NR_open:
	case __NR_openat:
	case __NR_access:
	case __NR_readlink:
	case __NR_readlinkat:
		return -ENOENT;
	case __NR_close:
		return a <= 2 ? 0 : -EBADF;
	case __NR_fstat:
		return sys_fstat(a, b);
	case __NR_newfstatat:
		return sys_newfstatat(a, b, c, d);
	case __NR_lseek:
		return a <= 2 ? -ESPIPE : -EBADF;
	case __NR_ioctl:
		return a <= 2 ? -ENOTTY : -EBADF;	/* TCGETS and all */
	case __NR_brk:
		return sys_brk(a);
	case __NR_mmap:
		return sys_mmap(a, b, c, d, e);
	case __NR_munmap:
		return sys_munmap(a, b);
	case __NR_mprotect:
		return sys_mprotect(a, b, c);
	case __NR_mremap:
		return sys_mremap(a, b, c, d);
	case __NR_madvise:
		return 0;
	case __NR_arch_prctl:
		return sys_arch_prctl(a, b);
	case __NR_set_tid_address:
	case __NR_getpid:
	case __NR_gettid:
		return 1;
	case __NR_getppid:
	case __NR_getuid:
	case __NR_geteuid:
	case __NR_getgid:
	case __NR_getegid:
	case __NR_set_robust_list:
	case __NR_sigaltstack:
		return 0;
	case __NR_rt_sigaction:
		return sys_rt_sigmask(c, KSIGACTION_SIZE);
	case __NR_rt_sigprocmask:
		return sys_rt_sigmask(c, d);
	case __NR_rseq:
		return -ENOSYS;		/* glibc goes on without it */
	case __NR_prlimit64:
		return sys_prlimit64(a, b, c, d);
	case __NR_getrandom:
		return sys_getrandom(a, b);
	case __NR_uname:
		return sys_uname(a);
	case __NR_clock_gettime:
		return sys_clock_gettime(a, b);
	case __NR_gettimeofday:
		return sys_gettimeofday(a);
	case __NR_sysinfo:
		return sys_sysinfo(a);
	case __NR_kill:
	case __NR_tkill:
		return sys_kill(a, b);
	case __NR_tgkill:
		return sys_kill(b, c);
	case __NR_exit:
	case __NR_exit_group:
		user_exit(a & 0xff, NULL);
	default:
		printf("linuxabi: unknown system call %lu\n", f->rax);
		return -ENOSYS;
	}
}

void linux_syscall(struct frame *f)
{
	calls++;
	if (!brk_cur)
		brk_cur = user_brk_start;
	f->rax = (uint64_t)dispatch(f);
}
