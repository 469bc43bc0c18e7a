// SPDX-License-Identifier: GPL-2.0
/*
 * fwctl.bpf.c - the XDP datapath: a transparent filter between two
 * interfaces. Each frame is parsed, checked against the rule lookup table
 * and either redirected unchanged to the peer interface or dropped, and
 * every frame is counted once, under its verdict: forwarded, or dropped by
 * reason (received is their sum).
 *
 * Read top to bottom against the numbered spec in README.md ("Datapath").
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "fwctl_common.h"
#include "maps.h"
#include "parse.h"

char LICENSE[] SEC("license") = "GPL";

/*
 * Direction of every frame this instance sees, set by the loader before
 * load: each interface gets its own instance, so the direction is known at
 * load time and the hot path needs no config lookup for it.
 * FWCTL_DIR_COUNT (the default, as in tests that run one instance for both
 * interfaces) means: compare the ingress ifindex with the config instead.
 */
const volatile __u32 instance_dir = FWCTL_DIR_COUNT;

static __always_inline __u32 lookup_rule(__u32 index)
{
	__u32 *id = bpf_map_lookup_elem(&FWCTL_MAP_LOOKUP, &index);

	return id ? *id : FWCTL_NO_RULE;
}

/*
 * Does a protocol-wide rule of proto apply to a packet of family? icmp (1)
 * is ICMP for IPv4 only and icmpv6 (58) for IPv6 only, as users mean them;
 * every other protocol applies to both. An unknown protocol (an IPv6
 * non-first fragment) matches no protocol rule.
 */
static __always_inline bool proto_rule_applies(__u16 proto, __u8 family)
{
	if (proto == IPPROTO_ICMP)
		return family == FWCTL_FAMILY_V4;
	if (proto == IPPROTO_ICMPV6)
		return family == FWCTL_FAMILY_V6;
	return proto != FWCTL_PROTO_UNKNOWN;
}

/*
 * The rule a packet counts on: destination port, else source port (the
 * lookup table already holds the narrowest range per port), else the
 * protocol-wide rule. Ports are only looked at for TCP and UDP; a non-first
 * fragment has none and can only match a protocol-wide rule.
 */
static __always_inline __u32 match_rule(__u64 info)
{
	__u16 proto = PKT_PROTO(info);
	__u32 base, id;

	if (PKT_KIND(info) == PKT_L4 && (proto == IPPROTO_TCP || proto == IPPROTO_UDP)) {
		base = proto == IPPROTO_TCP ? FWCTL_LOOKUP_TCP_BASE : FWCTL_LOOKUP_UDP_BASE;
		id = lookup_rule(base + PKT_DPORT(info));
		if (id != FWCTL_NO_RULE)
			return id;
		id = lookup_rule(base + PKT_SPORT(info));
		if (id != FWCTL_NO_RULE)
			return id;
	}
	if (!proto_rule_applies(proto, PKT_FAMILY(info)))
		return FWCTL_NO_RULE;
	return lookup_rule(FWCTL_LOOKUP_PROTO_BASE + proto);
}

/* This instance's direction counters (per CPU). */
static __always_inline struct fwctl_dir_stats *dir_stats(struct xdp_md *ctx)
{
	struct fwctl_config *cfg;
	__u32 key = 0, dir = instance_dir;

	if (dir >= FWCTL_DIR_COUNT) {
		cfg = bpf_map_lookup_elem(&FWCTL_MAP_CONFIG, &key);
		if (!cfg)
			return NULL;	/* cannot happen: array of one */
		dir = fwctl_dir_of(cfg, ctx->ingress_ifindex);
	}
	return bpf_map_lookup_elem(&FWCTL_MAP_DIR_STATS, &dir);
}

static __always_inline int count_drop(struct fwctl_dir_stats *st, __u32 reason, __u32 len)
{
	if (reason < FWCTL_DROP_REASON_COUNT) {
		st->drop_packets[reason]++;
		st->drop_bytes[reason] += len;
	}
	return XDP_DROP;
}

