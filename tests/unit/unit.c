// SPDX-License-Identifier: GPL-2.0
/*
 * unit.c - in-kernel unit tests of the fwctl datapath (issue 2, "Tests").
 *
 * Loads the fwctl skeleton WITHOUT pinning anything (a real fwctl may run
 * meanwhile), sets rules and policy through the loader library (rule text
 * parsed by rule_from_text, lists committed by ruleset_replace/add/del),
 * runs crafted frames with BPF_PROG_TEST_RUN and checks, for every case of
 * the table: the verdict (XDP_REDIRECT or XDP_DROP), that the frame comes
 * out unchanged, and the exact counter deltas (the direction's received,
 * forwarded, ARP/ND and drop-by-reason counters, the other direction
 * untouched, and the deciding rule's packets/bytes, allow or deny, with no
 * other rule moving). Every frame runs through two programs on the same
 * maps: one instance for both interfaces (direction from the config) and
 * the instance fwctl attach loads for the interface it arrives on
 * (direction fixed at load). The cases marked 11.N are the numbered
 * semantics of issue 11 (the rule language).
 *
 * Usage: unit [-v] IFINDEX_IN IFINDEX_OUT   (two interfaces of this netns;
 * tests/unit/run makes them). Prints PASS:/FAIL:/SKIP: lines; exits 1 on
 * any failure.
 */
