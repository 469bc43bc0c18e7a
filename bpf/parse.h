/* SPDX-License-Identifier: GPL-2.0 */
/*
 * parse.h - bounds-checked header parsing for the fwctl datapath.
 *
 * Every parser works on byte offsets from the start of the frame and checks
 * two limits: the frame itself (data_end, for the verifier and for safety)
 * and the end of the L3 packet as its own header declares it (IPv4 total
 * length, IPv6 40 + payload length). A header that crosses either limit
 * makes the packet malformed. Values returned are in host byte order unless
 * the name says otherwise.
 */
#ifndef FWCTL_PARSE_H
#define FWCTL_PARSE_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "net_consts.h"

/*
 * Offsets of headers we read are kept below this bound so that the verifier
 * can prove "data + off" stays a valid packet pointer. No real header starts
 * this far in: the deepest is an L4 header after eight 2 KiB IPv6 extension
 * headers (~16.5 KiB).
 */
#define PARSE_MAX_OFF 0x7fff

/* Where parsing stands: the frame and what has been learnt so far. */
struct parse_ctx {
	void *data;
	void *data_end;
	__u32 frame_len;	/* data_end - data */
	__u32 l3_off;		/* first byte after the Ethernet/VLAN headers */
	__u32 l4_off;		/* first byte of the L4 header */
	__u32 l3_end;		/* end of the L3 packet per its own header */
	__u8 l4_proto;		/* IP protocol of the L4 header */
	__u8 non_first_frag;	/* fragment with offset > 0: no L4 header */
};

/* Outcome of one parse step. */
enum parse_result {
	PARSE_OK = 0,
	PARSE_MALFORMED,
};

/* Pointer to @size bytes at @off, or NULL when they are not all in the frame. */
static __always_inline void *hdr_at(const struct parse_ctx *p, __u32 off, __u32 size)
{
	void *hdr;

	if (off > PARSE_MAX_OFF)
		return NULL;
	hdr = p->data + off;
	if (hdr + size > p->data_end)
		return NULL;
	return hdr;
}

/* Same, but the bytes must also lie inside the L3 packet (p->l3_end). */
static __always_inline void *l3_hdr_at(const struct parse_ctx *p, __u32 off, __u32 size)
{
	if (off + size > p->l3_end)
		return NULL;
	return hdr_at(p, off, size);
}

/*
 * Ethernet and up to two VLAN tags (802.1Q or 802.1ad, in any order).
 * Sets p->l3_off and returns the inner ethertype (host order) in *proto;
 * after two tags a third tag type is returned as is, and the caller treats
 * it as an unknown ethertype.
 */
static __always_inline int parse_eth(struct parse_ctx *p, __u16 *proto)
{
	struct ethhdr *eth = hdr_at(p, 0, sizeof(*eth));
	__u32 off = sizeof(*eth);
	__u16 type;
	int i;

	if (!eth)
		return PARSE_MALFORMED;
	type = bpf_ntohs(eth->h_proto);

#pragma unroll
	for (i = 0; i < FWCTL_MAX_VLAN_TAGS; i++) {
		struct vlan_hdr *vlan;

		if (type != ETH_P_8021Q && type != ETH_P_8021AD)
			break;
		vlan = hdr_at(p, off, sizeof(*vlan));
		if (!vlan)
			return PARSE_MALFORMED;	/* truncated tag */
		type = bpf_ntohs(vlan->h_vlan_encapsulated_proto);
		off += sizeof(*vlan);
	}
	p->l3_off = off;
	*proto = type;
	return PARSE_OK;
}

/*
 * IPv4 header checks (version, IHL, total length against IHL and frame).
 * Options are skipped. Sets l4_off, l3_end, l4_proto and non_first_frag.
 */
