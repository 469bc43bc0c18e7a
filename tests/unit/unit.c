// SPDX-License-Identifier: GPL-2.0
/*
 * unit.c - in-kernel unit tests of the fwctl datapath (issue 2, "Tests").
 *
 * Loads the fwctl skeleton WITHOUT pinning anything (a real fwctl may run
 * meanwhile), sets rules and policy through the loader library, runs crafted
 * frames with BPF_PROG_TEST_RUN and checks, for every case of the table:
 * the verdict (XDP_REDIRECT or XDP_DROP), that the frame comes out
 * unchanged, and the exact counter deltas (the direction's received,
 * forwarded, ARP/ND and drop-by-reason counters, the other direction
 * untouched, and the matched rule's packets/bytes with no other rule moving).
 *
 * Usage: unit [-v] IFINDEX_IN IFINDEX_OUT   (two interfaces of this netns;
 * tests/unit/run makes them). Prints PASS:/FAIL:/SKIP: lines; exits 1 on
 * any failure.
 */
#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "fwctl.h"
#include "fwctl.skel.h"
#include "frame.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_CASE_RULES 8

enum { P_BOTH = 0, P_DROP, P_ACCEPT };	/* policies a case runs under */
enum { D_BOTH = 0, D_IN, D_OUT };	/* directions a case runs in */
enum { V_FWD = 1, V_DROP };		/* expected verdict */

struct tcase {
	const char *name;
	struct fspec f;
	const char *rules[MAX_CASE_RULES];	/* rule lines, NULL ends */
	int policy;
	int dir;
	int verdict;
	int reason;		/* enum fwctl_drop_reason, for V_DROP */
	int rule;		/* 1-based index in rules[] the packet counts on; 0 none */
	bool arp_nd;		/* forwarded as ARP or ND */
};

#define FWD		.verdict = V_FWD
#define FWD_RULE(n)	.verdict = V_FWD, .rule = (n)
#define ARPND		.verdict = V_FWD, .arp_nd = true
#define DROP(r)		.verdict = V_DROP, .reason = FWCTL_DROP_##r
#define DROP_RULE(r, n)	.verdict = V_DROP, .reason = FWCTL_DROP_##r, .rule = (n)

/* Frames used over and over. */
#define TCP4(sp, dp)	.l3 = L3_V4, .proto = 6, .sport = (sp), .dport = (dp)
#define UDP4(sp, dp)	.l3 = L3_V4, .proto = 17, .sport = (sp), .dport = (dp)
#define TCP6(sp, dp)	.l3 = L3_V6, .proto = 6, .sport = (sp), .dport = (dp)
#define UDP6(sp, dp)	.l3 = L3_V6, .proto = 17, .sport = (sp), .dport = (dp)
#define TPID_Q		0x8100
#define TPID_AD		0x88a8
#define FRAG_MF		0x2000		/* IPv4 "more fragments" */
#define FRAG_DF		0x4000		/* IPv4 "don't fragment" */
#define OFF6(o)		((o) << 3)	/* IPv6 fragment header offset field */
/* Neighbor Discovery as RFC 4861 sends it: code 0, hop limit 255. */
#define ICMP6(type)	.l3 = L3_V6, .proto = 58, .icmp_type = (type)
#define ND6(type)	ICMP6(type), .hlim = 255
/* ARP fields, at their offsets after the Ethernet header and tags. */
#define ARP_HRD_LO	1
#define ARP_PRO_HI	2
#define ARP_HLN		4
#define ARP_PLN		5
#define ARP_OP_LO	7
#define POKE(o, v)	.poke = { { (o), (v) } }, .npoke = 1

