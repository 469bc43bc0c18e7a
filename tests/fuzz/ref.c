// SPDX-License-Identifier: GPL-2.0
/*
 * ref.c - the reference classifier (see ref.h). Each numbered item of the
 * spec is one flat function working on byte offsets relative to the start
 * of the frame; the rules are scanned in list order, each field of a rule
 * tested as issue 11 states it (misses()), and the first that matches
 * decides.
 */
#include <stdio.h>
#include <string.h>
#include <linux/types.h>
#include "fwctl_common.h"
#include "ref.h"

unsigned long ref_cov[REF_COV_COUNT];
#define COV(n) (ref_cov[REF_COV_##n]++)
#define COV4(n, is_v6) (ref_cov[REF_COV_L4 + REF_L4_##n + (is_v6) * REF_L4_N]++)

#define REF_X_STR(n) #n,
static const char *const cov_names[] = { REF_COV_POINTS(REF_X_STR) };
static const char *const l4_names[] = { REF_L4_POINTS(REF_X_STR) };

void ref_cov_name(int i, char *buf, size_t len)
{
	if (i < REF_COV_L4)
		snprintf(buf, len, "%s", cov_names[i]);
	else
		snprintf(buf, len, "%s:%s", (i - REF_COV_L4) / REF_L4_N ? "v6" : "v4",
			 l4_names[(i - REF_COV_L4) % REF_L4_N]);
}

/* Big-endian 16-bit value at frame offset o. */
static unsigned int be16_at(const uint8_t *f, size_t o)
{
	return ((unsigned int)f[o] << 8) | f[o + 1];
}

/* --- outcomes ------------------------------------------------------------ */

static void out_drop(struct ref_verdict *v, int reason)
{
	v->forward = 0;
	v->reason = reason;
	v->rule = 0;
	v->arp_nd = 0;
}

/* Forward on a rule (or on the policy when rule is 0); arp_nd for ARP/ND. */
static void out_forward(const struct ref_ruleset *rs, struct ref_verdict *v,
			uint32_t rule, int arp_nd)
{
	if (!rs->have_peer) {
		COV(no_peer);
		if (rule)
			COV(no_peer_rule_not_counted);
		/* Allowed, but the devmap has no peer for this interface: a
		 * redirect error, and the rule did not forward it. */
		out_drop(v, FWCTL_DROP_REDIRECT_ERROR);
		return;
	}
	v->forward = 1;
	v->reason = -1;
	v->rule = rule;
	v->arp_nd = arp_nd;
}

/* No rule matched: the default policy decides; reason if it drops. */
static void out_policy(const struct ref_ruleset *rs, struct ref_verdict *v, int reason)
{
	if (rs->accept)
		out_forward(rs, v, 0, 0);
	else
		out_drop(v, reason);
}

/* --- rule matching: the first rule in list order that matches ---------- */

/* What the rules look at in a packet (issue 11, "Semantics" 3-7). */
struct pkt {
	int v6;
	int proto;		/* 0-255; -1: unknown (IPv6 non-first fragment) */
	int nonfirst;		/* a non-first fragment: no ports, no type */
	int sport, dport;	/* TCP/UDP, else 0 */
	int type, code;		/* ICMP/ICMPv6 (protocols 1 and 58), else -1 */
	const uint8_t *src, *dst;	/* 4 or 16 bytes in the frame */
	int dir;		/* the interface it arrived on */
	int tagged;		/* it came in VLAN tags */
	int can_start;		/* TCP SYN without ACK, UDP, ICMP(v6) echo request */
};

/* Why a rule does not match a packet: one bit per field that fails. */
enum {
	M_PROTO = 1 << 0,		/* another protocol */
	M_ICMP_FAMILY = 1 << 1,		/* icmp on IPv6, icmpv6 on IPv4 */
	M_V6FRAG_PROTO = 1 << 2,	/* not 'any', on an IPv6 non-first fragment */
	M_IN = 1 << 3,
	M_SRC = 1 << 4,			/* no prefix of its family holds it */
	M_SRC_FAMILY = 1 << 5,		/* no prefix of its family at all */
	M_DST = 1 << 6,
	M_DST_FAMILY = 1 << 7,
	M_PORTS = 1 << 8,		/* neither port in PORTS */
	M_SPORT = 1 << 9,
	M_DPORT = 1 << 10,
	M_TYPE = 1 << 11,
	M_CODE = 1 << 12,
	M_FRAGMENT = 1 << 13,		/* ports or type asked of a non-first fragment */
	M_START = 1 << 14,		/* stateful, and the packet cannot start a flow */
};

