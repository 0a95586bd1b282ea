# Guest programs, included by the top Makefile. Freestanding code with flags
# of its own (the host CFLAGS do not apply), linked with ld and our linker
# scripts into $(BUILD)/guests:
#   <name>.bin  flat image, loaded at 0x10000, entered in real mode at 1000:0000
#   <name>.elf  multiboot (v1) ELF image, ELF32 or ELF64, linked at 1 MiB
#   <name>.img  1.44 MB floppy: lib/bootsect.S followed by a flat image
# Objects go to $(BUILD)/guests/obj/{16,32,64}/, mirroring guests/ (16:
# gcc -m16, 32-bit code with prefixes that runs in real mode).

GUEST_CC      ?= gcc
GUEST_LD      ?= ld
GUEST_OBJCOPY ?= objcopy

G_OUT := $(BUILD)/guests
G_OBJ := $(G_OUT)/obj

# No SSE/x87 (-mgeneral-regs-only) keeps the interpreter's job small; no
# loop-to-memset rewriting keeps lib/string.c from calling itself.
G_CFLAGS := -std=gnu11 -O2 -g -ffreestanding -nostdlib -fno-pic -fno-pie \
	-fno-stack-protector -fno-asynchronous-unwind-tables -fno-unwind-tables \
	-fcf-protection=none -fno-tree-loop-distribute-patterns \
	-mgeneral-regs-only -mno-red-zone -Wall -Wextra -Werror \
	-Iguests -MMD -MP
G_CFLAGS_16 := -m16 -DGUEST_REAL_MODE
G_CFLAGS_32 := -m32
G_CFLAGS_64 := -m64 -mcmodel=small
G_EMU_16 := elf_i386
G_EMU_32 := elf_i386
G_EMU_64 := elf_x86_64
# Linked with ld itself, so nothing PIE or from the C library gets in.
# One RWX segment per image by design (see the linker scripts).
G_LDFLAGS := -nostdlib -static --build-id=none -z max-page-size=0x1000 \
	-z noexecstack --no-warn-rwx-segments

G_BINS := hello16.bin hello32.bin hello64.bin ring3.bin exitcode.bin suite16.bin \
	suite32.bin suite64.bin smc64.bin minios.bin auditinv.bin
# Benchmark loops (guests/bench/README.md), one image per loop, and the
# workloads of `hvmm bench`, named in guests/bench/workloads.h (some are
# loops too).
G_BENCH_LOOPS := alu array int_r0 int80_r3 syscall cr3 out cpuid sse x87
G_BENCH_WORKLOADS := $(shell sed -n 's/^[[:space:]]*X.\([a-z0-9_]*\),.*/\1/p' \
	guests/bench/workloads.h)
G_BENCH_LOOPS += $(filter-out $(G_BENCH_LOOPS),$(G_BENCH_WORKLOADS))
# Loops that are guest cases only (tests/guests/cases), not timed.
G_BENCH_LOOPS += timer10k
G_BINS += $(G_BENCH_LOOPS:%=bench_%.bin)
G_ELFS := hello32.elf hello64.elf linuxabi.elf

# Objects of each guest, relative to guests/.
G_LIBC   := lib/serial.o lib/fmt.o lib/string.o lib/exit.o
G_FLAT   := lib/entry_flat.o lib/start32.o lib/boot_data.o
G_MB     := lib/entry_multiboot.o lib/start32.o lib/boot_data.o
G_LM     := lib/longmode.o

hello16.bin_BITS := 32
hello16.bin_OBJS := lib/entry16.o lib/serial16.o hello16.o
hello16.bin_LDS  := guests/lib/flat16.ld
exitcode.bin_BITS := 32
exitcode.bin_OBJS := $(G_FLAT) $(G_LIBC) exitcode.o
hello32.bin_BITS := 32
hello32.bin_OBJS := $(G_FLAT) $(G_LIBC) hello.o
hello64.bin_BITS := 64
hello64.bin_OBJS := $(G_FLAT) $(G_LM) $(G_LIBC) hello.o
ring3.bin_BITS   := 64
ring3.bin_OBJS   := $(G_FLAT) $(G_LM) $(G_LIBC) ring3/kernel.o ring3/entry.o \
	ring3/user.o
