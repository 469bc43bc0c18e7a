/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rule.h - a rule of the rule language, as user space holds it: parsed
 * from text (rule.c), printed back as canonical text, turned into boxes
 * by the classifier compiler (classifier.c). Plain C: no BPF, no libbpf.
 *
 *   RULE  := [allow|deny] PROTO [PORTS] [MATCH]... [stateful] [comment TEXT]
 *   MATCH := in IF | src ADDRS | dst ADDRS | sport PORTLIST | dport PORTLIST
 *          | type T[/CODE]
 *
 * Canonical text, one form per meaning (what 'rules list' and 'rules save'
 * print and what 'rules add' accepts):
 *   ACTION PROTO [PORTS] [in IF] [src L] [dst L] [sport L] [dport L]
 *   [type T[/C]] [stateful] [comment "TEXT"]
 * ACTION always written (allow|deny); PROTO by name for 1, 6, 17, 58 and
 * 'any'; list elements sorted and exact repeats removed; a prefix of full
 * length without "/32" or "/128"; IPv6 in RFC 5952 form (inet_ntop);
 * ICMP types and codes by name where the family has one.
 */
#ifndef FWCTL_RULE_H
#define FWCTL_RULE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "fwctl_common.h"
#include "fwctl_classifier.h"

struct fwctl_err;

/* 'any' in struct rule.proto. */
#define RULE_PROTO_ANY	(-1)

struct rule_prefix {
	__u8 family;		/* FWCTL_FAMILY_V4 or _V6 */
	__u8 len;		/* 0-32 or 0-128 */
	__u32 addr[4];		/* host-order words, as in struct fwctl_key */
};

struct rule_ports {
	__u16 lo, hi;		/* inclusive, lo <= hi */
};

struct rule {
	__u8 action;		/* enum fwctl_action */
	int proto;		/* 0-255, or RULE_PROTO_ANY */
	int in;			/* -1: any interface; else enum fwctl_dir */
	char in_name[16];	/* IF as written (an attached interface's name) */
	bool has_ports;		/* PORTS: source OR destination port in ports */
	struct rule_ports ports;
	struct rule_prefix *src, *dst;	/* NULL and 0: any address */
	unsigned int n_src, n_dst;
	struct rule_ports *sport, *dport;	/* NULL and 0: any port */
	unsigned int n_sport, n_dport;
	bool has_type;		/* icmp/icmpv6 type, and code if has_code */
	bool has_code;
	__u8 type, code;
	bool stateful;		/* connection tracking; not accepted by the parser yet */
	char *comment;		/* NULL: none */
};

void rule_free(struct rule *r);	/* frees the lists and the comment, not r */

#endif /* FWCTL_RULE_H */
