// SPDX-License-Identifier: GPL-2.0
/*
 * selftest.c - known answers for the reference classifier: frames written
 * by hand for the clauses of the spec (issues 2, 10 and 11), with the
 * verdict the spec text gives.
 * It keeps the reference honest on its own, before it judges the datapath.
 */
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
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

/* IPv4 header with these addresses (text), no options. */
static void ip4a(struct kbuf *k, unsigned int proto, unsigned int l4len, unsigned int frag,
		 const char *src, const char *dst)
{
	ip4(k, proto, l4len, frag);
	inet_pton(AF_INET, src, k->b + k->n - 8);
	inet_pton(AF_INET, dst, k->b + k->n - 4);
}

static void ip6a(struct kbuf *k, unsigned int nexthdr, unsigned int plen, unsigned int hop_limit,
		 const char *src, const char *dst)
{
	ip6h(k, nexthdr, plen, hop_limit);
	inet_pton(AF_INET6, src, k->b + k->n - 32);
	inet_pton(AF_INET6, dst, k->b + k->n - 16);
}

static void icmp4(struct kbuf *k, unsigned int type, unsigned int code)
{
	u8(k, type);
	u8(k, code);
	zeros(k, 6);
}

#define ANYWHERE	.in = REF_ANY
#define PORTS(l, h)	.has_ports = 1, .ports = { l, h }
#define P4(a, b, c, d, l)	{ .v6 = 0, .len = l, .addr = { a, b, c, d } }
#define P6(a0, a1, l)	{ .v6 = 1, .len = l, .addr = { a0, a1 } }

/*
 * Set A: the rules of the old tests in list order (ids 1-10): the first
 * that matches counts, even where a narrower range follows.
 */
static const struct ref_rule set_a[] = {
	{ .id = 1, .proto = 1, ANYWHERE },			/* icmp */
	{ .id = 2, .proto = 6, ANYWHERE, PORTS(7070, 7070) },	/* tcp 7070 */
	{ .id = 3, .proto = 17, ANYWHERE },			/* udp */
	{ .id = 4, .proto = 6, ANYWHERE, PORTS(1000, 2000) },
	{ .id = 5, .proto = 6, ANYWHERE, PORTS(1500, 1600) },
	{ .id = 6, .proto = 6, ANYWHERE, PORTS(1550, 1550) },
	{ .id = 7, .proto = 47, ANYWHERE },
	{ .id = 8, .proto = 6, ANYWHERE, PORTS(3000, 3010) },
	{ .id = 9, .proto = 6, ANYWHERE, PORTS(3005, 3015) },
	{ .id = 10, .proto = 58, ANYWHERE },			/* icmpv6 */
};

/* Set B: the rule language, ids 1-12 in list order. */
static const struct ref_rule set_b[] = {
	/* deny tcp dport 22 src 10.9.0.0/16 */
	{ .id = 1, .deny = 1, .proto = 6, ANYWHERE, .n_dport = 1, .dport = { { 22, 22 } },
	  .n_src = 1, .src = { P4(10, 9, 0, 0, 16) } },
	/* allow tcp dport 22,80,443 in input dst 10.0.0.0/8,fd00::/8 */
	{ .id = 2, .proto = 6, .in = 0, .n_dport = 3, .dport = { { 22, 22 }, { 80, 80 }, { 443, 443 } },
	  .n_dst = 2, .dst = { P4(10, 0, 0, 0, 8), P6(0xfd, 0, 8) } },
	/* allow icmp type echo-request in input */
	{ .id = 3, .proto = 1, .in = 0, .has_type = 1, .type = 8 },
	/* allow any src 192.168.7.0/24 */
	{ .id = 4, .proto = REF_ANY, ANYWHERE, .n_src = 1, .src = { P4(192, 168, 7, 0, 24) } },
	/* deny udp sport 5000-5100 dport 53 */
	{ .id = 5, .deny = 1, .proto = 17, ANYWHERE, .n_sport = 1, .sport = { { 5000, 5100 } },
	  .n_dport = 1, .dport = { { 53, 53 } } },
	/* deny icmpv6 type 1/4 */
	{ .id = 6, .deny = 1, .proto = 58, ANYWHERE, .has_type = 1, .type = 1, .has_code = 1,
	  .code = 4 },
	/* allow icmpv6 type echo-request */
	{ .id = 7, .proto = 58, ANYWHERE, .has_type = 1, .type = 128 },
	/* deny any src fd00::/16 in output */
	{ .id = 8, .deny = 1, .proto = REF_ANY, .in = 1, .n_src = 1, .src = { P6(0xfd, 0, 16) } },
	/* allow udp dport 53,123 */
	{ .id = 9, .proto = 17, ANYWHERE, .n_dport = 2, .dport = { { 53, 53 }, { 123, 123 } } },
	/* deny 47 */
	{ .id = 10, .deny = 1, .proto = 47, ANYWHERE },
	/* allow any dst 10.0.0.0/8 */
	{ .id = 11, .proto = REF_ANY, ANYWHERE, .n_dst = 1, .dst = { P4(10, 0, 0, 0, 8) } },
	/* allow tcp 7070 sport 1-1023 */
	{ .id = 12, .proto = 6, ANYWHERE, PORTS(7070, 7070), .n_sport = 1, .sport = { { 1, 1023 } } },
};

