/* SPDX-License-Identifier: GPL-2.0 */
/*
 * parse.h - bounds-checked header parsing for the fwctl datapath.
 *
 * A cursor (a packet pointer) walks the headers; every header is checked
 * against two limits: the frame (data_end, which also convinces the
 * verifier) and the end of the L3 packet as its own header declares it
 * (IPv4 total length, IPv6 40 + payload length). A header crossing either
 * makes the packet malformed.
 *
 * The whole parse runs without a helper call and returns what the
 * classifier needs packed in one u64 (PKT()), so that no parser state is
 * spilled to the stack. parse_fast() takes the common TCP/UDP packet with
 * fixed-offset loads; parse_frame() walks every frame the fast one declines.
 * parse_frame() also fills a struct pkt_meta (pkt_meta.h) for flow and
 * fragment tracking: where the L4 header and the IP packet end are, and
 * whether the packet is a fragment (offsets from data); for parse_fast()'s
 * packets, whose headers sit at fixed offsets, pkt_meta_fast() derives it
 * when it is needed.
 */
#ifndef FWCTL_PARSE_H
#define FWCTL_PARSE_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "fwctl_classifier.h"
#include "net_consts.h"
#include "pkt_meta.h"

/* What a frame is, as far as the rules are concerned. */
enum pkt_kind {
	PKT_MALFORMED = 0,	/* failed a header check */
	PKT_ARP_ND,		/* valid ARP or Neighbor Discovery: always forwarded */
	PKT_OTHER_ETHERTYPE,	/* not IPv4/IPv6/valid ARP (or a third VLAN tag) */
	PKT_L4,			/* IP packet with its L4 header checked */
	PKT_FRAGMENT,		/* non-first fragment: no ports; IPv6: protocol unknown */
};

/*
 * Parse result packed in a u64, so that no parser state goes to the stack:
 * bits 0-7 kind, 8-11 family (FWCTL_FAMILY_*), 12-15 the number of VLAN
 * tags before the IP header (parse_frame() adds it: the classifier reads
 * the addresses there), 16-31 IP protocol (0-255, or FWCTL_PROTO_UNKNOWN
 * for an IPv6 non-first fragment), 32-47 source port, 48-63 destination
 * port (host order; ICMP(v6): type and code).
 */
#define PKT(kind, family, proto, sport, dport)                                   \
	((__u64)(kind) | (__u64)(family) << 8 | (__u64)(proto) << 16 |           \
	 (__u64)(sport) << 32 | (__u64)(dport) << 48)
#define PKT_VLAN_SHIFT		12
#define PKT_KIND(info)		((__u8)(info))
#define PKT_FAMILY(info)	((__u8)((info) >> 8) & 0xf)
#define PKT_VLANS(info)		((__u8)((info) >> PKT_VLAN_SHIFT) & 0xf)
#define PKT_PROTO(info)		((__u16)((info) >> 16))
#define PKT_SPORT(info)		((__u16)((info) >> 32))
#define PKT_DPORT(info)		((__u16)((info) >> 48))

/* True when [p, p + len) is not entirely before end. */
#define PAST(p, len, end) ((void *)(p) + (len) > (void *)(end))

/*
 * Neighbor Discovery as RFC 4861 lets it through: ICMPv6 types 133-137 with
 * code 0 (the hop limit and Fragment header checks are the IPv6 parser's).
 * Anything else with those types is ordinary ICMPv6 and meets the rules.
 */
static __always_inline bool icmpv6_is_nd(const __u8 *icmp)
{
	return icmp[0] >= ICMPV6_ND_FIRST && icmp[0] <= ICMPV6_ND_LAST && icmp[1] == 0;
}

/*
 * L4 header checks, the same for both families: the header at l4 must lie
 * inside the L3 packet (l3_end) and the frame (data_end). nd_ok: the IPv6
 * headers allow Neighbor Discovery (always false for IPv4).
 */