/* Redirect to the peer interface; counted as forwarded, or as a redirect error. */
static __always_inline int forward(struct xdp_md *ctx, struct fwctl_dir_stats *st, __u32 len)
{
	/* The low bits of flags are the action when the devmap entry is missing. */
	if (bpf_redirect_map(&FWCTL_MAP_DEVMAP, ctx->ingress_ifindex, XDP_ABORTED) != XDP_REDIRECT)
		return count_drop(st, FWCTL_DROP_REDIRECT_ERROR, len);
	st->fwd_packets++;
	st->fwd_bytes += len;
	return XDP_REDIRECT;
}

/*
 * The hot path: a packet a rule allows goes to the peer, and counts on the
 * rule only if it went: a redirect error is not the rule's doing.
 */
static __always_inline int forward_matched(struct xdp_md *ctx, __u32 rule_id, __u32 len)
{
	struct fwctl_rule_stats *rs;
	struct fwctl_dir_stats *st;
	int verdict;

	st = dir_stats(ctx);
	if (!st)
		return XDP_DROP;	/* cannot happen: dir < FWCTL_DIR_COUNT */
	verdict = forward(ctx, st, len);
	if (verdict != XDP_REDIRECT)
		return verdict;
	rs = bpf_map_lookup_elem(&FWCTL_MAP_RULE_STATS, &rule_id);
	if (rs) {
		rs->packets++;
		rs->bytes += len;
	}
	return verdict;
}

/*
 * Every frame no rule matched: valid ARP/ND passes, malformed never does,
 * the rest goes by the policy. Out of line, to keep the hot path's registers.
 */
static __noinline int verdict_unmatched(struct xdp_md *ctx, __u8 kind, __u32 len)
{
	struct fwctl_dir_stats *st = dir_stats(ctx);
	struct fwctl_config *cfg;
	__u32 key = 0;
	int verdict;

	if (!st)
		return XDP_DROP;	/* cannot happen */
	switch (kind) {
	case PKT_ARP_ND:
		break;
	case PKT_MALFORMED:
		return count_drop(st, FWCTL_DROP_MALFORMED, len);
	default:
		cfg = bpf_map_lookup_elem(&FWCTL_MAP_CONFIG, &key);
		if (cfg && cfg->policy == FWCTL_POLICY_ACCEPT)
			break;
		return count_drop(st, kind == PKT_FRAGMENT ? FWCTL_DROP_FRAGMENT :
				      kind == PKT_OTHER_ETHERTYPE ? FWCTL_DROP_UNKNOWN_ETHERTYPE :
				      FWCTL_DROP_POLICY, len);
	}
	verdict = forward(ctx, st, len);
	if (verdict == XDP_REDIRECT && kind == PKT_ARP_ND)
		st->arp_nd_packets++;
	return verdict;
}

SEC("xdp")
int fwctl_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 len = data_end - data, rule_id;
	__u64 info;
	__u8 kind;

	/* 1. The common case: TCP or UDP with plain headers, straight to its rule. */
	info = parse_fast(data, data_end);
	if (info != PKT_SLOW_PATH) {
		rule_id = match_rule(info);
		if (rule_id != FWCTL_NO_RULE)
			return forward_matched(ctx, rule_id, len);
		return verdict_unmatched(ctx, PKT_L4, len);
	}

	/* 2. Every other frame: the full header walk, then the rules for IP
	 * packets that passed every header check. */
	info = parse_frame(data, data_end);
	kind = PKT_KIND(info);
	if (kind == PKT_L4 || kind == PKT_FRAGMENT) {
		rule_id = match_rule(info);
		if (rule_id != FWCTL_NO_RULE)
			return forward_matched(ctx, rule_id, len);
	}
	return verdict_unmatched(ctx, kind, len);
}
