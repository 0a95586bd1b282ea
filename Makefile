# hvmm build. `make` builds the hvmm command and every guest; `make run`,
# `make run-linux` and `make test` first install what is missing (see tests/deps.sh).
# Outputs go to $(BUILD); V=1 shows the commands.

BUILD   ?= build
CC      ?= gcc
CFLAGS  ?= -O2 -g
HVMM_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -I. -MMD -MP $(CFLAGS)
LDLIBS  := -lcapstone -lseccomp
GUEST   ?= $(BUILD)/guests/hello64.bin
GUEST_ARGS ?=

ifeq ($(V),1)
Q :=
else
Q := @
endif

# Libraries in dependency order: core <- swvmm, hwvmm <- policy <- command.
LAYERS := core swvmm hwvmm policy
define layer_srcs
$(wildcard $(1)/*.c)
endef
CORE_SRCS   := $(call layer_srcs,core)
SWVMM_SRCS  := $(call layer_srcs,swvmm)
HWVMM_SRCS  := $(call layer_srcs,hwvmm)
POLICY_SRCS := $(call layer_srcs,policy)
CMD_SRCS    := $(wildcard policy/cli/*.c)
# The command's parts but main() (its reports, its option parsing): a
# library of their own, so that unit tests can link them.
CLI_SRCS    := $(filter-out policy/cli/main.c,$(CMD_SRCS))

objs = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))
LIBS := $(BUILD)/libpolicy.a $(BUILD)/libhwvmm.a $(BUILD)/libswvmm.a $(BUILD)/libcore.a

HVMM := $(BUILD)/hvmm

.SECONDARY:
.PHONY: all run run-linux linux-image test unit-tests guests deps clean bench-sw bench-audit
all: $(HVMM) guests

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(HVMM_CFLAGS) -c $< -o $@

$(BUILD)/libcore.a: $(call objs,$(CORE_SRCS))
$(BUILD)/libswvmm.a: $(call objs,$(SWVMM_SRCS))
$(BUILD)/libhwvmm.a: $(call objs,$(HWVMM_SRCS))
$(BUILD)/libpolicy.a: $(call objs,$(POLICY_SRCS))
$(BUILD)/libcli.a: $(call objs,$(CLI_SRCS))
define archive
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^
endef
$(BUILD)/lib%.a:
	$(archive)

$(HVMM): $(call objs,policy/cli/main.c) $(BUILD)/libcli.a $(LIBS)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(HVMM_CFLAGS) -o $@ $(call objs,policy/cli/main.c) $(BUILD)/libcli.a $(LIBS) $(LDLIBS) -lm

# Unit tests: one cmocka program per tests/unit/test_*.c, linked with every layer.
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(BUILD)/libcli.a $(LIBS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(HVMM_CFLAGS) -o $@ $< $(BUILD)/libcli.a $(LIBS) $(LDLIBS) -lm -lcmocka
# Programs the command tests use (tests/tools/*.c), linked the same way.
TOOL_SRCS := $(wildcard tests/tools/*.c)
TOOL_BINS := $(patsubst tests/tools/%.c,$(BUILD)/tests/tools/%,$(TOOL_SRCS))
$(BUILD)/tests/tools/%: $(BUILD)/obj/tests/tools/%.o $(LIBS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(HVMM_CFLAGS) -o $@ $< $(LIBS) $(LDLIBS)
unit-tests: $(UNIT_BINS) $(TOOL_BINS)

include guests/guests.mk
include tests/bench/bench.mk

include tests/san/san.mk

deps:
	$(Q)bash tests/deps.sh

# Without /dev/kvm the guest runs on the KVM of the test harness.
run: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then \
		$(HVMM) run $(GUEST_ARGS) $(GUEST); \
	else \
		echo "no /dev/kvm here: running the guest on the KVM of tests/harness/kvm-run"; \
		tests/harness/kvm-run $(HVMM) run $(GUEST_ARGS) $(GUEST); \
	fi

# Debian's kernel with the busybox test image (docs/linux.md): under theorem3
# with statistics, or under the interpreter where /dev/kvm is not usable
# (every other policy needs KVM). The kernel comes from `deps`
# (tests/harness/fetch-kernel.sh); the image is rebuilt when its inputs change.
LINUX_INITRD := $(BUILD)/linux/initramfs.cpio.gz
$(LINUX_INITRD): tests/linux/init tests/linux/make-initramfs.sh $(shell command -v busybox 2>/dev/null)
	@$(if $(Q),echo "  CPIO    $@")
	$(Q)BUILD=$(BUILD) bash tests/linux/make-initramfs.sh >/dev/null

linux-image: $(HVMM) $(LINUX_INITRD)
run-linux: deps
	$(Q)$(MAKE) --no-print-directory $(if $(Q),-s) linux-image
	$(Q)if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then policy=theorem3; else \
		echo "run-linux: no usable /dev/kvm here: booting under --policy=sw (the interpreter) instead of theorem3"; \
		policy=sw; \
	fi; \
	BUILD=$(BUILD) bash tests/linux/boot.sh --policy=$$policy --stats; st=$$?; \
	if [ $$st != 85 ]; then \
		echo "run-linux: hvmm's exit status is $$st, not 85 (the image's workload did not reach its end)"; \
		exit 1; \
	fi

test: deps
	$(Q)$(MAKE) --no-print-directory all unit-tests linux-image
	$(Q)BUILD=$(BUILD) bash tests/run.sh

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
