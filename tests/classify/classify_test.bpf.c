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
 * and classify_trace, which classifies the first n keys of ct_keys into
 * ct_results in one run (struct ct_trace_in at CT_KEY_OFF says which walk):
 * many distinct keys, so caches behave as under real traffic.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "fwctl_common.h"
#include "fwctl_conntrack.h"
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

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, CT_TRACE_MAX);
	__type(key, __u32);
	__type(value, struct fwctl_key);
} ct_keys SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, CT_TRACE_MAX);
	__type(key, __u32);
	__type(value, struct ct_out);
} ct_results SEC(".maps");

/* The key the test frame carries at CT_KEY_OFF (16 words). */
static __always_inline void read_key(void *data, struct fwctl_key *key)
{
	int i;

#pragma unroll
	for (i = 0; i < 16; i++)
		key->w[i] = *(__u32 *)(data + CT_KEY_OFF + 4 * i);
}

/* A walk's answer, into the frame's struct ct_out. */
static __always_inline void put_result(struct ct_out *out, __u32 status,
				       const struct fwctl_match *m)
{
	out->status = status;
	out->rule_id = m->rule_id;
	out->action = m->action;
	out->prio = m->prio;
	out->policy = m->policy;
}

static __always_inline int run(struct xdp_md *ctx, void *gen, bool walk)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct fwctl_match m = {};
	struct fwctl_key key;
	struct ct_out *out;
	__u32 status = FWCTL_CLASSIFY_NO_TABLE;

	if (data + CT_FRAME_LEN > data_end)
		return XDP_ABORTED;
	read_key(data, &key);
	if (walk && gen)
		status = fwctl_classify(gen, &key, &m);
	out = data + CT_OUT_OFF;
	put_result(out, status, &m);
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

/*
 * What the datapath's plain fast path does (bpf/fwctl.bpf.c,
 * classify_banked()): fwctl_classify_inline(), the small walk for a banked
 * set without stateful rules, then the full walk when it declines.
 * ct_out.small: 1 if the small walk answered.
 */
SEC("xdp")
int classify_small(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	void *gen = fwctl_current_generation();
	struct fwctl_match m = {};
	struct fwctl_key key;
	struct ct_out *out;
	int status;

	if (data + CT_FRAME_LEN > data_end)
		return XDP_ABORTED;
	read_key(data, &key);
	out = data + CT_OUT_OFF;
	out->small = 0;
	if (!gen) {
		status = FWCTL_CLASSIFY_NO_TABLE;
	} else {
		status = fwctl_classify_inline(gen, &key, &m);
		out->small = status != FWCTL_CLASSIFY_OTHER;
		if (status == FWCTL_CLASSIFY_OTHER)
			status = fwctl_classify(gen, &key, &m);
	}
	put_result(out, status, &m);
	return XDP_PASS;
}

static __always_inline void trace_key(__u32 i, void *gen, bool walk)
{
	__u32 status = FWCTL_CLASSIFY_NO_TABLE;
	struct fwctl_match m = {};
	struct fwctl_key *k;
	struct ct_out *o;

	k = bpf_map_lookup_elem(&ct_keys, &i);
	o = bpf_map_lookup_elem(&ct_results, &i);
	if (!k || !o)
		return;
	if (walk && gen)
		status = fwctl_classify(gen, k, &m);
	o->status = status;
	o->rule_id = m.rule_id;
	o->action = m.action;
	o->prio = m.prio;
	o->policy = m.policy;
}

static long trace_current(__u32 i, void *unused __attribute__((unused)))
{
	trace_key(i, fwctl_current_generation(), true);
	return 0;
}

static long trace_fixed(__u32 i, void *unused __attribute__((unused)))
{
	__u32 zero = 0;

	trace_key(i, bpf_map_lookup_elem(&ct_fixed_tables, &zero), true);
	return 0;
}

static long trace_none(__u32 i, void *unused __attribute__((unused)))
{
	trace_key(i, fwctl_current_generation(), false);
	return 0;
}

SEC("xdp")
int classify_trace(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ct_trace_in *in = data + CT_KEY_OFF;
	__u32 n;

	if ((void *)(in + 1) > data_end)
		return XDP_ABORTED;
	n = in->n < CT_TRACE_MAX ? in->n : CT_TRACE_MAX;
	switch (in->walk) {
	case CT_WALK_CURRENT:
		bpf_loop(n, trace_current, NULL, 0);
		break;
	case CT_WALK_FIXED:
		bpf_loop(n, trace_fixed, NULL, 0);
		break;
	default:
		bpf_loop(n, trace_none, NULL, 0);
		break;
	}
	return XDP_PASS;
}
