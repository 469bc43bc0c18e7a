// SPDX-License-Identifier: GPL-2.0
/*
 * ct_gen.bpf.c - one new flow per run for bench/ct. BPF_PROG_TEST_RUN runs
 * one frame `repeat` times; to measure flow setup, every run must be another
 * flow. This program writes flow number ctg_next (then increments it) into
 * the IPv4/TCP test frame: the low 16 bits of the source address and the
 * source port (or, with ctg_reverse, of the destination: the reply of that
 * flow), then tail-calls the program under test (ctg_target[0]), whose
 * verdict becomes the run's. ctg_gen_only does the same rewrite without the
 * call, so that its cost can be taken out. No checksum is fixed: fwctl
 * checks none, and setup is measured in program mode only.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} ctg_target SEC(".maps");

__u32 ctg_next;		/* the flow the next run carries */
__u32 ctg_reverse;	/* 1: rewrite the destination (the flow's replies) */

/* Offsets in an Ethernet + 20-byte IPv4 frame: low half of the source
 * and destination addresses, source and destination ports. */
#define OFF_SADDR_LO	28
#define OFF_DADDR_LO	32
#define OFF_SPORT	34
#define OFF_DPORT	36

static __always_inline void put16(__u8 *p, __u16 v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static __always_inline int rewrite(struct xdp_md *ctx)
{
	__u8 *p = (void *)(long)ctx->data;
	__u8 *end = (void *)(long)ctx->data_end;
	__u32 i = ctg_next++;
	__u16 host = 1 + i / 60000, port = 1024 + i % 60000;

	if ((void *)(p + OFF_DPORT + 2) > (void *)end)
		return -1;
	if (ctg_reverse) {
		put16(p + OFF_DADDR_LO, host);
		put16(p + OFF_DPORT, port);
	} else {
		put16(p + OFF_SADDR_LO, host);
		put16(p + OFF_SPORT, port);
	}
	return 0;
}

SEC("xdp")
int ctg_gen(struct xdp_md *ctx)
{
	if (rewrite(ctx))
		return XDP_ABORTED;
	bpf_tail_call(ctx, &ctg_target, 0);
	return XDP_ABORTED;	/* nothing in ctg_target[0] */
}

SEC("xdp")
int ctg_gen_only(struct xdp_md *ctx)
{
	return rewrite(ctx) ? XDP_ABORTED : XDP_DROP;
}
