/* SPDX-License-Identifier: GPL-2.0 */
/*
 * check.h - `fwctl check` in the datapath: a frame sent through the attached
 * program by BPF_PROG_TEST_RUN with a struct fwctl_check_meta as its XDP
 * metadata is a probe. The program classifies it as any frame, then
 * reports its verdict, reason and rule into the metadata instead of
 * counting, tracing or creating a flow. Real frames have no metadata
 * (data_meta == data), or metadata another XDP program wrote, which lacks
 * the magic. trace.h looks for probes only while a check runs.
 */
#ifndef FWCTL_CHECK_H
#define FWCTL_CHECK_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "fwctl_common.h"
#include "fwctl_trace.h"

/* This run's probe metadata, or NULL for a real frame. */
static __always_inline struct fwctl_check_meta *check_meta(struct xdp_md *ctx)
{
	struct fwctl_check_meta *m = (void *)(long)ctx->data_meta;

	if ((void *)(m + 1) > (void *)(long)ctx->data || m->magic != FWCTL_CHECK_MAGIC)
		return NULL;
	return m;
}

/* Answer a probe: what the program decided, as a trace record would say it. */
static __always_inline void check_answer(struct fwctl_check_meta *m, struct xdp_md *ctx,
					 __u32 dir, __u32 action, __u32 reason, __u32 rule_id)
{
	m->rule_id = rule_id;
	m->seen_len = ctx->data_end - ctx->data;
	m->verdict = action == XDP_REDIRECT ? FWCTL_VERDICT_FORWARD : FWCTL_VERDICT_DROP;
	m->reason = reason;
	m->dir = dir;
	m->done = FWCTL_CHECK_DONE;
}

#endif /* FWCTL_CHECK_H */
