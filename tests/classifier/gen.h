/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gen.h - random rule sets in every field of the language, and random
 * keys, half of them aimed at the edges of the rules' ranges.
 */
#ifndef CLASSIFIER_GEN_H
#define CLASSIFIER_GEN_H

#include <stdint.h>
#include "rule.h"

struct rng {
	uint64_t s;
};

uint64_t rng_next(struct rng *g);
__u32 rng_below(struct rng *g, __u32 n);	/* 0 .. n-1 */

/* Addresses and ports rules of one set share, so that they overlap. */
#define GEN_BASES	64

struct gen_pool {
	__u32 v4[GEN_BASES];
	__u32 v6[GEN_BASES][4];
	unsigned int n_bases;
	unsigned int narrow;	/* percent of rules with long prefixes both ways */
	__u16 port[12];
};

/* A pool for a set of n rules: the bigger the set, the more addresses
 * and the more specific its rules, so that most rules stay reachable. */
void gen_pool_init(struct rng *g, struct gen_pool *p, unsigned int n);
void gen_rule(struct rng *g, const struct gen_pool *p, struct rule *r);
/* A key: random, or (half the time) on an edge of rules[rng % n]. */
void gen_key(struct rng *g, const struct gen_pool *p, const struct rule *rules,
	     unsigned int n, struct fwctl_key *k);

#endif
