/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench_lib.h - what the benchmark programs (bench/X/) share: fwctl
 * loaded privately, as fwctl attach would load the input side's instance,
 * CPU pinning, and an interface's receive counter. Linked into every
 * program under bench/ (Makefile: BENCH_LIB_OBJS).
 */
#ifndef FWCTL_BENCH_LIB_H
#define FWCTL_BENCH_LIB_H

#include <linux/types.h>

struct fwctl;
struct fwctl_maps;

/*
 * fwctl's program on private maps (nothing pinned), as the instance of the
 * input interface ifx[0], forwarding to ifx[1] and back; policy drop, no
 * rules. bank_cells: the banks' size (fwctl attach --bank-cells), 0 for the
 * default. NULL on failure, after a line on stderr prefixed with who.
 */
struct fwctl *bench_fwctl_load(const char *who, const __u32 ifx[2], __u32 bank_cells,
			       struct fwctl_maps *m);

/* Pin this thread to cpu (-1: leave it, -2: the last online CPU); 0 or < 0. */
int bench_pin_cpu(const char *who, int cpu);

/* Packets the interface ifname has received so far (this netns's
 * /proc/net/dev); -1 if it cannot be read. */
long long bench_rx_packets(const char *ifname);

/* The most samples bench_median() takes (the programs' run and round limits). */
#define BENCH_MAX_SAMPLES	101

/*
 * Median of v[n] (the mean of the middle two when n is even), and its min
 * and max; v is left unsorted. NaN (printed as such) when n is not 1 to
 * BENCH_MAX_SAMPLES.
 */
double bench_median(const double *v, int n, double *min, double *max);

#endif /* FWCTL_BENCH_LIB_H */
