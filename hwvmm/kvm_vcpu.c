/* The vCPU: creation, the shared kvm_run page, the CPUID it presents. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/vm.h"
#include "hwvmm/hw_ctx.h"
#include "hwvmm/kvm_cpuid.h"

/* The uapi header spells this flag without the second I. */
#define HW_CPUID_SIGNIFICANT_INDEX KVM_CPUID_FLAG_SIGNIFCANT_INDEX

int hw_vcpu_ioctl(struct hw_ctx *c, unsigned long req, void *arg, const char *name)
{
	c->vm->stats.hw_ioctls++;
	int r = ioctl(c->vcpu_fd, req, arg);
	if (r < 0) {
		int err = errno;
		return vm_fail(c->vm, -err, "%s: %s", name, strerror(err));
	}
	return r;
}

/* KVM's supported leaves, as the CPUID model's host input. */
static int get_supported(struct hw_ctx *c, struct cpuid_entry **out, int *nout)
{
	struct kvm_cpuid2 *t;
	int r = kvm_supported_cpuid(c->kvm_fd, &t);
	if (r == -E2BIG)
		return vm_fail(c->vm, r, "KVM_GET_SUPPORTED_CPUID: more than 4096 entries");
	if (r)
		return vm_fail(c->vm, r, "KVM_GET_SUPPORTED_CPUID: %s", strerror(-r));
	struct cpuid_entry *e = calloc(t->nent ? t->nent : 1, sizeof(*e));
	if (!e) {
		free(t);
		return vm_fail(c->vm, -ENOMEM, "KVM_GET_SUPPORTED_CPUID: out of memory");
	}
	kvm_cpuid_to_entries(t, e);
	*out = e;
	*nout = (int)t->nent;
	free(t);
	return 0;
}

/* The VM's model becomes the intersection with what KVM can offer, so the
 * interpreter presents exactly the CPU that KVM does. */
static int setup_cpuid(struct hw_ctx *c)
{
	struct vm *vm = c->vm;
	struct cpuid_entry *host = NULL;
	int nhost = 0;
	int r = get_supported(c, &host, &nhost);
	if (r)
		return r;
	r = cpuid_model_init(&vm->cpuid, host, nhost);
	free(host);
	if (r)
		return vm_fail(vm, r, "CPUID model from KVM_GET_SUPPORTED_CPUID: %s", strerror(-r));

	struct kvm_cpuid2 *t = kvm_cpuid2_alloc((unsigned)vm->cpuid.nr);
	if (!t)
		return vm_fail(vm, -ENOMEM, "KVM_SET_CPUID2: out of memory");
	for (int i = 0; i < vm->cpuid.nr; i++) {
		const struct cpuid_entry *e = &vm->cpuid.e[i];
		t->entries[i] = (struct kvm_cpuid_entry2){
			.function = e->function, .index = e->index,
			.flags = (e->flags & CPUID_F_SIGNIFICANT_INDEX) ?
			         HW_CPUID_SIGNIFICANT_INDEX : 0,
			.eax = e->eax, .ebx = e->ebx, .ecx = e->ecx, .edx = e->edx,
		};
	}
	r = HW_VCPU_IOCTL(c, KVM_SET_CPUID2, t);
	free(t);
	return r < 0 ? r : 0;
}

int hw_vcpu_create(struct hw_ctx *c)
{
	struct vm *vm = c->vm;

	c->vcpu_fd = ioctl(c->vm_fd, KVM_CREATE_VCPU, 0);
	if (c->vcpu_fd < 0) {
		int err = errno;
		return vm_fail(vm, -err, "KVM_CREATE_VCPU: %s", strerror(err));
	}
	int size = ioctl(c->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size < 0) {
		int err = errno;
		return vm_fail(vm, -err, "KVM_GET_VCPU_MMAP_SIZE: %s", strerror(err));
	}
	if ((size_t)size < sizeof(struct kvm_run))
		return vm_fail(vm, -EINVAL, "KVM_GET_VCPU_MMAP_SIZE: %d is smaller than kvm_run", size);
	void *p = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, c->vcpu_fd, 0);
	if (p == MAP_FAILED) {
		int err = errno;
		return vm_fail(vm, -err, "mmap of kvm_run: %s", strerror(err));
	}
	c->run = p;
	c->run_size = (size_t)size;
	/* KVM fills these in kvm_run on every exit. */
	c->run->kvm_valid_regs = HW_SYNC_ALL;
	c->dirty = HW_PARTS_ALL;
	return setup_cpuid(c);
}

void hw_vcpu_destroy(struct hw_ctx *c)
{
	if (c->run)
		munmap(c->run, c->run_size);
	c->run = NULL;
	if (c->vcpu_fd >= 0)
		close(c->vcpu_fd);
	c->vcpu_fd = -1;
}