static int prefix_holds(const struct ref_prefix *p, const uint8_t *a)
{
	unsigned int full = p->len / 8, rest = p->len % 8;

	if (memcmp(p->addr, a, full))
		return 0;
	return !rest || !((p->addr[full] ^ a[full]) & (0xff00 >> rest));
}

/* Index of the first prefix of the list holding a; -1 (and *fam_miss when
 * the list has no prefix of the packet's family) if none. */
static int list_addr(const struct ref_prefix *l, int n, const struct pkt *p, const uint8_t *a,
		     int *fam_miss)
{
	int i, same = 0;

	for (i = 0; i < n; i++) {
		if (l[i].v6 != p->v6)
			continue;
		same = 1;
		if (prefix_holds(&l[i], a))
			return i;
	}
	*fam_miss = !same;
	return -1;
}

static int list_port(const struct ref_range *l, int n, int port)
{
	int i;

	for (i = 0; i < n; i++)
		if (port >= l[i].lo && port <= l[i].hi)
			return i;
	return -1;
}

/*
 * The fields of r that fail for p (0: r matches). *later: an element past
 * the first of some list made a field match (the OR of semantics 3 was
 * needed).
 */
static unsigned int misses(const struct ref_rule *r, const struct pkt *p, int *later)
{
	unsigned int m = 0;
	int at, fam = 0;

	*later = 0;
	if (r->proto != REF_ANY) {
		if (p->proto < 0)
			m |= M_V6FRAG_PROTO;
		else if (r->proto != p->proto)
			m |= M_PROTO;
		else if ((r->proto == 1 && p->v6) || (r->proto == 58 && !p->v6))
			m |= M_ICMP_FAMILY;
	}
	if (r->in != REF_ANY && r->in != p->dir)
		m |= M_IN;
	if (r->stateful && !p->can_start)
		m |= M_START;
	if (r->n_src) {
		at = list_addr(r->src, r->n_src, p, p->src, &fam);
		if (at < 0)
			m |= fam ? M_SRC_FAMILY : M_SRC;
		*later |= at > 0;
	}
	if (r->n_dst) {
		at = list_addr(r->dst, r->n_dst, p, p->dst, &fam);
		if (at < 0)
			m |= fam ? M_DST_FAMILY : M_DST;
		*later |= at > 0;
	}
	if (p->nonfirst) {
		if (r->has_ports || r->n_sport || r->n_dport || r->has_type)
			m |= M_FRAGMENT;
		return m;
	}
	if (r->has_ports && !(p->sport >= r->ports.lo && p->sport <= r->ports.hi) &&
	    !(p->dport >= r->ports.lo && p->dport <= r->ports.hi))
		m |= M_PORTS;
	if (r->n_sport) {
		at = list_port(r->sport, r->n_sport, p->sport);
		if (at < 0)
			m |= M_SPORT;
		*later |= at > 0;
	}
	if (r->n_dport) {
		at = list_port(r->dport, r->n_dport, p->dport);
		if (at < 0)
			m |= M_DPORT;
		*later |= at > 0;
	}
	if (r->has_type) {
		if (p->type != r->type)
			m |= M_TYPE;
		else if (r->has_code && p->code != r->code)
			m |= M_CODE;
	}
	return m;
}

/* Coverage: a rule that failed on exactly one field. */
static void cov_near_miss(unsigned int m)
{
	switch (m) {
	case M_PROTO: COV(miss_only_proto); break;
	case M_ICMP_FAMILY: COV(miss_only_icmp_family); break;
	case M_V6FRAG_PROTO: COV(miss_only_v6frag_proto); break;
	case M_IN: COV(miss_only_in); break;
	case M_SRC: COV(miss_only_src); break;
	case M_SRC_FAMILY: COV(miss_only_src_family); break;
	case M_DST: COV(miss_only_dst); break;
	case M_DST_FAMILY: COV(miss_only_dst_family); break;
	case M_PORTS: COV(miss_only_ports); break;
	case M_SPORT: COV(miss_only_sport); break;
	case M_DPORT: COV(miss_only_dport); break;
	case M_TYPE: COV(miss_only_type); break;
	case M_CODE: COV(miss_only_code); break;
	case M_FRAGMENT: COV(miss_only_fragment); break;
	default: break;
	}
}