ring3.bin_LDS    := guests/ring3/ring3.ld
minios.bin_BITS  := 64
minios.bin_OBJS  := $(G_FLAT) $(G_LM) $(G_LIBC) minios/kernel.o minios/mm.o \
	minios/cpu.o minios/entry.o minios/user.o
minios.bin_LDS   := guests/minios/minios.ld
# The instruction suite: shared check groups plus each mode's own.
G_SUITE  := suite/check.o suite/alu.o suite/alu_table.o suite/muldiv.o \
	suite/bitops.o suite/bcd.o suite/xchg.o suite/cond.o suite/string.o \
	suite/stack.o
# x87, MMX and SSE (inline assembly, memory operands only): 32 and 64 bits.
G_SUITE_FPU := suite/fpu_ctl.o suite/x87.o suite/sse.o
suite16.bin_BITS := 16
suite16.bin_OBJS := suite/rm16_entry.o $(G_LIBC) $(G_SUITE) suite/rm16.o
suite16.bin_LDS  := guests/suite/suite16.ld
suite32.bin_BITS := 32
suite32.bin_OBJS := $(G_FLAT) $(G_LIBC) $(G_SUITE) $(G_SUITE_FPU) suite/pm32.o \
	suite/pm32_stubs.o suite/pm32_seg.o suite/pm32_user.o \
	suite/pm32_paging.o suite/pm32_task.o suite/pm32_vm86.o suite/pm32_vm86_run.o
suite64.bin_BITS := 64
suite64.bin_OBJS := $(G_FLAT) $(G_LM) $(G_LIBC) $(G_SUITE) $(G_SUITE_FPU) \
	suite/lm64.o \
	suite/lm64_stubs.o suite/lm64_user.o suite/lm64_paging.o
# Benchmark images: the shared kernel plus one loop_<name>.o each.
G_BENCH := $(G_FLAT) $(G_LM) $(G_LIBC) bench/param.o bench/kernel.o \
	bench/entry.o
$(foreach l,$(G_BENCH_LOOPS),\
	$(eval bench_$(l).bin_BITS := 64)\
	$(eval bench_$(l).bin_OBJS := $(G_BENCH) bench/loop_$(l).o)\
	$(eval bench_$(l).bin_LDS := guests/bench/bench.ld))
smc64.bin_BITS   := 64
smc64.bin_OBJS   := $(G_FLAT) $(G_LM) $(G_LIBC) smc/code.o smc/smc64.o
auditinv.bin_BITS := 64
auditinv.bin_OBJS := $(G_FLAT) $(G_LM) $(G_LIBC) auditinv/main.o auditinv/text.o \
	auditinv/cpuid.o auditinv/timing.o
hello32.elf_BITS := 32
hello32.elf_OBJS := $(G_MB) $(G_LIBC) hello_multiboot.o
hello64.elf_BITS := 64
hello64.elf_OBJS := $(G_MB) $(G_LM) $(G_LIBC) hello_multiboot.o
# A static glibc program (linuxabi/prog.c, built like any host program:
# gcc -O2 -static, SSE and all) in ring 3 under a kernel that serves the
# Linux calls it makes; the kernel carries it stripped (image.S), the
# unstripped copy stays under obj/ for disassembly.
linuxabi.elf_BITS := 64
linuxabi.elf_OBJS := $(G_MB) $(G_LM) $(G_LIBC) linuxabi/kernel.o linuxabi/mm.o \
	linuxabi/exec.o linuxabi/syscall.o linuxabi/image.o minios/cpu.o \
	minios/entry.o
LINUXABI_PROG := $(G_OBJ)/linuxabi/prog
$(LINUXABI_PROG): guests/linuxabi/prog.c guests/guests.mk
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CCHOST  $@")
	$(Q)$(GUEST_CC) -O2 -static -Wall -Wextra -Werror -o $@ $< -lm
$(LINUXABI_PROG).stripped: $(LINUXABI_PROG)
	$(Q)$(GUEST_OBJCOPY) --strip-all $< $@
$(G_OBJ)/64/linuxabi/image.o: $(LINUXABI_PROG).stripped
$(G_OBJ)/64/linuxabi/image.o: G_CFLAGS += -DLINUXABI_PROG='"$(LINUXABI_PROG).stripped"'

