/* The host probe's scratch VM: /dev/kvm, one small memslot holding the
 * probe's guest (kvm_probe_guest.c), one vCPU with all the CPUID KVM
 * supports and the MSRs of the kernel entries. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hwvmm/kvm_cpuid.h"
#include "hwvmm/kvm_probe.h"

#define KVM_DEV "/dev/kvm"
#define KVM_API_VERSION_WANTED 12
/* As the engine (kvm_vm.c): in the 32-bit hole, clear of the probe's memory. */
#define PRB_TSS_ADDR          0xfffbd000ull
#define PRB_IDENTITY_MAP_ADDR 0xfffbc000ull

/* CPUID leaf 0's EBX: "Auth"enticAMD, "Hygo"nGenuine, "Genu"ineIntel. */
#define CPUID_EBX_AMD   0x68747541u
#define CPUID_EBX_HYGON 0x6f677948u
#define CPUID_EBX_INTEL 0x756e6547u

void prb_scratch_close(struct prb_ctx *c)
{
	prb_guard_fini(c);
	if (c->run)
		munmap(c->run, c->run_size);
	if (c->vcpu_fd >= 0)
		close(c->vcpu_fd);
	if (c->vm_fd >= 0)
		close(c->vm_fd);
	if (c->mem)
		munmap(c->mem, PRB_MEM_SIZE);
	if (c->kvm_fd >= 0)
		close(c->kvm_fd);
}

/* The model hvmm would present on this host (what kvm-info shows). */
static int model_of(struct prb_ctx *c, const struct kvm_cpuid2 *t)
{
	struct cpuid_entry *e = calloc(t->nent ? t->nent : 1, sizeof(*e));
	if (!e)
		return prb_fail(c, -ENOMEM, "KVM_GET_SUPPORTED_CPUID: out of memory");
	kvm_cpuid_to_entries(t, e);
	int r = cpuid_model_init(c->model, e, (int)t->nent);
	free(e);
	return r ? prb_fail(c, r, "CPUID model from KVM_GET_SUPPORTED_CPUID: %s", strerror(-r)) : 0;
}

/* The vCPU gets all that KVM supports, so that SSE and POPCNT are there. */
static int setup_cpuid(struct prb_ctx *c)
{
	struct kvm_cpuid2 *t;
	int r = kvm_supported_cpuid(c->kvm_fd, &t);
	if (r == -E2BIG)
		return prb_fail(c, r, "KVM_GET_SUPPORTED_CPUID: more than 4096 entries");
	if (r)
		return prb_fail(c, r, "KVM_GET_SUPPORTED_CPUID: %s", strerror(-r));
	for (unsigned i = 0; i < t->nent; i++) {
		if (t->entries[i].function != 0)
			continue;
		c->amd_cpuid = t->entries[i].ebx == CPUID_EBX_AMD ||
		               t->entries[i].ebx == CPUID_EBX_HYGON;
		c->tr_busy = t->entries[i].ebx == CPUID_EBX_INTEL;
	}
	r = c->model ? model_of(c, t) : 0;
	if (!r)
		r = PRB_IOCTL(c, c->vcpu_fd, KVM_SET_CPUID2, t);
	free(t);
	return r < 0 ? r : 0;
}

int prb_set_msrs(struct prb_ctx *c, const struct kvm_msr_entry *e, unsigned n)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e[8];
	} m;
	if (n > sizeof(m.e) / sizeof(m.e[0]))
		return prb_fail(c, -E2BIG, "KVM_SET_MSRS: %u MSRs, at most 8", n);
	memset(&m, 0, sizeof(m));
	m.hdr.nmsrs = n;
	memcpy(m.e, e, n * sizeof(*e));
	int r = PRB_IOCTL(c, c->vcpu_fd, KVM_SET_MSRS, &m);
	if (r < 0)
		return r;
	if ((unsigned)r < n)
		return prb_fail(c, -EINVAL, "KVM_SET_MSRS: MSR 0x%x refused", e[r].index);
	return 0;
}

/* SYSCALL and SYSENTER land on their marking stubs in the kernel's code
 * segment, with IF, TF, DF, AC, NT and IOPL masked as a kernel does. */
