// SPDX-License-Identifier: GPL-2.0
/* bench_lib.c - helpers the benchmark programs share (bench_lib.h). */
#include <errno.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "fwctl.h"
#include "fwctl.skel.h"
#include "bench_lib.h"

struct fwctl *bench_fwctl_load(const char *who, const __u32 ifx[2], __u32 bank_cells,
			       struct fwctl_maps *m)
{
	struct fwctl_config cfg;
	struct fwctl_err e = {};
	struct fwctl *skel = fwctl__open();
	struct bpf_map *map;
	int err;

	if (!skel) {
		fprintf(stderr, "%s: cannot open the fwctl skeleton: %s\n", who, strerror(errno));
		return NULL;
	}
	bpf_object__for_each_map(map, skel->obj)
		bpf_map__set_pin_path(map, NULL);	/* private maps */
	/* As fwctl attach loads the instance of the input interface, where
	 * the benchmarks' frames arrive. */
	skel->rodata->instance_dir = FWCTL_DIR_IN_TO_OUT;
	err = bank_cells ? table_banks_set_size(skel->obj, bank_cells) : 0;
	if (!err)	/* a region of rule counters per CPU, as attach makes them */
		err = rule_stats_set_size(skel->obj);
	if (!err)
		err = fwctl__load(skel);
	if (!err)
		err = maps_from_object(skel->obj, m);
	if (!err)
		err = config_read(m, &cfg);
	if (!err) {
		cfg.ifindex[FWCTL_DIR_IN_TO_OUT] = ifx[0];
		cfg.ifindex[FWCTL_DIR_OUT_TO_IN] = ifx[1];
		err = netns_cookie(&cfg.netns_cookie);	/* as attach does */
	}
	if (!err)
		err = config_write(m, &cfg);
	if (!err)
		err = devmap_link(m, ifx[0], ifx[1]);
	if (!err)
		err = ruleset_init(m, &e);
	if (err) {
		fprintf(stderr, "%s: cannot set up fwctl: %s\n", who, e.msg[0] ? e.msg : strerror(-err));
		fwctl__destroy(skel);
		return NULL;
	}
	return skel;
}

int bench_pin_cpu(const char *who, int cpu)
{
	cpu_set_t set;

	if (cpu == -1)
		return 0;
	if (cpu == -2) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		cpu = n > 0 ? n - 1 : 0;
	}
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		fprintf(stderr, "%s: cannot pin to CPU %d: %s\n", who, cpu, strerror(errno));
		return -errno;
	}
	return 0;
}

long long bench_rx_packets(const char *ifname)
{
	char line[512], *colon;
	long long n = -1;
	FILE *f = fopen("/proc/net/dev", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		colon = strchr(line, ':');
		if (!colon)
			continue;
		*colon = 0;
		if (!strcmp(line + strspn(line, " "), ifname)) {
			sscanf(colon + 1, "%*u %lld", &n);
			break;
		}
	}
	fclose(f);
	return n;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double bench_median(const double *v, int n, double *min, double *max)
{
	double s[BENCH_MAX_SAMPLES];

	if (n < 1 || n > BENCH_MAX_SAMPLES) {
		*min = *max = NAN;
		return NAN;
	}
	memcpy(s, v, sizeof(*v) * n);
	qsort(s, n, sizeof(*s), cmp_double);
	*min = s[0];
	*max = s[n - 1];
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}