static const struct tcase cases[] = {
	/* ---- 1. Ethernet, VLAN, QinQ ---------------------------------------- */
	{ "1 eth: 14-byte frame, IPv4 ethertype and no IPv4 header is malformed",
	  { .l3 = L3_RAW, .ethertype = 0x0800 }, {}, P_BOTH, D_BOTH, DROP(MALFORMED) },
	{ "1 eth: 14-byte frame, unknown ethertype, policy drop",
	  { .l3 = L3_RAW, .ethertype = 0x88b5 }, {}, P_DROP, D_BOTH, DROP(UNKNOWN_ETHERTYPE) },
	{ "1 eth: 14-byte frame, unknown ethertype, policy accept",
	  { .l3 = L3_RAW, .ethertype = 0x88b5 }, {}, P_ACCEPT, D_BOTH, FWD },
	{ "1 vlan: 802.1Q tag skipped, inner IPv4 TCP to 7070 matches tcp 7070",
	  { .tags = { TPID_Q }, TCP4(40000, 7070) }, { "tcp 7070" }, P_BOTH, D_BOTH, FWD_RULE(1) },
	{ "1 vlan: 802.1Q tag skipped, inner IPv4 unmatched is a policy drop (not unknown ethertype)",
	  { .tags = { TPID_Q }, TCP4(40000, 80) }, { "tcp 7070" }, P_DROP, D_BOTH, DROP(POLICY) },
	{ "1 vlan: 802.1ad tag alone skipped",
	  { .tags = { TPID_AD }, UDP4(1000, 5353) }, { "udp 5353" }, P_BOTH, D_BOTH, FWD_RULE(1) },
	{ "1 qinq: 0x88a8 then 0x8100 skipped, inner IPv4 classified",
	  { .tags = { TPID_AD, TPID_Q }, TCP4(40000, 7070) }, { "tcp 7070" }, P_BOTH, D_BOTH, FWD_RULE(1) },
	{ "1 qinq: 0x8100 then 0x88a8 skipped, inner IPv4 classified",
	  { .tags = { TPID_Q, TPID_AD }, TCP4(40000, 7070) }, { "tcp 7070" }, P_BOTH, D_BOTH, FWD_RULE(1) },
	{ "1 qinq: 0x8100 then 0x8100 skipped, inner IPv6 classified",
	  { .tags = { TPID_Q, TPID_Q }, TCP6(40000, 7070) }, { "tcp 7070" }, P_BOTH, D_BOTH, FWD_RULE(1) },
	{ "1 qinq: two tags, inner IPv4 unmatched is a policy drop",
	  { .tags = { TPID_AD, TPID_Q }, TCP4(40000, 81) }, { "tcp 7070" }, P_DROP, D_BOTH, DROP(POLICY) },
	{ "1 qinq: ARP inside two tags forwarded as ARP",
	  { .tags = { TPID_AD, TPID_Q }, .l3 = L3_ARP }, {}, P_BOTH, D_BOTH, ARPND },
	{ "1 vlan: truncated tag (frame ends 2 bytes into it) is malformed",
	  { .tags = { TPID_Q }, .l3 = L3_RAW, .ethertype = 0x0800, .keep = 16 }, {}, P_BOTH, D_BOTH,
	  DROP(MALFORMED) },
	{ "1 vlan: frame ends right after the TPID is malformed",
	  { .tags = { TPID_Q }, .l3 = L3_RAW, .ethertype = 0x0800, .keep = 14 }, {}, P_BOTH, D_BOTH,
	  DROP(MALFORMED) },
	{ "1 qinq: truncated second tag is malformed",
	  { .tags = { TPID_AD, TPID_Q }, .l3 = L3_RAW, .ethertype = 0x0800, .keep = 20 }, {}, P_BOTH,
	  D_BOTH, DROP(MALFORMED) },
	{ "1 qinq: two whole tags and nothing after the inner IPv4 ethertype is malformed",
	  { .tags = { TPID_AD, TPID_Q }, .l3 = L3_RAW, .ethertype = 0x0800 }, {}, P_BOTH, D_BOTH,
	  DROP(MALFORMED) },
	{ "1 vlan: malformed IPv4 (IHL 4) inside a tag is malformed",
	  { .tags = { TPID_Q }, TCP4(40000, 7070), .ihl = 4 }, { "tcp 7070" }, P_BOTH, D_BOTH,
	  DROP(MALFORMED) },
	{ "1 vlan: third tag is an unknown ethertype (allowed TCP inside ignored), policy drop",
	  { .tags = { TPID_Q, TPID_Q, TPID_Q }, TCP4(40000, 7070) }, { "tcp 7070" }, P_DROP, D_BOTH,
	  DROP(UNKNOWN_ETHERTYPE) },
	{ "1 vlan: third tag (0x88a8, 0x8100, 0x88a8) is an unknown ethertype, policy drop",
	  { .tags = { TPID_AD, TPID_Q, TPID_AD }, .l3 = L3_ARP }, {}, P_DROP, D_BOTH,
	  DROP(UNKNOWN_ETHERTYPE) },
	{ "1 vlan: third tag is an unknown ethertype, policy accept forwards it (no rule)",
	  { .tags = { TPID_Q, TPID_Q, TPID_Q }, TCP4(40000, 7070) }, { "tcp 7070" }, P_ACCEPT, D_BOTH,
	  FWD },

	/* ---- 2. ARP ------------------------------------------------------------ */
	{ "2 arp: forwarded whatever the policy, counted as ARP/ND",
	  { .l3 = L3_ARP }, {}, P_BOTH, D_BOTH, ARPND },
	{ "2 arp: forwarded under policy drop even with rules that do not name it",
	  { .l3 = L3_ARP }, { "tcp 7070", "udp" }, P_DROP, D_BOTH, ARPND },
	{ "2 arp: forwarded inside an 802.1Q tag",
	  { .tags = { TPID_Q }, .l3 = L3_ARP }, {}, P_DROP, D_BOTH, ARPND },
	{ "2 arp: reply (opcode 2) forwarded",
	  { .l3 = L3_ARP, POKE(ARP_OP_LO, 2) }, {}, P_DROP, D_BOTH, ARPND },
	{ "2 arp: 28 bytes plus 18 of padding (46 after Ethernet, a 60-byte frame) forwarded",
	  { .l3 = L3_ARP, .pad = 18 }, {}, P_DROP, D_BOTH, ARPND },
	{ "2 arp: 46 bytes after two VLAN tags forwarded",
	  { .tags = { TPID_AD, TPID_Q }, .l3 = L3_ARP, .pad = 18 }, {}, P_DROP, D_BOTH, ARPND },
	{ "2 arp: 47 bytes after Ethernet is not ARP, policy drop counts unknown ethertype",
	  { .l3 = L3_ARP, .pad = 19 }, {}, P_DROP, D_BOTH, DROP(UNKNOWN_ETHERTYPE) },
	{ "2 arp: 47 bytes after a VLAN tag is not ARP, policy drop counts unknown ethertype",
	  { .tags = { TPID_Q }, .l3 = L3_ARP, .pad = 19 }, {}, P_DROP, D_BOTH,
	  DROP(UNKNOWN_ETHERTYPE) },
	{ "2 arp: 1400-byte ARP body is not ARP, policy drop counts unknown ethertype",
	  { .l3 = L3_ARP, .pad = 1372 }, { "tcp", "udp", "icmp" }, P_DROP, D_BOTH,
	  DROP(UNKNOWN_ETHERTYPE) },
	{ "2 arp: 1400-byte ARP body, policy accept forwards it by the policy (not ARP/ND)",
	  { .l3 = L3_ARP, .pad = 1372 }, {}, P_ACCEPT, D_BOTH, FWD },
	{ "2 arp: 27 bytes after Ethernet is not ARP, policy drop counts unknown ethertype",
	  { .l3 = L3_ARP, .cut = 1 }, {}, P_DROP, D_BOTH, DROP(UNKNOWN_ETHERTYPE) },
	{ "2 arp: 14-byte frame with ARP's ethertype (no body) is not ARP, policy drop",
	  { .l3 = L3_ARP, .keep = 14 }, {}, P_DROP, D_BOTH, DROP(UNKNOWN_ETHERTYPE) },
	{ "2 arp: 14-byte frame with ARP's ethertype, policy accept forwards (not ARP/ND)",
	  { .l3 = L3_ARP, .keep = 14 }, {}, P_ACCEPT, D_BOTH, FWD },
	{ "2 arp: hardware type 6 is not ARP, policy drop counts unknown ethertype",
	  { .l3 = L3_ARP, POKE(ARP_HRD_LO, 6) }, {}, P_DROP, D_BOTH, DROP(UNKNOWN_ETHERTYPE) },
	{ "2 arp: protocol type 0x86dd is not ARP, policy drop counts unknown ethertype",
	  { .l3 = L3_ARP, .poke = { { ARP_PRO_HI, 0x86 }, { ARP_PRO_HI + 1, 0xdd } }, .npoke = 2 },
	  {}, P_DROP, D_BOTH, DROP(UNKNOWN_ETHERTYPE) },
	{ "2 arp: hardware size 8 is not ARP, policy drop counts unknown ethertype",
	  { .l3 = L3_ARP, POKE(ARP_HLN, 8) }, {}, P_DROP, D_BOTH, DROP(UNKNOWN_ETHERTYPE) },
	{ "2 arp: protocol size 16 is not ARP, policy drop counts unknown ethertype",
	  { .l3 = L3_ARP, POKE(ARP_PLN, 16) }, {}, P_DROP, D_BOTH, DROP(UNKNOWN_ETHERTYPE) },
	{ "2 arp: opcode 0 is not ARP, policy drop counts unknown ethertype",
	  { .l3 = L3_ARP, POKE(ARP_OP_LO, 0) }, {}, P_DROP, D_BOTH, DROP(UNKNOWN_ETHERTYPE) },
	{ "2 arp: opcode 3 (RARP request) is not ARP, policy drop counts unknown ethertype",
	  { .l3 = L3_ARP, POKE(ARP_OP_LO, 3) }, {}, P_DROP, D_BOTH, DROP(UNKNOWN_ETHERTYPE) },
	{ "2 arp: opcode 0x0101 is not ARP, policy drop counts unknown ethertype",
	  { .l3 = L3_ARP, POKE(ARP_OP_LO - 1, 1) }, {}, P_DROP, D_BOTH, DROP(UNKNOWN_ETHERTYPE) },
	{ "2 arp: opcode 8 (InARP), policy accept forwards by the policy (not ARP/ND)",
	  { .l3 = L3_ARP, POKE(ARP_OP_LO, 8) }, {}, P_ACCEPT, D_BOTH, FWD },

	/* ---- 3. IPv4: header checks ------------------------------------------ */
	{ "3 ipv4: 19 bytes after Ethernet is malformed",
	  { TCP4(40000, 7070), .keep_l3 = 19 }, { "tcp 7070" }, P_BOTH, D_BOTH, DROP(MALFORMED) },
	{ "3 ipv4: version 6 in an IPv4 frame is malformed",
	  { TCP4(40000, 7070), .ver = 6 }, { "tcp 7070" }, P_BOTH, D_BOTH, DROP(MALFORMED) },
	{ "3 ipv4: version 5 is malformed",
	  { TCP4(40000, 7070), .ver = 5 }, { "tcp 7070" }, P_BOTH, D_BOTH, DROP(MALFORMED) },
	{ "3 ipv4: IHL 4 is malformed",
	  { TCP4(40000, 7070), .ihl = 4 }, { "tcp 7070" }, P_BOTH, D_BOTH, DROP(MALFORMED) },
	{ "3 ipv4: IHL 4 (protocol 47, allowed if IHL were ignored) is malformed",
	  { .l3 = L3_V4, .proto = 47, .payload = 8, .ihl = 4 }, { "47" }, P_BOTH, D_BOTH,
	  DROP(MALFORMED) },
	{ "3 ipv4: IHL 0 is malformed",
	  { .l3 = L3_V4, .proto = 47, .payload = 8, .ihl = 0x10 }, { "47" }, P_BOTH, D_BOTH,
	  DROP(MALFORMED) },
	{ "3 ipv4: IHL x4 beyond the frame is malformed",
	  { .l3 = L3_V4, .proto = 47, .ihl = 15, .l3_len = 60, .keep_l3 = 56 }, { "47" }, P_BOTH,
	  D_BOTH, DROP(MALFORMED) },
	{ "3 ipv4: total length 19 < IHL x4 is malformed",
	  { .l3 = L3_V4, .proto = 47, .payload = 8, .l3_len = 19 }, { "47" }, P_BOTH, D_BOTH,
	  DROP(MALFORMED) },
	{ "3 ipv4: total length 23 < IHL x4 = 24 is malformed",
	  { .l3 = L3_V4, .proto = 47, .payload = 8, .ihl = 6, .l3_len = 23 }, { "47" }, P_BOTH, D_BOTH,
	  DROP(MALFORMED) },
	{ "3 ipv4: total length 0 is malformed",
	  { .l3 = L3_V4, .proto = 47, .l3_len = 0x10000 }, { "47" }, P_BOTH, D_BOTH, DROP(MALFORMED) },
	{ "3 ipv4: total length 1 byte beyond the frame is malformed",
	  { TCP4(40000, 7070), .len_adj = 1 }, { "tcp 7070" }, P_BOTH, D_BOTH, DROP(MALFORMED) },
	{ "3 ipv4: total length 1 byte beyond the frame (protocol 47, no L4 checks) is malformed",
	  { .l3 = L3_V4, .proto = 47, .payload = 10, .len_adj = 1 }, { "47" }, P_BOTH, D_BOTH,
	  DROP(MALFORMED) },
	{ "3 ipv4: Ethernet padding after total length is fine",
	  { TCP4(40000, 7070), .pad = 26 }, { "tcp 7070" }, P_BOTH, D_BOTH, FWD_RULE(1) },
	{ "3 ipv4: options skipped (IHL 15), ports read after them",
	  { TCP4(40000, 7070), .ihl = 15 }, { "tcp 7070" }, P_BOTH, D_BOTH, FWD_RULE(1) },
	{ "3 ipv4: options skipped (IHL 6)",
	  { UDP4(40000, 5353), .ihl = 6 }, { "udp 5353" }, P_BOTH, D_BOTH, FWD_RULE(1) },
	{ "3 ipv4: well-formed unmatched, policy drop",
	  { TCP4(40000, 80) }, { "tcp 7070" }, P_DROP, D_BOTH, DROP(POLICY) },
	{ "3 ipv4: well-formed unmatched, policy accept",
	  { TCP4(40000, 80) }, { "tcp 7070" }, P_ACCEPT, D_BOTH, FWD },
	{ "3 ipv4: well-formed with no rules at all, policy drop",
	  { UDP4(1, 2) }, {}, P_DROP, D_BOTH, DROP(POLICY) },
	{ "3 ipv4: well-formed with no rules at all, policy accept",
	  { UDP4(1, 2) }, {}, P_ACCEPT, D_BOTH, FWD },

	/* ---- 3. IPv4: fragments ------------------------------------------------ */
	{ "3 ipv4 frag: non-first TCP fragment matched by protocol-wide tcp",
	  { TCP4(40000, 7070), .frag = 100 }, { "tcp" }, P_BOTH, D_BOTH, FWD_RULE(1) },
	{ "3 ipv4 frag: non-first fragment counts on protocol-wide rule, not the port rule its bytes look like",
	  { TCP4(40000, 7070), .frag = 100 | FRAG_MF }, { "tcp 7070", "tcp" }, P_BOTH, D_BOTH,
	  FWD_RULE(2) },
	{ "3 ipv4 frag: non-first fragment not matched by port rule, policy drop counts fragment",
	  { TCP4(7070, 7070), .frag = 1 }, { "tcp 7070" }, P_DROP, D_BOTH, DROP(FRAGMENT) },
	{ "3 ipv4 frag: non-first fragment not matched, policy accept forwards",
	  { TCP4(7070, 7070), .frag = 1 }, { "tcp 7070" }, P_ACCEPT, D_BOTH, FWD },
	{ "3 ipv4 frag: non-first fragment of 1 byte (no L4 checks) matched by protocol-wide udp",
	  { .l3 = L3_V4, .proto = 17, .l4_len = L4_NONE, .payload = 1, .frag = 0x1fff }, { "udp" },
	  P_BOTH, D_BOTH, FWD_RULE(1) },
	{ "3 ipv4 frag: non-first fragment with 0 payload bytes matched by protocol-wide tcp",
	  { .l3 = L3_V4, .proto = 6, .l4_len = L4_NONE, .frag = 185 | FRAG_MF }, { "tcp" }, P_BOTH,
	  D_BOTH, FWD_RULE(1) },
	{ "3 ipv4 frag: non-first TCP fragment with only a udp rule, policy drop counts fragment",
	  { TCP4(40000, 7070), .frag = 100 }, { "udp" }, P_DROP, D_BOTH, DROP(FRAGMENT) },
	{ "3 ipv4 frag: non-first ICMP fragment matched by icmp",
	  { .l3 = L3_V4, .proto = 1, .icmp_type = 8, .frag = 3 }, { "icmp" }, P_BOTH, D_BOTH,
	  FWD_RULE(1) },
	{ "3 ipv4 frag: non-first ICMP fragment matched by the number 1",
	  { .l3 = L3_V4, .proto = 1, .icmp_type = 8, .frag = 3 | FRAG_MF }, { "1" }, P_BOTH, D_BOTH,
	  FWD_RULE(1) },
	{ "3 ipv4 frag: non-first protocol-58 fragment not matched by icmpv6 (IPv6 only), counts fragment",
	  { .l3 = L3_V4, .proto = 58, .icmp_type = 128, .frag = 3 }, { "icmpv6" }, P_DROP, D_BOTH,
	  DROP(FRAGMENT) },
	{ "3 ipv4 frag: non-first protocol-47 fragment matched by 47",
	  { .l3 = L3_V4, .proto = 47, .payload = 30, .frag = 3 }, { "47" }, P_BOTH, D_BOTH,
	  FWD_RULE(1) },
	{ "3 ipv4 frag: non-first fragment with total length beyond the frame is malformed",
	  { TCP4(40000, 7070), .frag = 100, .len_adj = 1 }, { "tcp" }, P_BOTH, D_BOTH,
	  DROP(MALFORMED) },
	{ "3 ipv4 frag: first fragment (MF, offset 0) is parsed and matched by port",
	  { TCP4(40000, 7070), .frag = FRAG_MF }, { "tcp 7070", "tcp" }, P_BOTH, D_BOTH, FWD_RULE(1) },
	{ "3 ipv4 frag: DF flag alone is not a fragment",
	  { TCP4(40000, 7070), .frag = FRAG_DF }, { "tcp 7070" }, P_BOTH, D_BOTH, FWD_RULE(1) },
	{ "3 ipv4 frag: tiny first fragment (RFC 1858, 8 TCP bytes) is malformed even with tcp rule",
	  { TCP4(40000, 7070), .frag = FRAG_MF, .l4_len = 8 }, { "tcp" }, P_BOTH, D_BOTH,
	  DROP(MALFORMED) },
	{ "3 ipv4 frag: tiny first fragment (16 TCP bytes, ports present) is malformed",
	  { TCP4(40000, 7070), .frag = FRAG_MF, .l4_len = 16 }, { "tcp 7070" }, P_BOTH, D_BOTH,
	  DROP(MALFORMED) },

	/* ---- 3. L4 checks over IPv4 ------------------------------------------- */
	{ "3 l4: L4 header inside the frame but beyond IPv4 total length is malformed",
	  { TCP4(40000, 7070), .len_adj = -1, .pad = 10 }, { "tcp 7070" }, P_BOTH, D_BOTH,
	  DROP(MALFORMED) },
	{ "3 tcp: 19 bytes is malformed",
	  { TCP4(40000, 7070), .l4_len = 19 }, { "tcp 7070" }, P_BOTH, D_BOTH, DROP(MALFORMED) },
	{ "3 tcp: no L4 bytes at all is malformed",
	  { TCP4(40000, 7070), .l4_len = L4_NONE }, { "tcp" }, P_BOTH, D_BOTH, DROP(MALFORMED) },
	{ "3 tcp: data offset 4 is malformed",
	  { TCP4(40000, 7070), .doff = 4 }, { "tcp 7070" }, P_BOTH, D_BOTH, DROP(MALFORMED) },
	{ "3 tcp: data offset 0 is malformed",
	  { TCP4(40000, 7070), .doff = 0x10 }, { "tcp 7070" }, P_BOTH, D_BOTH, DROP(MALFORMED) },
	{ "3 tcp: data offset 6 with 20 L4 bytes is malformed",
	  { TCP4(40000, 7070), .doff = 6, .l4_len = 20 }, { "tcp 7070" }, P_BOTH, D_BOTH,
	  DROP(MALFORMED) },
	{ "3 tcp: data offset beyond total length (bytes in frame as padding) is malformed",
	  { TCP4(40000, 7070), .doff = 8, .l4_len = 20, .pad = 40 }, { "tcp 7070" }, P_BOTH, D_BOTH,
	  DROP(MALFORMED) },
	{ "3 tcp: data offset 15 with 60-byte header is fine",
	  { TCP4(40000, 7070), .doff = 15 }, { "tcp 7070" }, P_BOTH, D_BOTH, FWD_RULE(1) },
	{ "3 tcp: data offset 5 with exactly 20 bytes, no payload, is fine",
	  { TCP4(40000, 7070) }, { "tcp 7070" }, P_BOTH, D_BOTH, FWD_RULE(1) },
	{ "3 udp: 7 bytes is malformed",
	  { UDP4(40000, 5353), .l4_len = 7 }, { "udp 5353" }, P_BOTH, D_BOTH, DROP(MALFORMED) },
	{ "3 udp: exactly 8 bytes is fine",
	  { UDP4(40000, 5353) }, { "udp 5353" }, P_BOTH, D_BOTH, FWD_RULE(1) },
	/* Frames of 54 bytes and more take the datapath's fast path: its edges. */
	{ "3 udp: 7 bytes by total length, in a frame padded to 60 bytes, is malformed",
	  { UDP4(40000, 5353), .len_adj = -1, .pad = 18 }, { "udp 5353" }, P_BOTH, D_BOTH,
	  DROP(MALFORMED) },
	{ "3 udp: 8 bytes by total length, in a frame padded to 60 bytes, is fine",
	  { UDP4(40000, 5353), .pad = 18 }, { "udp 5353" }, P_BOTH, D_BOTH, FWD_RULE(1) },
	{ "3 ipv4: total length 19 in a 60-byte frame is malformed",
	  { UDP4(40000, 5353), .l3_len = 19, .pad = 18 }, { "udp" }, P_BOTH, D_BOTH,
	  DROP(MALFORMED) },
	{ "3 icmp: 7 bytes is malformed",
	  { .l3 = L3_V4, .proto = 1, .icmp_type = 8, .l4_len = 7 }, { "icmp" }, P_BOTH, D_BOTH,
	  DROP(MALFORMED) },
	{ "3 icmp: exactly 8 bytes matched by icmp",
	  { .l3 = L3_V4, .proto = 1, .icmp_type = 8 }, { "icmp" }, P_BOTH, D_BOTH, FWD_RULE(1) },
	{ "3 icmpv6: protocol 58 inside IPv4 with 7 bytes is malformed (checks go by number)",
	  { .l3 = L3_V4, .proto = 58, .icmp_type = 128, .l4_len = 7 }, { "icmpv6" }, P_BOTH, D_BOTH,
	  DROP(MALFORMED) },
	{ "3 icmpv6: protocol 58 inside IPv4 is not matched by icmpv6 (IPv6 only), policy drop",
	  { .l3 = L3_V4, .proto = 58, .icmp_type = 128 }, { "icmpv6" }, P_DROP, D_BOTH, DROP(POLICY) },
	{ "3 icmpv6: protocol 58 inside IPv4 is not matched by 58, policy drop",
	  { .l3 = L3_V4, .proto = 58, .icmp_type = 128 }, { "58", "icmp", "tcp" }, P_DROP, D_BOTH,
	  DROP(POLICY) },
	{ "3 icmpv6: protocol 58 inside IPv4, no rule, policy accept forwards",
	  { .l3 = L3_V4, .proto = 58, .icmp_type = 128 }, { "icmpv6" }, P_ACCEPT, D_BOTH, FWD },
	{ "3 icmp: protocol 1 matched by the number 1",
	  { .l3 = L3_V4, .proto = 1, .icmp_type = 8 }, { "1" }, P_BOTH, D_BOTH, FWD_RULE(1) },
	{ "3 icmp: protocol 1 under icmp and icmpv6 counts on icmp",
	  { .l3 = L3_V4, .proto = 1, .icmp_type = 0 }, { "icmpv6", "icmp" }, P_BOTH, D_BOTH,
	  FWD_RULE(2) },
	{ "3 icmp: unmatched, policy drop",
	  { .l3 = L3_V4, .proto = 1, .icmp_type = 8, .payload = 56 }, { "icmpv6" }, P_DROP, D_BOTH,
	  DROP(POLICY) },
	{ "3 icmp: ICMPv4 type 135 is not Neighbor Discovery, policy drop",
	  { .l3 = L3_V4, .proto = 1, .icmp_type = 135 }, {}, P_DROP, D_BOTH, DROP(POLICY) },
	{ "3 other: protocol 47 with no L4 bytes (no checks) matched by 47",
	  { .l3 = L3_V4, .proto = 47 }, { "47" }, P_BOTH, D_BOTH, FWD_RULE(1) },
	{ "3 other: protocol 47 unmatched, policy drop",
	  { .l3 = L3_V4, .proto = 47, .payload = 3 }, { "tcp" }, P_DROP, D_BOTH, DROP(POLICY) },
	{ "3 other: protocol 47 unmatched, policy accept",
	  { .l3 = L3_V4, .proto = 47, .payload = 3 }, { "tcp" }, P_ACCEPT, D_BOTH, FWD },

	/* ---- 4. IPv6: header checks ------------------------------------------- */
	{ "4 ipv6: 39 bytes after Ethernet is malformed",
	  { TCP6(40000, 7070), .keep_l3 = 39 }, { "tcp 7070" }, P_BOTH, D_BOTH, DROP(MALFORMED) },
	{ "4 ipv6: version 4 in an IPv6 frame is malformed",
	  { TCP6(40000, 7070), .ver = 4 }, { "tcp 7070" }, P_BOTH, D_BOTH, DROP(MALFORMED) },
	{ "4 ipv6: 40 + payload length 1 byte beyond the frame is malformed",
	  { TCP6(40000, 7070), .len_adj = 1 }, { "tcp 7070" }, P_BOTH, D_BOTH, DROP(MALFORMED) },
	{ "4 ipv6: payload length beyond the frame (protocol 47) is malformed",
	  { .l3 = L3_V6, .proto = 47, .payload = 8, .len_adj = 1 }, { "47" }, P_BOTH, D_BOTH,
	  DROP(MALFORMED) },
	{ "4 ipv6: Ethernet padding after the payload is fine",
	  { TCP6(40000, 7070), .pad = 30 }, { "tcp 7070" }, P_BOTH, D_BOTH, FWD_RULE(1) },
	{ "4 ipv6: TCP to 7070 matched by tcp 7070 (rules apply to IPv6 alike)",
	  { TCP6(40000, 7070), .payload = 100 }, { "tcp 7070" }, P_BOTH, D_BOTH, FWD_RULE(1) },
	{ "4 ipv6: well-formed unmatched, policy drop",
	  { UDP6(40000, 9) }, { "udp 5353" }, P_DROP, D_BOTH, DROP(POLICY) },
	{ "4 ipv6: well-formed unmatched, policy accept",
	  { UDP6(40000, 9) }, { "udp 5353" }, P_ACCEPT, D_BOTH, FWD },
	{ "4 ipv6: protocol 47 (no L4 checks) matched by 47",
	  { .l3 = L3_V6, .proto = 47 }, { "47" }, P_BOTH, D_BOTH, FWD_RULE(1) },

	/* ---- 4. IPv6: extension headers --------------------------------------- */
	{ "4 ipv6 ext: hop-by-hop, (len+1)x8 = 16 bytes, walked",
	  { UDP6(40000, 5353), .next = 1, .ext = { { 0, 1, 0 } } }, { "udp 5353" }, P_BOTH, D_BOTH,
	  FWD_RULE(1) },
	{ "4 ipv6 ext: routing, (len+1)x8 = 24 bytes, walked",
	  { UDP6(40000, 5353), .next = 1, .ext = { { 43, 2, 0 } } }, { "udp 5353" }, P_BOTH, D_BOTH,
	  FWD_RULE(1) },
	{ "4 ipv6 ext: destination options, (len+1)x8 = 8 bytes, walked",
	  { UDP6(40000, 5353), .next = 1, .ext = { { 60, 0, 0 } } }, { "udp 5353" }, P_BOTH, D_BOTH,
	  FWD_RULE(1) },
	{ "4 ipv6 ext: AH, (len+2)x4 = 12 bytes, walked",
	  { UDP6(40000, 5353), .next = 1, .ext = { { 51, 1, 0 } } }, { "udp 5353" }, P_BOTH, D_BOTH,
	  FWD_RULE(1) },
	{ "4 ipv6 ext: AH, (len+2)x4 = 24 bytes, walked",
	  { TCP6(40000, 7070), .next = 1, .ext = { { 51, 4, 0 } } }, { "tcp 7070" }, P_BOTH, D_BOTH,
	  FWD_RULE(1) },
	{ "4 ipv6 ext: fragment header, offset 0 (M set): 8 bytes, walk goes on to TCP",
	  { TCP6(40000, 7070), .next = 1, .ext = { { 44, 0, 1 } } }, { "tcp 7070", "tcp" }, P_BOTH,
	  D_BOTH, FWD_RULE(1) },
	{ "4 ipv6 ext: fragment header is 8 bytes whatever its length byte holds",
	  { UDP6(40000, 5353), .next = 1, .ext = { { 44, 0xff, 0 } } }, { "udp 5353" }, P_BOTH, D_BOTH,
	  FWD_RULE(1) },
	{ "4 ipv6 ext: chain of 8 (0,43,60,51,44,60,43,60) walked",
	  { UDP6(40000, 5353), .next = 8,
	    .ext = { { 0, 0, 0 }, { 43, 1, 0 }, { 60, 0, 0 }, { 51, 2, 0 }, { 44, 0, 0 }, { 60, 0, 0 },
		     { 43, 0, 0 }, { 60, 3, 0 } } }, { "udp 5353" }, P_BOTH, D_BOTH, FWD_RULE(1) },
	{ "4 ipv6 ext: chain of 8 then ICMPv6 ND 135 still ND",
	  { ND6(135), .next = 8,
	    .ext = { { 0, 0, 0 }, { 60, 0, 0 }, { 60, 0, 0 }, { 60, 0, 0 }, { 60, 0, 0 }, { 60, 0, 0 },
		     { 60, 0, 0 }, { 60, 0, 0 } } }, {}, P_BOTH, D_BOTH, ARPND },
	{ "4 ipv6 ext: chain of 9 is malformed",
	  { UDP6(40000, 5353), .next = 9,
	    .ext = { { 0, 0, 0 }, { 43, 0, 0 }, { 60, 0, 0 }, { 51, 0, 0 }, { 44, 0, 0 }, { 60, 0, 0 },
		     { 43, 0, 0 }, { 60, 0, 0 }, { 60, 0, 0 } } }, { "udp 5353", "udp" }, P_BOTH, D_BOTH,
	  DROP(MALFORMED) },
	{ "4 ipv6 ext: chain of 8 then a non-first fragment header (9th) is malformed",
	  { UDP6(40000, 5353), .next = 9,
	    .ext = { { 60, 0, 0 }, { 60, 0, 0 }, { 60, 0, 0 }, { 60, 0, 0 }, { 60, 0, 0 }, { 60, 0, 0 },
		     { 60, 0, 0 }, { 60, 0, 0 }, { 44, 0, OFF6(8) } } }, { "udp" }, P_BOTH, D_BOTH,
	  DROP(MALFORMED) },
	{ "4 ipv6 ext: hop-by-hop crossing 40 + payload length (bytes in frame) is malformed",
	  { UDP6(40000, 5353), .next = 1, .ext = { { 0, 1, 0 } }, .l4_len = L4_NONE, .l3_len = 48,
	    .pad = 8 }, { "udp" }, P_BOTH, D_BOTH, DROP(MALFORMED) },
	{ "4 ipv6 ext: routing header crossing payload length by 1 is malformed",
	  { .l3 = L3_V6, .proto = 47, .next = 1, .ext = { { 43, 2, 0 } }, .l3_len = 40 + 23, .pad = 1 },
	  { "47" }, P_BOTH, D_BOTH, DROP(MALFORMED) },
	{ "4 ipv6 ext: AH crossing payload length ((1+2)x4 = 12 > 10) is malformed",
	  { .l3 = L3_V6, .proto = 47, .next = 1, .ext = { { 51, 1, 0 } }, .l3_len = 50, .pad = 2 },
	  { "47" }, P_BOTH, D_BOTH, DROP(MALFORMED) },
	{ "4 ipv6 ext: destination options cut by the end of payload and frame is malformed",
	  { .l3 = L3_V6, .proto = 47, .next = 1, .ext = { { 60, 0, 0 } }, .l3_len = 44, .keep_l3 = 44 },
	  { "47" }, P_BOTH, D_BOTH, DROP(MALFORMED) },
	{ "4 ipv6 ext: fragment header cut by payload length is malformed",
	  { .l3 = L3_V6, .proto = 17, .next = 1, .ext = { { 44, 0, OFF6(5) } }, .l4_len = L4_NONE,
	    .l3_len = 44, .pad = 4 }, { "udp" }, P_BOTH, D_BOTH, DROP(MALFORMED) },
	{ "4 ipv6 l4: UDP crossing payload length by 1 (bytes in frame) is malformed",
	  { UDP6(40000, 5353), .len_adj = -1, .pad = 1 }, { "udp 5353" }, P_BOTH, D_BOTH,
	  DROP(MALFORMED) },
	{ "4 ipv6 l4: UDP crossing payload length by 1, frame padded to 80 bytes, is malformed",
	  { UDP6(40000, 5353), .len_adj = -1, .pad = 18 }, { "udp 5353" }, P_BOTH, D_BOTH,
	  DROP(MALFORMED) },
	{ "4 ipv6 l4: TCP data offset beyond payload length (bytes in frame) is malformed",
	  { TCP6(40000, 7070), .doff = 8, .l4_len = 20, .pad = 40 }, { "tcp 7070" }, P_BOTH, D_BOTH,
	  DROP(MALFORMED) },
	{ "4 ipv6 l4: TCP after hop-by-hop crossing payload length is malformed",
	  { TCP6(40000, 7070), .next = 1, .ext = { { 0, 0, 0 } }, .len_adj = -4, .pad = 4 },
	  { "tcp 7070" }, P_BOTH, D_BOTH, DROP(MALFORMED) },

	/* ---- 4. IPv6: fragments ------------------------------------------------ */
	/* A non-first fragment's Next Header is not the datagram's protocol. */
	{ "4 ipv6 frag: offset > 0 claiming UDP is not matched by protocol-wide udp, policy drop counts fragment",
	  { UDP6(40000, 5353), .next = 1, .ext = { { 44, 0, OFF6(100) } } }, { "udp" }, P_DROP, D_BOTH,
	  DROP(FRAGMENT) },
	{ "4 ipv6 frag: offset > 0 claiming UDP matches neither port nor protocol rule, policy drop counts fragment",
	  { UDP6(40000, 5353), .next = 1, .ext = { { 44, 0, OFF6(100) | 1 } } }, { "udp 5353", "udp" },
	  P_DROP, D_BOTH, DROP(FRAGMENT) },
	{ "4 ipv6 frag: offset > 0 claiming ICMPv6 is not matched by icmpv6 (relabelled fragment), policy drop counts fragment",
	  { .l3 = L3_V6, .proto = 58, .icmp_type = 128, .payload = 64, .next = 1,
	    .ext = { { 44, 0, OFF6(3) | 1 } } }, { "icmpv6", "udp 5353" }, P_DROP, D_BOTH,
	  DROP(FRAGMENT) },
	{ "4 ipv6 frag: offset > 0 claiming protocol 1 is not matched by icmp, policy drop counts fragment",
	  { .l3 = L3_V6, .proto = 1, .icmp_type = 8, .next = 1, .ext = { { 44, 0, OFF6(3) } } },
	  { "icmp", "icmpv6" }, P_DROP, D_BOTH, DROP(FRAGMENT) },
	{ "4 ipv6 frag: offset > 0 claiming 47 is not matched by 47, policy drop counts fragment",
	  { .l3 = L3_V6, .proto = 47, .payload = 16, .next = 1, .ext = { { 44, 0, OFF6(2) } } },
	  { "47", "tcp", "udp", "icmpv6" }, P_DROP, D_BOTH, DROP(FRAGMENT) },
	{ "4 ipv6 frag: offset > 0 claiming UDP, policy accept forwards by the policy (no rule counts)",
	  { UDP6(5353, 5353), .next = 1, .ext = { { 44, 0, OFF6(1) } } }, { "udp 5353", "udp" },
	  P_ACCEPT, D_BOTH, FWD },
	{ "4 ipv6 frag: offset > 0, TCP with no L4 bytes (no L4 checks), policy drop counts fragment",
	  { .l3 = L3_V6, .proto = 6, .l4_len = L4_NONE, .next = 1, .ext = { { 44, 0, OFF6(8191) } } },
	  { "tcp" }, P_DROP, D_BOTH, DROP(FRAGMENT) },
	{ "4 ipv6 frag: offset > 0 after hop-by-hop and routing, not matched by its claimed protocol",
	  { TCP6(40000, 7070), .next = 3, .ext = { { 0, 0, 0 }, { 43, 0, 0 }, { 44, 0, OFF6(7) } } },
	  { "tcp 7070", "tcp" }, P_DROP, D_BOTH, DROP(FRAGMENT) },
	{ "4 ipv6 frag: offset > 0 as the 8th extension header is a fragment, not malformed",
	  { UDP6(40000, 5353), .next = 8,
	    .ext = { { 0, 0, 0 }, { 60, 0, 0 }, { 60, 0, 0 }, { 60, 0, 0 }, { 60, 0, 0 }, { 60, 0, 0 },
		     { 60, 0, 0 }, { 44, 0, OFF6(9) } } }, { "udp 5353", "udp" }, P_DROP, D_BOTH,
	  DROP(FRAGMENT) },
	{ "4 ipv6 frag: offset > 0 as the 8th extension header, policy accept forwards",
	  { UDP6(40000, 5353), .next = 8,
	    .ext = { { 0, 0, 0 }, { 60, 0, 0 }, { 60, 0, 0 }, { 60, 0, 0 }, { 60, 0, 0 }, { 60, 0, 0 },
		     { 60, 0, 0 }, { 44, 0, OFF6(9) } } }, { "udp 5353", "udp" }, P_ACCEPT, D_BOTH, FWD },
	{ "4 ipv6 frag: offset > 0 of TCP with only a udp rule, policy drop counts fragment",
	  { TCP6(40000, 7070), .next = 1, .ext = { { 44, 0, OFF6(7) } } }, { "udp", "tcp 7070" }, P_DROP,
	  D_BOTH, DROP(FRAGMENT) },
	{ "4 ipv6 frag: offset > 0 of ICMPv6 type 135 bytes is a fragment, not ND",
	  { ND6(135), .payload = 16, .next = 1, .ext = { { 44, 0, OFF6(2) } } },
	  { "icmpv6" }, P_DROP, D_BOTH, DROP(FRAGMENT) },
	{ "4 ipv6 frag: first fragment (offset 0) is still matched by its protocol's rule",
	  { UDP6(40000, 9), .next = 1, .ext = { { 44, 0, 1 } } }, { "udp" }, P_DROP, D_BOTH,
	  FWD_RULE(1) },
	{ "4 ipv6 frag: tiny first fragment (offset 0, 8 TCP bytes) is malformed",
	  { TCP6(40000, 7070), .l4_len = 8, .next = 1, .ext = { { 44, 0, 1 } } }, { "tcp" }, P_BOTH,
	  D_BOTH, DROP(MALFORMED) },

	/* ---- 4. IPv6: L4 checks and Neighbor Discovery ------------------------ */
	{ "4 ipv6 tcp: 19 bytes is malformed",
	  { TCP6(40000, 7070), .l4_len = 19 }, { "tcp 7070" }, P_BOTH, D_BOTH, DROP(MALFORMED) },
	{ "4 ipv6 tcp: data offset 4 is malformed",
	  { TCP6(40000, 7070), .doff = 4 }, { "tcp 7070" }, P_BOTH, D_BOTH, DROP(MALFORMED) },
	{ "4 ipv6 tcp: data offset 7 with 24 L4 bytes is malformed",
	  { TCP6(40000, 7070), .doff = 7, .l4_len = 24 }, { "tcp 7070" }, P_BOTH, D_BOTH,
	  DROP(MALFORMED) },
	{ "4 ipv6 udp: 7 bytes is malformed",
	  { UDP6(40000, 5353), .l4_len = 7 }, { "udp 5353" }, P_BOTH, D_BOTH, DROP(MALFORMED) },
	{ "4 ipv6 icmpv6: 7 bytes is malformed",
	  { .l3 = L3_V6, .proto = 58, .icmp_type = 128, .l4_len = 7 }, { "icmpv6" }, P_BOTH, D_BOTH,
	  DROP(MALFORMED) },
	{ "4 ipv6 icmp: protocol 1 inside IPv6 with 7 bytes is malformed (checks go by number)",
	  { .l3 = L3_V6, .proto = 1, .icmp_type = 8, .l4_len = 7 }, { "icmp" }, P_BOTH, D_BOTH,
	  DROP(MALFORMED) },
	{ "4 ipv6 icmp: protocol 1 inside IPv6 is not matched by icmp (IPv4 only), policy drop",
	  { .l3 = L3_V6, .proto = 1, .icmp_type = 8 }, { "icmp" }, P_DROP, D_BOTH, DROP(POLICY) },
	{ "4 ipv6 icmp: protocol 1 inside IPv6 is not matched by 1 nor icmpv6, policy drop",
	  { .l3 = L3_V6, .proto = 1, .icmp_type = 8 }, { "1", "icmpv6", "udp" }, P_DROP, D_BOTH,
	  DROP(POLICY) },
	{ "4 ipv6 icmp: protocol 1 inside IPv6, no rule, policy accept forwards",
	  { .l3 = L3_V6, .proto = 1, .icmp_type = 8 }, { "icmp" }, P_ACCEPT, D_BOTH, FWD },
	{ "4 ipv6 icmpv6: echo request matched by the number 58",
	  { .l3 = L3_V6, .proto = 58, .icmp_type = 128 }, { "58" }, P_BOTH, D_BOTH, FWD_RULE(1) },
	{ "4 ipv6 icmpv6: echo request under icmp and icmpv6 counts on icmpv6",
	  { .l3 = L3_V6, .proto = 58, .icmp_type = 128 }, { "icmp", "icmpv6" }, P_BOTH, D_BOTH,
	  FWD_RULE(2) },
	{ "4 ipv6 icmpv6: echo request (8 bytes) matched by icmpv6",
	  { .l3 = L3_V6, .proto = 58, .icmp_type = 128 }, { "icmpv6" }, P_BOTH, D_BOTH, FWD_RULE(1) },
	{ "4 ipv6 icmpv6: echo request not matched by icmp (protocol 1), policy drop",
	  { .l3 = L3_V6, .proto = 58, .icmp_type = 128 }, { "icmp" }, P_DROP, D_BOTH, DROP(POLICY) },
	{ "4 ipv6 nd: type 133 (router solicitation) forwarded, counted ARP/ND",
	  { ND6(133) }, {}, P_BOTH, D_BOTH, ARPND },
	{ "4 ipv6 nd: type 134 (router advertisement) forwarded, counted ARP/ND",
	  { ND6(134), .payload = 8 }, {}, P_BOTH, D_BOTH, ARPND },
	{ "4 ipv6 nd: type 135 (neighbor solicitation) forwarded, counted ARP/ND",
	  { ND6(135), .payload = 16 }, {}, P_BOTH, D_BOTH, ARPND },
	{ "4 ipv6 nd: type 136 (neighbor advertisement) forwarded, counted ARP/ND",
	  { ND6(136), .payload = 16 }, {}, P_BOTH, D_BOTH, ARPND },
	{ "4 ipv6 nd: type 137 (redirect) forwarded, counted ARP/ND",
	  { ND6(137), .payload = 32 }, {}, P_BOTH, D_BOTH, ARPND },
	{ "4 ipv6 nd: type 135 forwarded as ND even with an icmpv6 rule (not counted on it)",
	  { ND6(135), .payload = 16 }, { "icmpv6" }, P_DROP, D_BOTH, ARPND },
	{ "4 ipv6 nd: type 135 after a hop-by-hop header forwarded as ND",
	  { ND6(135), .next = 1, .ext = { { 0, 0, 0 } } }, {}, P_DROP, D_BOTH, ARPND },
	{ "4 ipv6 nd: type 135 after routing and destination options forwarded as ND",
	  { ND6(135), .payload = 16, .next = 2, .ext = { { 43, 0, 0 }, { 60, 1, 0 } } }, {}, P_DROP,
	  D_BOTH, ARPND },
	{ "4 ipv6 nd: type 135 with hop limit 64 is ordinary ICMPv6, policy drop",
	  { ICMP6(135), .hlim = 64, .payload = 16 }, {}, P_DROP, D_BOTH, DROP(POLICY) },
	{ "4 ipv6 nd: type 135 with hop limit 254 is ordinary ICMPv6, matched by icmpv6",
	  { ICMP6(135), .hlim = 254, .payload = 16 }, { "icmpv6" }, P_BOTH, D_BOTH, FWD_RULE(1) },
	{ "4 ipv6 nd: 1200-byte type 136 with hop limit 64, policy drop (no covert channel)",
	  { ICMP6(136), .hlim = 64, .payload = 1200 }, { "tcp", "udp" }, P_DROP, D_BOTH, DROP(POLICY) },
	{ "4 ipv6 nd: type 133 with hop limit 1, policy accept forwards by the policy (not ARP/ND)",
	  { ICMP6(133), .hlim = 1 }, {}, P_ACCEPT, D_BOTH, FWD },
	{ "4 ipv6 nd: type 135 with code 1 is ordinary ICMPv6, policy drop",
	  { ND6(135), .payload = 16, .icmp_code = 1 }, {}, P_DROP, D_BOTH, DROP(POLICY) },
	{ "4 ipv6 nd: type 137 with code 255 is ordinary ICMPv6, matched by icmpv6",
	  { ND6(137), .payload = 32, .icmp_code = 255 }, { "icmpv6" }, P_BOTH, D_BOTH, FWD_RULE(1) },
	{ "4 ipv6 nd: type 134 with code 1, policy accept forwards by the policy (not ARP/ND)",
	  { ND6(134), .payload = 8, .icmp_code = 1 }, {}, P_ACCEPT, D_BOTH, FWD },
	{ "4 ipv6 nd: type 135 in a first fragment (offset 0) is ordinary ICMPv6, policy drop",
	  { ND6(135), .payload = 16, .next = 1, .ext = { { 44, 0, 1 } } }, {}, P_DROP, D_BOTH,
	  DROP(POLICY) },
	{ "4 ipv6 nd: type 136 in an atomic fragment (offset 0, M clear) is ordinary ICMPv6, matched by icmpv6",
	  { ND6(136), .payload = 16, .next = 1, .ext = { { 44, 0, 0 } } }, { "icmpv6" }, P_BOTH,
	  D_BOTH, FWD_RULE(1) },
	{ "4 ipv6 nd: type 135 with a fragment header mid-chain is ordinary ICMPv6, policy drop",
	  { ND6(135), .payload = 16, .next = 3, .ext = { { 0, 0, 0 }, { 44, 0, 0 }, { 60, 0, 0 } } },
	  {}, P_DROP, D_BOTH, DROP(POLICY) },
	{ "4 ipv6 nd: type 132 is not ND, policy drop",
	  { ND6(132) }, {}, P_DROP, D_BOTH, DROP(POLICY) },
	{ "4 ipv6 nd: type 138 is not ND, policy drop",
	  { ND6(138) }, {}, P_DROP, D_BOTH, DROP(POLICY) },
	{ "4 ipv6 nd: type 138 is not ND, policy accept forwards (not counted ARP/ND)",
	  { ND6(138) }, {}, P_ACCEPT, D_BOTH, FWD },
	{ "4 ipv6 nd: type 135 with 4 ICMPv6 bytes is malformed",
	  { ND6(135), .l4_len = 4 }, {}, P_BOTH, D_BOTH,
	  DROP(MALFORMED) },

	/* ---- 5. Other ethertypes ---------------------------------------------- */
	{ "5 ethertype: LLDP 0x88cc, policy drop counts unknown ethertype",
	  { .l3 = L3_RAW, .ethertype = 0x88cc, .raw_len = 46 }, { "tcp", "udp" }, P_DROP, D_BOTH,
	  DROP(UNKNOWN_ETHERTYPE) },
	{ "5 ethertype: LLDP 0x88cc, policy accept forwards",
	  { .l3 = L3_RAW, .ethertype = 0x88cc, .raw_len = 46 }, {}, P_ACCEPT, D_BOTH, FWD },
	{ "5 ethertype: 802.3 length field 0x002e, policy drop counts unknown ethertype",
	  { .l3 = L3_RAW, .ethertype = 0x002e, .raw_len = 46 }, {}, P_DROP, D_BOTH,
	  DROP(UNKNOWN_ETHERTYPE) },
	{ "5 ethertype: RARP 0x8035 is not ARP, policy drop",
	  { .l3 = L3_RAW, .ethertype = 0x8035, .raw_len = 28 }, {}, P_DROP, D_BOTH,
	  DROP(UNKNOWN_ETHERTYPE) },

	/* ---- Rules: matching ---------------------------------------------------- */
	{ "rules: tcp 7070 matches destination port (both directions)",
	  { TCP4(40000, 7070) }, { "tcp 7070" }, P_DROP, D_BOTH, FWD_RULE(1) },
	{ "rules: tcp 7070 matches source port, the replies (both directions)",
	  { TCP4(7070, 40000) }, { "tcp 7070" }, P_DROP, D_BOTH, FWD_RULE(1) },
	{ "rules: tcp 7070 over IPv6 matches source port (both directions)",
	  { TCP6(7070, 40000) }, { "tcp 7070" }, P_DROP, D_BOTH, FWD_RULE(1) },
	{ "rules: tcp 7070 does not match UDP 7070",
	  { UDP4(7070, 7070) }, { "tcp 7070" }, P_DROP, D_BOTH, DROP(POLICY) },
	{ "rules: udp 5000-5100 matches 5000 (low bound)",
	  { UDP4(40000, 5000) }, { "udp 5000-5100" }, P_DROP, D_BOTH, FWD_RULE(1) },
	{ "rules: udp 5000-5100 matches 5100 (high bound)",
	  { UDP6(40000, 5100) }, { "udp 5000-5100" }, P_DROP, D_BOTH, FWD_RULE(1) },
	{ "rules: udp 5000-5100 does not match 4999",
	  { UDP4(40000, 4999) }, { "udp 5000-5100" }, P_DROP, D_BOTH, DROP(POLICY) },
	{ "rules: udp 5000-5100 does not match 5101",
	  { UDP4(5101, 40000) }, { "udp 5000-5100" }, P_DROP, D_BOTH, DROP(POLICY) },
	{ "rules: destination port rule preferred over source port rule",
	  { TCP4(40000, 7070) }, { "tcp 7070", "tcp 40000" }, P_DROP, D_BOTH, FWD_RULE(1) },
	{ "rules: destination port rule preferred over source port rule (reply)",
	  { TCP4(7070, 40000) }, { "tcp 7070", "tcp 40000" }, P_DROP, D_BOTH, FWD_RULE(2) },
	{ "rules: destination in a wide range preferred over source in a narrow one",
	  { UDP4(6000, 5050) }, { "udp 5000-5100", "udp 6000" }, P_DROP, D_BOTH, FWD_RULE(1) },
	{ "rules: overlapping ranges, narrowest wins (single port)",
	  { UDP4(40000, 5050) }, { "udp 5000-5100", "udp 5040-5060", "udp 5050" }, P_DROP, D_BOTH,
	  FWD_RULE(3) },
	{ "rules: overlapping ranges, narrowest wins (middle range)",
	  { UDP4(40000, 5045) }, { "udp 5000-5100", "udp 5040-5060", "udp 5050" }, P_DROP, D_BOTH,
	  FWD_RULE(2) },
	{ "rules: overlapping ranges, narrowest wins (middle range bound)",
	  { UDP4(40000, 5060) }, { "udp 5000-5100", "udp 5040-5060", "udp 5050" }, P_DROP, D_BOTH,
	  FWD_RULE(2) },
	{ "rules: overlapping ranges, only the wide one covers",
	  { UDP4(40000, 5039) }, { "udp 5000-5100", "udp 5040-5060", "udp 5050" }, P_DROP, D_BOTH,
	  FWD_RULE(1) },
	{ "rules: overlapping ranges added narrowest first, narrowest still wins",
	  { UDP4(40000, 5045) }, { "udp 5050", "udp 5040-5060", "udp 5000-5100" }, P_DROP, D_BOTH,
	  FWD_RULE(2) },
	{ "rules: overlapping ranges by source port, narrowest wins",
	  { UDP6(5045, 9) }, { "udp 5000-5100", "udp 5040-5060", "udp 5050" }, P_DROP, D_BOTH,
	  FWD_RULE(2) },
	{ "rules: partially overlapping ranges, narrower wins in the overlap",
	  { TCP4(40000, 1500) }, { "tcp 1000-1999", "tcp 1400-2400" }, P_DROP, D_BOTH, FWD_RULE(1) },
	{ "rules: protocol-wide tcp is the fallback when no port rule matches",
	  { TCP4(40000, 80) }, { "tcp 7070", "tcp" }, P_DROP, D_BOTH, FWD_RULE(2) },
	{ "rules: port rule preferred over protocol-wide rule",
	  { TCP4(40000, 7070) }, { "tcp", "tcp 7070" }, P_DROP, D_BOTH, FWD_RULE(2) },
	{ "rules: protocol-wide udp matches IPv6 UDP",
	  { UDP6(1, 2) }, { "udp" }, P_DROP, D_BOTH, FWD_RULE(1) },
	{ "rules: protocol-wide rule of another protocol does not match",
	  { UDP6(1, 2) }, { "tcp", "47" }, P_DROP, D_BOTH, DROP(POLICY) },
	{ "rules: protocol-wide 47 matches IPv6 protocol 47",
	  { .l3 = L3_V6, .proto = 47, .payload = 4 }, { "tcp", "47" }, P_DROP, D_BOTH, FWD_RULE(2) },
	{ "rules: protocol-wide 132 matches IPv4 protocol 132",
	  { .l3 = L3_V4, .proto = 132, .payload = 12 }, { "132" }, P_DROP, D_BOTH, FWD_RULE(1) },
	{ "rules: protocol-wide 132 matches IPv6 protocol 132",
	  { .l3 = L3_V6, .proto = 132, .payload = 12 }, { "132" }, P_DROP, D_BOTH, FWD_RULE(1) },
	{ "rules: the number 6 is tcp, for IPv6 too",
	  { TCP6(40000, 80) }, { "6" }, P_DROP, D_BOTH, FWD_RULE(1) },
	{ "rules: the number 17 is udp, for IPv4 too",
	  { UDP4(40000, 80) }, { "17" }, P_DROP, D_BOTH, FWD_RULE(1) },
	{ "rules: matched packet forwarded under policy accept too, counted on its rule",
	  { TCP6(40000, 7070) }, { "tcp 7070" }, P_ACCEPT, D_BOTH, FWD_RULE(1) },
	{ "rules: port 0 and 65535 ranges",
	  { UDP4(0, 65535) }, { "udp 65000-65535" }, P_DROP, D_BOTH, FWD_RULE(1) },
};

