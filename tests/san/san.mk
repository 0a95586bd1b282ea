# The sanitizer build, included by the top Makefile (tests/san/README.md,
# tests/fuzz/README.md). Every layer is compiled again with clang into
# $(SAN)/obj, under AddressSanitizer (LeakSanitizer with it) and
# UndefinedBehaviorSanitizer, where any report ends the program, and with
# the coverage hooks libFuzzer steers by (no-ops without it). The same
# objects make
#   $(SAN)/tests/test_*       the unit tests (make san-tests runs them)
#   $(SAN)/hvmm               the command, for the guest cases under sw
#   $(SAN)/fuzz/fuzz_<name>   one libFuzzer program per row of tests/fuzz/targets
# `make san-build` builds them all; `make san-tests`, `make fuzz-smoke` and
# `make fuzz` (FUZZ_SECONDS per target) run them.

SAN        := $(BUILD)/san
SAN_CC     ?= clang
SAN_FLAGS  := -fsanitize=address,undefined -fno-sanitize-recover=all
# Two warnings clang has and gcc's build (which keeps -Wall -Wextra) does
# not: hwvmm's ioctl buffers put a flexible-array header before its
# entries, a GNU C extension; libseccomp's SCMP_A0() macros leave a field
# of the compound literal they make to zero.
SAN_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -Wno-gnu-variable-sized-type-not-at-end \
	-Wno-missing-field-initializers -I. -MMD -MP -O1 -g -fno-omit-frame-pointer $(SAN_FLAGS)
san_objs = $(patsubst %.c,$(SAN)/obj/%.o,$(1))
SAN_LIBS := $(SAN)/libcli.a $(SAN)/libpolicy.a $(SAN)/libhwvmm.a $(SAN)/libswvmm.a \
	$(SAN)/libcore.a

# The targets: the first word of each row of tests/fuzz/targets.
FUZZ_TARGETS := $(shell sed -n 's/^\([a-z][a-z0-9_]*\)[[:space:]].*/\1/p' tests/fuzz/targets)
FUZZ_BINS    := $(FUZZ_TARGETS:%=$(SAN)/fuzz/fuzz_%)
SAN_UNIT_BINS := $(patsubst tests/unit/%.c,$(SAN)/tests/%,$(UNIT_SRCS))
FUZZ_SECONDS ?= 60

.PHONY: san-build san-tests fuzz-build fuzz-smoke fuzz

# The memory path runs for every byte a guest touches: comparison tracing
# there would double the cost of a long REP MOVS and tells little.
SAN_NOCMP := swvmm/mem.c swvmm/mmu.c swvmm/tlb.c core/memory.c core/bus.c
$(call san_objs,$(SAN_NOCMP)): SAN_COV := -fno-sanitize-coverage=trace-cmp

$(SAN)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  SANCC   $<")
	$(Q)$(SAN_CC) $(SAN_CFLAGS) -fsanitize=fuzzer-no-link $(SAN_COV) -c $< -o $@

$(SAN)/libcore.a: $(call san_objs,$(CORE_SRCS))
$(SAN)/libswvmm.a: $(call san_objs,$(SWVMM_SRCS))
$(SAN)/libhwvmm.a: $(call san_objs,$(HWVMM_SRCS))
$(SAN)/libpolicy.a: $(call san_objs,$(POLICY_SRCS))
$(SAN)/libcli.a: $(call san_objs,$(CLI_SRCS))
$(SAN)/lib%.a:
	$(archive)

$(SAN)/hvmm: $(call san_objs,policy/cli/main.c) $(SAN_LIBS)
	@$(if $(Q),echo "  SANLD   $@")
	$(Q)$(SAN_CC) $(SAN_CFLAGS) -o $@ $< $(SAN_LIBS) $(LDLIBS) -lm
$(SAN)/tests/%: $(SAN)/obj/tests/unit/%.o $(SAN_LIBS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  SANLD   $@")
	$(Q)$(SAN_CC) $(SAN_CFLAGS) -o $@ $< $(SAN_LIBS) $(LDLIBS) -lm -lcmocka
$(SAN)/fuzz/fuzz_%: $(SAN)/obj/tests/fuzz/fuzz_%.o $(SAN_LIBS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  FUZZLD  $@")
	$(Q)$(SAN_CC) $(SAN_CFLAGS) -fsanitize=fuzzer -o $@ $< $(SAN_LIBS) $(LDLIBS) -lm

fuzz-build: $(FUZZ_BINS)
san-build: $(FUZZ_BINS) $(SAN_UNIT_BINS) $(SAN)/hvmm
san-tests:
	$(Q)BUILD=$(BUILD) bash tests/san/run.sh
fuzz-smoke:
	$(Q)BUILD=$(BUILD) bash tests/fuzz/fuzz.sh smoke
fuzz:
	$(Q)BUILD=$(BUILD) bash tests/fuzz/fuzz.sh $(FUZZ_SECONDS)

-include $(shell find $(SAN)/obj -name '*.d' 2>/dev/null)
