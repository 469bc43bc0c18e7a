// SPDX-License-Identifier: GPL-2.0
/*
 * trace_dp.bpf.c - a test datapath for `fwctl trace` and `fwctl check`: the
 * real parser (parse.h), counters and redirect as bpf/fwctl.bpf.c has them,
 * and verdict_observe() (trace.h) at every verdict, as the datapath will
 * call it. Only the classifier is a stand-in, so that a test can ask for
 * any verdict, reason and rule by the TCP/UDP destination port:
 *   1001-1999  allowed by rule (port - 1000)
 *   2001-2999  dropped by rule (port - 2000), reason "rule"
 *   any other  the policy (fwctl_config), like a frame no rule matches
 * Non-L4 frames go as the datapath sends them: ARP/ND forwarded, malformed
 * dropped, fragments and unknown ethertypes by the policy.
 *
 * The datapath is compiled twice (a constant parameter): the copy that
 * runs while nothing is traced or checked has no trace code at all, and
 * the entry picks it with one load and a branch (observe_any()).
 *
 * trace_dp_notrace.bpf.c is the same program without the entry's test, for
 * the cost of tracing when it is off.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "fwctl_common.h"
#include "maps.h"
#include "parse.h"
#include "trace.h"

char LICENSE[] SEC("license") = "GPL";

const volatile __u32 instance_dir = FWCTL_DIR_COUNT;
/* The policy (the real datapath has it in its rule-set generation). */
__u32 tdp_policy = FWCTL_POLICY_DROP;

#define ALLOW_BASE	1000
#define DENY_BASE	2000
#define SCRIPT_RULES	999

#ifdef TRACE_DP_NO_TRACE
#define observe_any()	false
#endif

static __always_inline __u32 frame_dir(struct xdp_md *ctx)
{
	struct fwctl_config *cfg;
	__u32 key = 0;

	if (instance_dir < FWCTL_DIR_COUNT)
		return instance_dir;
	cfg = bpf_map_lookup_elem(&FWCTL_MAP_CONFIG, &key);
	return cfg ? fwctl_dir_of(cfg, ctx->ingress_ifindex) : FWCTL_DIR_IN_TO_OUT;
}

/*
 * Count, unless it is a check probe; return the action. obs: a constant,
 * true in the copy of the datapath that runs while a trace or check does.
 */
static __always_inline int finish(struct xdp_md *ctx, __u32 action, __u32 reason, __u32 rule_id,
				  __u32 proto, __u32 len, const bool obs)
{
	struct fwctl_dir_stats *st;
	struct fwctl_rule_stats *rs;
	__u32 dir;

	/* The direction is looked up by the trace code only when it runs. */
	if (obs && verdict_observe(ctx, FWCTL_DIR_COUNT, action, reason, rule_id, proto))
		return action;
	dir = frame_dir(ctx);
	st = bpf_map_lookup_elem(&FWCTL_MAP_DIR_STATS, &dir);
	if (!st)
		return action;
	if (action != XDP_REDIRECT) {
		if (reason < FWCTL_DROP_REASON_COUNT) {
			st->drop_packets[reason]++;
			st->drop_bytes[reason] += len;
		}
		return action;
	}
	if (reason < FWCTL_FWD_REASON_COUNT) {
		st->fwd_reason_packets[reason]++;
		st->fwd_reason_bytes[reason] += len;
	}
	if (rule_id != FWCTL_NO_RULE) {
		rs = fwctl_rule_counters(rule_id);
		if (rs) {
			rs->packets++;
			rs->bytes += len;
		}
	}
	return action;
}

/* Forward to the peer, or drop as a redirect error. */
static __always_inline int forward(struct xdp_md *ctx, __u32 reason, __u32 rule_id, __u32 proto,
				   __u32 len, const bool obs)
{
	if (bpf_redirect_map(&FWCTL_MAP_DEVMAP, ctx->ingress_ifindex, XDP_ABORTED) != XDP_REDIRECT)
		return finish(ctx, XDP_DROP, FWCTL_DROP_REDIRECT_ERROR, rule_id, proto, len, obs);
	return finish(ctx, XDP_REDIRECT, reason, rule_id, proto, len, obs);
}

/* No rule decided: the policy, for a frame of this kind. */
static __always_inline int by_policy(struct xdp_md *ctx, __u8 kind, __u32 proto, __u32 len,
				     const bool obs)
{
	if (kind == PKT_ARP_ND)
		return forward(ctx, FWCTL_FWD_ARP_ND, FWCTL_NO_RULE, proto, len, obs);
	if (kind == PKT_MALFORMED)
		return finish(ctx, XDP_DROP, FWCTL_DROP_MALFORMED, FWCTL_NO_RULE, proto, len, obs);
	if (tdp_policy == FWCTL_POLICY_ACCEPT)
		return forward(ctx, FWCTL_FWD_POLICY, FWCTL_NO_RULE, proto, len, obs);
	return finish(ctx, XDP_DROP, kind == PKT_FRAGMENT ? FWCTL_DROP_FRAGMENT :
				     kind == PKT_OTHER_ETHERTYPE ? FWCTL_DROP_UNKNOWN_ETHERTYPE :
				     FWCTL_DROP_POLICY, FWCTL_NO_RULE, proto, len, obs);
}

/* Out of line, as the datapath keeps its unmatched frames (a copy per obs). */
static __noinline int by_policy_plain(struct xdp_md *ctx, __u8 kind, __u32 proto, __u32 len)
{
	return by_policy(ctx, kind, proto, len, false);
}

static __noinline int by_policy_observed(struct xdp_md *ctx, __u8 kind, __u32 proto, __u32 len)
{
	return by_policy(ctx, kind, proto, len, true);
}

static __always_inline int datapath(struct xdp_md *ctx, const bool obs)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 len = data_end - data, proto;
	struct pkt_meta meta;
	__u16 dport;
	__u64 info;
	__u8 kind;

	info = parse_fast(data, data_end);
	if (info == PKT_SLOW_PATH)
		info = parse_frame(data, data_end, &meta);
	kind = PKT_KIND(info);
	proto = kind == PKT_L4 || kind == PKT_FRAGMENT || (kind == PKT_ARP_ND && PKT_PROTO(info)) ?
		PKT_PROTO(info) : FWCTL_TRACE_PROTO_NONE;
	dport = PKT_DPORT(info);
	if (kind == PKT_L4 && (proto == IPPROTO_TCP || proto == IPPROTO_UDP)) {
		if (dport > ALLOW_BASE && dport <= ALLOW_BASE + SCRIPT_RULES)
			return forward(ctx, FWCTL_FWD_RULE, dport - ALLOW_BASE, proto, len, obs);
		if (dport > DENY_BASE && dport <= DENY_BASE + SCRIPT_RULES)
			return finish(ctx, XDP_DROP, FWCTL_DROP_RULE, dport - DENY_BASE, proto, len,
				      obs);
	}
	return obs ? by_policy_observed(ctx, kind, proto, len)
		   : by_policy_plain(ctx, kind, proto, len);
}

/* The datapath as it runs while a trace or a check does. */
static __noinline int datapath_observed(struct xdp_md *ctx)
{
	return datapath(ctx, true);
}

/*
 * The one test on the hot path: while nothing runs, the plain copy, whose
 * code is that of a datapath without tracing.
 */
SEC("xdp")
int fwctl_xdp(struct xdp_md *ctx)
{
	if (observe_any())
		return datapath_observed(ctx);
	return datapath(ctx, false);
}