/* ---- harness ---------------------------------------------------------------- */

static struct fwctl *skel;
static struct fwctl_maps maps;
static int prog_fd;
static __u32 ifx[FWCTL_DIR_COUNT];
static bool verbose;
static int n_pass, n_fail, n_skip;

/* Rules currently in the table, as set by apply_rules(). */
static const char *cur_rules[MAX_CASE_RULES];
static __u32 cur_ids[MAX_CASE_RULES];
static bool cur_valid;

static const char *reason_names[FWCTL_DROP_REASON_COUNT] = {
	[FWCTL_DROP_POLICY] = "policy",
	[FWCTL_DROP_MALFORMED] = "malformed",
	[FWCTL_DROP_FRAGMENT] = "fragment",
	[FWCTL_DROP_UNKNOWN_ETHERTYPE] = "unknown-ethertype",
	[FWCTL_DROP_REDIRECT_ERROR] = "redirect-error",
};
static const char *dir_names[FWCTL_DIR_COUNT] = { "in->out", "out->in" };

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG && !verbose)
		return 0;
	if (!verbose && level == LIBBPF_INFO)
		return 0;
	return vfprintf(stderr, fmt, args);
}

static void pass(const char *name)
{
	printf("PASS: %s\n", name);
	n_pass++;
}

