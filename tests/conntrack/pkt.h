/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pkt.h - frames for the conntrack tests: Ethernet, IPv4 or IPv6 (with a
 * fragment header when fragmented), TCP/UDP/ICMP/ICMPv6, payload, and
 * for ICMP errors the header of the packet they are about.
 */
#ifndef CT_PKT_H
#define CT_PKT_H

#include <stddef.h>
#include <stdint.h>

#define PKT_MAX		3000

/* Hosts are numbers: N is 10.0.(N >> 8).(N & 255) or fd00::N. */
struct pk {
	int v6;
	int src, dst;
	int proto;		/* 6, 17, 1, 58 */
	uint16_t sport, dport;	/* TCP/UDP */
	uint8_t flags;		/* TCP flags */
	uint8_t type, code;	/* ICMP */
	uint16_t id;		/* ICMP echo identifier */
	int payload;		/* bytes after the L4 header (or the fragment's bytes) */
	/* Fragments */
	int frag;		/* 1: a fragment (IPv6: with a fragment header) */
	uint16_t frag_off;	/* offset in 8-byte units; > 0: no L4 header */
	int mf;			/* more fragments */
	uint32_t frag_id;	/* IPv4 id (16 bits) or IPv6 identification */
	int later_nh;		/* IPv6 later fragment: Next Header to write (0: proto) */
	/* ICMP errors: the first bytes of the packet they are about */
	const uint8_t *embed;
	int embed_len;
};

#define TCP_FIN	0x01
#define TCP_SYN	0x02
#define TCP_RST	0x04
#define TCP_PSH	0x08
#define TCP_ACK	0x10

/* The frame into buf (PKT_MAX bytes); returns its length. */
size_t pk_build(const struct pk *p, uint8_t *buf);
/* The IP packet alone (no Ethernet header); returns its length. */
size_t pk_build_l3(const struct pk *p, uint8_t *buf);

#endif /* CT_PKT_H */