static __always_inline __u64 parse_l4(void *data, void *l4, void *l3_end, void *data_end,
				      __u8 proto, __u8 family, bool nd_ok, struct pkt_meta *meta)
{
	meta->l4_off = l4 - data;
	meta->l3_end = l3_end - data;
	switch (proto) {
	case IPPROTO_TCP: {
		struct tcphdr *tcp = l4;
		__u32 doff;

		if (PAST(tcp, sizeof(*tcp), l3_end) || PAST(tcp, sizeof(*tcp), data_end))
			return PKT_MALFORMED;
		doff = tcp->doff;
		if (doff < 5 || PAST(tcp, doff * 4, l3_end))
			return PKT_MALFORMED;
		return PKT(PKT_L4, family, proto, bpf_ntohs(tcp->source), bpf_ntohs(tcp->dest));
	}
	case IPPROTO_UDP: {
		struct udphdr *udp = l4;

		if (PAST(udp, sizeof(*udp), l3_end) || PAST(udp, sizeof(*udp), data_end))
			return PKT_MALFORMED;
		return PKT(PKT_L4, family, proto, bpf_ntohs(udp->source), bpf_ntohs(udp->dest));
	}
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6: {
		__u8 *icmp = l4;

		if (PAST(icmp, ICMP_MIN_LEN, l3_end) || PAST(icmp, ICMP_MIN_LEN, data_end))
			return PKT_MALFORMED;
		/* The protocol too: a trace shows ND as ICMPv6. */
		if (nd_ok && proto == IPPROTO_ICMPV6 && icmpv6_is_nd(icmp))
			return PKT(PKT_ARP_ND, family, proto, icmp[0], icmp[1]);
		return PKT(PKT_L4, family, proto, icmp[0], icmp[1]);
	}
	default:
		return PKT(PKT_L4, family, proto, 0, 0);	/* no checks for other protocols */
	}
}

/*
 * IPv4: version, IHL, total length against IHL and the frame (Ethernet
 * padding after the total length is fine); options skipped.
 */
static __always_inline __u64 parse_ipv4(void *data, void *l3, void *data_end,
					 struct pkt_meta *meta)
{
	struct iphdr *ip = l3;
	__u32 hdr_len, tot_len;
	__u8 ver_ihl;

	if (PAST(ip, sizeof(*ip), data_end))
		return PKT_MALFORMED;		/* fewer than 20 bytes */
	ver_ihl = *(__u8 *)ip;
	if ((ver_ihl & 0xf0) != 0x40 || (ver_ihl & 0x0f) < 5)
		return PKT_MALFORMED;		/* version != 4 or IHL < 5 */
	hdr_len = (ver_ihl & 0x0f) * 4;
	tot_len = bpf_ntohs(ip->tot_len);
	if (PAST(ip, hdr_len, data_end) || tot_len < hdr_len || PAST(ip, tot_len, data_end))
		return PKT_MALFORMED;
	meta->frag_id = bpf_ntohs(ip->id);
	/* Its protocol field takes part in reassembly: it is the datagram's. */
	if (ip->frag_off & bpf_htons(IP_OFFSET_MASK)) {
		meta->frag = PKT_FRAG_LATER;
		meta->l3_end = tot_len + (l3 - data);
		return PKT(PKT_FRAGMENT, FWCTL_FAMILY_V4, ip->protocol, 0, 0);
	}
	if (ip->frag_off & bpf_htons(IP_MF))
		meta->frag = PKT_FRAG_FIRST;
	return parse_l4(data, l3 + hdr_len, l3 + tot_len, data_end, ip->protocol,
			FWCTL_FAMILY_V4, false, meta);
}

/* Is @nexthdr one of the IPv6 extension headers the walk steps over? */
static __always_inline bool ipv6_is_ext(__u8 nexthdr)
{
	return nexthdr == IPPROTO_HOPOPTS || nexthdr == IPPROTO_ROUTING ||
	       nexthdr == IPPROTO_DSTOPTS || nexthdr == IPPROTO_AH ||
	       nexthdr == IPPROTO_FRAGMENT;
}

/*
 * IPv6 header and extension chain. At most FWCTL_MAX_IPV6_EXT extension
 * headers are walked; if the next one is still an extension the packet is
 * malformed. A fragment header with offset > 0 ends the walk: the packet is
 * a non-first fragment, and its protocol is unknown (receivers take the
 * protocol from the first fragment only, RFC 8200, so the Next Header of a
 * later one is whatever the sender wrote). Neighbor Discovery needs hop
 * limit 255 and no Fragment header in the chain (RFC 4861, RFC 6980).
 */
static __always_inline __u64 parse_ipv6(void *data, void *l3, void *data_end,
					 struct pkt_meta *meta)
{
	struct ipv6hdr *ip6 = l3;
	void *pos, *l3_end;
	bool fragmented = false;
	__u8 nexthdr;
	int i;

	if (PAST(ip6, sizeof(*ip6), data_end))
		return PKT_MALFORMED;		/* fewer than 40 bytes */
	if (ip6->version != 6)
		return PKT_MALFORMED;
	l3_end = l3 + sizeof(*ip6) + bpf_ntohs(ip6->payload_len);
	if (l3_end > data_end)
		return PKT_MALFORMED;

