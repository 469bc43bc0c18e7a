// SPDX-License-Identifier: GPL-2.0
/*
 * fwctl.bpf.c - the XDP datapath: a transparent filter between two
 * interfaces. Each frame is parsed, checked against the rule lookup table
 * and either redirected unchanged to the peer interface or dropped, and
 * every frame is counted: received = forwarded + dropped (by reason).
 *
 * Read top to bottom against the numbered spec in README.md ("Datapath").
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "fwctl_common.h"
#include "maps.h"
#include "parse.h"

char LICENSE[] SEC("license") = "GPL";

/* What classify() decided for one frame. */
struct verdict {
	__u32 rule_id;		/* rule the frame counts on, or FWCTL_NO_RULE */
	__u8 forward;		/* 1: redirect to the peer, 0: drop */
	__u8 drop_reason;	/* enum fwctl_drop_reason when !forward */
	__u8 arp_nd;		/* forwarded because it is ARP or ND */
};

static __always_inline __u32 lookup_rule(__u32 index)
{
	__u32 *id = bpf_map_lookup_elem(&FWCTL_MAP_LOOKUP, &index);

	return id ? *id : FWCTL_NO_RULE;
}

/*
 * The rule a packet counts on: destination port, else source port (the
 * lookup table already holds the narrowest range per port), else the
 * protocol-wide rule. Ports are only looked at for TCP and UDP.
 */
static __always_inline __u32 match_rule(__u8 proto, __u16 sport, __u16 dport)
{
	__u32 base, id;

	if (proto == IPPROTO_TCP || proto == IPPROTO_UDP) {
		base = proto == IPPROTO_TCP ? FWCTL_LOOKUP_TCP_BASE : FWCTL_LOOKUP_UDP_BASE;
		id = lookup_rule(base + dport);
		if (id != FWCTL_NO_RULE)
			return id;
		id = lookup_rule(base + sport);
		if (id != FWCTL_NO_RULE)
			return id;
	}
	return lookup_rule(FWCTL_LOOKUP_PROTO_BASE + proto);
}

/* No rule matched: the default policy decides, dropping under @reason. */
static __always_inline void apply_policy(struct verdict *v, __u32 policy, __u8 reason)
{
	v->forward = policy == FWCTL_POLICY_ACCEPT;
	v->drop_reason = reason;
}

/* Items 3 and 4 of the spec, after the L3 header has been parsed. */
static __always_inline void classify_ip(struct parse_ctx *p, bool is_ipv6,
					__u32 policy, struct verdict *v)
{
	__u16 sport, dport;
	__u8 icmp_type;

	if (p->non_first_frag) {
		/* No L4 header here: only a protocol-wide rule can match. */
		v->rule_id = lookup_rule(FWCTL_LOOKUP_PROTO_BASE + p->l4_proto);
		if (v->rule_id != FWCTL_NO_RULE)
			v->forward = 1;
		else
			apply_policy(v, policy, FWCTL_DROP_FRAGMENT);
		return;
	}

	if (parse_l4(p, &sport, &dport, &icmp_type) != PARSE_OK) {
		v->drop_reason = FWCTL_DROP_MALFORMED;
		return;
	}

	if (is_ipv6 && p->l4_proto == IPPROTO_ICMPV6 &&
	    icmp_type >= ICMPV6_ND_FIRST && icmp_type <= ICMPV6_ND_LAST) {
		v->forward = 1;		/* Neighbor Discovery, like ARP */
		v->arp_nd = 1;
		return;
	}

	v->rule_id = match_rule(p->l4_proto, sport, dport);
	if (v->rule_id != FWCTL_NO_RULE)
		v->forward = 1;
	else
		apply_policy(v, policy, FWCTL_DROP_POLICY);
}

static __always_inline void classify(struct parse_ctx *p, __u32 policy, struct verdict *v)
{
	__u16 ethertype;

	v->drop_reason = FWCTL_DROP_MALFORMED;
	if (parse_eth(p, &ethertype) != PARSE_OK)
		return;

	switch (ethertype) {
	case ETH_P_ARP:
		v->forward = 1;		/* both sides must resolve each other */
		v->arp_nd = 1;
		return;
	case ETH_P_IP:
		if (parse_ipv4(p) != PARSE_OK)
			return;
		classify_ip(p, false, policy, v);
		return;
	case ETH_P_IPV6:
		if (parse_ipv6(p) != PARSE_OK)
			return;
		classify_ip(p, true, policy, v);
		return;
	default:
		apply_policy(v, policy, FWCTL_DROP_UNKNOWN_ETHERTYPE);
		return;
	}
}

SEC("xdp")
int fwctl_xdp(struct xdp_md *ctx)
{
	struct parse_ctx p = {
		.data = (void *)(long)ctx->data,
		.data_end = (void *)(long)ctx->data_end,
	};
	struct verdict v = {};
	struct fwctl_config *cfg;
	struct fwctl_dir_stats *st;
	__u32 key = 0, dir;
	__u64 len;
	long act;

	cfg = bpf_map_lookup_elem(&FWCTL_MAP_CONFIG, &key);
	if (!cfg)
		return XDP_DROP;	/* cannot happen: array of one */
	dir = fwctl_dir_of(cfg, ctx->ingress_ifindex);
	st = bpf_map_lookup_elem(&FWCTL_MAP_DIR_STATS, &dir);
	if (!st)
		return XDP_DROP;	/* cannot happen: dir < FWCTL_DIR_COUNT */

	len = p.data_end - p.data;
	p.frame_len = len;
	st->rx_packets++;
	st->rx_bytes += len;

	classify(&p, cfg->policy, &v);

	if (v.rule_id != FWCTL_NO_RULE) {
		struct fwctl_rule_stats *rs;

		rs = bpf_map_lookup_elem(&FWCTL_MAP_RULE_STATS, &v.rule_id);
		if (rs) {
			rs->packets++;
			rs->bytes += len;
		}
	}

	if (!v.forward)
		goto drop;

	/* The low bits of flags are the action when the entry is missing. */
	act = bpf_redirect_map(&FWCTL_MAP_DEVMAP, ctx->ingress_ifindex, XDP_ABORTED);
	if (act != XDP_REDIRECT) {
		v.drop_reason = FWCTL_DROP_REDIRECT_ERROR;
		goto drop;
	}
	st->fwd_packets++;
	st->fwd_bytes += len;
	if (v.arp_nd)
		st->arp_nd_packets++;
	return XDP_REDIRECT;

drop:
	if (v.drop_reason < FWCTL_DROP_REASON_COUNT)
		st->drop_packets[v.drop_reason]++;
	return XDP_DROP;
}