#include <errno.h>
#include <sched.h>
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
#include "fwctl_conntrack.h"
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
#define DENY(n)		.verdict = V_DROP, .reason = FWCTL_DROP_RULE, .rule = (n)

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
	/* Issue 11: a packet several rules match counts on the FIRST in list
	 * order (before: the narrowest port range, a destination port before a
	 * source port). Verdicts are unchanged; the rule counted is marked
	 * "first in list order" where it moved. */
	{ "rules: dport match listed first counts (tcp 7070 before tcp 40000)",
	  { TCP4(40000, 7070) }, { "tcp 7070", "tcp 40000" }, P_DROP, D_BOTH, FWD_RULE(1) },
	{ "rules: reply matching two rules counts on the first in list order, by source port",
	  { TCP4(7070, 40000) }, { "tcp 7070", "tcp 40000" }, P_DROP, D_BOTH, FWD_RULE(1) },
	{ "rules: reply matching two rules counts on the first in list order (listed the other way)",
	  { TCP4(7070, 40000) }, { "tcp 40000", "tcp 7070" }, P_DROP, D_BOTH, FWD_RULE(1) },
	{ "rules: wide range by destination listed first counts, not the narrow source port after it",
	  { UDP4(6000, 5050) }, { "udp 5000-5100", "udp 6000" }, P_DROP, D_BOTH, FWD_RULE(1) },
	{ "rules: overlapping ranges, first in list order counts (single port, widest first)",
	  { UDP4(40000, 5050) }, { "udp 5000-5100", "udp 5040-5060", "udp 5050" }, P_DROP, D_BOTH,
	  FWD_RULE(1) },
	{ "rules: overlapping ranges, first in list order counts (middle range, widest first)",
	  { UDP4(40000, 5045) }, { "udp 5000-5100", "udp 5040-5060", "udp 5050" }, P_DROP, D_BOTH,
	  FWD_RULE(1) },
	{ "rules: overlapping ranges, first in list order counts (middle range bound, widest first)",
	  { UDP4(40000, 5060) }, { "udp 5000-5100", "udp 5040-5060", "udp 5050" }, P_DROP, D_BOTH,
	  FWD_RULE(1) },
	{ "rules: overlapping ranges, narrowest listed first counts",
	  { UDP4(40000, 5050) }, { "udp 5050", "udp 5040-5060", "udp 5000-5100" }, P_DROP, D_BOTH,
	  FWD_RULE(1) },
	{ "rules: overlapping ranges, only the wide one covers",
	  { UDP4(40000, 5039) }, { "udp 5000-5100", "udp 5040-5060", "udp 5050" }, P_DROP, D_BOTH,
	  FWD_RULE(1) },
	{ "rules: overlapping ranges listed narrowest first, the first that covers counts",
	  { UDP4(40000, 5045) }, { "udp 5050", "udp 5040-5060", "udp 5000-5100" }, P_DROP, D_BOTH,
	  FWD_RULE(2) },
	{ "rules: overlapping ranges by source port, first in list order counts",
	  { UDP6(5045, 9) }, { "udp 5000-5100", "udp 5040-5060", "udp 5050" }, P_DROP, D_BOTH,
	  FWD_RULE(1) },
	{ "rules: partially overlapping ranges, the first listed counts in the overlap",
	  { TCP4(40000, 1500) }, { "tcp 1000-1999", "tcp 1400-2400" }, P_DROP, D_BOTH, FWD_RULE(1) },
	{ "rules: protocol-wide tcp is the fallback when no port rule matches",
	  { TCP4(40000, 80) }, { "tcp 7070", "tcp" }, P_DROP, D_BOTH, FWD_RULE(2) },
	{ "rules: protocol-wide rule listed before a port rule counts, first in list order",
	  { TCP4(40000, 7070) }, { "tcp", "tcp 7070" }, P_DROP, D_BOTH, FWD_RULE(1) },
	{ "rules: port rule listed before the protocol-wide rule counts",
	  { TCP4(40000, 7070) }, { "tcp 7070", "tcp" }, P_DROP, D_BOTH, FWD_RULE(1) },
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

	/* ==== Issue 11: the rule language, one block per numbered semantic ====
	 * Frames go 10.0.0.1 -> 10.0.0.2 or fd00::1 -> fd00::2 unless .src/.dst
	 * say otherwise; {in} and {out} are the attached interfaces' names. */

	/* ---- 11.1 ARP/ND and malformed frames come before any rule ---------- */
	{ "11.1 arp: forwarded as ARP/ND under deny any, not counted on it",
	  { .l3 = L3_ARP }, { "deny any" }, P_BOTH, D_BOTH, ARPND },
	{ "11.1 nd: neighbor solicitation forwarded under deny icmpv6 type 135 and deny any",
	  { ND6(135), .payload = 16 }, { "deny icmpv6 type 135", "deny any" }, P_BOTH, D_BOTH,
	  ARPND },
	{ "11.1 nd: type 135 with hop limit 64 is not ND: deny icmpv6 type 135 drops it",
	  { ICMP6(135), .hlim = 64, .payload = 16 }, { "deny icmpv6 type 135" }, P_BOTH, D_BOTH,
	  DENY(1) },
	{ "11.1 malformed: IHL 4 is malformed under allow any",
	  { TCP4(40000, 7070), .ihl = 4 }, { "allow any" }, P_BOTH, D_BOTH, DROP(MALFORMED) },
	{ "11.1 malformed: truncated TCP is malformed under deny any (not a rule drop)",
	  { TCP6(40000, 22), .l4_len = 19 }, { "deny any" }, P_BOTH, D_BOTH, DROP(MALFORMED) },
	{ "11.1 other ethertype: allow any is for IP only, LLDP goes by the policy (drop)",
	  { .l3 = L3_RAW, .ethertype = 0x88cc, .raw_len = 46 }, { "allow any" }, P_DROP, D_BOTH,
	  DROP(UNKNOWN_ETHERTYPE) },
	{ "11.1 other ethertype: deny any is for IP only, LLDP goes by the policy (accept)",
	  { .l3 = L3_RAW, .ethertype = 0x88cc, .raw_len = 46 }, { "deny any" }, P_ACCEPT, D_BOTH,
	  FWD },

	/* ---- 11.2 one ordered list, the first rule that matches decides ------ */
	{ "11.2 first match: allow before deny forwards, counts on the allow rule",
	  { TCP4(40000, 22) }, { "allow tcp dport 22", "deny tcp" }, P_BOTH, D_BOTH, FWD_RULE(1) },
	{ "11.2 first match: deny before allow drops (reason rule), counts on the deny rule",
	  { TCP4(40000, 22) }, { "deny tcp dport 22", "allow tcp" }, P_BOTH, D_BOTH, DENY(1) },
	{ "11.2 first match: a deny that does not match falls through to the allow after it",
	  { TCP4(40000, 80) }, { "deny tcp dport 22", "allow tcp" }, P_BOTH, D_BOTH, FWD_RULE(2) },
	{ "11.2 first match: same fields, deny listed first drops",
	  { UDP6(5353, 5353) }, { "deny udp 5353", "allow udp 5353" }, P_BOTH, D_BOTH, DENY(1) },
	{ "11.2 first match: same fields, allow listed first forwards",
	  { UDP6(5353, 5353) }, { "allow udp 5353", "deny udp 5353" }, P_BOTH, D_BOTH, FWD_RULE(1) },
	{ "11.2 first match: the 4th rule decides when the three before it miss",
	  { TCP4(40000, 443) },
	  { "deny tcp dport 22", "deny udp", "allow tcp dport 80", "deny tcp dport 443", "allow tcp" },
	  P_BOTH, D_BOTH, DENY(4) },
	{ "11.2 first match: deny any last catches what the allows before it miss",
	  { UDP4(40000, 54) }, { "allow udp dport 53", "allow tcp", "deny any" }, P_BOTH, D_BOTH,
	  DENY(3) },
	{ "11.2 deny: drops under policy accept too, reason rule",
	  { UDP4(1, 2) }, { "deny udp" }, P_ACCEPT, D_BOTH, DENY(1) },
	{ "11.2 deny: ICMP (the full parser's path) dropped on its rule",
	  { .l3 = L3_V4, .proto = 1, .icmp_type = 8 }, { "deny icmp", "allow any" }, P_BOTH, D_BOTH,
	  DENY(1) },
	{ "11.2 deny: IPv6 after two extension headers dropped on its rule",
	  { UDP6(1, 2), .next = 2, .ext = { { 0, 0, 0 }, { 60, 0, 0 } } }, { "deny any" }, P_BOTH,
	  D_BOTH, DENY(1) },
	{ "11.2 deny: counts the whole frame (VLAN tag and padding) on the rule and reason rule",
	  { .tags = { TPID_Q }, TCP4(40000, 22), .pad = 20 }, { "deny tcp dport 22" }, P_BOTH, D_BOTH,
	  DENY(1) },
	{ "11.2 no match: only deny rules that miss, policy drop counts policy",
	  { TCP4(40000, 80) }, { "deny tcp dport 22", "deny udp" }, P_DROP, D_BOTH, DROP(POLICY) },
	{ "11.2 no match: only deny rules that miss, policy accept forwards (no rule counts)",
	  { TCP4(40000, 80) }, { "deny tcp dport 22", "deny udp" }, P_ACCEPT, D_BOTH, FWD },

	/* ---- 11.3 every field must match (AND), any element of a list (OR) ---- */
	{ "11.3 and: tcp dport 22 src 10.0.0.0/24, both match",
	  { TCP4(40000, 22) }, { "allow tcp dport 22 src 10.0.0.0/24" }, P_DROP, D_BOTH, FWD_RULE(1) },
	{ "11.3 and: right port, source outside the prefix: policy",
	  { TCP4(40000, 22), .src = "10.0.1.1" }, { "allow tcp dport 22 src 10.0.0.0/24" }, P_DROP,
	  D_BOTH, DROP(POLICY) },
	{ "11.3 and: source inside, wrong port: policy",
	  { TCP4(40000, 23) }, { "allow tcp dport 22 src 10.0.0.0/24" }, P_DROP, D_BOTH,
	  DROP(POLICY) },
	{ "11.3 and: port and source right, protocol wrong: policy",
	  { UDP4(40000, 22) }, { "allow tcp dport 22 src 10.0.0.0/24" }, P_DROP, D_BOTH,
	  DROP(POLICY) },
	{ "11.3 and: every field of the rule matches (PORTS in src dst sport dport)",
	  { TCP4(1234, 443), .src = "10.1.2.3", .dst = "192.168.7.9" },
	  { "allow tcp 1000-2000 in {in} src 10.1.0.0/16 dst 192.168.7.0/24 sport 1234 dport 443" },
	  P_DROP, D_IN, FWD_RULE(1) },
	{ "11.3 and: all fields but 'in' match: policy",
	  { TCP4(1234, 443), .src = "10.1.2.3", .dst = "192.168.7.9" },
	  { "allow tcp 1000-2000 in {in} src 10.1.0.0/16 dst 192.168.7.0/24 sport 1234 dport 443" },
	  P_DROP, D_OUT, DROP(POLICY) },
	{ "11.3 and: all fields but dst match: policy",
	  { TCP4(1234, 443), .src = "10.1.2.3", .dst = "192.168.8.9" },
	  { "allow tcp 1000-2000 in {in} src 10.1.0.0/16 dst 192.168.7.0/24 sport 1234 dport 443" },
	  P_DROP, D_IN, DROP(POLICY) },
	{ "11.3 and: all fields but src match: policy",
	  { TCP4(1234, 443), .src = "10.2.2.3", .dst = "192.168.7.9" },
	  { "allow tcp 1000-2000 in {in} src 10.1.0.0/16 dst 192.168.7.0/24 sport 1234 dport 443" },
	  P_DROP, D_IN, DROP(POLICY) },
	{ "11.3 and: all fields but sport match (PORTS still does): policy",
	  { TCP4(1235, 443), .src = "10.1.2.3", .dst = "192.168.7.9" },
	  { "allow tcp 1000-2000 in {in} src 10.1.0.0/16 dst 192.168.7.0/24 sport 1234 dport 443" },
	  P_DROP, D_IN, DROP(POLICY) },
	{ "11.3 and: sport matches, PORTS (neither port in it) does not: policy",
	  { TCP4(1234, 444) }, { "allow tcp 443 sport 1234" }, P_DROP, D_BOTH, DROP(POLICY) },
	{ "11.3 and: PORTS matches by dport, sport list too",
	  { TCP4(1234, 443) }, { "allow tcp 443 sport 1234" }, P_DROP, D_BOTH, FWD_RULE(1) },
	{ "11.3 and: PORTS by source port AND dport: tcp 7070 dport 80 matches 7070 -> 80",
	  { TCP4(7070, 80) }, { "allow tcp 7070 dport 80" }, P_DROP, D_BOTH, FWD_RULE(1) },
	{ "11.3 and: tcp 7070 dport 80 does not match 40000 -> 80",
	  { TCP4(40000, 80) }, { "allow tcp 7070 dport 80" }, P_DROP, D_BOTH, DROP(POLICY) },
	{ "11.3 or: dport 22,80,443 matches 80",
	  { TCP4(40000, 80) }, { "allow tcp dport 22,80,443" }, P_DROP, D_BOTH, FWD_RULE(1) },
	{ "11.3 or: dport 22,80,443 matches 443 over IPv6",
	  { TCP6(40000, 443) }, { "allow tcp dport 22,80,443" }, P_DROP, D_BOTH, FWD_RULE(1) },
	{ "11.3 or: dport 22,80,443 does not match 81",
	  { TCP4(40000, 81) }, { "allow tcp dport 22,80,443" }, P_DROP, D_BOTH, DROP(POLICY) },
	{ "11.3 or: dport 1000-2000,3000 matches 1000 (low bound)",
	  { UDP4(1, 1000) }, { "allow udp dport 1000-2000,3000" }, P_DROP, D_BOTH, FWD_RULE(1) },
	{ "11.3 or: dport 1000-2000,3000 matches 2000 (high bound)",
	  { UDP4(1, 2000) }, { "allow udp dport 1000-2000,3000" }, P_DROP, D_BOTH, FWD_RULE(1) },
	{ "11.3 or: dport 1000-2000,3000 does not match 999",
	  { UDP4(1, 999) }, { "allow udp dport 1000-2000,3000" }, P_DROP, D_BOTH, DROP(POLICY) },
	{ "11.3 or: dport 1000-2000,3000 does not match 2001",
	  { UDP4(1, 2001) }, { "allow udp dport 1000-2000,3000" }, P_DROP, D_BOTH, DROP(POLICY) },
	{ "11.3 or: dport 1000-2000,3000 matches 3000, not 3001",
	  { UDP4(1, 3000) }, { "allow udp dport 1000-2000,3000", "deny udp dport 3001" }, P_DROP,
	  D_BOTH, FWD_RULE(1) },
	{ "11.3 or: dport 1000-2000,3000 does not match 3001 (the deny after it does)",
	  { UDP4(1, 3001) }, { "allow udp dport 1000-2000,3000", "deny udp dport 3001" }, P_ACCEPT,
	  D_BOTH, DENY(2) },
	{ "11.3 or: src 10.9.0.0/16,192.168.7.0/24 matches 192.168.7.200",
	  { UDP4(1, 2), .src = "192.168.7.200" }, { "allow udp src 10.9.0.0/16,192.168.7.0/24" },
	  P_DROP, D_BOTH, FWD_RULE(1) },
	{ "11.3 or: src 10.9.0.0/16,192.168.7.0/24 matches 10.9.255.255",
	  { UDP4(1, 2), .src = "10.9.255.255" }, { "allow udp src 10.9.0.0/16,192.168.7.0/24" },
	  P_DROP, D_BOTH, FWD_RULE(1) },
	{ "11.3 or: src 10.9.0.0/16,192.168.7.0/24 does not match 10.10.0.0",
	  { UDP4(1, 2), .src = "10.10.0.0" }, { "allow udp src 10.9.0.0/16,192.168.7.0/24" },
	  P_DROP, D_BOTH, DROP(POLICY) },
	{ "11.3 or: sport 53,5000-5100 dport 53,123: 5100 -> 123 matches",
	  { UDP6(5100, 123) }, { "deny udp sport 53,5000-5100 dport 53,123" }, P_BOTH, D_BOTH,
	  DENY(1) },
	{ "11.3 or: sport 53,5000-5100 dport 53,123: 5101 -> 123 does not",
	  { UDP6(5101, 123) }, { "deny udp sport 53,5000-5100 dport 53,123" }, P_ACCEPT, D_BOTH,
	  FWD },

	/* ---- 11.4 protocols and families ---------------------------------- */
	{ "11.4 any: matches IPv4 TCP",
	  { TCP4(40000, 80) }, { "any" }, P_DROP, D_BOTH, FWD_RULE(1) },
	{ "11.4 any: matches IPv6 UDP",
	  { UDP6(40000, 80) }, { "allow any" }, P_DROP, D_BOTH, FWD_RULE(1) },
	{ "11.4 any: matches IPv4 protocol 47",
	  { .l3 = L3_V4, .proto = 47, .payload = 8 }, { "tcp", "any" }, P_DROP, D_BOTH, FWD_RULE(2) },
	{ "11.4 any: matches IPv4 protocol 58 (which icmpv6 does not)",
	  { .l3 = L3_V4, .proto = 58, .icmp_type = 128 }, { "icmpv6", "any" }, P_DROP, D_BOTH,
	  FWD_RULE(2) },
	{ "11.4 any: matches IPv6 protocol 1 (which icmp does not)",
	  { .l3 = L3_V6, .proto = 1, .icmp_type = 8 }, { "icmp", "any" }, P_DROP, D_BOTH,
	  FWD_RULE(2) },
	{ "11.4 any: matches ICMPv6 echo request",
	  { ICMP6(128) }, { "deny any" }, P_BOTH, D_BOTH, DENY(1) },
	{ "11.4 tcp over IPv6: the protocol after the extension headers",
	  { TCP6(40000, 22), .next = 2, .ext = { { 0, 0, 0 }, { 60, 0, 0 } } }, { "deny tcp dport 22" },
	  P_BOTH, D_BOTH, DENY(1) },
	{ "11.4 numeric 60 does not match IPv6 with a destination options header (protocol is after it)",
	  { UDP6(1, 2), .next = 1, .ext = { { 60, 0, 0 } } }, { "60", "udp" }, P_DROP, D_BOTH,
	  FWD_RULE(2) },
	{ "11.4 numeric 0 matches IPv4 protocol 0",
	  { .l3 = L3_V4, .proto = 0, .payload = 8 }, { "0" }, P_DROP, D_BOTH, FWD_RULE(1) },
	{ "11.4 numeric 255 matches IPv6 protocol 255",
	  { .l3 = L3_V6, .proto = 255, .payload = 8 }, { "deny 255" }, P_BOTH, D_BOTH, DENY(1) },
	{ "11.4 icmpv6 type echo-request does not match IPv4 protocol 58 type 128",
	  { .l3 = L3_V4, .proto = 58, .icmp_type = 128 }, { "icmpv6 type echo-request" }, P_DROP,
	  D_BOTH, DROP(POLICY) },

	/* ---- 11.5 address families and prefixes ---------------------------- */
	{ "11.5 family: IPv4 0.0.0.0/0 does not match IPv6",
	  { UDP6(1, 2) }, { "allow udp src 0.0.0.0/0" }, P_DROP, D_BOTH, DROP(POLICY) },
	{ "11.5 family: IPv6 ::/0 does not match IPv4",
	  { UDP4(1, 2) }, { "allow udp dst ::/0" }, P_DROP, D_BOTH, DROP(POLICY) },
	{ "11.5 family: IPv6 ::/0 matches any IPv6",
	  { UDP6(1, 2), .dst = "2001:db8::1" }, { "allow udp dst ::/0" }, P_DROP, D_BOTH,
	  FWD_RULE(1) },
	{ "11.5 family: IPv4 0.0.0.0/0 matches any IPv4",
	  { UDP4(1, 2), .src = "255.255.255.255" }, { "allow udp src 0.0.0.0/0" }, P_DROP, D_BOTH,
	  FWD_RULE(1) },
	{ "11.5 family: IPv4 10.0.0.1 does not match IPv6 ::a00:1 (the same 32 bits)",
	  { UDP6(1, 2), .src = "::a00:1" }, { "allow any src 10.0.0.1" }, P_DROP, D_BOTH,
	  DROP(POLICY) },
	{ "11.5 family: IPv6 ::a00:1 does not match IPv4 10.0.0.1 (the same 32 bits)",
	  { UDP4(1, 2) }, { "allow any src ::a00:1" }, P_DROP, D_BOTH, DROP(POLICY) },
	{ "11.5 family: IPv4-mapped ::ffff:10.0.0.2 does not match IPv4 10.0.0.2",
	  { UDP4(1, 2) }, { "allow any dst ::ffff:10.0.0.2" }, P_DROP, D_BOTH, DROP(POLICY) },
	{ "11.5 family: mixed src list matches IPv4 through its IPv4 prefix",
	  { TCP4(1, 22), .src = "10.1.1.1" }, { "allow tcp src fd00::/8,10.0.0.0/8" }, P_DROP, D_BOTH,
	  FWD_RULE(1) },
	{ "11.5 family: mixed src list matches IPv6 through its IPv6 prefix",
	  { TCP6(1, 22) }, { "allow tcp src fd00::/8,10.0.0.0/8" }, P_DROP, D_BOTH, FWD_RULE(1) },
	{ "11.5 family: src v4+v6 and dst v6 only: IPv4 never matches",
	  { TCP4(1, 22) }, { "allow tcp src 10.0.0.0/8,fd00::/8 dst fd00::/8" }, P_DROP, D_BOTH,
	  DROP(POLICY) },
	{ "11.5 family: src v4+v6 and dst v6 only: IPv6 matches",
	  { TCP6(1, 22) }, { "allow tcp src 10.0.0.0/8,fd00::/8 dst fd00::/8" }, P_DROP, D_BOTH,
	  FWD_RULE(1) },
	{ "11.5 prefix: dst 10.0.0.2/32 matches exactly",
	  { UDP4(1, 2) }, { "allow any dst 10.0.0.2/32" }, P_DROP, D_BOTH, FWD_RULE(1) },
	{ "11.5 prefix: dst 10.0.0.2/31 matches 10.0.0.3",
	  { UDP4(1, 2), .dst = "10.0.0.3" }, { "allow any dst 10.0.0.2/31" }, P_DROP, D_BOTH,
	  FWD_RULE(1) },
	{ "11.5 prefix: dst 10.0.0.2/31 does not match 10.0.0.4",
	  { UDP4(1, 2), .dst = "10.0.0.4" }, { "allow any dst 10.0.0.2/31" }, P_DROP, D_BOTH,
	  DROP(POLICY) },
	{ "11.5 prefix: dst 10.0.0.2/31 does not match 10.0.0.1",
	  { UDP4(1, 2), .dst = "10.0.0.1" }, { "allow any dst 10.0.0.2/31" }, P_DROP, D_BOTH,
	  DROP(POLICY) },
	{ "11.5 prefix: 128.0.0.0/1 matches 255.255.255.255",
	  { UDP4(1, 2), .dst = "255.255.255.255" }, { "allow any dst 128.0.0.0/1" }, P_DROP, D_BOTH,
	  FWD_RULE(1) },
	{ "11.5 prefix: 128.0.0.0/1 does not match 127.255.255.255",
	  { UDP4(1, 2), .dst = "127.255.255.255" }, { "allow any dst 128.0.0.0/1" }, P_DROP, D_BOTH,
	  DROP(POLICY) },
	{ "11.5 prefix: src fd00::/127 matches fd00::1",
	  { UDP6(1, 2) }, { "allow any src fd00::/127" }, P_DROP, D_BOTH, FWD_RULE(1) },
	{ "11.5 prefix: dst fd00::/127 does not match fd00::2",
	  { UDP6(1, 2) }, { "allow any dst fd00::/127" }, P_DROP, D_BOTH, DROP(POLICY) },
	{ "11.5 prefix: dst fd00::2/128 matches exactly, fd00::3 does not (first rule misses)",
	  { UDP6(1, 2) }, { "allow any dst fd00::3", "deny any dst fd00::2/128" }, P_BOTH, D_BOTH,
	  DENY(2) },
	{ "11.5 prefix: fd00:0:0:1::/64 does not match fd00::1 (third word differs)",
	  { UDP6(1, 2) }, { "allow any src fd00:0:0:1::/64" }, P_DROP, D_BOTH, DROP(POLICY) },
	{ "11.5 prefix: 2001:db8::/32 matches 2001:db8:ffff:ffff:ffff:ffff:ffff:ffff",
	  { UDP6(1, 2), .src = "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff" },
	  { "allow any src 2001:db8::/32" }, P_DROP, D_BOTH, FWD_RULE(1) },
	{ "11.5 prefix: 2001:db8::/32 does not match 2001:db9::",
	  { UDP6(1, 2), .src = "2001:db9::" }, { "allow any src 2001:db8::/32" }, P_DROP, D_BOTH,
	  DROP(POLICY) },
	{ "11.5 prefix: fd00::/60 matches fd00:0:0:f::1, not fd00:0:0:10::1 (inside a word)",
	  { UDP6(1, 2), .src = "fd00:0:0:f::1", .dst = "fd00:0:0:10::1" },
	  { "allow any dst fd00::/60", "allow any src fd00::/60" }, P_DROP, D_BOTH, FWD_RULE(2) },

	/* ---- 11.6 non-first fragments: no ports, no type ------------------- */
	{ "11.6 v4 frag: PORTS, sport and dport rules miss a non-first fragment, the address rule matches",
	  { TCP4(7070, 7070), .frag = 100 },
	  { "allow tcp 7070", "allow tcp sport 7070", "allow tcp dport 7070", "deny tcp src 10.0.0.1" },
	  P_BOTH, D_BOTH, DENY(4) },
	{ "11.6 v4 frag: deny tcp src prefix drops a non-first fragment (reason rule, not fragment)",
	  { TCP4(1, 2), .frag = 100 | FRAG_MF }, { "deny tcp src 10.0.0.0/8", "allow any" }, P_BOTH,
	  D_BOTH, DENY(1) },
	{ "11.6 v4 frag: icmp type misses a non-first ICMP fragment, icmp matches",
	  { .l3 = L3_V4, .proto = 1, .icmp_type = 8, .frag = 3 },
	  { "allow icmp type echo-request", "deny icmp" }, P_BOTH, D_BOTH, DENY(2) },
	{ "11.6 v4 frag: any dst matches by address",
	  { .l3 = L3_V4, .proto = 47, .payload = 8, .frag = 7 },
	  { "allow any dst 10.0.0.3", "allow any dst 10.0.0.2" }, P_DROP, D_BOTH, FWD_RULE(2) },
	{ "11.6 v4 frag: 'in' matches (arriving on input)",
	  { UDP4(1, 2), .frag = 9 }, { "allow udp in {out}", "deny udp in {in}" }, P_BOTH, D_IN,
	  DENY(2) },
	{ "11.6 v4 frag: 'in' matches (arriving on output)",
	  { UDP4(1, 2), .frag = 9 }, { "allow udp in {out}", "deny udp in {in}" }, P_BOTH, D_OUT,
	  FWD_RULE(1) },
	{ "11.6 v4 frag: only port rules, policy drop counts fragment",
	  { UDP4(1, 2), .frag = 9 }, { "allow udp dport 0-65535", "deny udp sport 0-65535" }, P_DROP,
	  D_BOTH, DROP(FRAGMENT) },
	{ "11.6 v4 first fragment (offset 0, MF) matched by sport list",
	  { UDP4(53, 40000), .frag = FRAG_MF }, { "allow udp sport 53,123" }, P_DROP, D_BOTH,
	  FWD_RULE(1) },
	{ "11.6 v6 frag: only any matches: udp, 17 src fd00::/8 and 44 skipped",
	  { UDP6(1, 2), .next = 1, .ext = { { 44, 0, OFF6(5) } } },
	  { "udp", "17 src fd00::/8", "44", "deny any" }, P_BOTH, D_BOTH, DENY(4) },
	{ "11.6 v6 frag: any src fd00::1 matches",
	  { UDP6(1, 2), .next = 1, .ext = { { 44, 0, OFF6(5) | 1 } } }, { "allow any src fd00::1" },
	  P_DROP, D_BOTH, FWD_RULE(1) },
	{ "11.6 v6 frag: any src fd00::3 does not, policy drop counts fragment",
	  { UDP6(1, 2), .next = 1, .ext = { { 44, 0, OFF6(5) } } }, { "allow any src fd00::3" },
	  P_DROP, D_BOTH, DROP(FRAGMENT) },
	{ "11.6 v6 frag: any with only IPv4 prefixes does not match",
	  { UDP6(1, 2), .next = 1, .ext = { { 44, 0, OFF6(5) } } }, { "deny any src 0.0.0.0/0" },
	  P_ACCEPT, D_BOTH, FWD },
	{ "11.6 v6 frag: deny any drops it with reason rule, not fragment",
	  { TCP6(1, 2), .next = 2, .ext = { { 0, 0, 0 }, { 44, 0, OFF6(1) } } }, { "deny any" },
	  P_BOTH, D_BOTH, DENY(1) },
	{ "11.6 v6 frag: any in {in} matches on input",
	  { UDP6(1, 2), .next = 1, .ext = { { 44, 0, OFF6(5) } } }, { "allow any in {in}" }, P_DROP,
	  D_IN, FWD_RULE(1) },
	{ "11.6 v6 frag: any in {in} does not match on output, policy drop counts fragment",
	  { UDP6(1, 2), .next = 1, .ext = { { 44, 0, OFF6(5) } } }, { "allow any in {in}" }, P_DROP,
	  D_OUT, DROP(FRAGMENT) },
	{ "11.6 v6 first fragment (offset 0) matched by dport",
	  { UDP6(1, 53), .next = 1, .ext = { { 44, 0, 1 } } }, { "allow udp dport 53" }, P_DROP,
	  D_BOTH, FWD_RULE(1) },

	/* ---- 11.6 ports: PORTS is source OR destination; sport, dport ------ */
	{ "11.6 sport/dport: udp sport 5000-5100 dport 53 matches 5050 -> 53",
	  { UDP4(5050, 53) }, { "deny udp sport 5000-5100 dport 53" }, P_BOTH, D_BOTH, DENY(1) },
	{ "11.6 sport/dport: udp sport 5000-5100 dport 53 does not match 53 -> 5050",
	  { UDP4(53, 5050) }, { "deny udp sport 5000-5100 dport 53" }, P_ACCEPT, D_BOTH, FWD },
	{ "11.6 sport: tcp sport 1024-65535 dport 22 matches 65535 -> 22",
	  { TCP6(65535, 22) }, { "allow tcp sport 1024-65535 dport 22" }, P_DROP, D_BOTH,
	  FWD_RULE(1) },
	{ "11.6 sport: tcp sport 1024-65535 dport 22 does not match 1023 -> 22",
	  { TCP6(1023, 22) }, { "allow tcp sport 1024-65535 dport 22" }, P_DROP, D_BOTH,
	  DROP(POLICY) },
	{ "11.6 port 0: udp dport 0 matches 1 -> 0",
	  { UDP4(1, 0) }, { "allow udp dport 0" }, P_DROP, D_BOTH, FWD_RULE(1) },
	{ "11.6 port 0: tcp 0 (PORTS) matches source port 0",
	  { TCP4(0, 5) }, { "allow tcp 0" }, P_DROP, D_BOTH, FWD_RULE(1) },
	{ "11.6 port 0: tcp sport 0 does not match source port 1",
	  { TCP4(1, 0) }, { "allow tcp sport 0" }, P_DROP, D_BOTH, DROP(POLICY) },

	/* ---- 11.6 ICMP type and code --------------------------------------- */
	{ "11.6 type: icmp type echo-request matches type 8",
	  { .l3 = L3_V4, .proto = 1, .icmp_type = 8 }, { "allow icmp type echo-request" }, P_DROP,
	  D_BOTH, FWD_RULE(1) },
	{ "11.6 type: icmp type echo-request does not match echo reply (0)",
	  { .l3 = L3_V4, .proto = 1, .icmp_type = 0 }, { "allow icmp type echo-request" }, P_DROP,
	  D_BOTH, DROP(POLICY) },
	{ "11.6 type: icmp type 3/1 matches type 3 code 1",
	  { .l3 = L3_V4, .proto = 1, .icmp_type = 3, .icmp_code = 1 }, { "deny icmp type 3/1" },
	  P_BOTH, D_BOTH, DENY(1) },
	{ "11.6 type: icmp type 3/1 does not match type 3 code 0",
	  { .l3 = L3_V4, .proto = 1, .icmp_type = 3, .icmp_code = 0 }, { "deny icmp type 3/1" },
	  P_ACCEPT, D_BOTH, FWD },
	{ "11.6 type: icmp type destination-unreachable matches type 3 with any code (13)",
	  { .l3 = L3_V4, .proto = 1, .icmp_type = 3, .icmp_code = 13 },
	  { "allow icmp type destination-unreachable" }, P_DROP, D_BOTH, FWD_RULE(1) },
	{ "11.6 type: icmp type 255/255 matches type 255 code 255",
	  { .l3 = L3_V4, .proto = 1, .icmp_type = 255, .icmp_code = 255 }, { "allow icmp type 255/255" },
	  P_DROP, D_BOTH, FWD_RULE(1) },
	{ "11.6 type: deny echo-request, then allow icmp: echo request denied",
	  { .l3 = L3_V4, .proto = 1, .icmp_type = 8 }, { "deny icmp type echo-request", "allow icmp" },
	  P_BOTH, D_BOTH, DENY(1) },
	{ "11.6 type: deny echo-request, then allow icmp: echo reply allowed",
	  { .l3 = L3_V4, .proto = 1, .icmp_type = 0 }, { "deny icmp type echo-request", "allow icmp" },
	  P_BOTH, D_BOTH, FWD_RULE(2) },
	{ "11.6 type: icmpv6 type echo-request matches type 128",
	  { ICMP6(128) }, { "allow icmpv6 type echo-request" }, P_DROP, D_BOTH, FWD_RULE(1) },
	{ "11.6 type: icmpv6 type echo-request does not match echo-reply (129)",
	  { ICMP6(129) }, { "allow icmpv6 type echo-request" }, P_DROP, D_BOTH, DROP(POLICY) },
	{ "11.6 type: icmpv6 type 1/4 matches type 1 code 4, not the rule before it (1/3)",
	  { ICMP6(1), .icmp_code = 4 }, { "deny icmpv6 type 1/3", "allow icmpv6 type 1/4" }, P_BOTH,
	  D_BOTH, FWD_RULE(2) },
	{ "11.6 type: icmp type 128 does not match IPv6 echo request (icmp is IPv4)",
	  { ICMP6(128) }, { "allow icmp type 128" }, P_DROP, D_BOTH, DROP(POLICY) },
	{ "11.6 type: icmpv6 type 136 matches a neighbor advertisement that is not ND (hop limit 64)",
	  { ICMP6(136), .hlim = 64, .payload = 16 }, { "allow icmpv6 type 136" }, P_DROP, D_BOTH,
	  FWD_RULE(1) },

	/* ---- 11.7 in IF: the interface a frame arrives on -------------------- */
	{ "11.7 in: allow tcp 7070 in {in} matches frames arriving on input",
	  { TCP4(40000, 7070) }, { "allow tcp 7070 in {in}" }, P_DROP, D_IN, FWD_RULE(1) },
	{ "11.7 in: allow tcp 7070 in {in} does not match frames arriving on output",
	  { TCP4(40000, 7070) }, { "allow tcp 7070 in {in}" }, P_DROP, D_OUT, DROP(POLICY) },
	{ "11.7 in: deny any in {out} then allow any: output drops on rule 1",
	  { UDP6(1, 2) }, { "deny any in {out}", "allow any" }, P_BOTH, D_OUT, DENY(1) },
	{ "11.7 in: deny any in {out} then allow any: input forwards on rule 2",
	  { UDP6(1, 2) }, { "deny any in {out}", "allow any" }, P_BOTH, D_IN, FWD_RULE(2) },
	{ "11.7 in: one rule per side, each counts its own side (input)",
	  { .l3 = L3_V4, .proto = 1, .icmp_type = 8 },
	  { "allow icmp type echo-request in {in}", "deny icmp type echo-request in {out}" }, P_BOTH,
	  D_IN, FWD_RULE(1) },
	{ "11.7 in: one rule per side, each counts its own side (output)",
	  { .l3 = L3_V4, .proto = 1, .icmp_type = 8 },
	  { "allow icmp type echo-request in {in}", "deny icmp type echo-request in {out}" }, P_BOTH,
	  D_OUT, DENY(2) },

	/* ---- VLAN-tagged packets: classified by their inner headers -------- */
	{ "11 vlan: 802.1Q IPv4 denied by its inner source address",
	  { .tags = { TPID_Q }, TCP4(1, 22), .src = "192.168.7.9" },
	  { "deny tcp src 192.168.7.0/24", "allow tcp" }, P_BOTH, D_BOTH, DENY(1) },
	{ "11 vlan: 802.1Q IPv4, inner source outside the prefix, next rule",
	  { .tags = { TPID_Q }, TCP4(1, 22), .src = "192.168.8.9" },
	  { "deny tcp src 192.168.7.0/24", "allow tcp" }, P_BOTH, D_BOTH, FWD_RULE(2) },
	{ "11 vlan: QinQ IPv6 matched by inner destination and dport",
	  { .tags = { TPID_AD, TPID_Q }, UDP6(1, 53), .dst = "2001:db8::53" },
	  { "allow udp dport 53 dst 2001:db8::/64" }, P_DROP, D_BOTH, FWD_RULE(1) },
	{ "11 vlan: QinQ IPv6, inner destination outside the prefix",
	  { .tags = { TPID_AD, TPID_Q }, UDP6(1, 53), .dst = "2001:db8:1::53" },
	  { "allow udp dport 53 dst 2001:db8::/64" }, P_DROP, D_BOTH, DROP(POLICY) },
	{ "11 vlan: QinQ IPv4 with options, inner dst prefix",
	  { .tags = { TPID_Q, TPID_AD }, UDP4(1, 2), .ihl = 7, .dst = "172.16.5.4" },
	  { "allow udp dst 172.16.0.0/12" }, P_DROP, D_BOTH, FWD_RULE(1) },
	{ "11 vlan: IPv6 non-first fragment inside a tag, any src matches the inner address",
	  { .tags = { TPID_Q }, UDP6(1, 2), .src = "fd00:1::9", .next = 1,
	    .ext = { { 44, 0, OFF6(3) } } }, { "allow any src fd00::/64", "deny any src fd00:1::/64" },
	  P_BOTH, D_BOTH, DENY(2) },
	{ "11 vlan: ICMP inside two tags matched by type and inner src",
	  { .tags = { TPID_AD, TPID_Q }, .l3 = L3_V4, .proto = 1, .icmp_type = 8, .src = "10.9.1.1" },
	  { "deny icmp type echo-request src 10.9.0.0/16" }, P_BOTH, D_BOTH, DENY(1) },
};