	pos = l3 + sizeof(*ip6);
	nexthdr = ip6->nexthdr;

#pragma unroll
	for (i = 0; i < FWCTL_MAX_IPV6_EXT; i++) {
		struct ipv6_opt_hdr *ext = pos;
		__u32 ext_len;

		if (!ipv6_is_ext(nexthdr))
			break;
		/* Every extension header is at least 8 bytes long. */
		if (PAST(ext, 8, l3_end) || PAST(ext, 8, data_end))
			return PKT_MALFORMED;
		if (nexthdr == IPPROTO_FRAGMENT) {
			struct frag_hdr *fh = pos;

			meta->frag_id = bpf_ntohl(fh->identification);
			if (fh->frag_off & bpf_htons(IP6_OFFSET_MASK)) {
				meta->frag = PKT_FRAG_LATER;
				meta->l3_end = l3_end - data;
				return PKT(PKT_FRAGMENT, FWCTL_FAMILY_V6, FWCTL_PROTO_UNKNOWN,
					   0, 0);
			}
			/* more-fragments; without it, an atomic fragment */
			if (fh->frag_off & bpf_htons(IP6_MF))
				meta->frag = PKT_FRAG_FIRST;
			fragmented = true;
			ext_len = 8;
		} else if (nexthdr == IPPROTO_AH) {
			ext_len = (ext->hdrlen + 2) * 4;
		} else {
			ext_len = (ext->hdrlen + 1) * 8;
		}
		if (PAST(ext, ext_len, l3_end))
			return PKT_MALFORMED;
		nexthdr = ext->nexthdr;
		pos += ext_len;
	}
	if (ipv6_is_ext(nexthdr))
		return PKT_MALFORMED;		/* more than FWCTL_MAX_IPV6_EXT */
	return parse_l4(data, pos, l3_end, data_end, nexthdr, FWCTL_FAMILY_V6,
			ip6->hop_limit == ND_HOP_LIMIT && !fragmented, meta);
}

/* parse_fast() leaves this frame to parse_frame(). */
#define PKT_SLOW_PATH	((__u64)-1)

/*
 * The common case: an untagged IPv4 packet without options, or IPv6 packet
 * without extension headers, carrying TCP or UDP in a frame long enough for
 * a TCP header. Every load is at a fixed offset, so the CPU issues them
 * together instead of walking a chain of dependent lengths. For a frame it
 * accepts, the result is the one parse_frame() gives (the fuzz tests hold
 * both to the reference classifier); anything else, every malformed frame
 * included, gets PKT_SLOW_PATH. The TCP/UDP checks are parse_l4()'s, written
 * as length arithmetic: calling parse_l4() here measured ~3 ns slower.
 */
static __always_inline __u64 parse_fast(void *data, void *data_end)
{
	struct ethhdr *eth = data;
	struct iphdr *ip = data + sizeof(*eth);
	struct ipv6hdr *ip6 = data + sizeof(*eth);
	struct tcphdr *l4;
	__u32 l3_hdr, l3_len;	/* bytes of the L3 header, of the L3 packet */
	__u8 proto, family;

	if (PAST(ip + 1, sizeof(*l4), data_end))
		return PKT_SLOW_PATH;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		if (*(__u8 *)ip != 0x45 || (ip->frag_off & bpf_htons(IP_OFFSET_MASK)))
			return PKT_SLOW_PATH;	/* options, fragment or malformed */
		family = FWCTL_FAMILY_V4;
		l3_hdr = sizeof(*ip);
		l3_len = bpf_ntohs(ip->tot_len);
		proto = ip->protocol;
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		if (PAST(ip6 + 1, sizeof(*l4), data_end) || ip6->version != 6)
			return PKT_SLOW_PATH;
		family = FWCTL_FAMILY_V6;
		l3_hdr = sizeof(*ip6);
		l3_len = sizeof(*ip6) + bpf_ntohs(ip6->payload_len);
		proto = ip6->nexthdr;
	} else {
		return PKT_SLOW_PATH;
	}
	if (PAST(ip, l3_len, data_end))
		return PKT_SLOW_PATH;
	l4 = (void *)ip + l3_hdr;
	if (proto == IPPROTO_TCP) {
		if (l4->doff < 5 || l3_hdr + l4->doff * 4 > l3_len)
			return PKT_SLOW_PATH;
	} else if (proto != IPPROTO_UDP || l3_hdr + sizeof(struct udphdr) > l3_len) {
		return PKT_SLOW_PATH;
	}
	return PKT(PKT_L4, family, proto, bpf_ntohs(l4->source), bpf_ntohs(l4->dest));
}