static void fail(const char *name, const char *why)
{
	printf("FAIL: %s: %s\n", name, why);
	n_fail++;
}

static void skip(const char *name, const char *why)
{
	printf("SKIP: %s: %s\n", name, why);
	n_skip++;
}

#define WHY(...) snprintf(why, WHYLEN, __VA_ARGS__)
#define WHYLEN 512

static const char *verdict_name(int v)
{
	switch (v) {
	case XDP_ABORTED: return "XDP_ABORTED";
	case XDP_DROP: return "XDP_DROP";
	case XDP_PASS: return "XDP_PASS";
	case XDP_TX: return "XDP_TX";
	case XDP_REDIRECT: return "XDP_REDIRECT";
	default: return "XDP_?";
	}
}

/* Replace the rule table by lines[] (NULL-terminated); ids in cur_ids. */
static int apply_rules(const char *const *lines, char *why)
{
	struct fwctl_rule rules[MAX_CASE_RULES];
	struct fwctl_err e = {};
	int n = 0, err, i;

	if (cur_valid) {
		for (i = 0; i < MAX_CASE_RULES; i++) {
			if (!lines[i] && !cur_rules[i])
				return 0;	/* same list */
			if (!lines[i] || !cur_rules[i] || strcmp(lines[i], cur_rules[i]))
				break;
		}
		if (i == MAX_CASE_RULES)
			return 0;
	}
	cur_valid = false;
	err = ruleset_flush(&maps, &e);
	if (err < 0) {
		WHY("ruleset_flush: %s", e.msg);
		return err;
	}
	for (n = 0; n < MAX_CASE_RULES && lines[n]; n++) {
		if (rule_parse_line(lines[n], &rules[n], &e)) {
			WHY("rule '%s': %s", lines[n], e.msg);
			return -EINVAL;
		}
	}
	if (n) {
		err = ruleset_add(&maps, rules, n, cur_ids, &e);
		if (err) {
			WHY("ruleset_add: %s", e.msg);
			return err;
		}
	}
	memset(cur_rules, 0, sizeof(cur_rules));
	for (i = 0; i < n; i++)
		cur_rules[i] = lines[i];
	cur_valid = true;
	return 0;
}

