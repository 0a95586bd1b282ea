/* The table of sensitive instructions (policy/audit_class.h). Each line:
 * Capstone's id, the class, and when the instruction faults outside ring
 * 0 (docs/audit.md has the same table): "yes" always, "iopl" when CPL >
 * IOPL (port I/O also unless the TSS bitmap allows the port), "cr4" when
 * a CR4 bit says so (TSD, PCE, UMIP), "no" never. */
#include <string.h>

#include "policy/audit_class.h"

#define CONTROL AUDIT_CLASS_CONTROL
#define BEHAVIOUR AUDIT_CLASS_BEHAVIOUR

#define AUDIT_SENSITIVE(X) \
	/* the configuration: control registers, MSRs, tables, caches */ \
	X(LMSW, CONTROL)          /* yes */ \
	X(CLTS, CONTROL)          /* yes */ \
	X(WRMSR, CONTROL)         /* yes */ \
	X(XSETBV, CONTROL)        /* yes */ \
	X(XRSTORS, CONTROL)       /* yes */ \
	X(XRSTORS64, CONTROL)     /* yes */ \
	X(LGDT, CONTROL)          /* yes */ \
	X(LIDT, CONTROL)          /* yes */ \
	X(LLDT, CONTROL)          /* yes */ \
	X(LTR, CONTROL)           /* yes */ \
	X(INVLPG, CONTROL)        /* yes */ \
	X(INVLPGA, CONTROL)       /* yes */ \
	X(INVPCID, CONTROL)       /* yes */ \
	X(INVD, CONTROL)          /* yes */ \
	X(WBINVD, CONTROL)        /* yes */ \
	X(SWAPGS, CONTROL)        /* yes */ \
	/* the processor's run state and interrupts */ \
	X(HLT, CONTROL)           /* yes */ \
	X(MONITOR, CONTROL)       /* yes */ \
	X(MWAIT, CONTROL)         /* yes */ \
	X(RSM, CONTROL)           /* yes (outside SMM: #UD everywhere) */ \
	X(CLI, CONTROL)           /* iopl */ \
	X(STI, CONTROL)           /* iopl */ \
	/* hardware virtualization */ \
	X(VMXON, CONTROL)         /* yes */ \
	X(VMXOFF, CONTROL)        /* yes */ \
	X(VMCLEAR, CONTROL)       /* yes */ \
	X(VMPTRLD, CONTROL)       /* yes */ \
	X(VMWRITE, CONTROL)       /* yes */ \
	X(VMLAUNCH, CONTROL)      /* yes */ \
	X(VMRESUME, CONTROL)      /* yes */ \
	X(INVEPT, CONTROL)        /* yes */ \
	X(INVVPID, CONTROL)       /* yes */ \
	X(VMRUN, CONTROL)         /* yes */ \
	X(VMLOAD, CONTROL)        /* yes */ \
	X(VMSAVE, CONTROL)        /* yes */ \
	X(STGI, CONTROL)          /* yes */ \
	X(CLGI, CONTROL)          /* yes */ \
	X(VMREAD, BEHAVIOUR)      /* yes */ \
	X(VMPTRST, BEHAVIOUR)     /* yes */ \
	/* reads of the configuration */ \
	X(RDMSR, BEHAVIOUR)       /* yes */ \
	X(XSAVES, BEHAVIOUR)      /* yes */ \
	X(XSAVES64, BEHAVIOUR)    /* yes */ \
	X(SGDT, BEHAVIOUR)        /* cr4 */ \
	X(SIDT, BEHAVIOUR)        /* cr4 */ \
	X(SLDT, BEHAVIOUR)        /* cr4 */ \
	X(STR, BEHAVIOUR)         /* cr4 */ \
	X(SMSW, BEHAVIOUR)        /* cr4 */ \
	X(LAR, BEHAVIOUR)         /* no */ \
	X(LSL, BEHAVIOUR)         /* no */ \
	X(VERR, BEHAVIOUR)        /* no */ \
	X(VERW, BEHAVIOUR)        /* no */ \
	X(XGETBV, BEHAVIOUR)      /* no */ \
	X(CPUID, BEHAVIOUR)       /* no */ \
	X(RDTSC, BEHAVIOUR)       /* cr4 */ \
	X(RDTSCP, BEHAVIOUR)      /* cr4 */ \
	X(RDPMC, BEHAVIOUR)       /* cr4 */ \
	/* port I/O */ \
	X(IN, BEHAVIOUR)          /* iopl */ \
	X(INSB, BEHAVIOUR)        /* iopl */ \
	X(INSW, BEHAVIOUR)        /* iopl */ \
	X(INSD, BEHAVIOUR)        /* iopl */ \
	X(OUT, BEHAVIOUR)         /* iopl */ \
	X(OUTSB, BEHAVIOUR)       /* iopl */ \
	X(OUTSW, BEHAVIOUR)       /* iopl */ \
	X(OUTSD, BEHAVIOUR)       /* iopl */ \
	/* flags: IF and IOPL change only where CPL and IOPL allow */ \
	X(PUSHF, BEHAVIOUR)       /* no */ \
	X(PUSHFD, BEHAVIOUR)      /* no */ \
	X(PUSHFQ, BEHAVIOUR)      /* no */ \
	X(POPF, BEHAVIOUR)        /* no */ \
	X(POPFD, BEHAVIOUR)       /* no */ \
	X(POPFQ, BEHAVIOUR)       /* no */ \
	/* transfers through descriptors, gates and MSR-set entry points */ \
	X(LCALL, BEHAVIOUR)       /* no */ \
	X(LJMP, BEHAVIOUR)        /* no */ \
	X(RETF, BEHAVIOUR)        /* no */ \
	X(RETFQ, BEHAVIOUR)       /* no */ \
	X(IRET, BEHAVIOUR)        /* no */ \
	X(IRETD, BEHAVIOUR)       /* no */ \
	X(IRETQ, BEHAVIOUR)       /* no */ \
	X(INT, BEHAVIOUR)         /* no */ \
	X(INT1, BEHAVIOUR)        /* no */ \
	X(INT3, BEHAVIOUR)        /* no */ \
	X(INTO, BEHAVIOUR)        /* no */ \
	X(SYSCALL, BEHAVIOUR)     /* no */ \
	X(SYSENTER, BEHAVIOUR)    /* no */ \
	X(SYSRET, BEHAVIOUR)      /* yes */ \
	X(SYSEXIT, BEHAVIOUR)     /* yes */