static __always_inline int parse_ipv4(struct parse_ctx *p)
{
	struct iphdr *ip = hdr_at(p, p->l3_off, sizeof(*ip));
	__u32 hdr_len, tot_len;

	if (!ip)
		return PARSE_MALFORMED;	/* fewer than 20 bytes */
	if (ip->version != 4 || ip->ihl < 5)
		return PARSE_MALFORMED;
	hdr_len = ip->ihl * 4;
	tot_len = bpf_ntohs(ip->tot_len);
	if (p->l3_off + hdr_len > p->frame_len)
		return PARSE_MALFORMED;	/* options run past the frame */
	if (tot_len < hdr_len)
		return PARSE_MALFORMED;
	if (p->l3_off + tot_len > p->frame_len)
		return PARSE_MALFORMED;	/* padding after tot_len is fine */

	p->l3_end = p->l3_off + tot_len;
	p->l4_off = p->l3_off + hdr_len;
	p->l4_proto = ip->protocol;
	p->non_first_frag = (bpf_ntohs(ip->frag_off) & IP_OFFSET_MASK) != 0;
	return PARSE_OK;
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
 * a non-first fragment of the protocol its next-header field names.
 */
static __always_inline int parse_ipv6(struct parse_ctx *p)
{
	struct ipv6hdr *ip6 = hdr_at(p, p->l3_off, sizeof(*ip6));
	__u32 off;
	__u8 nexthdr;
	int i;

	if (!ip6)
		return PARSE_MALFORMED;	/* fewer than 40 bytes */
	if (ip6->version != 6)
		return PARSE_MALFORMED;
	p->l3_end = p->l3_off + sizeof(*ip6) + bpf_ntohs(ip6->payload_len);
	if (p->l3_end > p->frame_len)
		return PARSE_MALFORMED;

	off = p->l3_off + sizeof(*ip6);
	nexthdr = ip6->nexthdr;
	p->non_first_frag = 0;

	for (i = 0; i < FWCTL_MAX_IPV6_EXT; i++) {
		struct ipv6_opt_hdr *ext;
		__u32 ext_len;

		if (!ipv6_is_ext(nexthdr))
			break;
		/* Every extension header is at least 8 bytes long. */
		ext = l3_hdr_at(p, off, 8);
		if (!ext)
			return PARSE_MALFORMED;

		if (nexthdr == IPPROTO_FRAGMENT) {
			struct frag_hdr *fh = (void *)ext;

			if (bpf_ntohs(fh->frag_off) & IP6_OFFSET_MASK) {
				p->non_first_frag = 1;
				p->l4_proto = fh->nexthdr;
				p->l4_off = off + 8;
				return PARSE_OK;
			}
			ext_len = 8;
		} else if (nexthdr == IPPROTO_AH) {
			ext_len = (ext->hdrlen + 2) * 4;
		} else {
			ext_len = (ext->hdrlen + 1) * 8;
		}
		if (off + ext_len > p->l3_end)
			return PARSE_MALFORMED;
		nexthdr = ext->nexthdr;
		off += ext_len;
	}
	if (ipv6_is_ext(nexthdr))
		return PARSE_MALFORMED;	/* more than FWCTL_MAX_IPV6_EXT */

	p->l4_off = off;
	p->l4_proto = nexthdr;
	return PARSE_OK;
}

/*
 * L4 header checks, the same for both families; the header must lie inside
 * the L3 packet and the frame. Ports are returned in host order, 0 when the
 * protocol has none. *icmp_type is the ICMP/ICMPv6 type, else 0.
 */
static __always_inline int parse_l4(const struct parse_ctx *p, __u16 *sport,
				    __u16 *dport, __u8 *icmp_type)
{
	*sport = 0;
	*dport = 0;
	*icmp_type = 0;

	switch (p->l4_proto) {
	case IPPROTO_TCP: {
		struct tcphdr *tcp = l3_hdr_at(p, p->l4_off, sizeof(*tcp));
		__u32 doff;

		if (!tcp)
			return PARSE_MALFORMED;
		doff = tcp->doff;
		if (doff < 5 || p->l4_off + doff * 4 > p->l3_end)
			return PARSE_MALFORMED;
		*sport = bpf_ntohs(tcp->source);
		*dport = bpf_ntohs(tcp->dest);
		return PARSE_OK;
	}
	case IPPROTO_UDP: {
		struct udphdr *udp = l3_hdr_at(p, p->l4_off, sizeof(*udp));

		if (!udp)
			return PARSE_MALFORMED;
		*sport = bpf_ntohs(udp->source);
		*dport = bpf_ntohs(udp->dest);
		return PARSE_OK;
	}
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6: {
		__u8 *icmp = l3_hdr_at(p, p->l4_off, ICMP_MIN_LEN);

		if (!icmp)
			return PARSE_MALFORMED;
		*icmp_type = icmp[0];
		return PARSE_OK;
	}
	default:
		return PARSE_OK;	/* no checks for other protocols */
	}
}

#endif /* FWCTL_PARSE_H */