/* ---- harness ---------------------------------------------------------------- */

/* skel: one instance for both interfaces (the direction from the config);
 * skel_dir[d]: the instance fwctl attach puts on interface d, its direction
 * fixed at load. All three share the maps. */
static struct fwctl *skel, *skel_dir[FWCTL_DIR_COUNT];
static struct fwctl_maps maps;
static int prog_fd, prog_dir[FWCTL_DIR_COUNT];
static __u32 ifx[FWCTL_DIR_COUNT];
static char ifnames[FWCTL_DIR_COUNT][IF_NAMESIZE];
static struct rule_ctx rctx;	/* the names 'in IF' refers to */
static bool verbose;
static int n_pass, n_fail, n_skip;

/* Rules currently in the table, as set by apply_rules(). */
static const char *cur_rules[MAX_CASE_RULES];
static __u32 cur_ids[MAX_CASE_RULES];
static bool cur_valid;

/* Rule counters read per frame: ids 0 .. id_span-1 (ids are the lowest
 * free, so every id ever given is below the highest seen + 1). */
static __u32 id_span = 64;

static const char *reason_names[FWCTL_DROP_REASON_COUNT] = {
	[FWCTL_DROP_POLICY] = "policy",
	[FWCTL_DROP_MALFORMED] = "malformed",
	[FWCTL_DROP_FRAGMENT] = "fragment",
	[FWCTL_DROP_UNKNOWN_ETHERTYPE] = "unknown-ethertype",
	[FWCTL_DROP_REDIRECT_ERROR] = "redirect-error",
	[FWCTL_DROP_RULE] = "rule",
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

/* Note ids handed out, so that check_frame() reads every counter in use. */
static void ids_seen(const __u32 *ids, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (ids[i] + 64 > id_span)
			id_span = ids[i] + 64 > FWCTL_RULE_ID_SLOTS ? FWCTL_RULE_ID_SLOTS : ids[i] + 64;
}

/* A rule line with {in} and {out} replaced by the interfaces' names. */
static void expand(const char *line, char *out, size_t size)
{
	size_t o = 0;

	while (*line && o + 1 < size) {
		if (!strncmp(line, "{in}", 4) || !strncmp(line, "{out}", 5)) {
			int d = line[1] == 'o';

			o += snprintf(out + o, size - o, "%s", ifnames[d]);
			line += d ? 5 : 4;
			continue;
		}
		out[o++] = *line++;
	}
	out[o < size ? o : size - 1] = 0;
}

static int parse_rule(const char *line, struct rule *r, char *why)
{
	struct fwctl_err e = {};
	char text[512];

	expand(line, text, sizeof(text));
	if (rule_from_text(text, &rctx, r, &e)) {
		WHY("rule '%.200s': %.250s", text, e.msg);
		return -EINVAL;
	}
	return 0;
}

/* The ids of the current list, in list order; n must be its length. */
static int read_ids(__u32 *ids, unsigned int n, char *why)
{
	struct fwctl_err e = {};
	struct ruleset rs;
	unsigned int i;
	int err;

	err = ruleset_read(&maps, &rctx, &rs, &e);
	if (err) {
		WHY("ruleset_read: %s", e.msg);
		return err;
	}
	if (rs.n != n) {
		WHY("the set holds %u rules, expected %u", rs.n, n);
		ruleset_free(&rs);
		return -EIO;
	}
	for (i = 0; i < n; i++)
		ids[i] = rs.v[i].id;
	ids_seen(ids, n);
	ruleset_free(&rs);
	return 0;
}

/* Replace the rule list by lines[] (NULL-terminated) in one commit; ids in cur_ids. */
static int apply_rules(const char *const *lines, char *why)
{
	struct rule rules[MAX_CASE_RULES];
	struct ruleset_diff diff;
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
	for (n = 0; n < MAX_CASE_RULES && lines[n]; n++) {
		if (parse_rule(lines[n], &rules[n], why)) {
			while (n--)
				rule_free(&rules[n]);
			return -EINVAL;
		}
	}
	err = ruleset_replace(&maps, &rctx, rules, n, -1, &diff, &e);	/* consumes rules */
	if (err) {
		WHY("ruleset_replace: %s", e.msg);
		return err;
	}
	err = read_ids(cur_ids, n, why);
	if (err)
		return err;
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
	int err = ruleset_policy_set(&maps, policy, &e);

	if (err)
		WHY("%s", e.msg);
	return err;
}

/* Frames and bytes the suite ran per direction, for test_totals(). */
static __u64 ran_packets[FWCTL_DIR_COUNT], ran_bytes[FWCTL_DIR_COUNT];

/*
 * One BPF_PROG_TEST_RUN of frame[len] by program prog, arriving on ifindex
 * and counted by the program in direction dir; *ret = verdict.
 */
static int test_run_on(int prog, const uint8_t *frame, size_t len, __u32 ifindex, int dir,
		       int *ret, uint8_t *out, __u32 *out_len)
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
	int err = bpf_prog_test_run_opts(prog, &o);

	if (!err) {
		ran_packets[dir]++;
		ran_bytes[dir] += len;
	}
	*ret = o.retval;
	*out_len = o.data_size_out;
	return err;
}

