/* SPDX-License-Identifier: GPL-2.0 */
/*
 * net_consts.h - the few protocol constants the datapath needs. vmlinux.h
 * carries types but no macros, and mixing it with the uapi headers redefines
 * types, so they are spelled out here once. (IPPROTO_TCP, _UDP, _ICMP and
 * _AH come from an enum in vmlinux.h.)
 */
#ifndef FWCTL_NET_CONSTS_H
#define FWCTL_NET_CONSTS_H

#define ETH_P_IP	0x0800
#define ETH_P_ARP	0x0806
#define ETH_P_8021Q	0x8100	/* VLAN tag */
#define ETH_P_8021AD	0x88A8	/* QinQ service tag */
#define ETH_P_IPV6	0x86DD

#define IPPROTO_HOPOPTS		0
#define IPPROTO_ROUTING		43
#define IPPROTO_FRAGMENT	44
#define IPPROTO_ICMPV6		58
#define IPPROTO_DSTOPTS		60

#define IP_OFFSET_MASK		0x1fff	/* IPv4 frag_off: offset in 8-byte units */
#define IP6_OFFSET_MASK		0xfff8	/* IPv6 frag header: offset << 3 */
#define IP_MF			0x2000	/* IPv4 frag_off: more fragments */
#define IP6_MF			0x0001	/* IPv6 frag header: more fragments */

#define ICMP_MIN_LEN		8	/* type, code, checksum, 4 more bytes */

#define ICMPV6_ND_FIRST		133	/* Router Solicitation */
#define ICMPV6_ND_LAST		137	/* Redirect */
#define ND_HOP_LIMIT		255	/* ND from off-link is dropped (RFC 4861) */

#define ETH_ALEN		6
#define ARPHRD_ETHER		1
#define ARPOP_REQUEST		1
#define ARPOP_REPLY		2
#define ARP_MIN_LEN		28	/* Ethernet/IPv4 ARP message */
#define ARP_MAX_LEN		46	/* ... padded to a 60-byte frame */

#define FWCTL_MAX_VLAN_TAGS	2	/* a third tag is an unknown ethertype */
#define FWCTL_MAX_IPV6_EXT	8	/* a ninth extension header is malformed */

#endif /* FWCTL_NET_CONSTS_H */
