/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ref.h - an independent reference classifier for differential fuzzing.
 *
 * Written from the text of issue 2 ("Datapath semantics", "Rules",
 * "Counters") and issue 10 (items 2, 10, 12, 13) only, without looking at
 * bpf/: it must be a second reading of the spec, so it shares no parsing
 * code with the datapath and works on explicit byte offsets into a flat
 * buffer.
 */
#ifndef FUZZ_REF_H
#define FUZZ_REF_H

#include <stdint.h>
#include <stddef.h>

/* One rule as the reference sees it: a plain list, scanned linearly. */
struct ref_rule {
	uint32_t id;		/* rule id the loader gave it */
	uint8_t proto;
	uint8_t has_ports;
	uint16_t lo, hi;	/* inclusive, only when has_ports */
};

struct ref_ruleset {
	int n;
	struct ref_rule *r;		/* n rules, in any order */
	int accept;		/* default policy: 1 ACCEPT, 0 DROP */
	int have_peer;		/* the ingress interface has a devmap entry */
};

struct ref_verdict {
	int forward;		/* 1: XDP_REDIRECT to the peer, 0: XDP_DROP */
	int reason;		/* enum fwctl_drop_reason when dropped, else -1 */
	uint32_t rule;		/* rule the packet counts on, 0 = none */
	int arp_nd;		/* forwarded as ARP or ND */
};

/*
 * Coverage: every decision the reference takes, counted, so that a run can
 * show (and the test assert) that each line of the spec was exercised.
 * L4 points are counted per family: REF_COV_L4 + point + family * REF_L4_N.
 */
#define REF_COV_POINTS(X)						\
	X(eth_short) X(vlan_truncated) X(vlan_1) X(vlan_2) X(vlan_3_unknown)	\
	X(arp) X(arp_46_bytes) X(arp_short) X(arp_long) X(arp_bad_hw_type)	\
	X(arp_bad_proto_type) X(arp_bad_sizes) X(arp_bad_opcode)	\
	X(unknown_ethertype)						\
	X(v4_short) X(v4_version) X(v4_ihl_lt_5) X(v4_ihl_beyond_frame)	\
	X(v4_total_lt_ihl) X(v4_total_beyond_frame) X(v4_padding)		\
	X(v4_options) X(v4_nonfirst_fragment) X(v4_first_fragment)	\
	X(v6_short) X(v6_version) X(v6_payload_beyond_frame) X(v6_padding)	\
	X(v6_ext_0) X(v6_ext_43) X(v6_ext_60) X(v6_ext_51) X(v6_ext_44_first)	\
	X(v6_ext_8_walked) X(v6_ext_9th_malformed) X(v6_ext_beyond)	\
	X(v6_ext_beyond_payload_only) X(v6_ext_256_bytes_or_more)	\
	X(v6_nonfirst_fragment) X(v6_fragment_claims_ruled_proto)	\
	X(nd) X(nd_132_138_not_nd) X(nd_bad_code) X(nd_bad_hop_limit)	\
	X(nd_after_fragment_header) X(nd_not_nd_rule) X(nd_not_nd_policy)	\
	X(v4_icmpv6_rule_not_applied) X(v6_icmp_rule_not_applied)	\
	X(fragment_rule) X(fragment_policy_accept) X(fragment_policy_drop)	\
	X(no_peer) X(no_peer_rule_not_counted)
#define REF_L4_POINTS(X)						\
	X(l4_beyond) X(tcp_short) X(tcp_doff_lt_5) X(tcp_doff_beyond)	\
	X(udp_short) X(icmp_short) X(icmpv6_short) X(other_proto)	\
	X(rule_dport) X(rule_sport) X(rule_proto_wide) X(policy_accept)	\
	X(policy_drop) X(port_rule_narrower_won) X(l4_short_by_ip_length_only)	\
	X(l4_past_byte_512)
#define REF_X_ENUM(n) REF_COV_##n,
enum { REF_COV_POINTS(REF_X_ENUM) REF_COV_L4 };
#define REF_X_L4ENUM(n) REF_L4_##n,
enum { REF_L4_POINTS(REF_X_L4ENUM) REF_L4_N };
#define REF_COV_COUNT (REF_COV_L4 + 2 * REF_L4_N)
extern unsigned long ref_cov[REF_COV_COUNT];
/* Name of coverage point i ("v4_short", "v6:tcp_short"). */
void ref_cov_name(int i, char *buf, size_t len);

void ref_classify(const uint8_t *frame, size_t len, const struct ref_ruleset *rs,
		  struct ref_verdict *out);
/* "FORWARD rule 3", "DROP malformed", "FORWARD arp/nd" ... */
void ref_describe(const struct ref_verdict *v, char *buf, size_t len);

#endif
