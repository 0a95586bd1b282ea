/* One run of a benchmark cell, in this process: the same VM, loader,
 * policy and dispatcher as `hvmm run`, with COM1 captured in memory and
 * the run loop timed. */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "core/loader.h"
#include "core/vm.h"
#include "guests/bench/param.h"
#include "policy/cli/bench.h"
#include "policy/cli/options.h"
#include "policy/dispatch.h"

#define BENCH_RAM (128ull << 20)
#define BENCH_SERIAL_MAX 4096   /* a report is a few lines */

int bench_image_load(struct bench_image *img, const char *dir, const char *name,
                     uint64_t iters, char *err, size_t errlen)
{
	struct vm *vm = calloc(1, sizeof(*vm));
	const size_t at = BENCH_PARAM_OFFSET;
	int r;

	memset(img, 0, sizeof(*img));
	snprintf(img->path, sizeof(img->path), "%s/bench_%s.bin", dir, name);
	if (!vm)
		return -ENOMEM;
	/* load_file words its errors into a VM's err; nothing else is used. */
	r = load_file(vm, img->path, &img->data, &img->size);
	if (r)
		snprintf(err, errlen, "%s (build the guests: make)", vm->err);
	free(vm);
	if (r)
		return r;
	if (img->size < at + 16 || memcmp(img->data + at, BENCH_MAGIC, 8)) {
		snprintf(err, errlen, "%s: no benchmark parameter block at offset 0x%zx",
		         img->path, at);
		bench_image_free(img);
		return -EINVAL;
	}
	for (int i = 0; i < 8; i++)
		img->data[at + 8 + i] = (uint8_t)(iters >> (8 * i));
	return 0;
}

void bench_image_free(struct bench_image *img)
{
	free(img->data);
	img->data = NULL;
}

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* A VM with COM1 going to fd (-1: nowhere); the TSC rate is measured
 * once and then handed on, as it does not change. */
static struct vm *bench_vm(int fd, uint64_t *tsc_khz, char *why, size_t whylen)
{
	struct vm *vm = calloc(1, sizeof(*vm));
	struct vm_config cfg = {
		.ram_size = BENCH_RAM,
		.serial_out_fd = fd,
		.serial_in_fd = -1,
		.verbosity = LOG_ERROR,
		.tsc_khz = *tsc_khz,
	};
	if (!vm) {
		snprintf(why, whylen, "out of memory");
		return NULL;
	}
	if (vm_init(vm, &cfg)) {
		snprintf(why, whylen, "%s", vm->err);
		free(vm);
		return NULL;
	}
	*tsc_khz = vm->clock.tsc_khz;
	return vm;
}

static void bench_vm_free(struct vm *vm)
{
	vm_destroy(vm);
	free(vm);
}

int bench_host_check(const char *spec, uint64_t *tsc_khz, char *why, size_t whylen)
{
	struct policy pol;
	struct dispatcher d;
	int r = policy_from_spec(&pol, spec, why, whylen);
	if (r)
		return r;
	struct vm *vm = bench_vm(-1, tsc_khz, why, whylen);
	if (!vm) {
		policy_free(&pol);
		return -ENOMEM;
	}
	r = dispatch_init(&d, vm, &pol);
	if (r)
		snprintf(why, whylen, "%s", vm->err);
	else
		dispatch_fini(&d);
	bench_vm_free(vm);
	policy_free(&pol);
	return r;
}

/* The report's work line and end: "bench NAME: work N UNITS", then
 * "bench: done". */
static int parse_report(const char *out, const char *workload, uint64_t *work,
                        char *units, size_t unitslen, char *why, size_t whylen)
{
	char key[64], u[32];
	const char *fail_line = strstr(out, "bench: FAIL");
	snprintf(key, sizeof(key), "bench %s: work ", workload);
	const char *p = strstr(out, key);
	if (fail_line || !p || !strstr(out, "\nbench: done\n") ||
	    sscanf(p + strlen(key), "%" SCNu64 " %31s", work, u) != 2) {
		snprintf(why, whylen, "the guest's report is %s: '%.120s'",
		         fail_line ? "a failure" : "incomplete", fail_line ? fail_line : out);
		return -EPROTO;
	}
	snprintf(units, unitslen, "%s", u);
	return 0;
}

static int run_vm(struct vm *vm, struct policy *pol, struct bench_sample *out,
                  char *why, size_t whylen)
{
	struct dispatcher d;
	int r = dispatch_init(&d, vm, pol);
	if (r) {
		snprintf(why, whylen, "%s", vm->err);
		return r;
	}
	double t0 = now_s();
	r = dispatch_loop(&d);
	out->wall_s = now_s() - t0;
	dispatch_fini(&d);
	if (r || vm->stop != VM_STOP_DEBUG_EXIT || vm->exit_status != 1) {
		snprintf(why, whylen, "the guest stopped with %s, exit status %d%s%s",
		         vm_stop_name(vm->stop), vm->exit_status, vm->err[0] ? ": " : "", vm->err);
		return r ? r : -EPROTO;
	}
	out->stats = vm->stats;
	return 0;
}

int bench_run_once(const struct bench_image *img, const char *workload, const char *spec,
                   uint64_t *tsc_khz, struct bench_sample *out, char *units, size_t unitslen,
                   char *why, size_t whylen)
{
	struct policy pol;
	char serial[BENCH_SERIAL_MAX + 1];
	int fd = memfd_create("hvmm-bench-com1", MFD_CLOEXEC), r;
	if (fd < 0) {
		snprintf(why, whylen, "memfd_create: %s", strerror(errno));
		return -errno;
	}
	r = policy_from_spec(&pol, spec, why, whylen);
	if (r) {
		close(fd);
		return r;
	}
	struct vm *vm = bench_vm(fd, tsc_khz, why, whylen);
	if (vm) {
		r = load_flat(vm, img->path, img->data, img->size, DEFAULT_FLAT_ADDR);
		if (r)
			snprintf(why, whylen, "%s", vm->err);
		else
			r = run_vm(vm, &pol, out, why, whylen);
		bench_vm_free(vm);
	} else {
		r = -ENOMEM;
	}
	if (!r) {
		ssize_t n = pread(fd, serial, BENCH_SERIAL_MAX, 0);
		serial[n > 0 ? n : 0] = '\0';
		r = parse_report(serial, workload, &out->work, units, unitslen, why, whylen);
	}
	policy_free(&pol);
	close(fd);
	return r;
}
