// SPDX-License-Identifier: GPL-2.0
/*
 * selftest.c - known answers for the reference classifier: frames written
 * by hand for the clauses of the spec, with the verdict the spec text gives.
 * It keeps the reference honest on its own, before it judges the datapath.
 */
#include <stdio.h>
#include <string.h>
#include <linux/types.h>
#include "fwctl_common.h"
#include "ref.h"
#include "selftest.h"

struct kbuf {
	uint8_t b[512];
	size_t n;
};

static void u8(struct kbuf *k, unsigned int v)
{
	k->b[k->n++] = (uint8_t)v;
}

static void u16(struct kbuf *k, unsigned int v)
{
	u8(k, v >> 8);
	u8(k, v);
}

static void zeros(struct kbuf *k, size_t n)
{
	memset(k->b + k->n, 0, n);
	k->n += n;
}

static void eth(struct kbuf *k, int tags, unsigned int ethertype)
{
	k->n = 0;
	zeros(k, 12);
	while (tags-- > 0) {
		u16(k, 0x8100);
		u16(k, 5);
	}
	u16(k, ethertype);
}

/* IPv4 header without options; total = 20 + l4len, fragment field frag. */
static void ip4(struct kbuf *k, unsigned int proto, unsigned int l4len, unsigned int frag)
{
	u8(k, 0x45);
	u8(k, 0);
	u16(k, 20 + l4len);
	u16(k, 1);
	u16(k, frag);
	u8(k, 64);
	u8(k, proto);
	zeros(k, 10);
}

static void ip6h(struct kbuf *k, unsigned int nexthdr, unsigned int plen, unsigned int hop_limit)
{
	u8(k, 0x60);
	zeros(k, 3);
	u16(k, plen);
	u8(k, nexthdr);
	u8(k, hop_limit);
	zeros(k, 32);
}

static void ip6(struct kbuf *k, unsigned int nexthdr, unsigned int plen)
{
	ip6h(k, nexthdr, plen, 64);
}

/* An ARP message: hardware type, protocol type, sizes, opcode. */
static void arp(struct kbuf *k, unsigned int hrd, unsigned int pro, unsigned int hln,
		unsigned int pln, unsigned int op)
{
	u16(k, hrd);
	u16(k, pro);
	u8(k, hln);
	u8(k, pln);
	u16(k, op);
	zeros(k, 20);
}

static void tcp(struct kbuf *k, unsigned int sport, unsigned int dport)
{
	u16(k, sport);
	u16(k, dport);
	zeros(k, 8);
	u8(k, 0x50);
	u8(k, 0x02);
	zeros(k, 6);
}

static void udp(struct kbuf *k, unsigned int sport, unsigned int dport)
{
	u16(k, sport);
	u16(k, dport);
	u16(k, 8);
	u16(k, 0);
}

static void icmp6(struct kbuf *k, unsigned int type)
{
	u8(k, type);
	zeros(k, 7);
}

/* An 8-byte extension header (hop-by-hop, routing, dest opts). */
static void ext8(struct kbuf *k, unsigned int nexthdr)
{
	u8(k, nexthdr);
	u8(k, 0);
	zeros(k, 6);
}

static void frag6(struct kbuf *k, unsigned int nexthdr, unsigned int offset)
{
	u8(k, nexthdr);
	u8(k, 0);
	u16(k, offset << 3 | 1);
	zeros(k, 4);
}

/* Rule ids of the test set: the reference set plus overlaps and a wide 47. */
static struct ref_rule kr[] = {
	{ 1, 1, 0, 0, 0 },		/* icmp */
	{ 2, 6, 1, 7070, 7070 },	/* tcp 7070 */
	{ 3, 17, 0, 0, 0 },		/* udp */
	{ 4, 6, 1, 1000, 2000 },
	{ 5, 6, 1, 1500, 1600 },
	{ 6, 6, 1, 1550, 1550 },
	{ 7, 47, 0, 0, 0 },
	{ 8, 6, 1, 3000, 3010 },	/* two rules of the same width: lower id wins */
	{ 9, 6, 1, 3005, 3015 },
	{ 10, 58, 0, 0, 0 },		/* icmpv6 */
};

