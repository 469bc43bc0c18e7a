// SPDX-License-Identifier: GPL-2.0
/*
 * ref.c - the reference classifier (see ref.h). Each numbered item of the
 * spec is one flat function working on byte offsets relative to the start
 * of the frame; the rule matcher scans the rule list directly.
 */
#include <stdio.h>
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

/* --- rule matching, by a plain scan -------------------------------------- */

/* Protocol-wide rule of proto whatever the family, 0 if none. */
static uint32_t scan_proto_any_family(const struct ref_ruleset *rs, unsigned int proto)
{
	int i;

	for (i = 0; i < rs->n; i++)
		if (!rs->r[i].has_ports && rs->r[i].proto == proto)
			return rs->r[i].id;
	return 0;
}

/*
 * Protocol-wide rule of proto for a packet of this family, 0 if none:
 * icmp (1) is for IPv4 only, icmpv6 (58) for IPv6 only, any other
 * protocol for both.
 */
static uint32_t scan_proto_wide(const struct ref_ruleset *rs, unsigned int proto, int is_v6)
{
	if ((proto == 1 && is_v6) || (proto == 58 && !is_v6)) {
		if (scan_proto_any_family(rs, proto)) {
			if (is_v6)
				COV(v6_icmp_rule_not_applied);
			else
				COV(v4_icmpv6_rule_not_applied);
		}
		return 0;
	}
	return scan_proto_any_family(rs, proto);
}

/* Narrowest port rule of proto covering port (ties: lower id), 0 if none. */
static uint32_t scan_port(const struct ref_ruleset *rs, unsigned int proto, unsigned int port)
{
	uint32_t best = 0, best_width = 0;
	int i;

	for (i = 0; i < rs->n; i++) {
		const struct ref_rule *r = &rs->r[i];
		uint32_t width;

		if (!r->has_ports || r->proto != proto || port < r->lo || port > r->hi)
			continue;
		width = (uint32_t)r->hi - r->lo;
		if (!best || width < best_width || (width == best_width && r->id < best)) {
			best = r->id;
			best_width = width;
		}
	}
	return best;
}

/* Coverage only: did another, wider rule also cover port? */
static int narrower_won(const struct ref_ruleset *rs, unsigned int proto, uint32_t id,
			unsigned int port)
{
	int i;

	for (i = 0; i < rs->n; i++)
		if (rs->r[i].id != id && rs->r[i].has_ports && rs->r[i].proto == proto &&
		    port >= rs->r[i].lo && port <= rs->r[i].hi)
			return 1;
	return 0;
}

/* No rule for it: the policy, counted as fragment when it drops. */
static void fragment_policy(const struct ref_ruleset *rs, struct ref_verdict *v)
{
	if (rs->accept)
		COV(fragment_policy_accept);
	else
		COV(fragment_policy_drop);
	out_policy(rs, v, FWCTL_DROP_FRAGMENT);
}

/* An IPv4 non-first fragment of proto: only a protocol-wide rule matches it. */
static void decide_fragment(const struct ref_ruleset *rs, struct ref_verdict *v,
			    unsigned int proto)
{
	uint32_t id = scan_proto_wide(rs, proto, 0);

	if (id) {
		COV(fragment_rule);
		out_forward(rs, v, id, 0);
	} else {
		fragment_policy(rs, v);
	}
}

/*
 * The L4 checks and the rule match, for both families. l4 is the offset of
 * the L4 header in the frame, l4_end the end of what the IP header says the
 * packet holds (already known to lie inside the frame). hop_limit and
 * frag_header (a Fragment header was in the chain) are IPv6's.
 */
static void decide_l4(const uint8_t *f, size_t len, size_t l4, size_t l4_end, unsigned int proto,
		      int is_v6, unsigned int hop_limit, int frag_header,
		      const struct ref_ruleset *rs, struct ref_verdict *v)
{
	int nd_typed = 0;

	size_t avail = l4_end >= l4 ? l4_end - l4 : 0;
	uint32_t id = 0;

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

	if (proto == 6 || proto == 17) {
		unsigned int sport = be16_at(f, l4), dport = be16_at(f, l4 + 2);

		id = scan_port(rs, proto, dport);
		if (id) {
			COV4(rule_dport, is_v6);
		} else {
			id = scan_port(rs, proto, sport);
			if (id)
				COV4(rule_sport, is_v6);
		}
		if (id && narrower_won(rs, proto, id, id == scan_port(rs, proto, dport) ? dport : sport))
			COV4(port_rule_narrower_won, is_v6);
	}
	if (!id) {
		id = scan_proto_wide(rs, proto, is_v6);
		if (id)
			COV4(rule_proto_wide, is_v6);
	}
	if (nd_typed) {
		if (id)
			COV(nd_not_nd_rule);
		else
			COV(nd_not_nd_policy);
	}
	if (id) {
		out_forward(rs, v, id, 0);
	} else {
		if (rs->accept)
			COV4(policy_accept, is_v6);
		else
			COV4(policy_drop, is_v6);
		out_policy(rs, v, FWCTL_DROP_POLICY);
	}
}

/* --- item 3: IPv4 at frame offset l3 ------------------------------------ */

static void classify_ipv4(const uint8_t *f, size_t len, size_t l3,
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
	frag_offset = be16_at(f, l3 + 6) & 0x1fff;
	if (!frag_offset && (be16_at(f, l3 + 6) & 0x2000))
		COV(v4_first_fragment);
	if (frag_offset > 0) {
		COV(v4_nonfirst_fragment);
		decide_fragment(rs, v, proto);
		return;
	}
	decide_l4(f, len, l3 + ihl_bytes, l3 + total, proto, 0, 0, 0, rs, v);
}

/* --- item 4: IPv6 at frame offset l3 ------------------------------------ */

static void classify_ipv6(const uint8_t *f, size_t len, size_t l3,
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
		 * datagram's protocol, so no rule matches it. */
		if (nexthdr == 44 && (be16_at(f, pos + 2) >> 3) > 0) {
			COV(v6_nonfirst_fragment);
			if (scan_proto_any_family(rs, f[pos]))
				COV(v6_fragment_claims_ruled_proto);
			fragment_policy(rs, v);
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
	decide_l4(f, len, pos, end, nexthdr, 1, f[l3 + 7], frag_header, rs, v);
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

void ref_classify(const uint8_t *f, size_t len, const struct ref_ruleset *rs,
		  struct ref_verdict *v)
{
	unsigned int ethertype, tags = 0;
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
		classify_ipv4(f, len, l3, rs, v);
		break;
	case 0x86dd:
		classify_ipv6(f, len, l3, rs, v);
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
	default: return "?";
	}
}

void ref_describe(const struct ref_verdict *v, char *buf, size_t len)
{
	if (v->forward)
		snprintf(buf, len, "FORWARD rule %u%s", v->rule, v->arp_nd ? " arp/nd" : "");
	else
		snprintf(buf, len, "DROP %s", reason_name(v->reason));
}