#define FWD(rule) 1, -1, rule, 0
#define ARPND 1, -1, 0, 1
#define DROP(reason) 0, FWCTL_DROP_##reason, 0, 0
#define DENY(rule) 0, FWCTL_DROP_RULE, rule, 0

static void one_case(const char *name, const struct kbuf *k, const struct ref_ruleset *rs, int dir,
		     int *n, int *failed, char *why, size_t whylen, int fwd, int reason,
		     uint32_t rule, int arp_nd)
{
	struct ref_verdict v;
	char got[64];

	(*n)++;
	ref_classify(k->b, k->n, dir, rs, &v);
	if (v.forward == fwd && v.reason == reason && v.rule == rule && v.arp_nd == arp_nd)
		return;
	ref_describe(&v, got, sizeof(got));
	if (!(*failed)++)
		snprintf(why, whylen, "%s: got %s", name, got);
}

#define NRULES(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* The cases of the rule language (set B), arriving on input (0) or output (1). */
static void language_cases(int *n, int *failed, char *why, size_t whylen)
{
	struct ref_ruleset drop = { NRULES(set_b), set_b, 0, 1 };
	struct ref_ruleset accept = drop, nopeer = drop;
	struct kbuf k;

	accept.accept = 1;
	nopeer.accept = 1;
	nopeer.have_peer = 0;
#define CASED(name, rs, dir, ...) one_case(name, &k, &(rs), dir, n, failed, why, whylen, __VA_ARGS__)

	eth(&k, 0, 0x0800);
	ip4a(&k, 6, 20, 0, "10.9.1.1", "10.1.1.1");
	tcp(&k, 40000, 22);
	CASED("deny before allow: first match", accept, 0, DENY(1));
	CASED("deny counts on its rule without a peer", nopeer, 0, DENY(1));
	k.b[14 + 13] = 8;	/* source 10.8.1.1 */
	CASED("dport list and dst prefix, in input", drop, 0, FWD(2));
	CASED("in input does not match output: the next rule", drop, 1, FWD(11));
	CASED("allowed without a peer: redirect error, no rule", nopeer, 0, DROP(REDIRECT_ERROR));
	k.b[14 + 16] = 11;	/* destination 11.1.1.1 */
	CASED("no rule matches on output", drop, 1, DROP(POLICY));
	CASED("no rule matches, policy accept", accept, 1, FWD(0));

	eth(&k, 0, 0x86dd);
	ip6a(&k, 6, 20, 64, "fd00::1", "fd00::2");
	tcp(&k, 40000, 443);
	CASED("IPv6 dst prefix of a mixed list", drop, 0, FWD(2));
	CASED("IPv6 deny any src fd00::/16 in output", drop, 1, DENY(8));
	eth(&k, 0, 0x86dd);
	ip6a(&k, 6, 20, 64, "::ffff:192.168.7.1", "::ffff:10.0.0.1");
	tcp(&k, 40000, 9);
	CASED("IPv4-mapped IPv6 matches no IPv4 prefix", drop, 0, DROP(POLICY));

	eth(&k, 0, 0x0800);
	ip4a(&k, 1, 8, 0, "1.1.1.1", "2.2.2.2");
	icmp4(&k, 8, 0);
	CASED("icmp type echo-request in input", drop, 0, FWD(3));
	CASED("icmp type echo-request in input, on output", drop, 1, DROP(POLICY));
	k.b[14 + 12] = 192, k.b[14 + 13] = 168, k.b[14 + 14] = 7;
	CASED("any src 192.168.7.0/24 takes ICMP on output", drop, 1, FWD(4));

	eth(&k, 0, 0x0800);
	ip4a(&k, 17, 8, 0, "1.1.1.1", "2.2.2.2");
	udp(&k, 5050, 53);
	CASED("deny udp sport 5000-5100 dport 53", accept, 0, DENY(5));
	k.b[34] = 5101 >> 8, k.b[35] = 5101 & 0xff;
	CASED("sport 5101 misses the deny, dport list matches", drop, 1, FWD(9));
	k.b[36] = 0, k.b[37] = 124;
	CASED("dport 124 misses the list", drop, 1, DROP(POLICY));

	eth(&k, 0, 0x86dd);
	ip6a(&k, 58, 8, 64, "2001:db8::1", "2001:db8::2");
	icmp4(&k, 1, 4);
	CASED("deny icmpv6 type 1/4", accept, 0, DENY(6));
	k.b[55] = 3;
	CASED("icmpv6 type 1 code 3 matches neither", drop, 0, DROP(POLICY));
	k.b[54] = 128, k.b[55] = 0;
	CASED("icmpv6 type echo-request", drop, 0, FWD(7));
	eth(&k, 0, 0x86dd);
	ip6a(&k, 58, 24, 255, "fd00::1", "fd00::2");
	icmp6(&k, 135);
	zeros(&k, 16);
	CASED("ND under deny any src fd00::/16", drop, 1, ARPND);
	k.b[21] = 64;
	CASED("ICMPv6 135 with hop limit 64 is not ND: denied", accept, 1, DENY(8));

	eth(&k, 0, 0x0800);
	ip4a(&k, 47, 4, 0, "1.1.1.1", "10.0.0.1");
	zeros(&k, 4);
	CASED("deny 47 before allow any dst 10.0.0.0/8", accept, 0, DENY(10));
	k.b[14 + 12] = 192, k.b[14 + 13] = 168, k.b[14 + 14] = 7;
	CASED("allow any src 192.168.7.0/24 before deny 47", drop, 0, FWD(4));

	eth(&k, 0, 0x86dd);
	ip6a(&k, 44, 8 + 8, 64, "fd00::1", "fd00::2");
	frag6(&k, 6, 5);
	tcp(&k, 40000, 443);
	CASED("IPv6 non-first fragment: only any rules, in output", drop, 1, DENY(8));
	CASED("IPv6 non-first fragment: tcp rule skipped, policy counts fragment", drop, 0,
	      DROP(FRAGMENT));
	eth(&k, 0, 0x0800);
	ip4a(&k, 6, 20, 100, "10.9.1.1", "10.1.1.1");
	tcp(&k, 40000, 22);
	CASED("IPv4 non-first fragment: dport rules skipped, any dst matches", drop, 0, FWD(11));
	eth(&k, 0, 0x0800);
	ip4a(&k, 17, 8, 100, "1.1.1.1", "11.1.1.1");
	udp(&k, 1, 53);
	CASED("IPv4 non-first fragment: dport list skipped", accept, 0, FWD(0));
	CASED("IPv4 non-first fragment: dport list skipped, fragment drop", drop, 0, DROP(FRAGMENT));

	eth(&k, 0, 0x0800);
	ip4a(&k, 6, 20, 0, "1.1.1.1", "11.0.0.1");
	tcp(&k, 80, 7070);
	CASED("PORTS by dport and sport list", drop, 1, FWD(12));
	k.b[34] = 2000 >> 8, k.b[35] = 2000 & 0xff;
	CASED("PORTS matches but sport list does not", drop, 1, DROP(POLICY));
	eth(&k, 2, 0x0800);
	ip4a(&k, 6, 20, 0, "10.9.200.1", "10.0.0.1");
	tcp(&k, 1, 22);
	CASED("two VLAN tags: inner source address", accept, 1, DENY(1));
#undef CASED
}

int ref_selftest(char *why, size_t whylen)
{
	struct ref_ruleset drop = { NRULES(set_a), set_a, 0, 1 };
	struct ref_ruleset accept = drop, nopeer = drop;
	struct kbuf k;
	int failed = 0, n = 0, i;

	accept.accept = 1;
	nopeer.have_peer = 0;
	why[0] = 0;

#define CASE(name, rs, ...) one_case(name, &k, &(rs), 0, &n, &failed, why, whylen, __VA_ARGS__)

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
	CASE("dport 1550: the first rule in list order (1000-2000), not the narrowest", drop,
	     FWD(4));
	eth(&k, 0, 0x0800);
	ip4(&k, 6, 20, 0);
	tcp(&k, 1550, 1999);
	CASE("dport before sport", drop, FWD(4));
	eth(&k, 0, 0x0800);
	ip4(&k, 6, 20, 0);
	tcp(&k, 80, 3007);
	CASE("two rules cover 3007: the first in list order", drop, FWD(8));
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
#undef CASE
	language_cases(&n, &failed, why, whylen);

	if (failed && strlen(why) + 32 < whylen)
		snprintf(why + strlen(why), whylen - strlen(why), " (%d of %d cases)", failed, n);
	return failed ? -1 : n;
}