/* Forget cur_rules (after a test changed the table by itself). */
static void rules_changed(void)
{
	cur_valid = false;
}

static int set_policy(int policy, char *why)
{
	struct fwctl_err e = {};
	int err = policy_set(&maps, policy, &e);

	if (err)
		WHY("%s", e.msg);
	return err;
}

/* Frames and bytes the suite ran per direction, for test_totals(). */
static __u64 ran_packets[FWCTL_DIR_COUNT], ran_bytes[FWCTL_DIR_COUNT];

/* One BPF_PROG_TEST_RUN of frame[len] arriving on ifx[dir]; *ret = verdict. */
static int test_run(const uint8_t *frame, size_t len, __u32 ifindex, int *ret, uint8_t *out,
		    __u32 *out_len)
{
	struct xdp_md ctx = {
		.data_end = len,
		.ingress_ifindex = ifindex,
	};
	LIBBPF_OPTS(bpf_test_run_opts, o,
		.data_in = frame,
		.data_size_in = len,
		.data_out = out,
		.data_size_out = FRAME_MAX,	/* reset before every run */
		.ctx_in = &ctx,
		.ctx_size_in = sizeof(ctx),
		.repeat = 1,
	);
	int err = bpf_prog_test_run_opts(prog_fd, &o), dir = ifindex == ifx[1];

	if (!err) {
		ran_packets[dir]++;
		ran_bytes[dir] += len;
	}
	*ret = o.retval;
	*out_len = o.data_size_out;
	return err;
}