#define FWD(rule) 1, -1, rule, 0
#define ARPND 1, -1, 0, 1
#define DROP(reason) 0, FWCTL_DROP_##reason, 0, 0

static void one_case(const char *name, const struct kbuf *k, const struct ref_ruleset *rs, int *n,
		     int *failed, char *why, size_t whylen, int fwd, int reason, uint32_t rule,
		     int arp_nd)
{
	struct ref_verdict v;
	char got[64];

	(*n)++;
	ref_classify(k->b, k->n, rs, &v);
	if (v.forward == fwd && v.reason == reason && v.rule == rule && v.arp_nd == arp_nd)
		return;
	ref_describe(&v, got, sizeof(got));
	if (!(*failed)++)
		snprintf(why, whylen, "%s: got %s", name, got);
}

int ref_selftest(char *why, size_t whylen)
{
	struct ref_ruleset drop = { (int)(sizeof(kr) / sizeof(kr[0])), kr, 0, 1 };
	struct ref_ruleset accept = drop, nopeer = drop;
	struct kbuf k;
	int failed = 0, n = 0, i;

	accept.accept = 1;
	nopeer.have_peer = 0;
	why[0] = 0;

#define CASE(name, rs, ...) one_case(name, &k, &(rs), &n, &failed, why, whylen, __VA_ARGS__)

	eth(&k, 0, 0x0800);
	k.n = 13;
	CASE("13-byte frame", drop, DROP(MALFORMED));
	eth(&k, 0, 0x0806);
	CASE("bare ARP header", drop, DROP(UNKNOWN_ETHERTYPE));
	CASE("bare ARP header, accept", accept, FWD(0));
	eth(&k, 0, 0x0806);
	arp(&k, 1, 0x0800, 6, 4, 1);
	CASE("ARP request", drop, ARPND);
	k.b[21] = 2;
	CASE("ARP reply", drop, ARPND);
	zeros(&k, 18);
	CASE("ARP padded to 46 bytes", drop, ARPND);
	zeros(&k, 1);
	CASE("ARP of 47 bytes", drop, DROP(UNKNOWN_ETHERTYPE));
	k.n = 14 + 27;
	CASE("ARP of 27 bytes", drop, DROP(UNKNOWN_ETHERTYPE));
	k.n = 14 + 28;
	k.b[21] = 3;
	CASE("ARP opcode 3", drop, DROP(UNKNOWN_ETHERTYPE));
	k.b[21] = 1;
	k.b[15] = 6;
	CASE("ARP hardware type 6", drop, DROP(UNKNOWN_ETHERTYPE));
	k.b[15] = 1;
	k.b[16] = 0x86;
	CASE("ARP protocol type 0x86dd", accept, FWD(0));
	k.b[16] = 0x08;
	k.b[18] = 8;
	CASE("ARP hardware size 8", drop, DROP(UNKNOWN_ETHERTYPE));
	k.b[18] = 6;
	k.b[19] = 16;
	CASE("ARP protocol size 16", drop, DROP(UNKNOWN_ETHERTYPE));
	eth(&k, 2, 0x0806);
	arp(&k, 1, 0x0800, 6, 4, 2);
	zeros(&k, 18);
	CASE("ARP reply of 46 bytes after two tags", drop, ARPND);
	eth(&k, 0, 0x8100);
	u8(&k, 0);
	CASE("truncated VLAN tag", accept, DROP(MALFORMED));
	eth(&k, 2, 0x0800);
	ip4(&k, 6, 20, 0);
	tcp(&k, 999, 7070);
	CASE("QinQ TCP to 7070", drop, FWD(2));
	eth(&k, 3, 0x0800);
	ip4(&k, 6, 20, 0);
	tcp(&k, 999, 7070);
	CASE("third tag: unknown ethertype", drop, DROP(UNKNOWN_ETHERTYPE));
	CASE("third tag, accept", accept, FWD(0));
	eth(&k, 0, 0x0800);
	ip4(&k, 6, 20, 0);
	tcp(&k, 7070, 80);
	CASE("TCP from 7070 (reply)", drop, FWD(2));
	CASE("TCP from 7070, no peer: redirect error, not on the rule", nopeer,
	     DROP(REDIRECT_ERROR));
	eth(&k, 0, 0x0800);
	ip4(&k, 6, 20, 0);
	tcp(&k, 1555, 1550);
	CASE("dport 1550 narrowest", drop, FWD(6));
	eth(&k, 0, 0x0800);
	ip4(&k, 6, 20, 0);
	tcp(&k, 1550, 1999);
	CASE("dport before sport", drop, FWD(4));
	eth(&k, 0, 0x0800);
	ip4(&k, 6, 20, 0);
	tcp(&k, 80, 3007);
	CASE("equal widths: lower id", drop, FWD(8));
	eth(&k, 0, 0x0800);
	ip4(&k, 6, 20, 0);
	tcp(&k, 80, 81);
	CASE("TCP no rule", drop, DROP(POLICY));
	CASE("TCP no rule, accept", accept, FWD(0));
	eth(&k, 0, 0x0800);
	ip4(&k, 6, 8, 0x2000);
	u16(&k, 999);
	u16(&k, 7070);
	zeros(&k, 4);
	CASE("tiny first fragment", accept, DROP(MALFORMED));
	zeros(&k, 20);
	CASE("tiny first fragment padded", accept, DROP(MALFORMED));
	eth(&k, 0, 0x0800);
	ip4(&k, 6, 8, 0x0001);
	zeros(&k, 8);
	CASE("TCP non-first fragment", drop, DROP(FRAGMENT));
	CASE("TCP non-first fragment, accept", accept, FWD(0));
	eth(&k, 0, 0x0800);
	ip4(&k, 47, 8, 0x2003);
	zeros(&k, 8);
	CASE("GRE non-first fragment, 47 rule", drop, FWD(7));
	eth(&k, 0, 0x0800);
	ip4(&k, 1, 8, 0x0003);
	zeros(&k, 8);
	CASE("IPv4 ICMP non-first fragment, icmp rule", drop, FWD(1));
	eth(&k, 0, 0x0800);
	ip4(&k, 58, 8, 0x0003);
	zeros(&k, 8);
	CASE("IPv4 protocol-58 non-first fragment, icmpv6 rule is IPv6's", drop, DROP(FRAGMENT));
	eth(&k, 0, 0x0800);
	ip4(&k, 58, 8, 0);
	icmp6(&k, 128);
	CASE("IPv4 protocol 58, icmpv6 rule is IPv6's", drop, DROP(POLICY));
	eth(&k, 0, 0x86dd);
	ip6(&k, 1, 8);
	icmp6(&k, 8);
	CASE("IPv6 protocol 1, icmp rule is IPv4's", drop, DROP(POLICY));
	eth(&k, 0, 0x86dd);
	ip6(&k, 58, 8);
	icmp6(&k, 128);
	CASE("IPv6 echo request, icmpv6 rule", drop, FWD(10));
	eth(&k, 0, 0x86dd);
	ip6(&k, 47, 4);
	zeros(&k, 4);
	CASE("IPv6 protocol 47, 47 rule", drop, FWD(7));
	eth(&k, 0, 0x0800);
	ip4(&k, 17, 8, 0);
	udp(&k, 1, 2);
	zeros(&k, 30);
	CASE("UDP with Ethernet padding", drop, FWD(3));
	k.b[14] = 0x44;
	CASE("IHL 4", accept, DROP(MALFORMED));
	k.b[14] = 0x55;
	CASE("version 5", accept, DROP(MALFORMED));
	eth(&k, 0, 0x0800);
	ip4(&k, 6, 20, 0);
	tcp(&k, 1, 7070);
	k.b[14 + 20 + 12] = 0x60;
	CASE("TCP data offset past the packet", accept, DROP(MALFORMED));
	k.b[14 + 20 + 12] = 0x40;
	CASE("TCP data offset 4", accept, DROP(MALFORMED));

	eth(&k, 0, 0x86dd);
	ip6(&k, 0, 8 * 8 + 8);
	for (i = 0; i < 8; i++)
		ext8(&k, i < 7 ? 60 : 17);
	udp(&k, 5, 6);
	CASE("8 extension headers", drop, FWD(3));
	eth(&k, 0, 0x86dd);
	ip6(&k, 0, 9 * 8 + 8);
	for (i = 0; i < 9; i++)
		ext8(&k, i < 8 ? 43 : 17);
	udp(&k, 5, 6);
	CASE("9 extension headers", accept, DROP(MALFORMED));
	eth(&k, 0, 0x86dd);
	ip6(&k, 44, 8 + 8);
	frag6(&k, 17, 0);
	udp(&k, 5, 6);
	CASE("IPv6 first fragment", drop, FWD(3));
	eth(&k, 0, 0x86dd);
	ip6(&k, 44, 8 + 8);
	frag6(&k, 6, 5);
	zeros(&k, 8);
	CASE("IPv6 non-first TCP fragment", drop, DROP(FRAGMENT));
	CASE("IPv6 non-first TCP fragment, accept", accept, FWD(0));
	eth(&k, 0, 0x86dd);
	ip6(&k, 44, 8 + 8);
	frag6(&k, 17, 5);
	udp(&k, 5, 6);
	CASE("IPv6 non-first fragment claiming UDP, udp rule", drop, DROP(FRAGMENT));
	eth(&k, 0, 0x86dd);
	ip6(&k, 44, 8 + 8);
	frag6(&k, 58, 5);
	icmp6(&k, 128);
	CASE("IPv6 non-first fragment claiming ICMPv6, icmpv6 rule", drop, DROP(FRAGMENT));
	eth(&k, 0, 0x86dd);
	ip6h(&k, 58, 24, 255);
	icmp6(&k, 135);
	zeros(&k, 16);
	CASE("neighbor solicitation", drop, ARPND);
	k.b[54] = 133;
	CASE("router solicitation", drop, ARPND);
	k.b[54] = 137;
	CASE("redirect", drop, ARPND);
	k.b[54] = 138;
	CASE("ICMPv6 138 is not ND", drop, FWD(10));
	k.b[54] = 132;
	CASE("ICMPv6 132 is not ND", accept, FWD(10));
	k.b[54] = 136;
	k.b[55] = 1;
	CASE("ND with code 1 is ICMPv6", drop, FWD(10));
	k.b[55] = 0;
	k.b[21] = 254;
	CASE("ND with hop limit 254 is ICMPv6", drop, FWD(10));
	eth(&k, 0, 0x86dd);
	ip6h(&k, 0, 8 + 8 + 24, 255);
	ext8(&k, 44);
	frag6(&k, 58, 0);
	icmp6(&k, 135);
	zeros(&k, 16);
	CASE("ND after a first-fragment header is ICMPv6", drop, FWD(10));
	eth(&k, 0, 0x86dd);
	ip6h(&k, 60, 8 + 24, 255);
	ext8(&k, 58);
	icmp6(&k, 136);
	zeros(&k, 16);
	CASE("ND after destination options", drop, ARPND);
	eth(&k, 0, 0x86dd);
	ip6h(&k, 58, 4, 255);
	u8(&k, 135);
	zeros(&k, 3);
	CASE("ND of 4 bytes", accept, DROP(MALFORMED));
	eth(&k, 0, 0x86dd);
	ip6(&k, 17, 20);
	udp(&k, 5, 6);
	CASE("payload length past the frame", accept, DROP(MALFORMED));
	eth(&k, 0, 0x86dd);
	ip6(&k, 0, 8);
	u8(&k, 17);
	u8(&k, 1);	/* 16 bytes, only 8 in the payload */
	zeros(&k, 6 + 16);
	CASE("extension header past the payload", accept, DROP(MALFORMED));
	eth(&k, 0, 0x88cc);
	CASE("LLDP", drop, DROP(UNKNOWN_ETHERTYPE));

	if (failed && strlen(why) + 32 < whylen)
		snprintf(why + strlen(why), whylen - strlen(why), " (%d of %d cases)", failed, n);
	return failed ? -1 : n;
}
