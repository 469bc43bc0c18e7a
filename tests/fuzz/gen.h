/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gen.h - a deterministic generator for differential fuzzing. Frames: valid
 * frames of every kind the spec names, their truncations at every byte,
 * Ethernet padding, mutations of every header field the spec reads, and
 * random bytes after an Ethernet header; with hints from a rule set, their
 * addresses, ports, protocols and ICMP types sit on and next to the rules'
 * edges. Rule sets: random rules of the rule language (issue 11) with every
 * field, overlapping, allow and deny interleaved, both families, lists,
 * written in varied spellings. Same seed, same frames and rules.
 */
#ifndef FUZZ_GEN_H
#define FUZZ_GEN_H

#include <stdint.h>
#include <stddef.h>
#include "ref.h"

/* BPF_PROG_TEST_RUN takes XDP frames up to a page minus head and tail room. */
#define GEN_FRAME_MAX	3400
#define GEN_FIELDS_MAX	64

/* A header field the spec reads: bits `mask` of the 1- or 2-byte value at off. */
struct gen_field {
	uint16_t off;
	uint8_t width;		/* 1 or 2 (big endian) */
	uint16_t mask;
	const char *name;
};

struct gen_frame {
	uint8_t b[GEN_FRAME_MAX];
	size_t len;
	char kind[96];		/* how it was made, for reports */
	struct gen_field fld[GEN_FIELDS_MAX];
	int nfld;
};

/* Values on and next to the edges of a rule set, for frames to hit. */
#define GEN_HINTS_MAX	4096
struct gen_hints {
	uint8_t v4[GEN_HINTS_MAX][4];
	uint8_t v6[GEN_HINTS_MAX][16];
	uint16_t ports[GEN_HINTS_MAX];
	uint8_t icmp[GEN_HINTS_MAX][2];	/* type, code */
	uint8_t protos[256];
	unsigned int n4, n6, nports, nicmp, nprotos;
};

/* What the rules of one set are built around, so that they overlap. */
#define GEN_POOL_ADDRS	12
#define GEN_POOL_PORTS	12
struct gen_pool {
	uint8_t v4[GEN_POOL_ADDRS][4];
	uint8_t v6[GEN_POOL_ADDRS][16];
	uint16_t ports[GEN_POOL_PORTS];
	int ready;
};

struct gen {
	uint64_t state;
	/* A running sweep: every truncation of base, from len 14 upwards. */
	struct gen_frame base;
	size_t sweep_next;	/* 0: no sweep running */
	const struct gen_hints *hints;	/* NULL: random addresses, fixed hot ports */
	struct gen_pool pool;		/* gen_rules()' anchors, made at its first call */
};

void gen_init(struct gen *g, uint64_t seed);
/* Fill h from rules[0..n) (sampled when they give more than fits). */
void gen_hints_build(struct gen_hints *h, const struct ref_rule *rules, int n, uint64_t seed);

/*
 * n random rules into out[] (ids 0), valid for the parser: a family in
 * common between src and dst, icmp with IPv4 and icmpv6 with IPv6
 * prefixes. They overlap a lot on purpose; exact duplicates may occur
 * (the caller drops them). Calls after the first on the same g add rules
 * around the same anchors.
 */
void gen_rules(struct gen *g, struct ref_rule *out, int n);
/* r in the grammar, in a random field order and spelling; ifname[dir]
 * names the interface of 'in'. */
void gen_rule_text(struct gen *g, const struct ref_rule *r, const char *const ifname[2],
		   char *buf, size_t len);
/* Next frame of the stream (always >= 14 bytes). */
void gen_next(struct gen *g, struct gen_frame *out);
uint64_t gen_rand(struct gen *g);

#endif
