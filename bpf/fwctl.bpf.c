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
 * The rule a packet counts on: destination port, else source port (the
 * lookup table already holds the narrowest range per port), else the
 * protocol-wide rule. Ports are only looked at for TCP and UDP; a non-first
 * fragment has none and can only match a protocol-wide rule.
 */
static __always_inline __u32 match_rule(__u64 info)
{
	__u8 proto = PKT_PROTO(info);
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
	return lookup_rule(FWCTL_LOOKUP_PROTO_BASE + proto);
}

/* Drop reason of a frame no rule allows, by what it is. */
static __always_inline __u32 unmatched_reason(__u8 kind)
{
	switch (kind) {
	case PKT_MALFORMED:
		return FWCTL_DROP_MALFORMED;
	case PKT_FRAGMENT:
		return FWCTL_DROP_FRAGMENT;
	case PKT_OTHER_ETHERTYPE:
		return FWCTL_DROP_UNKNOWN_ETHERTYPE;
	default:
		return FWCTL_DROP_POLICY;
	}
}

SEC("xdp")
int fwctl_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u64 len = data_end - data;
	struct fwctl_config *cfg;
	struct fwctl_dir_stats *st;
	__u32 key = 0, dir, rule_id = FWCTL_NO_RULE, reason;
	__u64 info;
	__u8 kind;

	/* 1. Parse (no map access: the hot path stays in registers). */
	info = parse_frame(data, data_end);
	kind = PKT_KIND(info);

	/* 2. Rules, for IP packets that passed every header check. */
	if (kind == PKT_L4 || kind == PKT_FRAGMENT) {
		rule_id = match_rule(info);
		if (rule_id != FWCTL_NO_RULE) {
			struct fwctl_rule_stats *rs;

			rs = bpf_map_lookup_elem(&FWCTL_MAP_RULE_STATS, &rule_id);
			if (rs) {
				rs->packets++;
				rs->bytes += len;
			}
		}
	}

	/* 3. Direction and its counters. */
	if (instance_dir < FWCTL_DIR_COUNT) {
		dir = instance_dir;
	} else {
		cfg = bpf_map_lookup_elem(&FWCTL_MAP_CONFIG, &key);
		if (!cfg)
			return XDP_DROP;	/* cannot happen: array of one */
		dir = fwctl_dir_of(cfg, ctx->ingress_ifindex);
	}
	st = bpf_map_lookup_elem(&FWCTL_MAP_DIR_STATS, &dir);
	if (!st)
		return XDP_DROP;	/* cannot happen: dir < FWCTL_DIR_COUNT */
	st->rx_packets++;
	st->rx_bytes += len;

	/* 4. Verdict: ARP/ND and matched packets pass; malformed never does;
	 * the rest goes by the policy, read only for them. */
	reason = unmatched_reason(kind);
	if (kind != PKT_ARP_ND && rule_id == FWCTL_NO_RULE) {
		if (kind == PKT_MALFORMED)
			goto drop;
		cfg = bpf_map_lookup_elem(&FWCTL_MAP_CONFIG, &key);
		if (!cfg || cfg->policy != FWCTL_POLICY_ACCEPT)
			goto drop;
	}

	/* The low bits of flags are the action when the entry is missing. */
	if (bpf_redirect_map(&FWCTL_MAP_DEVMAP, ctx->ingress_ifindex, XDP_ABORTED) != XDP_REDIRECT) {
		reason = FWCTL_DROP_REDIRECT_ERROR;
		goto drop;
	}
	st->fwd_packets++;
	st->fwd_bytes += len;
	if (kind == PKT_ARP_ND)
		st->arp_nd_packets++;
	return XDP_REDIRECT;

drop:
	st->drop_packets[reason]++;
	return XDP_DROP;
}