static int setup_entry_msrs(struct prb_ctx *c)
{
	const struct kvm_msr_entry e[] = {
		{ .index = 0xc0000081, .data = (uint64_t)PRB_SEL_KCODE64 << 32 },  /* STAR */
		{ .index = 0xc0000082, .data = PRB_SYSCALL_TGT },                  /* LSTAR */
		{ .index = 0xc0000083, .data = PRB_SYSCALL_TGT },                  /* CSTAR */
		{ .index = 0xc0000084, .data = 0x47700 },                          /* SFMASK */
		{ .index = 0x174, .data = PRB_SEL_KCODE64 },                       /* SYSENTER_CS */
		{ .index = 0x175, .data = PRB_KERNEL_STACK },                      /* SYSENTER_ESP */
		{ .index = 0x176, .data = PRB_SYSENTER_TGT },                      /* SYSENTER_EIP */
	};
	return prb_set_msrs(c, e, sizeof(e) / sizeof(e[0]));
}

int prb_scratch_open(struct prb_ctx *c)
{
	c->kvm_fd = open(KVM_DEV, O_RDWR | O_CLOEXEC);
	if (c->kvm_fd < 0)
		return prb_fail(c, -ENODEV, "KVM unavailable: " KVM_DEV ": %s", strerror(errno));
	int ver = ioctl(c->kvm_fd, KVM_GET_API_VERSION, 0);
	if (ver != KVM_API_VERSION_WANTED)
		return prb_fail(c, -ENODEV, "KVM unavailable: KVM_GET_API_VERSION is %d, need %d",
		                ver, KVM_API_VERSION_WANTED);
	c->vm_fd = PRB_IOCTL(c, c->kvm_fd, KVM_CREATE_VM, 0);
	if (c->vm_fd < 0)
		return c->vm_fd;
	/* Only VMX without unrestricted guest uses these (for real mode);
	 * a backend that has no use for them may refuse them. */
	uint64_t idmap = PRB_IDENTITY_MAP_ADDR;
	ioctl(c->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &idmap);
	ioctl(c->vm_fd, KVM_SET_TSS_ADDR, (unsigned long)PRB_TSS_ADDR);

	void *mem = mmap(NULL, PRB_MEM_SIZE, PROT_READ | PROT_WRITE,
	                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem == MAP_FAILED)
		return prb_fail(c, -errno, "mmap of guest memory: %s", strerror(errno));
	c->mem = mem;
	prb_build_image(c->mem);
	struct kvm_userspace_memory_region slot = {
		.slot = 0, .guest_phys_addr = 0, .memory_size = PRB_MEM_SIZE,
		.userspace_addr = (uint64_t)(uintptr_t)c->mem,
	};
	int r = PRB_IOCTL(c, c->vm_fd, KVM_SET_USER_MEMORY_REGION, &slot);
	if (r < 0)
		return r;

	c->vcpu_fd = PRB_IOCTL(c, c->vm_fd, KVM_CREATE_VCPU, 0);
	if (c->vcpu_fd < 0)
		return c->vcpu_fd;
	int size = PRB_IOCTL(c, c->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size < 0)
		return size;
	if ((size_t)size < sizeof(struct kvm_run))
		return prb_fail(c, -EINVAL, "KVM_GET_VCPU_MMAP_SIZE: %d is smaller than kvm_run", size);
	void *p = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, c->vcpu_fd, 0);
	if (p == MAP_FAILED)
		return prb_fail(c, -errno, "mmap of kvm_run: %s", strerror(errno));
	c->run = p;
	c->run_size = (size_t)size;

	struct kvm_device_attr a = { .group = KVM_VCPU_TSC_CTRL, .attr = KVM_VCPU_TSC_OFFSET };
	c->has_tsc_offset = ioctl(c->vcpu_fd, KVM_HAS_DEVICE_ATTR, &a) == 0;
	r = setup_cpuid(c);
	if (!r)
		r = setup_entry_msrs(c);
	if (!r)
		r = PRB_IOCTL(c, c->vcpu_fd, KVM_GET_SREGS, &c->sregs0);
	if (r < 0)
		return r;
	return prb_guard_init(c);
}
