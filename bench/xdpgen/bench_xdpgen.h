/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench_xdpgen.h - shared by the traffic generator / counter BPF programs
 * and build/bench/xdpgen: the benchmark frames and the counter slots.
 */
#ifndef BENCH_XDPGEN_H
#define BENCH_XDPGEN_H

/* UDP destination port of the benchmark's allowed frames (discard). */
#define BENCH_UDP_PORT		9
/* TCP destination port of the blocked flood (dropped by the reference rules). */
#define BENCH_BLOCKED_PORT	1234

/* Slots of the per-CPU counter array bench_counts. */
enum bench_slot {
	BENCH_SLOT_UDP = 0,	/* UDP to BENCH_UDP_PORT */
	BENCH_SLOT_BLOCKED,	/* TCP to BENCH_BLOCKED_PORT (leaked through) */
	BENCH_SLOT_COUNT,
};

#endif
