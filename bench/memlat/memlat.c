// SPDX-License-Identifier: GPL-2.0
/*
 * memlat - how long one load takes on this machine when it must wait for
 * the load before it (a pointer chase), for working sets of growing size.
 *
 * A classifier of 100,000 rules reads a few cache lines per packet that no
 * cache of this size holds (its boxes alone are over 6 MiB), and each one
 * waits on the line before it: the tree's next node, then the leaf's run,
 * then the rule's counter. So the floor under its cost is this latency
 * times those lines, whatever the code around them. bench/classbench.sh
 * prints it next to the ClassBench figures.
 *
 *   memlat [-c CPU] [-r ROUNDS] [MIB...]   (default 1 4 16 64)
 *
 * One line per size: "MIB NS MIN MAX", the median and range over the rounds
 * of the mean nanoseconds per load. The lines are visited in one random
 * cycle (Sattolo's shuffle), so neither the prefetchers nor a short cycle
 * can hide the misses; pages are the kernel's default for the memory (the
 * BPF array maps fwctl walks are vmalloc'd in 4 KiB pages as well).
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../lib/bench_lib.h"

#define LINE		64
#define LOADS		(8u << 20)	/* per round: long enough to dwarf the clock */
#define MAX_ROUNDS	51

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* xorshift64*: the shuffle needs spread, not quality. */
static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

/* Link the n lines of buf into one random cycle: each line's first word
 * points to the next line to visit. */
static int make_cycle(char *buf, size_t n)
{
	size_t *order = malloc(n * sizeof(*order));
	uint64_t seed = 0x9e3779b97f4a7c15ull;

	if (!order)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	for (size_t i = n - 1; i > 0; i--) {	/* Sattolo: a single cycle */
		size_t j = next_rand(&seed) % i, t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	for (size_t i = 0; i < n; i++)
		*(char **)(buf + order[i] * LINE) = buf + order[(i + 1) % n] * LINE;
	free(order);
	return 0;
}

/* Median, min and max ns per dependent load over rounds chases of a
 * working set of mib MiB. */
static int measure(unsigned int mib, int rounds, double out[3])
{
	size_t n = ((size_t)mib << 20) / LINE;
	double ns[MAX_ROUNDS];
	char *buf, *p;
	int err;

	buf = aligned_alloc(4096, n * LINE);
	if (!buf)
		return -ENOMEM;
	memset(buf, 0, n * LINE);	/* fault every page in before timing */
	err = make_cycle(buf, n);
	if (err) {
		free(buf);
		return err;
	}
	p = buf;
	for (size_t i = 0; i < n; i++)	/* one lap to warm what can be warmed */
		p = *(char **)p;
	for (int r = 0; r < rounds; r++) {
		double t0 = now_ns();

		for (unsigned int i = 0; i < LOADS; i++)
			p = *(char **)p;
		ns[r] = (now_ns() - t0) / LOADS;
	}
	/* Keep the chase: its result must look used. */
	if (p == NULL)
		fprintf(stderr, "memlat: the cycle broke\n");
	free(buf);
	out[0] = bench_median(ns, rounds, &out[1], &out[2]);
	return 0;
}

static void usage(FILE *f, const char *prog)
{
	fprintf(f,
		"usage: %s [-c CPU] [-r ROUNDS] [MIB...]\n"
		"  -c, --cpu N      pin to CPU N (default: the last online CPU; -1: no pinning)\n"
		"  -r, --rounds N   rounds per size (default 5; max %d)\n"
		"MIB: working-set sizes in MiB, 1 to 4096 (default 1 4 16 64).\n"
		"Prints \"MIB NS MIN MAX\" per size: ns per dependent load, median [min max].\n",
		prog, MAX_ROUNDS);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cpu", required_argument, NULL, 'c' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	static const unsigned int def_sizes[] = { 1, 4, 16, 64 };
	unsigned int sizes[64];
	int rounds = 5, cpu = -2, n = 0, c;
	char *end;
	long v;

	while ((c = getopt_long(argc, argv, "c:r:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			v = strtol(optarg, &end, 10);
			if (*end || v < -1 || v > 4095) {
				fprintf(stderr, "memlat: bad CPU '%s'\n", optarg);
				return 2;
			}
			cpu = (int)v;
			break;
		case 'r':
			v = strtol(optarg, &end, 10);
			if (*end || v < 1 || v > MAX_ROUNDS) {
				fprintf(stderr, "memlat: rounds must be 1 to %d, not '%s'\n",
					MAX_ROUNDS, optarg);
				return 2;
			}
			rounds = (int)v;
			break;
		case 'h':
			usage(stdout, argv[0]);
			return 0;
		default:
			usage(stderr, argv[0]);
			return 2;
		}
	}
	if (argc - optind > (int)(sizeof(sizes) / sizeof(sizes[0]))) {
		fprintf(stderr, "memlat: at most %zu sizes\n", sizeof(sizes) / sizeof(sizes[0]));
		return 2;
	}
	for (int i = optind; i < argc; i++) {
		v = strtol(argv[i], &end, 10);
		if (*end || v < 1 || v > 4096) {
			fprintf(stderr, "memlat: a size must be 1 to 4096 MiB, not '%s'\n", argv[i]);
			return 2;
		}
		sizes[n++] = (unsigned int)v;
	}
	if (!n) {
		memcpy(sizes, def_sizes, sizeof(def_sizes));
		n = sizeof(def_sizes) / sizeof(def_sizes[0]);
	}
	if (bench_pin_cpu("memlat", cpu) < 0)
		return 1;
	for (int i = 0; i < n; i++) {
		double r[3];
		int err = measure(sizes[i], rounds, r);

		if (err) {
			fprintf(stderr, "memlat: %u MiB: %s\n", sizes[i], strerror(-err));
			return 1;
		}
		printf("%u %.1f %.1f %.1f\n", sizes[i], r[0], r[1], r[2]);
	}
	return 0;
}