static int read_dirs(struct fwctl_dir_stats *d, char *why)
{
	int dir, err;

	for (dir = 0; dir < FWCTL_DIR_COUNT; dir++) {
		err = dir_stats_read(&maps, dir, &d[dir]);
		if (err) {
			WHY("dir_stats_read: %s", strerror(-err));
			return err;
		}
	}
	return 0;
}

/* Compare direction counters; the first difference goes into why. */
static bool dirs_equal(const struct fwctl_dir_stats *before, const struct fwctl_dir_stats *exp,
		       const struct fwctl_dir_stats *got, char *why)
{
	int dir, r;

	for (dir = 0; dir < FWCTL_DIR_COUNT; dir++) {
		const struct fwctl_dir_stats *b = &before[dir], *e = &exp[dir], *g = &got[dir];
#define CMP(field, label)                                                                       \
		if (e->field != g->field) {                                                     \
			WHY("%s %s: expected +%llu, got +%llu", dir_names[dir], label,         \
			    (unsigned long long)(e->field - b->field),                          \
			    (unsigned long long)(g->field - b->field));                         \
			return false;                                                           \
		}
		CMP(fwd_packets, "forwarded packets");
		CMP(fwd_bytes, "forwarded bytes");
		CMP(arp_nd_packets, "ARP/ND packets");
		for (r = 0; r < FWCTL_DROP_REASON_COUNT; r++) {
			char label[64];

			snprintf(label, sizeof(label), "drop[%s]", reason_names[r]);
			CMP(drop_packets[r], label);
			snprintf(label, sizeof(label), "drop[%s] bytes", reason_names[r]);
			CMP(drop_bytes[r], label);
		}
#undef CMP
	}
	return true;
}

static struct fwctl_rule_stats rs_before[FWCTL_RULE_SLOTS], rs_after[FWCTL_RULE_SLOTS];

/*
 * Run one frame arriving in direction dir and check verdict, output bytes and
 * every counter. rule_id is the id it must count on (FWCTL_NO_RULE: none).
 */
