// SPDX-License-Identifier: GPL-2.0
/*
 * oracle.c - first-match linear scan over rules, field by field.
 */
#include "oracle.h"

/* Does the address in key words w[0..4) (family fam) lie in prefix p? */
static int prefix_has(const struct rule_prefix *p, __u32 fam, const __u32 *w)
{
	int bits = p->len;

	if (p->family != fam)
		return 0;
	for (int i = 0; i < 4 && bits > 0; i++, bits -= 32) {
		__u32 mask = bits >= 32 ? 0xffffffffu : ~(0xffffffffu >> bits);

		if ((w[i] & mask) != (p->addr[i] & mask))
			return 0;
	}
	return 1;
}

static int addr_in(const struct rule_prefix *l, unsigned int n, __u32 fam, const __u32 *w)
{
	if (!n)
		return 1;
	for (unsigned int i = 0; i < n; i++)
		if (prefix_has(&l[i], fam, w))
			return 1;
	return 0;
}

static int port_in(const struct rule_ports *l, unsigned int n, __u32 port)
{
	if (!n)
		return 1;
	for (unsigned int i = 0; i < n; i++)
		if (port >= l[i].lo && port <= l[i].hi)
			return 1;
	return 0;
}

int rule_matches(const struct rule *r, const struct fwctl_key *key)
{
	__u32 fam = key->w[FWCTL_DIM_FAMILY], proto = key->w[FWCTL_DIM_PROTO];
	__u32 sport = key->w[FWCTL_DIM_SPORT], dport = key->w[FWCTL_DIM_DPORT];

	/* 4: icmp is IPv4's protocol 1 only, icmpv6 IPv6's 58 only; an IPv6
	 * non-first fragment's protocol is unknown and equals no number. */
	if (r->proto != RULE_PROTO_ANY) {
		if ((__u32)r->proto != proto)
			return 0;
		if (r->proto == 1 && fam != FWCTL_FAMILY_V4)
			return 0;
		if (r->proto == 58 && fam != FWCTL_FAMILY_V6)
			return 0;
	}
	/* 6: no ports, no type in a non-first fragment. */
	if (key->w[FWCTL_DIM_FRAG] &&
	    (r->has_ports || r->n_sport || r->n_dport || r->has_type))
		return 0;
	/* 7 */
	if (r->in >= 0 && key->w[FWCTL_DIM_IN] != (__u32)r->in)
		return 0;
	/* stateful: only a packet that can start a flow matches */
	if (r->stateful && r->action == FWCTL_ACTION_ALLOW && !key->w[FWCTL_DIM_START])
		return 0;
	/* 5: addresses of the packet's family only. */
	if (!addr_in(r->src, r->n_src, fam, &key->w[FWCTL_DIM_SRC0]))
		return 0;
	if (!addr_in(r->dst, r->n_dst, fam, &key->w[FWCTL_DIM_DST0]))
		return 0;
	if (r->has_ports && !(port_in(&r->ports, 1, sport) || port_in(&r->ports, 1, dport)))
		return 0;
	if (!port_in(r->sport, r->n_sport, sport) || !port_in(r->dport, r->n_dport, dport))
		return 0;
	if (r->has_type && sport != r->type)
		return 0;
	if (r->has_code && dport != r->code)
		return 0;
	return 1;
}

__u32 rule_box_action(const struct rule *r)
{
	return r->stateful && r->action == FWCTL_ACTION_ALLOW ? FWCTL_ACTION_ALLOW_STATEFUL :
								 r->action;
}

int first_match(const struct rule *rules, unsigned int n, const struct fwctl_key *key)
{
	for (unsigned int i = 0; i < n; i++)
		if (rule_matches(&rules[i], key))
			return i;
	return -1;
}
