# Benchmarks (docs/benchmarks.md). Included by the top Makefile after
# guests/guests.mk. Not part of `make test`: a benchmark never fails it.
# `make bench-sw` runs the loops under hvmm --engine=sw, QEMU TCG and
# Bochs (installed when missing) and prints the table; BENCH_ROUNDS,
# BENCH_TARGET, BENCH_LOOPS, BENCH_ENGINES tune it (tests/bench/bench-sw.sh).
BENCH_IMAGES := $(foreach l,$(G_BENCH_LOOPS),$(G_OUT)/bench_$(l).bin \
	$(G_OUT)/bench_$(l).img)

bench-sw: $(HVMM) $(BENCH_IMAGES)
	$(Q)BUILD=$(BUILD) bash tests/bench/bench-sw.sh

# `make bench-audit`: what the audit costs (tests/bench/audit-cost.sh).
bench-audit: $(HVMM) guests
	$(Q)BUILD=$(BUILD) bash tests/bench/audit-cost.sh