/* The suite's program, the frame arriving on ifx[dir]. */
static int test_run(const uint8_t *frame, size_t len, int dir, int *ret, uint8_t *out,
		    __u32 *out_len)
{
	return test_run_on(prog_fd, frame, len, ifx[dir], dir, ret, out, out_len);
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

static struct fwctl_rule_stats rs_before[FWCTL_RULE_ID_SLOTS], rs_after[FWCTL_RULE_ID_SLOTS];

/*
 * Forget every remembered first fragment: each case here is one frame on
 * its own, and one case's first fragment must not decide the next case's
 * later fragments (tests/conntrack checks that they do).
 */
static void frag_forget(void)
{
	struct fwctl_frag_key k, next;
	struct bpf_map *map = bpf_object__find_map_by_name(skel->obj, FWCTL_STR(FWCTL_MAP_FRAG));
	int fd = map ? bpf_map__fd(map) : -1;

	while (fd >= 0 && !bpf_map_get_next_key(fd, NULL, &next)) {
		k = next;
		if (bpf_map_delete_elem(fd, &k))
			break;
	}
}

/*
 * Run one frame through program prog, arriving on ifindex, and check the
 * verdict, the output bytes and every counter: the frame counts in
 * direction dir, and on rule rule_id (FWCTL_NO_RULE: on none), allowed or
 * denied.
 */
static bool check_frame_on(int prog, __u32 ifindex, const uint8_t *frame, size_t len, int dir,
			   int verdict, int reason, __u32 rule_id, bool arp_nd, char *why)
{
	struct fwctl_dir_stats before[FWCTL_DIR_COUNT], exp[FWCTL_DIR_COUNT], got[FWCTL_DIR_COUNT];
	uint8_t out[FRAME_MAX];
	__u32 out_len, id;
	int ret, err, want = verdict == V_FWD ? XDP_REDIRECT : XDP_DROP;

	frag_forget();
	if (read_dirs(before, why))
		return false;
	err = rule_stats_read_first(&maps, id_span, rs_before);
	if (err) {
		WHY("rule_stats_read_first: %s", strerror(-err));
		return false;
	}

	err = test_run_on(prog, frame, len, ifindex, dir, &ret, out, &out_len);
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

	err = rule_stats_read_first(&maps, id_span, rs_after);
	if (err) {
		WHY("rule_stats_read_first: %s", strerror(-err));
		return false;
	}
	for (id = 0; id < id_span; id++) {
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

/* check_frame_on() for the suite's program, the frame arriving on ifx[dir]. */
static bool check_frame(const uint8_t *frame, size_t len, int dir, int verdict, int reason,
			__u32 rule_id, bool arp_nd, char *why)
{
	return check_frame_on(prog_fd, ifx[dir], frame, len, dir, verdict, reason, rule_id, arp_nd,
			      why);
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
			if (!check_frame_on(prog_dir[d], ifx[d], frame, len, d, c->verdict, c->reason,
					    id, c->arp_nd, sub)) {
				WHY("[policy %s, %s, %zu-byte frame, the interface's own instance] "
				    "%.400s", p ? "accept" : "drop", dir_names[d], len, sub);
				return false;
			}
		}
	}
	return true;
}

/* ---- tests that are sequences rather than table rows ------------------------ */

static const struct fspec tcp7070 = { TCP4(40000, 7070), .payload = 10 };

/* Insert one rule at 1-based position pos (0: append); its id out. */
static int add_rule_at(const char *line, unsigned int pos, __u32 *id, char *why)
{
	struct fwctl_err e = {};
	struct rule r;
	int err;

	rules_changed();
	if (parse_rule(line, &r, why))
		return -EINVAL;
	err = ruleset_add(&maps, &rctx, &r, 1, pos, NULL, NULL, id, NULL, &e);	/* consumes r */
	if (err)
		WHY("add '%s': %s", line, e.msg);
	else
		ids_seen(id, 1);
	return err;
}

static int add_rule(const char *line, __u32 *id, char *why)
{
	return add_rule_at(line, 0, id, why);
}

static int del_rule(const char *line, char *why)
{
	struct fwctl_err e = {};
	struct rule r;
	char *text = NULL;
	__u32 id;
	int err;

	rules_changed();
	if (parse_rule(line, &r, why))
		return -EINVAL;
	err = ruleset_del(&maps, &rctx, &r, &id, &text, &e);
	if (err)
		WHY("del '%s': %s", line, e.msg);
	free(text);
	rule_free(&r);
	return err;
}

static int flush_rules(char *why)
{
	struct fwctl_err e = {};
	int n;

	rules_changed();
	n = ruleset_flush(&maps, &rctx, &e);
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
	__u32 id1, id2, id3, id4;

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
	/* First match in list order: appended after the range, tcp 7070 never counts. */
	DO("append narrower", add_rule("tcp 7070", &id3, why));
	CHECK("after appending tcp 7070 behind tcp 7000-7100, the range (first) counts", f, len, 1,
	      V_FWD, 0, id2, false);
	DO("insert deny at 1", add_rule_at("deny tcp 7070", 1, &id4, why));
	CHECK("after inserting deny tcp 7070 at position 1, it drops (reason rule)", f, len, 0,
	      V_DROP, FWCTL_DROP_RULE, id4, false);
	DO("policy accept", set_policy(FWCTL_POLICY_ACCEPT, why));
	CHECK("deny at position 1 under policy accept still drops", f, len, 1, V_DROP,
	      FWCTL_DROP_RULE, id4, false);
	DO("del deny", del_rule("deny tcp 7070", why));
	CHECK("after del deny tcp 7070, the range counts again", f, len, 0, V_FWD, 0, id2, false);
	DO("del range", del_rule("tcp 7000-7100", why));
	CHECK("after del tcp 7000-7100, tcp 7070 counts", f, len, 0, V_FWD, 0, id3, false);
	DO("flush", flush_rules(why));
	CHECK("after flush under policy accept", f, len, 0, V_FWD, 0, 0, false);
	DO("policy drop", set_policy(FWCTL_POLICY_DROP, why));
	CHECK("after switching policy back to drop", f, len, 0, V_DROP, FWCTL_DROP_POLICY, 0, false);
	return true;
}

/*
 * Each CPU counts a rule in its own region of fwctl_rule_stats (a plain
 * array, FWCTL_RULE_STATS_KEY()): the same allowed frame runs once on
 * every CPU this thread may use (a test run executes on the caller's
 * CPU), and each region holds exactly that CPU's run.
 */
static bool test_counter_regions(char *why)
{
	int ncpus = possible_cpu_ids(), regions = rule_stats_regions(&maps), cpu, ret;
	uint8_t f[FRAME_MAX], out[FRAME_MAX];
	size_t len = frame_build(&tcp7070, f);
	struct fwctl_rule_stats v, sum;
	bool ran[CPU_SETSIZE] = { false };
	cpu_set_t allowed, one;
	__u32 id, k, out_len, n_ran = 0;

	if (ncpus < 1 || regions != ncpus || ncpus > CPU_SETSIZE) {
		snprintf(why, WHYLEN, "fwctl_rule_stats has %d regions for %d possible CPUs",
			 regions, ncpus);
		return false;
	}
	DO("flush", flush_rules(why));
	DO("add", add_rule("tcp 7070", &id, why));
	if (sched_getaffinity(0, sizeof(allowed), &allowed)) {
		snprintf(why, WHYLEN, "sched_getaffinity: %s", strerror(errno));
		return false;
	}
	for (cpu = 0; cpu < ncpus; cpu++) {
		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		if (!CPU_ISSET(cpu, &allowed) || sched_setaffinity(0, sizeof(one), &one))
			continue;
		if (test_run(f, len, 0, &ret, out, &out_len) || ret != XDP_REDIRECT) {
			sched_setaffinity(0, sizeof(allowed), &allowed);
			snprintf(why, WHYLEN, "CPU %d: the test run failed or gave %d", cpu, ret);
			return false;
		}
		ran[cpu] = true;
		n_ran++;
	}
	sched_setaffinity(0, sizeof(allowed), &allowed);
	for (cpu = 0; cpu < ncpus; cpu++) {
		k = FWCTL_RULE_STATS_KEY(cpu, id);
		if (bpf_map_lookup_elem(maps.rule_stats, &k, &v) || v.packets != ran[cpu] ||
		    v.bytes != ran[cpu] * len) {
			snprintf(why, WHYLEN, "region of CPU %d: %llu packets, %llu bytes; want %d, %zu",
				 cpu, (unsigned long long)v.packets, (unsigned long long)v.bytes,
				 ran[cpu], ran[cpu] * len);
			return false;
		}
	}
	if (rule_stats_read(&maps, id, &sum) || sum.packets != n_ran || sum.bytes != n_ran * len) {
		snprintf(why, WHYLEN, "rule_stats_read: %llu packets, want the %u runs",
			 (unsigned long long)sum.packets, n_ran);
		return false;
	}
	DO("flush", flush_rules(why));
	return true;
}

/*
 * A missing devmap entry is a DROP counted as a redirect error, and only
 * there: the rule that allowed the frame does not count it (it was not
 * forwarded), on the fast path (plain TCP) and the full one (ICMP, tagged).
 * A deny rule drops and counts as ever: it never needed the devmap.
 */
static bool missing_devmap(char *why)
{
	static const struct fspec arp = { .l3 = L3_ARP };
	static const struct fspec other = { UDP4(1, 2) };
	static const struct fspec ping = { .l3 = L3_V4, .proto = 1, .icmp_type = 8, .payload = 56 };
	static const struct fspec tagged = { .tags = { TPID_Q }, TCP6(7070, 40000) };
	static const struct fspec denied = { UDP6(1, 53) };
	uint8_t f[FRAME_MAX], a[FRAME_MAX], o[FRAME_MAX], p[FRAME_MAX], t[FRAME_MAX], d[FRAME_MAX];
	size_t len = frame_build(&tcp7070, f), alen = frame_build(&arp, a), olen = frame_build(&other, o);
	size_t plen = frame_build(&ping, p), tlen = frame_build(&tagged, t);
	size_t dlen = frame_build(&denied, d);
	__u32 id, id_icmp, id_deny, key = ifx[0];
	int err;

	DO("flush", flush_rules(why));
	DO("add", add_rule("tcp 7070", &id, why));
	DO("add", add_rule("icmp", &id_icmp, why));
	DO("add", add_rule("deny udp dport 53", &id_deny, why));
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
	CHECK("denied UDP, no devmap entry: reason rule, counted on the deny rule", d, dlen, 0,
	      V_DROP, FWCTL_DROP_RULE, id_deny, false);
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

/* Build a frame from a spec into a static buffer; *len its length. */
static const uint8_t *frame_of(const struct fspec *s, size_t *len)
{
	static uint8_t f[FRAME_MAX];

	*len = frame_build(s, f);
	return f;
}

#define CHECK_SPEC(label, spec, dir, verdict, reason, id)                                        \
	do {                                                                                     \
		struct fspec __f = spec;                                                         \
		size_t __n;                                                                      \
		const uint8_t *__b = frame_of(&__f, &__n);                                       \
		CHECK(label, __b, __n, dir, verdict, reason, id, false);                         \
	} while (0)
#define SPEC(...) ((struct fspec){ __VA_ARGS__ })

/*
 * 10,000 rules of every kind in one commit: port rules, deny rules with
 * source prefixes, port lists, IPv6 prefixes, ICMP types, a protocol. Each
 * lookup must find exactly the first rule in list order that matches; one
 * rule inserted at the head of the set shadows the rest; flush empties it.
 */
static bool test_10000_rules(char *why)
{
	enum { N = 10000, A = 0, B = 3000, C = 6000, D = 8000, E = 9000, F = N - 1 };
	static struct rule rules[N];
	static __u32 ids[N];
	struct ruleset_diff diff;
	struct fwctl_err e = {};
	unsigned int n = 0, i, count;
	char text[160];
	__u32 policy, id;
	int err;

	DO("flush", flush_rules(why));
	DO("policy drop", set_policy(FWCTL_POLICY_DROP, why));
	for (i = 0; i < N; i++) {
		if (i < B)		/* A: tcp 10000 .. tcp 12999 */
			snprintf(text, sizeof(text), "tcp %u", 10000 + i - A);
		else if (i < C)		/* B: 3000 denies of 2 UDP ports from a /24 */
			snprintf(text, sizeof(text), "deny udp dport %u-%u src 10.%u.%u.0/24",
				 20000 + 2 * (i - B), 20001 + 2 * (i - B), (i - B) / 256, (i - B) % 256);
		else if (i < D)		/* C: 2000 allows of a port list */
			snprintf(text, sizeof(text), "allow udp dport %u,%u", 20000 + 2 * (i - C),
				 40000 + i - C);
		else if (i < E)		/* D: 1000 IPv6 /32s, fd00:1:: .. fd00:3e8:: */
			snprintf(text, sizeof(text), "allow any src fd00:%x::/32", i - D + 1);
		else if (i < F)		/* E: 999 echo requests to 172.16.0.0 .. 172.16.3.230 */
			snprintf(text, sizeof(text), "allow icmp type echo-request dst 172.16.%u.%u",
				 (i - E) / 256, (i - E) % 256);
		else
			snprintf(text, sizeof(text), "47");
		if (parse_rule(text, &rules[n], why)) {
			while (n--)
				rule_free(&rules[n]);
			return false;
		}
		n++;
	}
	rules_changed();
	err = ruleset_replace(&maps, &rctx, rules, N, -1, &diff, &e);
	if (err) {
		WHY("loading 10000 rules: %s", e.msg);
		return false;
	}
	if (diff.added != N || diff.kept || diff.removed) {
		WHY("load of 10000 rules into an empty set: %u added, %u kept, %u removed", diff.added,
		    diff.kept, diff.removed);
		return false;
	}
	DO("reading the ids", read_ids(ids, N, why));

	CHECK_SPEC("TCP to 12345 (A)", SPEC(TCP4(40000, 12345)), 0, V_FWD, 0, ids[A + 2345]);
	CHECK_SPEC("TCP from 12999 (IPv6, out->in, A)", SPEC(TCP6(12999, 80)), 1, V_FWD, 0,
		   ids[A + 2999]);
	CHECK_SPEC("TCP to 13000 (no rule)", SPEC(TCP4(40000, 13000)), 0, V_DROP,
		   FWCTL_DROP_POLICY, 0);
	CHECK_SPEC("UDP to 22469 from 10.4.210.7: the deny (B) before the allow (C)",
		   SPEC(UDP4(1, 22469), .src = "10.4.210.7"), 0, V_DROP, FWCTL_DROP_RULE,
		   ids[B + 1234]);
	CHECK_SPEC("UDP to 22468 from 10.200.0.1: no deny covers it, the allow (C)",
		   SPEC(UDP4(1, 22468), .src = "10.200.0.1"), 1, V_FWD, 0, ids[C + 1234]);
	CHECK_SPEC("UDP to 41234 from 10.4.210.7: the deny's port misses, the list's 2nd port (C)",
		   SPEC(UDP4(1, 41234), .src = "10.4.210.7"), 0, V_FWD, 0, ids[C + 1234]);
	CHECK_SPEC("UDP to 20000 from 10.0.0.255: the first deny (B)",
		   SPEC(UDP4(1, 20000), .src = "10.0.0.255"), 1, V_DROP, FWCTL_DROP_RULE, ids[B]);
	CHECK_SPEC("IPv6 UDP from fd00:3e7::5 (D)", SPEC(UDP6(1, 9), .src = "fd00:3e7::5"), 0, V_FWD,
		   0, ids[D + 998]);
	CHECK_SPEC("IPv6 UDP from fd00:3e9::5 (no rule)", SPEC(UDP6(1, 9), .src = "fd00:3e9::5"), 0,
		   V_DROP, FWCTL_DROP_POLICY, 0);
	CHECK_SPEC("IPv6 non-first fragment from fd00:1::1 (D: any)",
		   SPEC(UDP6(1, 9), .src = "fd00:1::1", .next = 1, .ext = { { 44, 0, OFF6(3) } }), 1,
		   V_FWD, 0, ids[D]);
	CHECK_SPEC("echo request to 172.16.3.200 (E)",
		   SPEC(.l3 = L3_V4, .proto = 1, .icmp_type = 8, .dst = "172.16.3.200"), 0, V_FWD, 0,
		   ids[E + 968]);
	CHECK_SPEC("echo reply to 172.16.3.200 (no rule)",
		   SPEC(.l3 = L3_V4, .proto = 1, .icmp_type = 0, .dst = "172.16.3.200"), 0, V_DROP,
		   FWCTL_DROP_POLICY, 0);
	CHECK_SPEC("IPv4 protocol 47, the 10000th rule", SPEC(.l3 = L3_V4, .proto = 47), 1, V_FWD, 0,
		   ids[F]);
	CHECK_SPEC("IPv6 protocol 47 from fd00::1 (no D rule for fd00::/32), the 10000th rule",
		   SPEC(.l3 = L3_V6, .proto = 47), 0, V_FWD, 0, ids[F]);

	/* One rule inserted at the head of 10,000 shadows the one behind it. */
	DO("insert at 1", add_rule_at("deny tcp 12345", 1, &id, why));
	err = ruleset_summary(&maps, &count, &policy, &e);
	if (err || count != N + 1) {
		WHY("after inserting one rule: %u rules (%s), expected %d", count, e.msg, N + 1);
		return false;
	}
	CHECK_SPEC("TCP to 12345 after deny tcp 12345 at position 1", SPEC(TCP4(40000, 12345)), 0,
		   V_DROP, FWCTL_DROP_RULE, id);
	CHECK_SPEC("TCP to 12346 still on its rule", SPEC(TCP4(40000, 12346)), 0, V_FWD, 0,
		   ids[A + 2346]);
	err = ruleset_del_id(&maps, &rctx, id, NULL, &e);
	if (err) {
		WHY("del --id %u: %s", id, e.msg);
		return false;
	}
	CHECK_SPEC("TCP to 12345 after deleting it by id: its rule again", SPEC(TCP4(40000, 12345)),
		   1, V_FWD, 0, ids[A + 2345]);

	err = flush_rules(why);
	if (err != N) {
		WHY("flush removed %d rules, expected %d", err, N);
		return false;
	}
	CHECK_SPEC("TCP to 12345 after flush", SPEC(TCP4(40000, 12345)), 0, V_DROP,
		   FWCTL_DROP_POLICY, 0);
	CHECK_SPEC("UDP to 22469 from 10.4.210.7 after flush",
		   SPEC(UDP4(1, 22469), .src = "10.4.210.7"), 0, V_DROP, FWCTL_DROP_POLICY, 0);
	return true;
}

/* ruleset_add of lines[0..n): the error (0 if added), its message in e. */
static int try_add(const char *const *lines, unsigned int n, struct fwctl_err *e, char *why)
{
	struct rule r[4];
	unsigned int i;

	rules_changed();
	for (i = 0; i < n; i++) {
		if (parse_rule(lines[i], &r[i], why)) {
			while (i--)
				rule_free(&r[i]);
			return -EINVAL;
		}
	}
	return ruleset_add(&maps, &rctx, r, n, 0, NULL, NULL, NULL, NULL, e);	/* consumes r */
}

/* A refused add: -EEXIST, a message holding want, and the list still ids[0..n). */
static bool refused(const char *label, const char *const *lines, unsigned int n_lines,
		    const char *want, const __u32 *ids, unsigned int n, char *why)
{
	struct fwctl_err e = {};
	__u32 got[4];
	unsigned int i;
	int err = try_add(lines, n_lines, &e, why);

	if (err != -EEXIST || !strstr(e.msg, want)) {
		WHY("%s: got %d '%s', want -EEXIST naming '%s'", label, err, e.msg, want);
		return false;
	}
	if (read_ids(got, n, why)) {
		snprintf(why + strlen(why), WHYLEN - strlen(why), " (after %s)", label);
		return false;
	}
	for (i = 0; i < n; i++) {
		if (got[i] != ids[i]) {
			WHY("%s changed the list: position %u holds id %u, was %u", label, i + 1,
			    got[i], ids[i]);
			return false;
		}
	}
	return true;
}

/*
 * Semantics 8: a rule with the same canonical text as one in the set (the
 * comment aside) is refused, naming the existing rule, and nothing changes;
 * in a batch, one duplicate refuses the whole batch.
 */
/*
 * The serial of the rule written line, and its id, as the current
 * generation holds them: ruleset_read's entry and the generation's serial
 * cells (ruleset_serials) must agree. *serial 0: not stateful.
 */
static int rule_serial(const char *line, __u32 *id, __u32 *serial, char *why)
{
	struct fwctl_err e = {};
	struct ruleset rs;
	struct rule r;
	__u32 *cells = NULL, n_ids = 0;
	char *key;
	unsigned int i;
	int err;

	if (parse_rule(line, &r, why))
		return -EINVAL;
	key = rule_key_text(&r);
	rule_free(&r);
	err = ruleset_read(&maps, &rctx, &rs, &e);
	if (!err)
		err = ruleset_serials(&maps, &cells, &n_ids, &e);
	if (err) {
		WHY("read: %s", e.msg);
		goto out;
	}
	for (i = 0; i < rs.n && strcmp(rs.v[i].key, key); i++)
		;
	if (i == rs.n) {
		WHY("'%s' is not in the set", key);
		err = -ENOENT;
		goto out;
	}
	*id = rs.v[i].id;
	*serial = rs.v[i].serial;
	if ((*id < n_ids ? cells[*id] : 0) != *serial || (*serial && *serial >= rs.next_serial)) {
		WHY("'%s' (id %u): serial %u in the list, %u in the cells, next %u", key, *id,
		    *serial, *id < n_ids ? cells[*id] : 0, rs.next_serial);
		err = -EIO;
	}
out:
	free(key);
	free(cells);
	ruleset_free(&rs);
	return err;
}

/* Stateful ids in the current generation's serial cells (0: no cells). */
static int serial_ids(__u32 *n, char *why)
{
	struct fwctl_err e = {};
	__u32 *cells = NULL, i, k = 0;
	int err = ruleset_serials(&maps, &cells, n, &e);

	if (err) {
		WHY("ruleset_serials: %s", e.msg);
		return err;
	}
	for (i = 0; i < *n; i++)
		k += !!cells[i];
	free(cells);
	return k;
}

static int load_rules(const char *const *lines, unsigned int n, char *why)
{
	struct rule rules[8];
	struct ruleset_diff diff;
	struct fwctl_err e = {};
	unsigned int i;
	int err;

	rules_changed();
	for (i = 0; i < n; i++) {
		if (parse_rule(lines[i], &rules[i], why)) {
			while (i--)
				rule_free(&rules[i]);
			return -EINVAL;
		}
	}
	err = ruleset_replace(&maps, &rctx, rules, n, -1, &diff, &e);	/* consumes rules */
	if (err)
		WHY("load: %s", e.msg);
	return err;
}

#define SERIAL(line, id, serial) DO("serial of " line, rule_serial(line, id, serial, why))
#define EXPECT(cond, ...)                                                                        \
	do {                                                                                     \
		if (!(cond)) {                                                                   \
			WHY(__VA_ARGS__);                                                        \
			return false;                                                            \
		}                                                                                \
	} while (0)

/* Rule lifetime (docs/conntrack.md): serials given, kept and never reused. */
static bool test_serials(char *why)
{
	static const char *set1[] = {
		"allow udp dport 53 stateful comment \"dns\"", "allow tcp dport 7070 stateful",
		"allow icmp type echo-request stateful", "allow tcp dport 22",
	};
	static const char *set2[] = { "allow tcp dport 7070 stateful", "allow tcp dport 22" };
	__u32 id[4], s[4], id2, s2, n, before, k;
	int got;

	DO("flush", flush_rules(why));
	got = serial_ids(&n, why);
	DO("serial cells", got);
	EXPECT(!n, "an empty set has serial cells (%u ids)", n);
	DO("add", add_rule("allow tcp dport 7070 stateful", &id[0], why));
	DO("add", add_rule("allow udp dport 53 stateful", &id[1], why));
	DO("add", add_rule("allow tcp dport 7070", &id[2], why));
	SERIAL("allow tcp dport 7070 stateful", &id[0], &s[0]);
	SERIAL("allow udp dport 53 stateful", &id[1], &s[1]);
	SERIAL("allow tcp dport 7070", &id[2], &s[2]);
	EXPECT(s[0] && s[1] && s[0] != s[1] && !s[2],
	       "add: serials %u, %u (stateful, non-zero, different) and %u (stateless, 0)",
	       s[0], s[1], s[2]);
	got = serial_ids(&n, why);
	DO("serial cells", got);
	EXPECT(got == 2 && n == (id[0] > id[1] ? id[0] : id[1]) + 1,
	       "serial cells: %d stateful ids of %u, want 2", got, n);

	/* An insert before them, a delete of another: theirs are kept. */
	DO("insert", add_rule_at("allow icmpv6 type echo-request stateful", 1, &id[3], why));
	SERIAL("allow icmpv6 type echo-request stateful", &id[3], &s[3]);
	EXPECT(s[3] && s[3] != s[0] && s[3] != s[1], "insert: serial %u", s[3]);
	DO("del", del_rule("allow tcp dport 7070", why));
	SERIAL("allow tcp dport 7070 stateful", &id2, &s2);
	EXPECT(id2 == id[0] && s2 == s[0], "after insert and del: id %u serial %u, was %u %u",
	       id2, s2, id[0], s[0]);

	/* del: its serial leaves the generation; re-added: a new serial. */
	DO("del", del_rule("allow tcp dport 7070 stateful", why));
	got = serial_ids(&n, why);
	DO("serial cells", got);
	EXPECT(got == 2, "after del: %d stateful ids, want 2", got);
	DO("re-add", add_rule("allow tcp dport 7070 stateful", &id2, why));
	SERIAL("allow tcp dport 7070 stateful", &id2, &s2);
	EXPECT(s2 && s2 != s[0] && s2 > s[3], "re-added (id %u, was %u): serial %u, was %u",
	       id2, id[0], s2, s[0]);
	s[0] = s2;
	id[0] = id2;

	/* load: unchanged text (a new comment aside) keeps id and serial. */
	before = s[1];
	DO("load", load_rules(set1, 4, why));
	SERIAL("allow udp dport 53 stateful", &id2, &s2);
	EXPECT(id2 == id[1] && s2 == before, "load, comment changed: id %u serial %u, was %u %u",
	       id2, s2, id[1], before);
	SERIAL("allow tcp dport 7070 stateful", &id2, &s2);
	EXPECT(id2 == id[0] && s2 == s[0], "load, unchanged: id %u serial %u, was %u %u",
	       id2, s2, id[0], s[0]);
	SERIAL("allow icmp type echo-request stateful", &id2, &s2);
	EXPECT(s2 > s[0] && s2 > s[3], "load, new rule: serial %u, not above %u", s2, s[0]);
	k = s2;
	got = serial_ids(&n, why);
	DO("serial cells", got);
	EXPECT(got == 3, "after load: %d stateful ids, want 3 (icmpv6's gone)", got);

	/* load without a rule: its serial goes; the others stay. */
	DO("load", load_rules(set2, 2, why));
	got = serial_ids(&n, why);
	DO("serial cells", got);
	SERIAL("allow tcp dport 7070 stateful", &id2, &s2);
	EXPECT(got == 1 && id2 == id[0] && s2 == s[0], "load of a subset: %d stateful ids, "
	       "7070 id %u serial %u (was %u %u)", got, id2, s2, id[0], s[0]);

	/* flush: no serial cells; the counter does not go back. */
	DO("flush", flush_rules(why));
	got = serial_ids(&n, why);
	DO("serial cells", got);
	EXPECT(!n, "after flush: serial cells for %u ids", n);
	DO("add", add_rule("allow udp dport 53 stateful", &id2, why));
	SERIAL("allow udp dport 53 stateful", &id2, &s2);
	EXPECT(s2 > k, "after flush: serial %u, not above %u", s2, k);
	DO("flush", flush_rules(why));
	return true;
}

static bool test_duplicates(char *why)
{
	static const char *same_order[] = { "tcp dport 80,22 src 10.0.0.0/8" };
	static const char *other_comment[] = { "tcp dport 22,80 src 10.0.0.0/8 comment \"web\"" };
	static const char *batch_dup[] = { "udp 53", "allow tcp src 10.0.0.0/8 dport 22,80" };
	static const char *batch_twice[] = { "udp 53", "icmp", "allow udp 53" };
	__u32 ids[2];
	char want[64];

	DO("flush", flush_rules(why));
	DO("policy drop", set_policy(FWCTL_POLICY_DROP, why));
	DO("add", add_rule("allow tcp dport 22,80 src 10.0.0.0/8 comment \"ssh and web\"", &ids[0],
			   why));
	snprintf(want, sizeof(want), "(id %u, position 1)", ids[0]);
	if (!refused("same rule, list in another order, action implied", same_order, 1, want, ids,
		     1, why))
		return false;
	if (!refused("same rule, another comment", other_comment, 1, want, ids, 1, why))
		return false;
	CHECK_SPEC("TCP to 22 still on the first rule", SPEC(TCP4(40000, 22)), 0, V_FWD, 0, ids[0]);
	DO("the same fields with deny are another rule",
	   add_rule("deny tcp dport 22,80 src 10.0.0.0/8", &ids[1], why));
	if (!refused("a batch with one duplicate", batch_dup, 2, want, ids, 2, why))
		return false;
	if (!refused("a batch holding one rule twice", batch_twice, 3, "given twice", ids, 2, why))
		return false;
	CHECK_SPEC("TCP to 80: the allow (first) counts, not the deny", SPEC(TCP4(40000, 80)), 1,
		   V_FWD, 0, ids[0]);
	CHECK_SPEC("UDP to 53: the refused batches added nothing", SPEC(UDP4(40000, 53)), 0, V_DROP,
		   FWCTL_DROP_POLICY, 0);
	return true;
}

/*
 * fwctl attach loads one instance per interface with its direction fixed
 * (instance_dir): 'in IF' follows that direction, whatever ifindex the
 * frame claims. The output's instance sees a frame arriving on the input's
 * ifindex as arriving on output.
 */
static bool test_instance_dir(char *why)
{
	static const char *rules[] = { "allow tcp 7070 in {out}", "deny tcp 7070 in {in}", NULL };
	uint8_t f[FRAME_MAX];
	size_t len = frame_build(&tcp7070, f);

	if (apply_rules(rules, why))
		return false;
	DO("policy drop", set_policy(FWCTL_POLICY_DROP, why));
	STEP("output's instance, frame on the input's ifindex: in {out} matches",
	     check_frame_on(prog_dir[FWCTL_DIR_OUT_TO_IN], ifx[0], f, len, FWCTL_DIR_OUT_TO_IN, V_FWD,
			    0, cur_ids[0], false, __s));
	STEP("input's instance, frame on the output's ifindex: in {in} denies",
	     check_frame_on(prog_dir[FWCTL_DIR_IN_TO_OUT], ifx[1], f, len, FWCTL_DIR_IN_TO_OUT,
			    V_DROP, FWCTL_DROP_RULE, cur_ids[1], false, __s));
	CHECK("shared instance, frame on input: in {in} denies", f, len, 0, V_DROP, FWCTL_DROP_RULE,
	      cur_ids[1], false);
	CHECK("shared instance, frame on output: in {out} matches", f, len, 1, V_FWD, 0, cur_ids[0],
	      false);
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

	err = test_run(f, sizeof(f), 0, &ret, out, &out_len);
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

/* The instance of one interface, as fwctl attach loads it, on our maps. */
static int load_dir_instance(int dir)
{
	int err;

	skel_dir[dir] = fwctl__open();
	if (!skel_dir[dir])
		return -errno;
	err = maps_share_from(skel_dir[dir]->obj, skel->obj);
	if (err)
		return err;
	skel_dir[dir]->rodata->instance_dir = dir;
	err = fwctl__load(skel_dir[dir]);
	if (!err)
		prog_dir[dir] = bpf_program__fd(skel_dir[dir]->progs.fwctl_xdp);
	return err;
}

static int setup(void)
{
	struct fwctl_err e = {};
	struct fwctl_config cfg;
	struct bpf_map *map;
	int err, d;

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
	/* A region of rule counters per CPU, as attach makes them. */
	err = rule_stats_set_size(skel->obj);
	if (!err)
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
	/* 'in IF' names the interfaces, as fwctl attach records them. */
	for (d = 0; d < FWCTL_DIR_COUNT; d++) {
		if (!if_indextoname(ifx[d], ifnames[d])) {
			fprintf(stderr, "unit: no interface with ifindex %u\n", ifx[d]);
			return -1;
		}
		rctx.ifname[d] = ifnames[d];
	}
	err = ruleset_init(&maps, &e);
	if (err) {
		fprintf(stderr, "unit: cannot install an empty rule set: %s\n", e.msg);
		return -1;
	}
	for (d = 0; d < FWCTL_DIR_COUNT; d++) {
		err = load_dir_instance(d);
		if (err) {
			fprintf(stderr, "unit: cannot load the instance of direction %d: %s\n", d,
				strerror(-err));
			return -1;
		}
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
		fwctl__destroy(skel_dir[0]);
		fwctl__destroy(skel_dir[1]);
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
		run_named("runtime: rule add/insert/del and policy switch change the verdict without reload",
			  test_runtime_changes);
		run_named("devmap: missing entry is a DROP counted as redirect error, not on the rule",
			  test_missing_devmap);
		run_named("devmap: output interface deleted, allowed frames are redirect errors, not on the rule",
			  test_output_deleted);
		run_named("rules: 10,000 rules of every kind load, first match exact, insert at 1, flush",
			  test_10000_rules);
		run_named("11.8 duplicates: same canonical text refused, naming the rule; nothing changes",
			  test_duplicates);
		run_named("rule serials: stateful rules get one when given an id (add, load), keep it "
			  "with their id (insert, del of others, load unchanged), lose it with the rule "
			  "(del, load, flush); a re-added rule gets a new one", test_serials);
		run_named("11.7 in: an interface's own instance matches 'in' by its fixed direction",
			  test_instance_dir);
		run_named("rule counters: each CPU counts in its own region of fwctl_rule_stats, "
			  "summed by fwctl", test_counter_regions);
		test_totals();
	}

	fprintf(stderr, "unit: %d passed, %d failed, %d skipped\n", n_pass, n_fail, n_skip);
	fwctl__destroy(skel_dir[0]);
	fwctl__destroy(skel_dir[1]);
	fwctl__destroy(skel);
	return n_fail ? 1 : 0;
}