/* Coverage: which fields the deciding rule matched by. */
static void cov_match(const struct ref_rule *r, const struct pkt *p, int later)
{
	if (r->proto == REF_ANY)
		COV(match_any);
	else if (r->proto != 1 && r->proto != 6 && r->proto != 17 && r->proto != 58)
		COV(match_numeric_proto);
	if (r->in != REF_ANY)
		COV(match_in);
	if (r->n_src)
		ref_cov[p->v6 ? REF_COV_match_src_v6 : REF_COV_match_src_v4]++;
	if (r->n_dst)
		ref_cov[p->v6 ? REF_COV_match_dst_v6 : REF_COV_match_dst_v4]++;
	if (later)
		COV(match_list_not_first);
	if (r->has_ports && !p->nonfirst) {
		int s = p->sport >= r->ports.lo && p->sport <= r->ports.hi;
		int d = p->dport >= r->ports.lo && p->dport <= r->ports.hi;

		if (s && !d)
			COV(match_ports_by_sport_only);
		if (d && !s)
			COV(match_ports_by_dport_only);
	}
	if (r->n_sport)
		COV(match_sport);
	if (r->n_dport)
		COV(match_dport);
	if (r->has_type)
		ref_cov[r->has_code ? REF_COV_match_type_code : REF_COV_match_type]++;
	if (p->tagged && (r->n_src || r->n_dst))
		COV(match_vlan_addr);
}

/*
 * Semantics 2: the first rule in list order that matches decides: allow
 * forwards (counted on the rule if it goes), deny drops with reason "rule"
 * and counts on the rule. Returns the deciding rule, or NULL for the
 * policy. The scan goes on past it only to see, for coverage, whether a
 * later rule matched too.
 */
static const struct ref_rule *decide_rules(const struct ref_ruleset *rs, const struct pkt *p,
					   struct ref_verdict *v)
{
	const struct ref_rule *first = NULL;
	int i, later, first_later = 0, same = 0, other = 0;
	unsigned int m;

	for (i = 0; i < rs->n; i++) {
		m = misses(&rs->r[i], p, &later);
		if (m) {
			if (!first)
				cov_near_miss(m);
			continue;
		}
		if (!first) {
			first = &rs->r[i];
			first_later = later;
			continue;
		}
		if (rs->r[i].deny == first->deny)
			same = 1;
		else
			other = 1;
		if (same && other)
			break;
	}
	if (!first)
		return NULL;
	if (same)
		COV(first_match_later_same_action);
	if (other)
		COV(first_match_later_other_action);
	cov_match(first, p, first_later);
	if (first->deny) {
		if (!rs->have_peer)
			COV(no_peer_deny_counted);
		out_drop(v, FWCTL_DROP_RULE);
		v->rule = first->id;	/* a deny counts on its rule, peer or not */
	} else {
		out_forward(rs, v, first->id, 0);
	}
	return first;
}

/* A non-first fragment: the rules that ask no ports or type, else the
 * policy, counted as fragment when it drops. */
static void decide_fragment(const struct ref_ruleset *rs, const struct pkt *p,
			    struct ref_verdict *v)
{
	const struct ref_rule *r = decide_rules(rs, p, v);

	if (r) {
		if (p->v6)
			COV(v6_frag_rule_any);
		else if (r->deny)
			COV(v4_frag_rule_deny);
		else
			COV(v4_frag_rule_allow);
		return;
	}
	if (rs->accept)
		COV(fragment_policy_accept);
	else
		COV(fragment_policy_drop);
	out_policy(rs, v, FWCTL_DROP_FRAGMENT);
}

/*
 * The L4 checks and the rules, for both families. l4 is the offset of the
 * L4 header in the frame, l4_end the end of what the IP header says the
 * packet holds (already known to lie inside the frame). hop_limit and
 * frag_header (a Fragment header was in the chain) are IPv6's. p comes
 * with its family, protocol, addresses, direction and tags set.
 */
static void decide_l4(const uint8_t *f, size_t len, size_t l4, size_t l4_end, struct pkt *p,
		      unsigned int hop_limit, int frag_header, const struct ref_ruleset *rs,
		      struct ref_verdict *v)
{
	size_t avail = l4_end >= l4 ? l4_end - l4 : 0;
	unsigned int proto = p->proto;
	int is_v6 = p->v6, nd_typed = 0;
	const struct ref_rule *r;

