/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ct_test.h - what the conntrack test program (ct_test.bpf.c) and its
 * driver (ct.c) share: the tiny fixed rule list the program classifies
 * with, and the record of what it decided for the last frame.
 */
#ifndef CT_TEST_H
#define CT_TEST_H

#define TEST_RULES	8	/* rules in test_rules, first match wins */
#define TEST_RULE_IDS	64	/* ids 1..63; test_rule_pkts[id] */
#define TEST_ANY	0xffff	/* test_rule.proto: any protocol */
#define TEST_IN_ANY	0xff	/* test_rule.in: either interface */
#define TEST_GEN_CELLS	64	/* cells of a test generation */

struct test_rule {
	__u32 rule_id;		/* 0 ends the list */
	__u16 proto;		/* IP protocol or TEST_ANY */
	__u16 dport;		/* 0: any (else TCP/UDP, never a later fragment) */
	__u8 in;		/* enum fwctl_dir or TEST_IN_ANY */
	__u8 action;		/* enum fwctl_action */
	__u8 stateful;
	__u8 pad;
};

/* How the last frame was decided. */
enum test_how {
	HOW_NONE = 0,
	HOW_MALFORMED,		/* the test parser refused it: dropped */
	HOW_FLOW,		/* part of a flow: forwarded */
	HOW_RELATED,		/* ICMP error about a flow: forwarded */
	HOW_RULE,		/* a rule: allow forwards, deny drops */
	HOW_POLICY,		/* no rule: dropped */
	HOW_FRAG,		/* a later fragment following its first one */
};

struct test_out {
	__u32 how;		/* enum test_how */
	__u32 rule_id;
	__u32 state;		/* flows: enum fwctl_ct_state after the frame */
	__u32 reply;		/* flows: 1 if it went the reply way */
	__u32 created;		/* HOW_RULE: ct_create() made a flow */
	__u32 frag_how;		/* HOW_FRAG: the first fragment's how */
};

#endif /* CT_TEST_H */
