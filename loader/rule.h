/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rule.h - a rule of the rule language, as user space holds it: parsed
 * from text (rule.c), printed back as canonical text, turned into boxes
 * by the classifier compiler (classifier.c); rules files are read by
 * rules_file.c. Plain C: no BPF, no libbpf.
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
 * ICMP types by name where the family has one (codes are numbers).
 * rule_key_text() is the same without the comment: two rules are
 * duplicates when their key texts are equal.
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

/* struct rule.in besides an enum fwctl_dir. */
#define RULE_IN_ANY		(-1)	/* no 'in': every interface */
#define RULE_IN_UNRESOLVED	(-2)	/* 'in IF' read with no attached
					 * interfaces known: in_name only */

/* Longest comment, in bytes (as iptables' comment match). */
#define RULE_COMMENT_MAX	255

/*
 * Largest rules file (or stdin) read, in bytes: twice what the largest set
 * (FWCTL_SET_MAX_RULES) takes at 256 bytes a line, so only runaway input
 * (a device, an endless pipe) is refused. 100k ClassBench rules are 6 MB.
 */
#define RULES_FILE_MAX_BYTES	(64u << 20)
/* Errors collected from one file before giving up (rules check shows all). */
#define RULES_FILE_MAX_ERRORS	20

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
	int in;			/* enum fwctl_dir, RULE_IN_ANY or _UNRESOLVED */
	char in_name[16];	/* IF as written; canonical text prints it */
	bool has_ports;		/* PORTS: source OR destination port in ports */
	struct rule_ports ports;
	struct rule_prefix *src, *dst;	/* NULL and 0: any address */
	unsigned int n_src, n_dst;
	struct rule_ports *sport, *dport;	/* NULL and 0: any port */
	unsigned int n_sport, n_dport;
	bool has_type;		/* icmp/icmpv6 type, and code if has_code */
	bool has_code;
	__u8 type, code;
	bool stateful;		/* allow only: a match that can start a flow creates one */
	char *comment;		/* NULL: none */
};

/* The attached interfaces, by direction. A NULL ctx or both names NULL:
 * not attached, and 'in IF' is taken on trust (RULE_IN_UNRESOLVED), as
 * 'rules check' needs. */
struct rule_ctx {
	const char *ifname[FWCTL_DIR_COUNT];
};

/*
 * Parse a rule. Both return 0, or -EINVAL (-ENOMEM) with a one-line
 * message naming the token at fault in e (r is then empty: nothing to free). On success
 * r is normalized (lists sorted, repeats removed); rule_free() it.
 * rule_from_args: command-line words; 'comment TEXT' takes one word as is.
 * rule_from_text: one line of a rules file or canonical text: blank-
 * separated, 'comment "TEXT"' quoted with \" and \\, '#' starts a comment.
 */
int rule_from_args(int argc, char **argv, const struct rule_ctx *ctx, struct rule *r,
		   struct fwctl_err *e);
int rule_from_text(const char *text, const struct rule_ctx *ctx, struct rule *r,
		   struct fwctl_err *e);

/* Canonical text, malloc'd (NULL: out of memory). The key text leaves the
 * comment out; rule_equal() compares key texts. */
char *rule_to_text(const struct rule *r);
char *rule_key_text(const struct rule *r);
bool rule_equal(const struct rule *a, const struct rule *b);

/* Sort the lists and drop exact repeats (for rules built in code). */
void rule_normalize(struct rule *r);
/* Deep copy into dst (overwritten); 0 or -ENOMEM (dst then empty). */
int rule_copy(struct rule *dst, const struct rule *src);
void rule_free(struct rule *r);	/* frees the lists and the comment, not r */

/* "tcp", "udp", "icmp", "icmpv6", "any"; NULL for other numbers. */
const char *rule_proto_name(int proto);
/* Name of an ICMP (proto 1) or ICMPv6 (58) type, or NULL. */
const char *rule_icmp_type_name(int proto, int type);

/*
 * A rules file: rules in file order with their line numbers, and the policy
 * if it has a 'policy drop|accept' line (at most one).
 */
struct rules_file {
	struct rule *rules;
	unsigned int *line;		/* line[i]: 1-based line of rules[i] */
	unsigned int n;
	bool has_policy;
	enum fwctl_policy policy;
	unsigned int policy_line;
	/* On error: every message found ("FILE:LINE: ..."), up to
	 * RULES_FILE_MAX_ERRORS; errors[0] is also in e. */
	char **errors;
	unsigned int n_errors;
	unsigned int more_errors;	/* found beyond those */
};

/*
 * Read and parse a rules file ("-": stdin). Lines of any length; blank
 * lines and '#' comments skipped; CRLF accepted. Refused: anything but a
 * regular file or a pipe (stdin may be anything readable), a NUL byte,
 * more than RULES_FILE_MAX_BYTES, more than FWCTL_SET_MAX_RULES rules,
 * duplicates ("FILE:LINE: duplicate of line N: 'RULE'"). Returns 0, or
 * -EINVAL (bad content or file type), -EFBIG (over the cap), -errno or
 * -EIO (cannot open or read), -ENOMEM, with the first message in e; then
 * out holds no rules, only the errors. Call rules_file_free() in every case.
 */
int rules_file_read(const char *path, const struct rule_ctx *ctx, struct rules_file *out,
		    struct fwctl_err *e);
void rules_file_free(struct rules_file *f);

#endif /* FWCTL_RULE_H */