/*
 * The struct pkt_meta of a packet parse_fast() took (info its result):
 * untagged, plain IPv4 or IPv6 header, so everything is at a fixed
 * offset. Derived only when needed (flows, first fragments), to keep
 * the common case free of it. Zeroes if the headers are not there (they
 * are: parse_fast() checked them; this convinces the verifier).
 */
static __always_inline void pkt_meta_fast(void *data, void *data_end, __u64 info,
					  struct pkt_meta *meta)
{
	struct iphdr *ip = data + sizeof(struct ethhdr);
	struct ipv6hdr *ip6 = data + sizeof(struct ethhdr);

	__builtin_memset(meta, 0, sizeof(*meta));
	if (PKT_FAMILY(info) == FWCTL_FAMILY_V4) {
		if (PAST(ip, sizeof(*ip), data_end))
			return;
		meta->l4_off = sizeof(struct ethhdr) + sizeof(*ip);
		meta->l3_end = sizeof(struct ethhdr) + bpf_ntohs(ip->tot_len);
		meta->frag_id = bpf_ntohs(ip->id);
		if (ip->frag_off & bpf_htons(IP_MF))	/* parse_fast() took offset 0 only */
			meta->frag = PKT_FRAG_FIRST;
		return;
	}
	if (PAST(ip6, sizeof(*ip6), data_end))
		return;
	meta->l4_off = sizeof(struct ethhdr) + sizeof(*ip6);
	meta->l3_end = meta->l4_off + bpf_ntohs(ip6->payload_len);
}

/*
 * ARP passes unconditionally only as the protocol allows it: an Ethernet/
 * IPv4 request or reply, 28 bytes plus at most the padding to a minimum
 * frame. Any other frame of ARP's ethertype is left to the policy, so it
 * cannot carry data through a drop-all filter.
 */
static __always_inline __u64 parse_arp(void *l3, void *data_end)
{
	struct arphdr *arp = l3;

	if (PAST(arp, ARP_MIN_LEN, data_end) || !PAST(arp, ARP_MAX_LEN + 1, data_end))
		return PKT_OTHER_ETHERTYPE;
	if (arp->ar_hrd != bpf_htons(ARPHRD_ETHER) || arp->ar_pro != bpf_htons(ETH_P_IP) ||
	    arp->ar_hln != ETH_ALEN || arp->ar_pln != 4 ||
	    (arp->ar_op != bpf_htons(ARPOP_REQUEST) && arp->ar_op != bpf_htons(ARPOP_REPLY)))
		return PKT_OTHER_ETHERTYPE;
	return PKT_ARP_ND;
}

/*
 * Ethernet, up to two VLAN tags (802.1Q or 802.1ad, in any order), then
 * the L3 parser of the inner ethertype. After two tags, a third tag type is
 * an unknown ethertype.
 */
static __always_inline __u64 parse_frame(void *data, void *data_end, struct pkt_meta *meta)
{
	struct ethhdr *eth = data;
	void *pos = data + sizeof(*eth);
	__u16 type;
	int i;

	__builtin_memset(meta, 0, sizeof(*meta));
	if (PAST(eth, sizeof(*eth), data_end))
		return PKT_MALFORMED;
	type = eth->h_proto;			/* network order throughout */

#pragma unroll
	for (i = 0; i < FWCTL_MAX_VLAN_TAGS; i++) {
		struct vlan_hdr *vlan = pos;

		if (type != bpf_htons(ETH_P_8021Q) && type != bpf_htons(ETH_P_8021AD))
			break;
		if (PAST(vlan, sizeof(*vlan), data_end))
			return PKT_MALFORMED;	/* truncated tag */
		type = vlan->h_vlan_encapsulated_proto;
		pos += sizeof(*vlan);
	}

	if (type == bpf_htons(ETH_P_IP))
		return parse_ipv4(data, pos, data_end, meta) | (__u64)i << PKT_VLAN_SHIFT;
	if (type == bpf_htons(ETH_P_IPV6))
		return parse_ipv6(data, pos, data_end, meta) | (__u64)i << PKT_VLAN_SHIFT;
	if (type == bpf_htons(ETH_P_ARP))
		return parse_arp(pos, data_end);
	return PKT_OTHER_ETHERTYPE;
}

#endif /* FWCTL_PARSE_H */