/* MOV to a control or debug register is control-sensitive, from one
 * behaviour-sensitive (both "yes"); Capstone gives every MOV one id, and
 * names the registers crN and drN. */
static enum audit_class mov_class(const char *op_str)
{
	if (!strncmp(op_str, "cr", 2) || !strncmp(op_str, "dr", 2))
		return AUDIT_CLASS_CONTROL;
	if (strstr(op_str, ", cr") || strstr(op_str, ", dr"))
		return AUDIT_CLASS_BEHAVIOUR;
	return AUDIT_CLASS_NONE;
}

enum audit_class audit_class_of(unsigned id, const char *op_str)
{
	switch (id) {
#define AUDIT_CLASS_CASE(ins, cls) case X86_INS_##ins: return cls;
	AUDIT_SENSITIVE(AUDIT_CLASS_CASE)
#undef AUDIT_CLASS_CASE
	case X86_INS_MOV:
		return mov_class(op_str);
	default:
		return AUDIT_CLASS_NONE;
	}
}

const char *audit_class_name(enum audit_class c)
{
	static const char *const names[NR_AUDIT_CLASSES] = {
		[AUDIT_CLASS_NONE] = "none",
		[AUDIT_CLASS_CONTROL] = "control-sensitive",
		[AUDIT_CLASS_BEHAVIOUR] = "behaviour-sensitive",
	};
	return (unsigned)c < NR_AUDIT_CLASSES ? names[c] : "?";
}
