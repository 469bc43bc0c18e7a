// SPDX-License-Identifier: GPL-2.0
/*
 * gen.c - random rules and keys for the differential test.
 */
#include <stdlib.h>
#include <string.h>
#include "gen.h"

uint64_t rng_next(struct rng *g)
{
	/* splitmix64 */
	uint64_t z = (g->s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

__u32 rng_below(struct rng *g, __u32 n)
{
	return n ? rng_next(g) % n : 0;
}

static int chance(struct rng *g, int percent)
{
	return (int)rng_below(g, 100) < percent;
}

void gen_pool_init(struct rng *g, struct gen_pool *p, unsigned int n)
{
	static const __u16 ports[] = { 0, 1, 22, 53, 80, 443, 1023, 1024, 5000, 8080,
				       65534, 65535 };

	p->n_bases = 6 + n / 40;
	if (p->n_bases > GEN_BASES)
		p->n_bases = GEN_BASES;
	p->narrow = 100 * n / (n + 60);
	for (unsigned int i = 0; i < GEN_BASES; i++) {
		p->v4[i] = rng_next(g);
		for (int w = 0; w < 4; w++)
			p->v6[i][w] = rng_next(g);
	}
	/* Some shared high bits, so prefixes of different bases nest. */
	for (unsigned int i = 1; i < GEN_BASES; i += 2) {
		p->v4[i] = (p->v4[i - 1] & 0xffff0000u) | (p->v4[i] & 0xffff);
		p->v6[i][0] = p->v6[i - 1][0];
		p->v6[i][1] = p->v6[i - 1][1];
	}
	memcpy(p->port, ports, sizeof(ports));
}

static __u8 prefix_len(struct rng *g, int v6, int narrow)
{
	static const __u8 l4[] = { 0, 1, 8, 16, 20, 24, 31, 32, 32 };
	static const __u8 l6[] = { 0, 8, 16, 32, 33, 48, 64, 65, 96, 112, 127, 128, 128 };

	if (narrow)
		return v6 ? 48 + rng_below(g, 81) : 16 + rng_below(g, 17);
	if (chance(g, 20))
		return rng_below(g, v6 ? 129 : 33);
	return v6 ? l6[rng_below(g, sizeof(l6))] : l4[rng_below(g, sizeof(l4))];
}

static void gen_prefix(struct rng *g, const struct gen_pool *p, int fam, int narrow,
		       struct rule_prefix *x)
{
	int v6 = fam == FWCTL_FAMILY_V6;
	int bits;

	memset(x, 0, sizeof(*x));
	x->family = fam;
	x->len = prefix_len(g, v6, narrow);
	if (v6)
		memcpy(x->addr, p->v6[rng_below(g, p->n_bases)], sizeof(x->addr));
	else
		x->addr[0] = p->v4[rng_below(g, p->n_bases)];
	/* Vary the bits just above the length a little, then clear host bits. */
	if (x->len && chance(g, 50)) {
		int w = (x->len - 1) / 32, b = 31 - (x->len - 1) % 32;

		x->addr[w] ^= 1u << b;
	}
	bits = x->len;
	for (int w = 0; w < 4; w++, bits -= 32) {
		if (bits <= 0)
			x->addr[w] = 0;
		else if (bits < 32)
			x->addr[w] &= ~(0xffffffffu >> bits);
	}
}

static void gen_ports(struct rng *g, const struct gen_pool *p, struct rule_ports *x)
{
	__u16 a = p->port[rng_below(g, 12)], b = p->port[rng_below(g, 12)];

	if (chance(g, 20))
		a = rng_below(g, 65536);
	if (chance(g, 40))
		b = a;
	x->lo = a < b ? a : b;
	x->hi = a < b ? b : a;
}

/* A family list for src or dst: mostly one family, sometimes both. */
static void gen_addrs(struct rng *g, const struct gen_pool *p, int fam_hint, int narrow,
		      struct rule_prefix **l, unsigned int *n)
{
	*n = 1 + (chance(g, 30) ? rng_below(g, 3) : 0);
	*l = calloc(*n, sizeof(**l));
	for (unsigned int i = 0; i < *n; i++) {
		int fam = fam_hint >= 0 && chance(g, 90) ? fam_hint : (int)rng_below(g, 2);

		gen_prefix(g, p, fam, narrow, &(*l)[i]);
	}
}

static void gen_portlist(struct rng *g, const struct gen_pool *p,
			 struct rule_ports **l, unsigned int *n)
{
	*n = 1 + (chance(g, 30) ? rng_below(g, 3) : 0);
	*l = calloc(*n, sizeof(**l));
	for (unsigned int i = 0; i < *n; i++)
		gen_ports(g, p, &(*l)[i]);
}

void gen_rule(struct rng *g, const struct gen_pool *p, struct rule *r)
{
	static const int protos[] = { RULE_PROTO_ANY, RULE_PROTO_ANY, 6, 6, 6, 17, 17,
				      1, 58, 0, 47, 255 };
	int fam, narrow = chance(g, p->narrow);

	memset(r, 0, sizeof(*r));
	r->action = chance(g, 40) ? FWCTL_ACTION_DENY : FWCTL_ACTION_ALLOW;
	r->proto = protos[rng_below(g, sizeof(protos) / sizeof(protos[0]))];
	r->in = chance(g, 25) ? (int)rng_below(g, 2) : -1;
	fam = r->proto == 1 ? FWCTL_FAMILY_V4 : r->proto == 58 ? FWCTL_FAMILY_V6 :
	      (int)rng_below(g, 2);
	if (narrow && r->proto == RULE_PROTO_ANY && chance(g, 80))
		r->proto = 6;
	if (narrow || chance(g, 55))
		gen_addrs(g, p, fam, narrow, &r->src, &r->n_src);
	if (narrow || chance(g, 45))
		gen_addrs(g, p, fam, narrow, &r->dst, &r->n_dst);
	if (r->proto == 6 || r->proto == 17) {
		if (chance(g, 30)) {
			r->has_ports = true;
			gen_ports(g, p, &r->ports);
		}
		if (chance(g, 25))
			gen_portlist(g, p, &r->sport, &r->n_sport);
		if (chance(g, 35))
			gen_portlist(g, p, &r->dport, &r->n_dport);
	}
	if ((r->proto == 1 || r->proto == 58) && chance(g, 40)) {
		r->has_type = true;
		r->type = chance(g, 70) ? rng_below(g, 4) : rng_below(g, 256);
		if (chance(g, 50)) {
			r->has_code = true;
			r->code = rng_below(g, 3);
		}
	}
	/* stateful: allow rules that can start a flow (ICMP: echo requests) */
	if (r->action == FWCTL_ACTION_ALLOW &&
	    (r->proto == 6 || r->proto == 17 || r->proto == 1 || r->proto == 58) &&
	    chance(g, 25)) {
		r->stateful = true;
		if (r->has_type)
			r->type = r->proto == 1 ? 8 : 128;
	}
}

/* An address near prefix x: its first or last address, one outside it, or inside. */
static void addr_near(struct rng *g, const struct rule_prefix *x, __u32 *w)
{
	int words = x->family == FWCTL_FAMILY_V6 ? 4 : 1, bits = x->len;
	int how = rng_below(g, 5);
	__u64 carry;

	for (int i = 0; i < words; i++, bits -= 32) {
		__u32 host = bits <= 0 ? 0xffffffffu : bits >= 32 ? 0 : 0xffffffffu >> bits;

		w[i] = x->addr[i];
		if (how == 1 || how == 3)
			w[i] |= host;
		else if (how == 4)
			w[i] |= rng_next(g) & host;
	}
	/* how 2: one below the first address; 3: one above the last */
	if (how == 2) {
		carry = 1;
		for (int i = words - 1; i >= 0 && carry; i--) {
			carry = w[i] == 0;
			w[i]--;
		}
	} else if (how == 3) {
		carry = 1;
		for (int i = words - 1; i >= 0 && carry; i--) {
			w[i]++;
			carry = w[i] == 0;
		}
	}
}

static __u32 port_near(struct rng *g, const struct rule_ports *x)
{
	switch (rng_below(g, 5)) {
	case 0: return x->lo;
	case 1: return x->hi;
	case 2: return (x->lo - 1) & 0xffff;
	case 3: return (x->hi + 1) & 0xffff;
	default: return x->lo + rng_below(g, x->hi - x->lo + 1);
	}
}

static void random_addr(struct rng *g, const struct gen_pool *p, int fam, __u32 *w)
{
	memset(w, 0, 4 * sizeof(*w));
	if (fam == FWCTL_FAMILY_V4) {
		w[0] = chance(g, 70) ? p->v4[rng_below(g, p->n_bases)] ^ (rng_next(g) & 0xff) : rng_next(g);
		return;
	}
	for (int i = 0; i < 4; i++)
		w[i] = chance(g, 70) ? p->v6[rng_below(g, p->n_bases)][i] : rng_next(g);
}

void gen_key(struct rng *g, const struct gen_pool *p, const struct rule *rules,
	     unsigned int n, struct fwctl_key *k)
{
	static const __u32 protos[] = { 6, 6, 17, 17, 1, 58, 0, 47, 255, 2 };
	const struct rule *r = n && chance(g, 60) ? &rules[rng_below(g, n)] : NULL;
	int fam = rng_below(g, 2), frag = chance(g, 10);
	__u32 proto = protos[rng_below(g, sizeof(protos) / sizeof(protos[0]))];

	memset(k, 0, sizeof(*k));
	if (r && r->n_src && chance(g, 80))
		fam = r->src[rng_below(g, r->n_src)].family;
	else if (r && r->n_dst && chance(g, 80))
		fam = r->dst[rng_below(g, r->n_dst)].family;
	if (r && r->proto >= 0 && chance(g, 85))
		proto = r->proto;
	random_addr(g, p, fam, &k->w[FWCTL_DIM_SRC0]);
	random_addr(g, p, fam, &k->w[FWCTL_DIM_DST0]);
	if (r && r->n_src) {
		const struct rule_prefix *x = &r->src[rng_below(g, r->n_src)];

		if (x->family == fam)
			addr_near(g, x, &k->w[FWCTL_DIM_SRC0]);
	}
	if (r && r->n_dst) {
		const struct rule_prefix *x = &r->dst[rng_below(g, r->n_dst)];

		if (x->family == fam)
			addr_near(g, x, &k->w[FWCTL_DIM_DST0]);
	}
	if (proto == 6 || proto == 17) {
		k->w[FWCTL_DIM_SPORT] = chance(g, 50) ? p->port[rng_below(g, 12)] : rng_below(g, 65536);
		k->w[FWCTL_DIM_DPORT] = chance(g, 50) ? p->port[rng_below(g, 12)] : rng_below(g, 65536);
		if (r && r->has_ports)
			k->w[chance(g, 50) ? FWCTL_DIM_SPORT : FWCTL_DIM_DPORT] = port_near(g, &r->ports);
		if (r && r->n_sport)
			k->w[FWCTL_DIM_SPORT] = port_near(g, &r->sport[rng_below(g, r->n_sport)]);
		if (r && r->n_dport)
			k->w[FWCTL_DIM_DPORT] = port_near(g, &r->dport[rng_below(g, r->n_dport)]);
	} else if ((proto == 1 && fam == FWCTL_FAMILY_V4) || (proto == 58 && fam == FWCTL_FAMILY_V6)) {
		k->w[FWCTL_DIM_SPORT] = r && r->has_type && chance(g, 70) ? r->type : rng_below(g, 4);
		k->w[FWCTL_DIM_DPORT] = r && r->has_code && chance(g, 70) ? r->code : rng_below(g, 4);
	}
	k->w[FWCTL_DIM_PROTO] = proto;
	k->w[FWCTL_DIM_FAMILY] = fam;
	k->w[FWCTL_DIM_IN] = r && r->in >= 0 && chance(g, 70) ? (__u32)r->in : rng_below(g, 2);
	k->w[FWCTL_DIM_START] = !frag && chance(g, 50);
	if (frag) {
		/* A non-first fragment: no ports, no type; IPv6 loses its protocol. */
		k->w[FWCTL_DIM_FRAG] = 1;
		k->w[FWCTL_DIM_SPORT] = 0;
		k->w[FWCTL_DIM_DPORT] = 0;
		if (fam == FWCTL_FAMILY_V6)
			k->w[FWCTL_DIM_PROTO] = FWCTL_PROTO_UNKNOWN;
	}
}
