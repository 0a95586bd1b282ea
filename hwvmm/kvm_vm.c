/* /dev/kvm and the VM: API check, capabilities, the real-mode helper
 * pages Intel needs, and one memslot per guest memory region. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "core/vm.h"
#include "hwvmm/hw_ctx.h"

#define KVM_DEV "/dev/kvm"
#define KVM_API_VERSION_WANTED 12

/* Three pages for the TSS and one for the identity-mapped page table that
 * VMX without unrestricted guest uses to run real mode. Both lie in the
 * 32-bit MMIO hole, below the reset vector's ROM, never over RAM. */
#define HW_TSS_ADDR          0xfffbd000ull
#define HW_IDENTITY_MAP_ADDR 0xfffbc000ull

static int sys_fail(struct hw_ctx *c, const char *what)
{
	int err = errno;
	return vm_fail(c->vm, -err, "%s: %s", what, strerror(err));
}

static int check_ext(struct hw_ctx *c, long cap)
{
	int r = ioctl(c->vm_fd, KVM_CHECK_EXTENSION, cap);
	return r < 0 ? 0 : r;
}

static int add_memslots(struct hw_ctx *c)
{
	const struct guest_mem *m = &c->vm->mem;

	for (int i = 0; i < m->nr; i++) {
		const struct gmem_region *r = &m->region[i];
		struct kvm_userspace_memory_region slot = {
			.slot = (uint32_t)i,
			.guest_phys_addr = r->gpa,
			.memory_size = r->size,
			.userspace_addr = (uint64_t)(uintptr_t)r->host,
		};
		/* RAM logs the pages the guest writes: the interpreter's
		 * decoded code for them is dropped when the vCPU comes back. */
		if (r->kind == GMEM_RAM)
			slot.flags = KVM_MEM_LOG_DIRTY_PAGES;
		if (r->kind == GMEM_ROM) {
			if (c->has_readonly_mem)
				slot.flags = KVM_MEM_READONLY;
			else
				vm_log(c->vm, LOG_WARN, "KVM lacks KVM_CAP_READONLY_MEM: ROM at 0x%llx "
				       "is writable while the guest runs in KVM",
				       (unsigned long long)r->gpa);
		}
		if (ioctl(c->vm_fd, KVM_SET_USER_MEMORY_REGION, &slot) < 0)
			return sys_fail(c, "KVM_SET_USER_MEMORY_REGION");
	}
	return 0;
}

/* Exceptions raised but not yet delivered stay "pending" (not folded into
 * "injected") only when userspace asks for it. */
static int enable_exception_payload(struct hw_ctx *c)
{
	if (!check_ext(c, KVM_CAP_EXCEPTION_PAYLOAD))
		return 0;
	struct kvm_enable_cap cap = { .cap = KVM_CAP_EXCEPTION_PAYLOAD, .args = { 1 } };
	if (ioctl(c->vm_fd, KVM_ENABLE_CAP, &cap) < 0)
		return sys_fail(c, "KVM_ENABLE_CAP(KVM_CAP_EXCEPTION_PAYLOAD)");
	c->caps.exception_payload = true;
	return 0;
}

int hw_vm_open(struct hw_ctx *c)
{
	struct vm *vm = c->vm;

	c->kvm_fd = open(KVM_DEV, O_RDWR | O_CLOEXEC);
	if (c->kvm_fd < 0)
		return vm_fail(vm, -ENODEV, "KVM unavailable: " KVM_DEV ": %s", strerror(errno));
	int ver = ioctl(c->kvm_fd, KVM_GET_API_VERSION, 0);
	if (ver < 0)
		return vm_fail(vm, -ENODEV, "KVM unavailable: KVM_GET_API_VERSION: %s",
		               strerror(errno));
	if (ver != KVM_API_VERSION_WANTED)
		return vm_fail(vm, -ENODEV, "KVM unavailable: KVM_GET_API_VERSION is %d, need %d",
		               ver, KVM_API_VERSION_WANTED);

	c->vm_fd = ioctl(c->kvm_fd, KVM_CREATE_VM, 0);
	if (c->vm_fd < 0)
		return sys_fail(c, "KVM_CREATE_VM");

	/* The kvm_run sync-regs area replaces three ioctls per exit. */
	int sync = check_ext(c, KVM_CAP_SYNC_REGS);
	if ((sync & HW_SYNC_ALL) != HW_SYNC_ALL)
		return vm_fail(vm, -ENODEV, "KVM unavailable: KVM_CAP_SYNC_REGS lacks "
		               "regs/sregs/events (0x%x)", (unsigned)sync);
	c->has_xcrs = check_ext(c, KVM_CAP_XCRS) > 0;
	c->has_xsave = check_ext(c, KVM_CAP_XSAVE) > 0;
	c->has_readonly_mem = check_ext(c, KVM_CAP_READONLY_MEM) > 0;
	c->has_sregs2 = check_ext(c, KVM_CAP_SREGS2) > 0;
	c->caps.tr_busy = !strcmp(vm->cpuid.vendor, "GenuineIntel");
	int r = enable_exception_payload(c);
	if (r)
		return r;

	/* Before any vCPU exists, as KVM requires for the identity map. */
	uint64_t idmap = HW_IDENTITY_MAP_ADDR;
	if (ioctl(c->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &idmap) < 0)
		return sys_fail(c, "KVM_SET_IDENTITY_MAP_ADDR");
	if (ioctl(c->vm_fd, KVM_SET_TSS_ADDR, (unsigned long)HW_TSS_ADDR) < 0)
		return sys_fail(c, "KVM_SET_TSS_ADDR");
	/* No KVM_CREATE_IRQCHIP: the monitor emulates PIC and APIC itself and
	 * decides where each interrupt is delivered. */
	r = hw_dirty_enable(c);
	if (r)
		return r;
	return add_memslots(c);
}

void hw_vm_close(struct hw_ctx *c)
{
	if (c->vm_fd >= 0)
		close(c->vm_fd);
	if (c->kvm_fd >= 0)
		close(c->kvm_fd);
	c->vm_fd = c->kvm_fd = -1;
}
