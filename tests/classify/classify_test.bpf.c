// SPDX-License-Identifier: GPL-2.0
/*
 * classify_test.bpf.c - test-only XDP programs around bpf/classify.h: each
 * reads a struct fwctl_key at CT_KEY_OFF, classifies it, writes a struct
 * ct_out at CT_OUT_OFF and returns XDP_PASS (XDP_ABORTED for a frame too
 * short). Run with BPF_PROG_TEST_RUN only.
 *   classify_current  the pinned fwctl_tables, as the datapath will use it
 *   classify_fixed    the same walk over ct_fixed_tables, whose generations
 *                     have a fixed size, so the verifier inlines lookups
 *   classify_none     everything but the walk: the test-run overhead
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "fwctl_common.h"
#include "maps.h"
#include "classify.h"
#include "classify_test.h"

char LICENSE[] SEC("license") = "GPL";

struct ct_fixed_generation {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, CT_FIXED_CELLS);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(struct fwctl_cell));
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct ct_fixed_generation);
} ct_fixed_tables SEC(".maps");

static __always_inline int run(struct xdp_md *ctx, void *gen, bool walk)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct fwctl_match m = {};
	struct fwctl_key key;
	struct ct_out *out;
	__u32 status = FWCTL_CLASSIFY_NO_TABLE;
	int i;

	if (data + CT_FRAME_LEN > data_end)
		return XDP_ABORTED;
#pragma unroll
	for (i = 0; i < 16; i++)
		key.w[i] = *(__u32 *)(data + CT_KEY_OFF + 4 * i);
	if (walk && gen)
		status = fwctl_classify(gen, &key, &m);
	out = data + CT_OUT_OFF;
	out->status = status;
	out->rule_id = m.rule_id;
	out->action = m.action;
	out->prio = m.prio;
	out->policy = m.policy;
	return XDP_PASS;
}

SEC("xdp")
int classify_current(struct xdp_md *ctx)
{
	return run(ctx, fwctl_current_generation(), true);
}

SEC("xdp")
int classify_fixed(struct xdp_md *ctx)
{
	__u32 zero = 0;

	return run(ctx, bpf_map_lookup_elem(&ct_fixed_tables, &zero), true);
}

SEC("xdp")
int classify_none(struct xdp_md *ctx)
{
	return run(ctx, fwctl_current_generation(), false);
}