	if (l4 > l4_end) {
		COV4(l4_beyond, is_v6);
		out_drop(v, FWCTL_DROP_MALFORMED);
		return;
	}
	if (proto == 6) {
		unsigned int doff;

		if (avail < 20) {
			COV4(tcp_short, is_v6);
			if (l4 + 20 <= len)
				COV4(l4_short_by_ip_length_only, is_v6);
			out_drop(v, FWCTL_DROP_MALFORMED);
			return;
		}
		doff = f[l4 + 12] >> 4;
		if (doff >= 5 && doff * 4u > avail && l4 + doff * 4u <= len)
			COV4(l4_short_by_ip_length_only, is_v6);
		if (doff < 5 || doff * 4u > avail) {
			if (doff < 5)
				COV4(tcp_doff_lt_5, is_v6);
			else
				COV4(tcp_doff_beyond, is_v6);
			out_drop(v, FWCTL_DROP_MALFORMED);
			return;
		}
	} else if (proto == 17 || proto == 1 || proto == 58) {
		if (avail < 8) {
			if (l4 + 8 <= len)
				COV4(l4_short_by_ip_length_only, is_v6);
			if (proto == 17)
				COV4(udp_short, is_v6);
			else if (proto == 1)
				COV4(icmp_short, is_v6);
			else
				COV4(icmpv6_short, is_v6);
			out_drop(v, FWCTL_DROP_MALFORMED);
			return;
		}
	} else {
		COV4(other_proto, is_v6);
	}

	if (l4 > 512)
		COV4(l4_past_byte_512, is_v6);

	/*
	 * Neighbor Discovery (ICMPv6 133..137) passes like ARP, but only with
	 * code 0, hop limit 255 and no Fragment header in the chain; else it
	 * is an ordinary ICMPv6 packet.
	 */
	if (is_v6 && proto == 58 && (f[l4] == 132 || f[l4] == 138))
		COV(nd_132_138_not_nd);
	if (is_v6 && proto == 58 && f[l4] >= 133 && f[l4] <= 137) {
		if (f[l4 + 1] == 0 && hop_limit == 255 && !frag_header) {
			COV(nd);
			out_forward(rs, v, 0, 1);
			return;
		}
		nd_typed = 1;
		if (f[l4 + 1] != 0)
			COV(nd_bad_code);
		if (hop_limit != 255)
			COV(nd_bad_hop_limit);
		if (frag_header)
			COV(nd_after_fragment_header);
	}

	/* What the rules see: ports of TCP/UDP, type and code of ICMP(v6). */
	if (proto == 6 || proto == 17) {
		p->sport = be16_at(f, l4);
		p->dport = be16_at(f, l4 + 2);
	} else if (proto == 1 || proto == 58) {
		p->type = f[l4];
		p->code = f[l4 + 1];
	}
	/* Issue 12: what can start a flow (the TCP header is whole here). */
	p->can_start = (proto == 6 && (f[l4 + 13] & 0x12) == 0x02) || proto == 17 ||
		       (proto == 1 && !is_v6 && f[l4] == 8) || (proto == 58 && is_v6 && f[l4] == 128);
	r = decide_rules(rs, p, v);
	if (nd_typed) {
		if (r)
			COV(nd_not_nd_rule);
		else
			COV(nd_not_nd_policy);
	}
	if (r) {
		if (r->deny)
			COV4(rule_deny, is_v6);
		else
			COV4(rule_allow, is_v6);
		return;
	}
	if (rs->accept)
		COV4(policy_accept, is_v6);
	else
		COV4(policy_drop, is_v6);
	out_policy(rs, v, FWCTL_DROP_POLICY);
}

/* --- item 3: IPv4 at frame offset l3 ------------------------------------ */