static bool check_frame(const uint8_t *frame, size_t len, int dir, int verdict, int reason,
			__u32 rule_id, bool arp_nd, char *why)
{
	struct fwctl_dir_stats before[FWCTL_DIR_COUNT], exp[FWCTL_DIR_COUNT], got[FWCTL_DIR_COUNT];
	uint8_t out[FRAME_MAX];
	__u32 out_len, id;
	int ret, err, want = verdict == V_FWD ? XDP_REDIRECT : XDP_DROP;

	if (read_dirs(before, why))
		return false;
	err = rule_stats_read_all(&maps, rs_before);
	if (err) {
		WHY("rule_stats_read_all: %s", strerror(-err));
		return false;
	}

	err = test_run(frame, len, ifx[dir], &ret, out, &out_len);
	if (err) {
		WHY("BPF_PROG_TEST_RUN of a %zu-byte frame: %s", len, strerror(-err));
		return false;
	}

	if (ret != want) {
		WHY("expected %s, got %s (%d)", verdict_name(want), verdict_name(ret), ret);
		return false;
	}
	if (out_len != len || memcmp(out, frame, len)) {
		WHY("output frame changed (%u bytes out, %zu in)", out_len, len);
		return false;
	}

	memcpy(exp, before, sizeof(exp));
	if (verdict == V_FWD) {
		exp[dir].fwd_packets++;
		exp[dir].fwd_bytes += len;
		if (arp_nd)
			exp[dir].arp_nd_packets++;
	} else {
		exp[dir].drop_packets[reason]++;
		exp[dir].drop_bytes[reason] += len;
	}
	if (read_dirs(got, why))
		return false;
	if (!dirs_equal(before, exp, got, why))
		return false;

	err = rule_stats_read_all(&maps, rs_after);
	if (err) {
		WHY("rule_stats_read_all: %s", strerror(-err));
		return false;
	}
	for (id = 0; id < FWCTL_RULE_SLOTS; id++) {
		__u64 dp = rs_after[id].packets - rs_before[id].packets;
		__u64 db = rs_after[id].bytes - rs_before[id].bytes;
		__u64 wp = id == rule_id && id != FWCTL_NO_RULE ? 1 : 0;
		__u64 wb = wp ? len : 0;

		if (dp != wp || db != wb) {
			WHY("rule id %u: expected +%llu packets +%llu bytes, got +%llu +%llu%s", id,
			    (unsigned long long)wp, (unsigned long long)wb, (unsigned long long)dp,
			    (unsigned long long)db,
			    rule_id == FWCTL_NO_RULE ? " (no rule should count)" : "");
			return false;
		}
	}
	return true;
}

/* Run one table row under each of its policies and directions. */
static bool run_case(const struct tcase *c, char *why)
{
	static const int policies[] = { FWCTL_POLICY_DROP, FWCTL_POLICY_ACCEPT };
	uint8_t frame[FRAME_MAX];
	size_t len = frame_build(&c->f, frame);
	char sub[WHYLEN];
	int p, d;

	if (len < 14 || len > FRAME_MAX) {
		WHY("test bug: frame of %zu bytes", len);
		return false;
	}
	if (apply_rules(c->rules, why))
		return false;
	for (p = 0; p < 2; p++) {
		if ((c->policy == P_DROP && p != 0) || (c->policy == P_ACCEPT && p != 1))
			continue;
		if (set_policy(policies[p], why))
			return false;
		for (d = 0; d < FWCTL_DIR_COUNT; d++) {
			__u32 id = c->rule ? cur_ids[c->rule - 1] : FWCTL_NO_RULE;

			if ((c->dir == D_IN && d != 0) || (c->dir == D_OUT && d != 1))
				continue;
			if (!check_frame(frame, len, d, c->verdict, c->reason, id, c->arp_nd, sub)) {
				WHY("[policy %s, %s, %zu-byte frame] %.400s", p ? "accept" : "drop",
				    dir_names[d], len, sub);
				return false;
			}
		}
	}
	return true;
}

/* ---- tests that are sequences rather than table rows ------------------------ */

static const struct fspec tcp7070 = { TCP4(40000, 7070), .payload = 10 };

static int add_rule(const char *line, __u32 *id, char *why)
{
	struct fwctl_rule r;
	struct fwctl_err e = {};
	int err;

	rules_changed();
	if (rule_parse_line(line, &r, &e)) {
		WHY("rule '%s': %s", line, e.msg);
		return -EINVAL;
	}
	err = ruleset_add(&maps, &r, 1, id, &e);
	if (err)
		WHY("add '%s': %s", line, e.msg);
	return err;
}

static int del_rule(const char *line, char *why)
{
	struct fwctl_rule r;
	struct fwctl_err e = {};
	int err;

	rules_changed();
	if (rule_parse_line(line, &r, &e)) {
		WHY("rule '%s': %s", line, e.msg);
		return -EINVAL;
	}
	err = ruleset_del(&maps, &r, NULL, &e);
	if (err)
		WHY("del '%s': %s", line, e.msg);
	return err;
}

static int flush_rules(char *why)
{
	struct fwctl_err e = {};
	int n;

	rules_changed();
	n = ruleset_flush(&maps, &e);
	if (n < 0)
		WHY("flush: %s", e.msg);
	return n;
}

#define STEP(label, call)                                                                        \
	do {                                                                                     \
		char __s[WHYLEN];                                                                \
		if (!(call)) {                                                                   \
			snprintf(why, WHYLEN, "%.100s: %.400s", label, __s);                             \
			return false;                                                            \
		}                                                                                \
	} while (0)
#define CHECK(label, ...) STEP(label, check_frame(__VA_ARGS__, __s))
#define DO(label, expr)                                                                          \
	do {                                                                                     \
		if ((expr) < 0) {                                                                \
			char __t[WHYLEN];                                                        \
			snprintf(__t, WHYLEN, "%.100s: %.400s", label, why);                             \
			memcpy(why, __t, WHYLEN);                                                \
			return false;                                                            \
		}                                                                                \
	} while (0)

/* Rules and policy change at run time, without reloading the program. */
static bool test_runtime_changes(char *why)
{
	uint8_t f[FRAME_MAX];
	size_t len = frame_build(&tcp7070, f);
	__u32 id1, id2, id3;

	DO("flush", flush_rules(why));
	DO("policy drop", set_policy(FWCTL_POLICY_DROP, why));
	CHECK("no rules", f, len, 0, V_DROP, FWCTL_DROP_POLICY, 0, false);
	DO("add", add_rule("tcp 7070", &id1, why));
	CHECK("after add tcp 7070", f, len, 0, V_FWD, 0, id1, false);
	CHECK("after add tcp 7070, other direction", f, len, 1, V_FWD, 0, id1, false);
	DO("del", del_rule("tcp 7070", why));
	CHECK("after del tcp 7070", f, len, 0, V_DROP, FWCTL_DROP_POLICY, 0, false);
	DO("add range", add_rule("tcp 7000-7100", &id2, why));
	{
		struct fwctl_rule_stats st = {};

		/* The freed id is reused and its counters start again from zero. */
		if (id2 != id1 || rule_stats_read(&maps, id2, &st) || st.packets || st.bytes) {
			snprintf(why, WHYLEN, "re-added rule: id %u (freed %u) starts at %llu packets, "
				 "%llu bytes, want the freed id at 0", id2, id1,
				 (unsigned long long)st.packets, (unsigned long long)st.bytes);
			return false;
		}
	}
	CHECK("after add tcp 7000-7100", f, len, 1, V_FWD, 0, id2, false);
	DO("add narrower", add_rule("tcp 7070", &id3, why));
	CHECK("after add tcp 7070 inside tcp 7000-7100", f, len, 1, V_FWD, 0, id3, false);
	DO("del narrower", del_rule("tcp 7070", why));
	CHECK("after del tcp 7070, range takes over again", f, len, 0, V_FWD, 0, id2, false);
	DO("policy accept", set_policy(FWCTL_POLICY_ACCEPT, why));
	DO("flush", flush_rules(why));
	CHECK("after flush under policy accept", f, len, 0, V_FWD, 0, 0, false);
	DO("policy drop", set_policy(FWCTL_POLICY_DROP, why));
	CHECK("after switching policy back to drop", f, len, 0, V_DROP, FWCTL_DROP_POLICY, 0, false);
	return true;
}

/*
 * A missing devmap entry is a DROP counted as a redirect error, and only
 * there: the rule that allowed the frame does not count it (it was not
 * forwarded), on the fast path (plain TCP) and the full one (ICMP, tagged).
 */
static bool missing_devmap(char *why)
{
	static const struct fspec arp = { .l3 = L3_ARP };
	static const struct fspec other = { UDP4(1, 2) };
	static const struct fspec ping = { .l3 = L3_V4, .proto = 1, .icmp_type = 8, .payload = 56 };
	static const struct fspec tagged = { .tags = { TPID_Q }, TCP6(7070, 40000) };
	uint8_t f[FRAME_MAX], a[FRAME_MAX], o[FRAME_MAX], p[FRAME_MAX], t[FRAME_MAX];
	size_t len = frame_build(&tcp7070, f), alen = frame_build(&arp, a), olen = frame_build(&other, o);
	size_t plen = frame_build(&ping, p), tlen = frame_build(&tagged, t);
	__u32 id, id_icmp, key = ifx[0];
	int err;

	DO("flush", flush_rules(why));
	DO("add", add_rule("tcp 7070", &id, why));
	DO("add", add_rule("icmp", &id_icmp, why));
	DO("policy drop", set_policy(FWCTL_POLICY_DROP, why));
	err = bpf_map_delete_elem(maps.devmap, &key);
	if (err) {
		WHY("devmap delete: %s", strerror(-err));
		return false;
	}
	CHECK("allowed TCP, no devmap entry for the ingress: not counted on its rule", f, len, 0,
	      V_DROP, FWCTL_DROP_REDIRECT_ERROR, 0, false);
	CHECK("allowed ICMP, no devmap entry: not counted on its rule", p, plen, 0, V_DROP,
	      FWCTL_DROP_REDIRECT_ERROR, 0, false);
	CHECK("allowed tagged IPv6 TCP, no devmap entry: not counted on its rule", t, tlen, 0,
	      V_DROP, FWCTL_DROP_REDIRECT_ERROR, 0, false);
	CHECK("ARP, no devmap entry for the ingress", a, alen, 0, V_DROP, FWCTL_DROP_REDIRECT_ERROR, 0,
	      false);
	CHECK("other direction still has its entry", f, len, 1, V_FWD, 0, id, false);
	DO("policy accept", set_policy(FWCTL_POLICY_ACCEPT, why));
	CHECK("policy-accepted UDP, no devmap entry", o, olen, 0, V_DROP, FWCTL_DROP_REDIRECT_ERROR, 0,
	      false);
	CHECK("malformed is still malformed", f, 30, 0, V_DROP, FWCTL_DROP_MALFORMED, 0, false);
	DO("policy drop", set_policy(FWCTL_POLICY_DROP, why));
	err = devmap_link(&maps, ifx[0], ifx[1]);
	if (err) {
		WHY("devmap restore: %s", strerror(-err));
		return false;
	}
	CHECK("after restoring the entry", f, len, 0, V_FWD, 0, id, false);
	CHECK("ICMP after restoring the entry", p, plen, 0, V_FWD, 0, id_icmp, false);
	return true;
}

/* Run a shell command quietly; true when it exits 0. */
static bool sh(const char *cmd)
{
	char line[256];

	snprintf(line, sizeof(line), "%s >/dev/null 2>&1", cmd);
	return system(line) == 0;
}

/*
 * The output interface deleted while attached (the kernel drops its devmap
 * entry): allowed frames are redirect errors, not forwarded on their rule.
 * Runs in the suite's private netns, so the names cannot collide.
 */
