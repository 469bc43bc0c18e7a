/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ref.h - an independent reference classifier for differential fuzzing.
 *
 * Written from the text of issue 2 ("Datapath semantics", "Counters"),
 * issue 10 (items 2, 10, 12, 13) and issue 11 ("The rule language",
 * "Semantics" 1-8) only, without looking at bpf/ or loader/classifier.c:
 * it must be a second reading of the spec, so it shares no parsing code
 * with the datapath, works on explicit byte offsets into a flat buffer and
 * decides by a plain first-match scan of the rule list.
 */
#ifndef FUZZ_REF_H
#define FUZZ_REF_H

#include <stdint.h>
#include <stddef.h>

#define REF_LIST_MAX	8	/* elements of one ADDRS or PORTLIST */
#define REF_ANY		(-1)	/* proto: 'any'; in: every interface */

struct ref_prefix {
	uint8_t v6;		/* 0: IPv4 (addr[0..3]), 1: IPv6 */
	uint8_t len;		/* 0-32 or 0-128 */
	uint8_t addr[16];	/* network order, bits past len zero */
};

struct ref_range {
	uint16_t lo, hi;	/* inclusive */
};

/* One rule as the spec states it: every field it has must match. */
struct ref_rule {
	uint32_t id;		/* rule id the loader gave it */
	uint8_t deny;		/* 0 allow, 1 deny */
	int proto;		/* 0-255, or REF_ANY */
	int in;			/* enum fwctl_dir, or REF_ANY */
	uint8_t has_ports;	/* PORTS: source OR destination port in ports */
	struct ref_range ports;
	uint8_t n_src, n_dst, n_sport, n_dport;	/* 0: field absent */
	struct ref_prefix src[REF_LIST_MAX], dst[REF_LIST_MAX];
	struct ref_range sport[REF_LIST_MAX], dport[REF_LIST_MAX];
	uint8_t has_type, has_code, type, code;
	uint8_t stateful;	/* issue 12: matches only a packet that can start a flow */
};

struct ref_ruleset {
	int n;
	const struct ref_rule *r;	/* n rules, in list order */
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
 * miss_only_X: a rule that fails on field X alone (every other field it
 * has matches): the frame sat right on that field's edge.
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
	X(v6_nonfirst_fragment)						\
	X(nd) X(nd_132_138_not_nd) X(nd_bad_code) X(nd_bad_hop_limit)	\
	X(nd_after_fragment_header) X(nd_not_nd_rule) X(nd_not_nd_policy)	\
	X(v4_frag_rule_allow) X(v4_frag_rule_deny) X(v6_frag_rule_any)	\
	X(fragment_policy_accept) X(fragment_policy_drop)		\
	X(first_match_later_same_action) X(first_match_later_other_action)	\
	X(match_any) X(match_numeric_proto) X(match_in)			\
	X(match_src_v4) X(match_src_v6) X(match_dst_v4) X(match_dst_v6)	\
	X(match_list_not_first) X(match_ports_by_sport_only)		\
	X(match_ports_by_dport_only) X(match_sport) X(match_dport)	\
	X(match_type) X(match_type_code) X(match_vlan_addr)		\
	X(miss_only_proto) X(miss_only_icmp_family) X(miss_only_v6frag_proto)	\
	X(miss_only_in) X(miss_only_src) X(miss_only_src_family)	\
	X(miss_only_dst) X(miss_only_dst_family) X(miss_only_ports)	\
	X(miss_only_sport) X(miss_only_dport) X(miss_only_type)		\
	X(miss_only_code) X(miss_only_fragment)				\
	X(no_peer) X(no_peer_rule_not_counted) X(no_peer_deny_counted)
#define REF_L4_POINTS(X)						\
	X(l4_beyond) X(tcp_short) X(tcp_doff_lt_5) X(tcp_doff_beyond)	\
	X(udp_short) X(icmp_short) X(icmpv6_short) X(other_proto)	\
	X(rule_allow) X(rule_deny) X(policy_accept) X(policy_drop)	\
	X(l4_short_by_ip_length_only) X(l4_past_byte_512)
#define REF_X_ENUM(n) REF_COV_##n,
enum { REF_COV_POINTS(REF_X_ENUM) REF_COV_L4 };
#define REF_X_L4ENUM(n) REF_L4_##n,
enum { REF_L4_POINTS(REF_X_L4ENUM) REF_L4_N };
#define REF_COV_COUNT (REF_COV_L4 + 2 * REF_L4_N)
extern unsigned long ref_cov[REF_COV_COUNT];
/* Name of coverage point i ("v4_short", "v6:tcp_short"). */
void ref_cov_name(int i, char *buf, size_t len);

/* Classify frame[len] arriving on the interface of direction dir. */
void ref_classify(const uint8_t *frame, size_t len, int dir, const struct ref_ruleset *rs,
		  struct ref_verdict *out);
/* "FORWARD rule 3", "DROP malformed", "DROP rule 7", "FORWARD arp/nd" ... */
void ref_describe(const struct ref_verdict *v, char *buf, size_t len);

#endif