static void classify_ipv4(const uint8_t *f, size_t len, size_t l3, struct pkt *p,
			  const struct ref_ruleset *rs, struct ref_verdict *v)
{
	size_t room = len - l3;
	unsigned int version, ihl_bytes, total, frag_offset, proto;

	if (room < 20) {
		COV(v4_short);
		out_drop(v, FWCTL_DROP_MALFORMED);
		return;
	}
	version = f[l3] >> 4;
	ihl_bytes = (f[l3] & 0x0f) * 4u;
	total = be16_at(f, l3 + 2);
	if (version != 4 || ihl_bytes < 20 || ihl_bytes > room ||
	    total < ihl_bytes || total > room) {
		if (version != 4)
			COV(v4_version);
		else if (ihl_bytes < 20)
			COV(v4_ihl_lt_5);
		else if (ihl_bytes > room)
			COV(v4_ihl_beyond_frame);
		else if (total < ihl_bytes)
			COV(v4_total_lt_ihl);
		else
			COV(v4_total_beyond_frame);
		out_drop(v, FWCTL_DROP_MALFORMED);
		return;
	}
	if (total < room)
		COV(v4_padding);
	if (ihl_bytes > 20)
		COV(v4_options);
	proto = f[l3 + 9];
	p->v6 = 0;
	p->proto = proto;	/* the datagram's, in every fragment */
	p->src = f + l3 + 12;
	p->dst = f + l3 + 16;
	frag_offset = be16_at(f, l3 + 6) & 0x1fff;
	if (!frag_offset && (be16_at(f, l3 + 6) & 0x2000))
		COV(v4_first_fragment);
	if (frag_offset > 0) {
		COV(v4_nonfirst_fragment);
		p->nonfirst = 1;
		decide_fragment(rs, p, v);
		return;
	}
	decide_l4(f, len, l3 + ihl_bytes, l3 + total, p, 0, 0, rs, v);
}

/* --- item 4: IPv6 at frame offset l3 ------------------------------------ */

static void classify_ipv6(const uint8_t *f, size_t len, size_t l3, struct pkt *p,
			  const struct ref_ruleset *rs, struct ref_verdict *v)
{
	size_t room = len - l3, end, pos;
	unsigned int nexthdr, walked = 0;
	int frag_header = 0;

	if (room < 40 || (f[l3] >> 4) != 6 || 40u + be16_at(f, l3 + 4) > room) {
		if (room < 40)
			COV(v6_short);
		else if ((f[l3] >> 4) != 6)
			COV(v6_version);
		else
			COV(v6_payload_beyond_frame);
		out_drop(v, FWCTL_DROP_MALFORMED);
		return;
	}
	end = l3 + 40 + be16_at(f, l3 + 4);	/* inside the frame: checked */
	p->v6 = 1;
	p->src = f + l3 + 8;
	p->dst = f + l3 + 24;
	if (end < len)
		COV(v6_padding);
	nexthdr = f[l3 + 6];
	pos = l3 + 40;

	for (;;) {
		size_t hdr_len;

		if (nexthdr != 0 && nexthdr != 43 && nexthdr != 60 &&
		    nexthdr != 51 && nexthdr != 44)
			break;
		if (walked == 8) {
			COV(v6_ext_9th_malformed);
			out_drop(v, FWCTL_DROP_MALFORMED);
			return;
		}
		/* Every extension header is at least 8 bytes long. */
		if (pos + 8 > end) {
			COV(v6_ext_beyond);
			if (pos + 8 <= len)
				COV(v6_ext_beyond_payload_only);
			out_drop(v, FWCTL_DROP_MALFORMED);
			return;
		}
		if (nexthdr == 44)
			hdr_len = 8;
		else if (nexthdr == 51)
			hdr_len = (f[pos + 1] + 2u) * 4u;
		else
			hdr_len = (f[pos + 1] + 1u) * 8u;
		if (pos + hdr_len > end) {
			COV(v6_ext_beyond);
			if (pos + hdr_len <= len)
				COV(v6_ext_beyond_payload_only);
			out_drop(v, FWCTL_DROP_MALFORMED);
			return;
		}
		/* A non-first fragment: its own Next Header does not tell the
		 * datagram's protocol, so only 'any' rules can match it. */
		if (nexthdr == 44 && (be16_at(f, pos + 2) >> 3) > 0) {
			COV(v6_nonfirst_fragment);
			p->proto = -1;
			p->nonfirst = 1;
			decide_fragment(rs, p, v);
			return;
		}
		if (nexthdr == 44)
			frag_header = 1;
		switch (nexthdr) {
		case 0: COV(v6_ext_0); break;
		case 43: COV(v6_ext_43); break;
		case 60: COV(v6_ext_60); break;
		case 51: COV(v6_ext_51); break;
		default: COV(v6_ext_44_first); break;
		}
		if (hdr_len >= 256)
			COV(v6_ext_256_bytes_or_more);
		nexthdr = f[pos];
		pos += hdr_len;
		if (++walked == 8)
			COV(v6_ext_8_walked);
	}
	p->proto = nexthdr;
	decide_l4(f, len, pos, end, p, f[l3 + 7], frag_header, rs, v);
}