.PHONY: guests
guests: $(addprefix $(G_OUT)/,$(G_BINS) $(G_ELFS) $(G_BINS:.bin=.img))

$(G_OBJ)/16/%.o: guests/%.c guests/guests.mk
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC16    $<")
	$(Q)$(GUEST_CC) $(G_CFLAGS_16) $(G_CFLAGS) -c $< -o $@

$(G_OBJ)/32/%.o: guests/%.c guests/guests.mk
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC32    $<")
	$(Q)$(GUEST_CC) $(G_CFLAGS_32) $(G_CFLAGS) -c $< -o $@

$(G_OBJ)/64/%.o: guests/%.c guests/guests.mk
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC64    $<")
	$(Q)$(GUEST_CC) $(G_CFLAGS_64) $(G_CFLAGS) -c $< -o $@

$(G_OBJ)/16/%.o: guests/%.S guests/guests.mk
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AS16    $<")
	$(Q)$(GUEST_CC) $(G_CFLAGS_16) $(G_CFLAGS) -c $< -o $@

$(G_OBJ)/32/%.o: guests/%.S guests/guests.mk
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AS32    $<")
	$(Q)$(GUEST_CC) $(G_CFLAGS_32) $(G_CFLAGS) -c $< -o $@

$(G_OBJ)/64/%.o: guests/%.S guests/guests.mk
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AS64    $<")
	$(Q)$(GUEST_CC) $(G_CFLAGS_64) $(G_CFLAGS) -c $< -o $@

# $(1): output name. Flat images are linked to an ELF under obj/ (kept for
# disassembly) and copied out as raw bytes; multiboot images are the ELF.
define G_LINK
$(1)_LDS ?= $(if $(filter %.elf,$(1)),guests/lib/multiboot.ld,guests/lib/flat.ld)
$(1)_LINKED := $(if $(filter %.elf,$(1)),$(G_OUT)/$(1),$(G_OBJ)/$(1).elf)
$$($(1)_LINKED): $$(addprefix $(G_OBJ)/$$($(1)_BITS)/,$$($(1)_OBJS)) $$($(1)_LDS) guests/guests.mk
	@mkdir -p $$(dir $$@)
	@$$(if $$(Q),echo "  LD      $$@")
	$$(Q)$(GUEST_LD) -m $$(G_EMU_$$($(1)_BITS)) $(G_LDFLAGS) -T $$($(1)_LDS) \
		-o $$@ $$(addprefix $(G_OBJ)/$$($(1)_BITS)/,$$($(1)_OBJS))
endef
$(foreach g,$(G_BINS) $(G_ELFS),$(eval $(call G_LINK,$(g))))

$(G_OUT)/%.bin: $(G_OBJ)/%.bin.elf
	@$(if $(Q),echo "  OBJCOPY $@")
	$(Q)$(GUEST_OBJCOPY) -O binary $< $@

# A floppy per flat image: the boot sector is assembled for the image's
# size, then image and zero padding follow it.
$(G_OUT)/%.img: $(G_OUT)/%.bin guests/lib/bootsect.S guests/lib/bootsect.ld \
		guests/lib/layout.h guests/guests.mk
	@mkdir -p $(G_OBJ)/boot
	@$(if $(Q),echo "  IMG     $@")
	$(Q)$(GUEST_CC) $(G_CFLAGS_32) $(G_CFLAGS) \
		-DIMAGE_SECTORS=$$(( ($$(stat -c %s $<) + 511) / 512 )) \
		-c guests/lib/bootsect.S -o $(G_OBJ)/boot/$*.o
	$(Q)$(GUEST_LD) -m elf_i386 $(G_LDFLAGS) -T guests/lib/bootsect.ld \
		-o $(G_OBJ)/boot/$*.elf $(G_OBJ)/boot/$*.o
	$(Q)$(GUEST_OBJCOPY) -O binary $(G_OBJ)/boot/$*.elf $(G_OBJ)/boot/$*.bin
	$(Q)test $$(stat -c %s $(G_OBJ)/boot/$*.bin) -eq 512
	$(Q)cat $(G_OBJ)/boot/$*.bin $< > $@.tmp
	$(Q)truncate -s 1474560 $@.tmp
	$(Q)mv $@.tmp $@

-include $(shell find $(G_OBJ) -name '*.d' 2>/dev/null)