static bool output_deleted(char *why)
{
	uint8_t f[FRAME_MAX];
	size_t len = frame_build(&tcp7070, f);
	__u32 id, gone, key = ifx[0], val;
	int err;

	DO("flush", flush_rules(why));
	DO("add", add_rule("tcp 7070", &id, why));
	DO("policy drop", set_policy(FWCTL_POLICY_DROP, why));
	if (!sh("ip link add fwu-gone type veth peer name fwu-gone-p")) {
		WHY("cannot create the veth pair fwu-gone/fwu-gone-p");
		return false;
	}
	gone = if_nametoindex("fwu-gone");
	err = gone ? bpf_map_update_elem(maps.devmap, &key, &gone, 0) : -ENODEV;
	if (err) {
		sh("ip link del fwu-gone");
		WHY("devmap %u -> fwu-gone: %s", key, strerror(-err));
		return false;
	}
	if (!sh("ip link del fwu-gone")) {
		WHY("cannot delete fwu-gone");
		return false;
	}
	if (!bpf_map_lookup_elem(maps.devmap, &key, &val)) {
		WHY("the kernel kept the devmap entry of a deleted interface (-> %u)", val);
		return false;
	}
	CHECK("allowed TCP towards a deleted interface: redirect error, not on its rule", f, len, 0,
	      V_DROP, FWCTL_DROP_REDIRECT_ERROR, 0, false);
	CHECK("the other direction still forwards on the rule", f, len, 1, V_FWD, 0, id, false);
	err = devmap_link(&maps, ifx[0], ifx[1]);
	if (err) {
		WHY("devmap restore: %s", strerror(-err));
		return false;
	}
	CHECK("after restoring the entry", f, len, 0, V_FWD, 0, id, false);
	return true;
}

/* The devmap as setup() made it, whatever a failed test left behind. */
static bool devmap_restored(bool ok, char *why)
{
	int err = devmap_link(&maps, ifx[0], ifx[1]);

	if (err && ok)
		WHY("devmap restore: %s", strerror(-err));
	return ok && !err;
}

static bool test_missing_devmap(char *why)
{
	return devmap_restored(missing_devmap(why), why);
}

static bool test_output_deleted(char *why)
{
	return devmap_restored(output_deleted(why), why);
}

/* 10,000 rules: all in, lookups still exact, flush removes them all. */
static bool test_10000_rules(char *why)
{
	enum { N = 10000 };
	static struct fwctl_rule rules[N];
	static __u32 ids[N];
	static struct ruleset rs;
	struct fwctl_err e = {};
	uint8_t f[FRAME_MAX];
	struct fspec s;
	size_t len;
	int i, err;

	DO("flush", flush_rules(why));
	DO("policy drop", set_policy(FWCTL_POLICY_DROP, why));
	/* 5000 single TCP ports 10000..14999, 4999 UDP ranges of 2, then "47". */
	for (i = 0; i < 5000; i++) {
		rules[i].proto = 6;
		rules[i].has_ports = 1;
		rules[i].port_lo = rules[i].port_hi = 10000 + i;
	}
	for (i = 0; i < 4999; i++) {
		rules[5000 + i].proto = 17;
		rules[5000 + i].has_ports = 1;
		rules[5000 + i].port_lo = 20000 + 2 * i;
		rules[5000 + i].port_hi = 20000 + 2 * i + 1;
	}
	rules[N - 1].proto = 47;
	err = ruleset_add(&maps, rules, N, ids, &e);
	if (err) {
		WHY("adding 10000 rules: %s", e.msg);
		return false;
	}
	err = ruleset_read(&maps, &rs);
	if (err || rs.active != N) {
		WHY("rule table holds %u active rules, expected %d (%d)", rs.active, N, err);
		return false;
	}

	s = (struct fspec){ TCP4(40000, 12345) };
	len = frame_build(&s, f);
	CHECK("TCP to 12345", f, len, 0, V_FWD, 0, ids[2345], false);
	s = (struct fspec){ TCP6(14999, 80) };
	len = frame_build(&s, f);
	CHECK("TCP from 14999 (IPv6, out->in)", f, len, 1, V_FWD, 0, ids[4999], false);
	s = (struct fspec){ TCP4(40000, 15000) };
	len = frame_build(&s, f);
	CHECK("TCP to 15000 (no rule)", f, len, 0, V_DROP, FWCTL_DROP_POLICY, 0, false);
	s = (struct fspec){ UDP4(40000, 29997) };
	len = frame_build(&s, f);
	CHECK("UDP to 29997", f, len, 0, V_FWD, 0, ids[5000 + 4998], false);
	s = (struct fspec){ UDP4(29998, 40000) };
	len = frame_build(&s, f);
	CHECK("UDP from 29998 (no rule)", f, len, 0, V_DROP, FWCTL_DROP_POLICY, 0, false);
	s = (struct fspec){ .l3 = L3_V4, .proto = 47 };
	len = frame_build(&s, f);
	CHECK("protocol 47, the 10000th rule", f, len, 1, V_FWD, 0, ids[N - 1], false);

	err = flush_rules(why);
	if (err != N) {
		WHY("flush removed %d rules, expected %d", err, N);
		return false;
	}
	s = (struct fspec){ TCP4(40000, 12345) };
	len = frame_build(&s, f);
	CHECK("TCP to 12345 after flush", f, len, 0, V_DROP, FWCTL_DROP_POLICY, 0, false);
	return true;
}

/* Frames shorter than 14 bytes: the kernel's test-run refuses them. */
static void test_short_frame(void)
{
	static const char *name = "1 eth: frame shorter than 14 bytes is malformed";
	uint8_t f[13] = { 0 }, out[FRAME_MAX];
	char why[WHYLEN];
	__u32 out_len;
	int ret, err;

	err = test_run(f, sizeof(f), ifx[0], &ret, out, &out_len);
	if (err == -EINVAL) {
		skip(name, "BPF_PROG_TEST_RUN refuses frames < 14 bytes (EINVAL), cannot be run; "
			   "the 14-byte and truncated-tag cases cover the boundary");
		return;
	}
	/* A kernel that accepts it: check it for real. */
	if (check_frame(f, sizeof(f), 0, V_DROP, FWCTL_DROP_MALFORMED, 0, false, why))
		pass(name);
	else
		fail(name, why);
}

/*
 * Every frame the suite ran is counted once in its direction: received
 * (forwarded + every drop) equals the frames and bytes run, after everything.
 */
static void test_totals(void)
{
	static const char *name = "counters: received == every frame run, both directions";
	struct fwctl_dir_stats d[FWCTL_DIR_COUNT];
	char why[WHYLEN];
	int dir;

	if (read_dirs(d, why)) {
		fail(name, why);
		return;
	}
	for (dir = 0; dir < FWCTL_DIR_COUNT; dir++) {
		if (!ran_packets[dir] || dir_received_packets(&d[dir]) != ran_packets[dir] ||
		    dir_received_bytes(&d[dir]) != ran_bytes[dir]) {
			WHY("%s: received %llu packets/%llu bytes, ran %llu/%llu", dir_names[dir],
			    (unsigned long long)dir_received_packets(&d[dir]),
			    (unsigned long long)dir_received_bytes(&d[dir]),
			    (unsigned long long)ran_packets[dir], (unsigned long long)ran_bytes[dir]);
			fail(name, why);
			return;
		}
	}
	pass(name);
}

static void run_named(const char *name, bool (*fn)(char *why))
{
	char why[WHYLEN] = "";

	if (fn(why))
		pass(name);
	else
		fail(name, why);
}

/* ---- setup --------------------------------------------------------------------- */

static int setup(void)
{
	struct fwctl_config cfg;
	struct bpf_map *map;
	int err;

	skel = fwctl__open();
	if (!skel) {
		fprintf(stderr, "unit: cannot open the fwctl skeleton: %s\n", strerror(errno));
		return -1;
	}
	/* Private maps: nothing pinned, nothing reused from a running fwctl. */
	bpf_object__for_each_map(map, skel->obj) {
		err = bpf_map__set_pin_path(map, NULL);
		if (err) {
			fprintf(stderr, "unit: cannot unset pin path of %s: %s\n",
				bpf_map__name(map), strerror(-err));
			return -1;
		}
	}
	err = fwctl__load(skel);
	if (err) {
		fprintf(stderr, "unit: cannot load the fwctl skeleton: %s\n", strerror(-err));
		return -1;
	}
	prog_fd = bpf_program__fd(skel->progs.fwctl_xdp);
	err = maps_from_object(skel->obj, &maps);
	if (err) {
		fprintf(stderr, "unit: maps_from_object: %s\n", strerror(-err));
		return -1;
	}
	err = config_read(&maps, &cfg);
	if (!err) {
		cfg.ifindex[FWCTL_DIR_IN_TO_OUT] = ifx[0];
		cfg.ifindex[FWCTL_DIR_OUT_TO_IN] = ifx[1];
		err = config_write(&maps, &cfg);
	}
	if (err) {
		fprintf(stderr, "unit: cannot write the config map: %s\n", strerror(-err));
		return -1;
	}
	err = devmap_link(&maps, ifx[0], ifx[1]);
	if (err) {
		fprintf(stderr, "unit: cannot fill the devmap with ifindexes %u, %u: %s\n", ifx[0],
			ifx[1], strerror(-err));
		return -1;
	}
	return 0;
}

static bool has_verdict(const struct tcase *c)
{
	return c->verdict == V_FWD || c->verdict == V_DROP;
}

int main(int argc, char **argv)
{
	const char *only = NULL;
	size_t i;
	int a = 1;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while (a < argc && argv[a][0] == '-') {
		if (!strcmp(argv[a], "-v"))
			verbose = true;
		else if (!strcmp(argv[a], "-k") && a + 1 < argc)
			only = argv[++a];
		else
			break;
		a++;
	}
	if (argc - a != 2) {
		fprintf(stderr, "usage: %s [-v] [-k SUBSTRING] IFINDEX_IN IFINDEX_OUT\n", argv[0]);
		return 2;
	}
	ifx[0] = strtoul(argv[a], NULL, 10);
	ifx[1] = strtoul(argv[a + 1], NULL, 10);
	if (!ifx[0] || !ifx[1] || ifx[0] == ifx[1]) {
		fprintf(stderr, "unit: two different ifindexes needed\n");
		return 2;
	}
	libbpf_set_print(libbpf_print);

	if (setup()) {
		printf("FAIL: unit tests: setup failed (see above)\n");
		fwctl__destroy(skel);
		return 1;
	}

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		char why[WHYLEN] = "";

		if (only && !strstr(cases[i].name, only))
			continue;
		if (!has_verdict(&cases[i])) {
			fail(cases[i].name, "test bug: no expected verdict");
			continue;
		}
		if (run_case(&cases[i], why))
			pass(cases[i].name);
		else
			fail(cases[i].name, why);
	}
	if (!only) {
		test_short_frame();
		run_named("runtime: rule add/del and policy switch change the verdict without reload",
			  test_runtime_changes);
		run_named("devmap: missing entry is a DROP counted as redirect error, not on the rule",
			  test_missing_devmap);
		run_named("devmap: output interface deleted, allowed frames are redirect errors, not on the rule",
			  test_output_deleted);
		run_named("rules: 10,000 rules load, match exactly, flush", test_10000_rules);
		test_totals();
	}

	fprintf(stderr, "unit: %d passed, %d failed, %d skipped\n", n_pass, n_fail, n_skip);
	fwctl__destroy(skel);
	return n_fail ? 1 : 0;
}