/* --- item 2: ARP at frame offset l3 ------------------------------------- */

/*
 * An Ethernet/IPv4 request or reply, 28 to 46 bytes after the Ethernet
 * header and tags (the message and padding to a minimum frame).
 */
static int arp_valid(const uint8_t *f, size_t len, size_t l3)
{
	size_t room = len - l3;
	unsigned int op;

	if (room < 28) {
		COV(arp_short);
		return 0;
	}
	if (room > 46) {
		COV(arp_long);
		return 0;
	}
	if (be16_at(f, l3) != 1) {
		COV(arp_bad_hw_type);
		return 0;
	}
	if (be16_at(f, l3 + 2) != 0x0800) {
		COV(arp_bad_proto_type);
		return 0;
	}
	if (f[l3 + 4] != 6 || f[l3 + 5] != 4) {
		COV(arp_bad_sizes);
		return 0;
	}
	op = be16_at(f, l3 + 6);
	if (op != 1 && op != 2) {
		COV(arp_bad_opcode);
		return 0;
	}
	if (room == 46)
		COV(arp_46_bytes);
	return 1;
}

/* --- items 1, 2, 5: Ethernet and VLAN ------------------------------------ */

void ref_classify(const uint8_t *f, size_t len, int dir, const struct ref_ruleset *rs,
		  struct ref_verdict *v)
{
	unsigned int ethertype, tags = 0;
	struct pkt p = { .type = -1, .code = -1, .dir = dir };
	size_t l3 = 14;

	if (len < 14) {
		COV(eth_short);
		out_drop(v, FWCTL_DROP_MALFORMED);
		return;
	}
	ethertype = be16_at(f, 12);
	/* Up to two tags skipped; a third one is an unknown ethertype. */
	while ((ethertype == 0x8100 || ethertype == 0x88a8) && tags < 2) {
		if (l3 + 4 > len) {
			COV(vlan_truncated);
			out_drop(v, FWCTL_DROP_MALFORMED);
			return;
		}
		ethertype = be16_at(f, l3 + 2);
		l3 += 4;
		tags++;
		if (tags == 1)
			COV(vlan_1);
		else
			COV(vlan_2);
	}
	if (tags == 2 && (ethertype == 0x8100 || ethertype == 0x88a8))
		COV(vlan_3_unknown);
	p.tagged = tags > 0;

	switch (ethertype) {
	case 0x0806:
		if (arp_valid(f, len, l3)) {
			COV(arp);
			out_forward(rs, v, 0, 1);
		} else {
			out_policy(rs, v, FWCTL_DROP_UNKNOWN_ETHERTYPE);
		}
		break;
	case 0x0800:
		classify_ipv4(f, len, l3, &p, rs, v);
		break;
	case 0x86dd:
		classify_ipv6(f, len, l3, &p, rs, v);
		break;
	default:
		COV(unknown_ethertype);
		out_policy(rs, v, FWCTL_DROP_UNKNOWN_ETHERTYPE);
		break;
	}
}

static const char *reason_name(int reason)
{
	switch (reason) {
	case FWCTL_DROP_POLICY: return "policy";
	case FWCTL_DROP_MALFORMED: return "malformed";
	case FWCTL_DROP_FRAGMENT: return "fragment";
	case FWCTL_DROP_UNKNOWN_ETHERTYPE: return "unknown-ethertype";
	case FWCTL_DROP_REDIRECT_ERROR: return "redirect-error";
	case FWCTL_DROP_RULE: return "rule";
	default: return "?";
	}
}

void ref_describe(const struct ref_verdict *v, char *buf, size_t len)
{
	if (v->forward)
		snprintf(buf, len, "FORWARD rule %u%s", v->rule, v->arp_nd ? " arp/nd" : "");
	else if (v->rule)
		snprintf(buf, len, "DROP %s %u", reason_name(v->reason), v->rule);
	else
		snprintf(buf, len, "DROP %s", reason_name(v->reason));
}
