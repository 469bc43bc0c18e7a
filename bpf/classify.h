/* SPDX-License-Identifier: GPL-2.0 */
/*
 * classify.h - the classifier walk: the first rule (lowest prio) with a box
 * holding the key, over one rule-set generation laid out as
 * include/fwctl_classifier.h says.
 *
 *   for each root r < n_roots (at most FWCTL_MAX_ROOTS):
 *       skip it if root_min_prio[r] >= best prio so far;
 *       descend: at each node (at most FWCTL_MAX_DEPTH), the child
 *           numbered by the thresholds below the key word;
 *       at the leaf: its boxes in prio order (at most FWCTL_LEAF_MAX),
 *           stop at the first that holds the key or at prio >= best.
 *
 * Every loop has a constant bound, so the verifier walks it out; the node
 * search has no branch at all (a mispredicted branch per level would cost
 * more than the whole search). A generation that breaks the layout (a cell
 * index out of range, a wrong kind, a path deeper than FWCTL_MAX_DEPTH)
 * never faults: that tree just yields no match.
 */
#ifndef FWCTL_CLASSIFY_H
#define FWCTL_CLASSIFY_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "fwctl_common.h"
#include "fwctl_classifier.h"
#include "fwctl_conntrack.h"
#include "maps.h"

/* What fwctl_classify() found. */
struct fwctl_match {
	__u32 rule_id;		/* 0 when nothing matched */
	__u32 action;		/* enum fwctl_action */
	__u32 prio;		/* FWCTL_NO_PRIO when nothing matched */
	__u32 policy;		/* the generation's policy word */
};

/* The current generation (an inner map), or NULL before the first commit. */
static __always_inline void *fwctl_current_generation(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&FWCTL_MAP_TABLES, &zero);
}

static __always_inline const struct fwctl_cell *fwctl_cell_at(void *gen, __u32 idx)
{
	return bpf_map_lookup_elem(gen, &idx);
}

/*
 * Where a walk reads its cells: map is a generation (base 0, mask ~0) or
 * fwctl_banks (base = the bank's first cell, mask = the bank's size - 1, a
 * power of two: a damaged index stays inside its bank). Inlined with a
 * constant map, the lookup is inlined too.
 */
struct fwctl_cells {
	void *map;
	__u32 base;
	__u32 mask;
};

/*
 * Cells per bank: half of fwctl_banks, whose size attach chose (--bank-cells,
 * a power of two). Read from the map: one load, never out of step with it.
 */
static __always_inline __u32 fwctl_bank_cells(void)
{
	return ((struct bpf_map *)&FWCTL_MAP_BANKS)->max_entries / FWCTL_BANKS;
}

/*
 * 1 if a > b else 0, for a, b < 2^32, without a branch: b - a borrows into
 * bit 63 exactly when a > b. The empty asm hides from clang that a is
 * zero-extended, which would let it fold this back into a compare and a
 * conditional jump (BPF has no set-on-condition instruction).
 */
static __always_inline __u64 fwctl_gt(__u64 a, __u64 b)
{
	asm volatile("" : "+r"(a));
	return (b - a) >> 63;
}

static __always_inline const struct fwctl_cell *fwctl_cell_in(const struct fwctl_cells *cs,
							      __u32 idx)
{
	__u32 k = cs->base + (idx & cs->mask);

	return bpf_map_lookup_elem(cs->map, &k);
}

/*
 * The child of node n for key word v: i = the number of thresholds below v
 * (padding is 0xffffffff, never below v). The header suggests a four-step
 * search; counting all 15 compares instead gives the same i with no load
 * depending on an earlier compare, and measured 20% faster per level here
 * (tests/classify: 24 levels 305 ns against 392 ns). i & 15 keeps the
 * child[] access provably in bounds for the verifier without a branch.
 * child[] is the cell's second cache line: read one word of it at once,
 * so that the line is on its way while the compares wait for the first
 * (fw1-100k and ipc1-100k, 4-7 levels a packet: 5-15% faster).
 */
static __always_inline __u32 fwctl_node_child(const struct fwctl_node *n, __u32 v)
{
	__u32 early = n->child[0];
	__u64 i = 0;
	int j;

	asm volatile("" : : "r"(early));	/* a load the compiler must keep */

#pragma unroll
	for (j = 0; j < FWCTL_NODE_FANOUT - 1; j++)
		i += fwctl_gt(v, n->thr[j]);
	return n->child[i & (FWCTL_NODE_FANOUT - 1)];
}

/* Does box b hold key k? Protocol and ports first: they differ most often. */
static __always_inline bool fwctl_box_holds(const struct fwctl_box *b,
					    const struct fwctl_key *k)
{
	static const __u8 order[FWCTL_DIMS] = {
		FWCTL_DIM_PROTO, FWCTL_DIM_DPORT, FWCTL_DIM_SPORT, FWCTL_DIM_SRC0,
		FWCTL_DIM_DST0, FWCTL_DIM_FAMILY, FWCTL_DIM_IN, FWCTL_DIM_FRAG,
		FWCTL_DIM_SRC1, FWCTL_DIM_SRC2, FWCTL_DIM_SRC3,
		FWCTL_DIM_DST1, FWCTL_DIM_DST2, FWCTL_DIM_DST3, FWCTL_DIM_START,
	};
	int j;

#pragma unroll
	for (j = 0; j < FWCTL_DIMS; j++) {
		__u32 d = order[j], w = k->w[d];

		if (w < b->lo[d] || w > b->hi[d])
			return false;
	}
	return true;
}

/* Does bank box b hold key k? Only the dimensions it narrows, one compare each. */
static __always_inline bool fwctl_bank_box_holds(const struct fwctl_bank_box *b,
						 const struct fwctl_key *k)
{
	__u32 n = b->n_dims;

#define FWCTL_BANK_DIM(j)						\
	if (n <= j)							\
		return true;						\
	if (k->w[b->dim[j] & 15] - b->r[j].lo > b->r[j].span)		\
		return false;
	FWCTL_BANK_DIM(0) FWCTL_BANK_DIM(1) FWCTL_BANK_DIM(2) FWCTL_BANK_DIM(3)
	FWCTL_BANK_DIM(4) FWCTL_BANK_DIM(5) FWCTL_BANK_DIM(6) FWCTL_BANK_DIM(7)
	FWCTL_BANK_DIM(8) FWCTL_BANK_DIM(9) FWCTL_BANK_DIM(10) FWCTL_BANK_DIM(11)
#undef FWCTL_BANK_DIM
	return true;
}

/*
 * From cell *idx down past the nodes: the first cell that is not a node
 * (*idx its index); NULL when the tree breaks the layout.
 */
static __always_inline const struct fwctl_cell *fwctl_descend(const struct fwctl_cells *cs,
							      __u32 *idx,
							      const struct fwctl_key *key)
{
	const struct fwctl_cell *c;
	__u32 d;

	/* FWCTL_MAX_DEPTH nodes, then the leaf. */
	for (d = 0; d <= FWCTL_MAX_DEPTH; d++) {
		c = fwctl_cell_in(cs, *idx);
		if (!c)
			return NULL;
		if (c->kind != FWCTL_CELL_NODE)
			return c;
		*idx = fwctl_node_child(&c->node, key->w[c->node.dim & 15]);
	}
	return NULL;
}

/* A generation's leaf: its boxes in prio order, the first holding the key beats m, if any does. */
static __always_inline void fwctl_scan_leaf(const struct fwctl_cells *cs,
					    const struct fwctl_leaf *leaf,
					    const struct fwctl_key *key, struct fwctl_match *m)
{
	const struct fwctl_cell *c;
	__u32 b, n = leaf->n_boxes;

	for (b = 0; b < FWCTL_LEAF_MAX && b < n; b++) {
		c = fwctl_cell_in(cs, leaf->box[b]);
		if (!c)
			return;
		if (c->box.prio >= m->prio)
			return;
		if (fwctl_box_holds(&c->box, key)) {
			m->prio = c->box.prio;
			m->rule_id = c->box.rule_id;
			m->action = c->box.action;
			return;
		}
	}
}

/* Does half box b hold key k, whose FWCTL_KEY_FLAGS() are flags? */
static __always_inline bool fwctl_half_box_holds(const struct fwctl_half_box *b,
						 const struct fwctl_key *k, __u32 flags)
{
	__u32 n = b->n_dims;

	if ((flags & b->flags_mask) != b->flags)
		return false;
#define FWCTL_HALF_DIM(j)						\
	if (n <= j)							\
		return true;						\
	if (k->w[b->dim[j] & 15] - b->r[j].lo > b->r[j].span)		\
		return false;
	FWCTL_HALF_DIM(0) FWCTL_HALF_DIM(1) FWCTL_HALF_DIM(2) FWCTL_HALF_DIM(3)
	FWCTL_HALF_DIM(4)
#undef FWCTL_HALF_DIM
	return true;
}

/*
 * A bank's run of half boxes from slot s (two to a cell): n of them, in
 * prio order. Their slots are consecutive, so their addresses are known
 * before any is read: the loads need not wait on one another, nor on a
 * leaf cell. Each cell is looked up afresh (inlined, in L1 by then): one
 * source for the pointer keeps the verifier's states few enough to prune.
 */
static __always_inline void fwctl_scan_half_run(const struct fwctl_cells *cs, __u32 s, __u32 n,
						const struct fwctl_key *key, __u32 flags,
						struct fwctl_match *m)
{
	const struct fwctl_half_box *hb;
	const struct fwctl_cell *c;
	__u32 b;

	for (b = 0; b < FWCTL_LEAF_MAX && b < n; b++) {
		c = fwctl_cell_in(cs, (s + b) >> 1);
		if (!c)
			return;
		hb = &c->half[(s + b) & 1];
		if (hb->prio >= m->prio)
			return;
		if (fwctl_half_box_holds(hb, key, flags)) {
			m->prio = hb->prio;
			m->rule_id = hb->rule_id;
			m->action = hb->action;
			return;
		}
	}
}

/* A bank's run of n full bank boxes from cell idx, a cell each. */
static __always_inline void fwctl_scan_run(const struct fwctl_cells *cs, __u32 idx, __u32 n,
					   const struct fwctl_key *key, struct fwctl_match *m)
{
	const struct fwctl_cell *c;
	__u32 b;

	for (b = 0; b < FWCTL_LEAF_MAX && b < n; b++) {
		c = fwctl_cell_in(cs, idx + b);
		if (!c)
			return;
		if (c->bank_box.prio >= m->prio)
			return;
		if (fwctl_bank_box_holds(&c->bank_box, key)) {
			m->prio = c->bank_box.prio;
			m->rule_id = c->bank_box.rule_id;
			m->action = c->bank_box.action;
			return;
		}
	}
}

/*
 * One tree of a bank, from slot s (include/fwctl_classifier.h: a bank's
 * roots and children are half-cell slots): down its nodes (each starts a
 * cell), then the leaf's run, or nothing for an empty leaf or a tree that
 * breaks the layout.
 */
static __always_inline void fwctl_bank_tree(const struct fwctl_cells *cs, __u32 s,
					    const struct fwctl_key *key, __u32 flags,
					    struct fwctl_match *m)
{
	const struct fwctl_cell *c;
	__u32 d;

	/* FWCTL_MAX_DEPTH nodes, then the leaf. */
	for (d = 0; d <= FWCTL_MAX_DEPTH; d++) {
		c = fwctl_cell_in(cs, s >> 1);
		if (!c)
			return;
		if (s & 1) {
			/* Only a run of half boxes starts mid-cell. */
			if (c->half[1].kind == FWCTL_CELL_HALF_BOX)
				fwctl_scan_half_run(cs, s, c->half[1].left, key, flags, m);
			return;
		}
		if (c->kind == FWCTL_CELL_HALF_BOX) {
			fwctl_scan_half_run(cs, s, c->half[0].left, key, flags, m);
			return;
		}
		if (c->kind == FWCTL_CELL_BOX) {
			fwctl_scan_run(cs, s >> 1, c->bank_box.left, key, m);
			return;
		}
		if (c->kind != FWCTL_CELL_NODE)
			return;		/* an empty leaf */
		s = fwctl_node_child(&c->node, key->w[c->node.dim & 15]);
	}
}

/* Every tree of the generation whose header is h, its cells read from cs. */
static __always_inline void fwctl_walk(const struct fwctl_cells *cs,
				       const struct fwctl_table_hdr *h,
				       const struct fwctl_key *key, struct fwctl_match *m)
{
	const struct fwctl_cell *c;
	__u32 r, idx, n_roots = h->n_roots;

	for (r = 0; r < FWCTL_MAX_ROOTS && r < n_roots; r++) {
		if (h->root_min_prio[r] >= m->prio)
			continue;
		idx = h->root[r];
		c = fwctl_descend(cs, &idx, key);
		if (c && c->kind == FWCTL_CELL_LEAF)
			fwctl_scan_leaf(cs, &c->leaf, key, m);
	}
}

/* Every tree of a bank whose header is h, its cells read from cs. */
static __always_inline void fwctl_walk_bank(const struct fwctl_cells *cs,
					    const struct fwctl_table_hdr *h,
					    const struct fwctl_key *key, struct fwctl_match *m)
{
	__u32 r, n_roots = h->n_roots, flags = FWCTL_KEY_FLAGS(key);

	for (r = 0; r < FWCTL_MAX_ROOTS && r < n_roots; r++) {
		if (h->root_min_prio[r] >= m->prio)
			continue;
		fwctl_bank_tree(cs, h->root[r], key, flags, m);
	}
}

/*
 * The header a walk of generation gen reads, looked up in gen itself only
 * when it must be: a small generation names its bank by its size (a field
 * of the map itself, no lookup), and the bank holds a copy of the header
 * whose lookup the verifier inlines (*banked = true). The copy has every
 * word of the generation's own header (the flows' serial cell too) but the
 * policy, which `fwctl policy` changes in place in gen only. NULL: no
 * header.
 */
static __always_inline const struct fwctl_table_hdr *fwctl_gen_hdr(void *gen, bool *banked)
{
	int bank = FWCTL_GEN_BANK(((struct bpf_map *)gen)->max_entries);
	const struct fwctl_cell *c;
	__u32 k;

	*banked = false;
	if (bank != FWCTL_BANK_NONE) {
		k = (bank & 1) * fwctl_bank_cells();
		c = bpf_map_lookup_elem(&FWCTL_MAP_BANKS, &k);
		if (c && c->hdr.kind == FWCTL_CELL_HDR && c->hdr.magic == FWCTL_TABLE_MAGIC) {
			*banked = true;
			return &c->hdr;
		}
	}
	c = fwctl_cell_at(gen, 0);
	return c ? &c->hdr : NULL;
}

/*
 * No rule matched in generation gen: m->policy from its own header (cell
 * 0, read only now: a banked walk that matches never looks the generation
 * up). FWCTL_CLASSIFY_NO_MATCH, or FWCTL_CLASSIFY_NO_TABLE if cell 0 is
 * not a header of this version.
 */
static __always_inline int fwctl_gen_policy(void *gen, struct fwctl_match *m)
{
	const struct fwctl_cell *c = fwctl_cell_at(gen, 0);

	if (!c || c->hdr.kind != FWCTL_CELL_HDR || c->hdr.magic != FWCTL_TABLE_MAGIC)
		return FWCTL_CLASSIFY_NO_TABLE;
	m->policy = c->hdr.policy;
	return FWCTL_CLASSIFY_NO_MATCH;
}

/*
 * Classify key against generation gen whose walk header h (and banked)
 * the caller has from fwctl_gen_hdr(). Fills *m and returns an enum
 * fwctl_classify_status (include/fwctl_classifier.h). m->policy is the
 * generation's policy when nothing matched; a match needs no policy, so
 * a banked walk that finds one never looks up gen's own header.
 */
static __always_inline int fwctl_classify_walk(void *gen, const struct fwctl_table_hdr *h,
					       bool banked, const struct fwctl_key *key,
					       struct fwctl_match *m)
{
	struct fwctl_cells cs = { .map = gen, .base = 0, .mask = ~0u };
	struct fwctl_cells bs = {
		.map = &FWCTL_MAP_BANKS,
		.base = (FWCTL_GEN_BANK(((struct bpf_map *)gen)->max_entries) & 1) *
			fwctl_bank_cells(),
		.mask = fwctl_bank_cells() - 1,
	};

	m->rule_id = 0;
	m->action = FWCTL_ACTION_ALLOW;
	m->prio = FWCTL_NO_PRIO;
	m->policy = FWCTL_POLICY_DROP;
	if (!h || h->kind != FWCTL_CELL_HDR || h->magic != FWCTL_TABLE_MAGIC)
		return FWCTL_CLASSIFY_NO_TABLE;
	if (!banked) {
		m->policy = h->policy;
		fwctl_walk(&cs, h, key, m);
		return m->prio == FWCTL_NO_PRIO ? FWCTL_CLASSIFY_NO_MATCH : FWCTL_CLASSIFY_MATCH;
	}
	fwctl_walk_bank(&bs, h, key, m);
	if (m->prio != FWCTL_NO_PRIO)
		return FWCTL_CLASSIFY_MATCH;
	return fwctl_gen_policy(gen, m);
}

/*
 * Classify key against generation gen (from fwctl_current_generation()).
 * Fills *m (the policy too when nothing matched) and returns an enum
 * fwctl_classify_status (include/fwctl_classifier.h).
 */
static __always_inline int fwctl_classify(void *gen, const struct fwctl_key *key,
					  struct fwctl_match *m)
{
	const struct fwctl_table_hdr *h;
	bool banked;

	h = fwctl_gen_hdr(gen, &banked);
	return fwctl_classify_walk(gen, h, banked, key, m);
}

/*
 * The walk of the smallest banked sets, for the datapath to inline (the
 * reference rules: one tree that is a single leaf, a run of a few half
 * boxes). The same answer as fwctl_classify_walk(gen, h, true, ...) for
 * such a set; FWCTL_CLASSIFY_OTHER for any other (the caller walks it the
 * full way): bounded this tightly, the walk adds little to what the
 * verifier checks at each place it is inlined.
 */
#define FWCTL_SMALL_BOXES	4
#define FWCTL_CLASSIFY_OTHER	(-1)

static __always_inline int fwctl_classify_small(void *gen, const struct fwctl_table_hdr *h,
						const struct fwctl_key *key,
						struct fwctl_match *m)
{
	__u32 mask = fwctl_bank_cells() - 1;
	__u32 base = (FWCTL_GEN_BANK(((struct bpf_map *)gen)->max_entries) & 1) * (mask + 1);
	const struct fwctl_half_box *hb;
	const struct fwctl_cell *c;
	__u32 b, n, k, s;

	if (h->kind != FWCTL_CELL_HDR || h->magic != FWCTL_TABLE_MAGIC || h->n_roots != 1)
		return FWCTL_CLASSIFY_OTHER;
	/* The root is a slot: a leaf's run of half boxes (taken only from the
	 * start of a cell, as the bank lays out a lone leaf: its two cells are
	 * then all there is to read) or an empty leaf. */
	s = h->root[0];
	if (s & 1)
		return FWCTL_CLASSIFY_OTHER;
	k = base + ((s >> 1) & mask);
	c = bpf_map_lookup_elem(&FWCTL_MAP_BANKS, &k);
	if (!c)
		return FWCTL_CLASSIFY_OTHER;
	if (c->kind == FWCTL_CELL_HALF_BOX)
		n = c->half[0].left;
	else if (c->kind == FWCTL_CELL_LEAF)
		n = 0;
	else
		return FWCTL_CLASSIFY_OTHER;
	if (n > FWCTL_SMALL_BOXES)
		return FWCTL_CLASSIFY_OTHER;
	/* As fwctl_walk_bank() with no match yet: an empty tree is skipped. */
	if (h->root_min_prio[0] == FWCTL_NO_PRIO)
		n = 0;
	for (b = 0; b < FWCTL_SMALL_BOXES && b < n; b++) {
		if (b == 2) {
			k = base + (((s >> 1) + 1) & mask);
			c = bpf_map_lookup_elem(&FWCTL_MAP_BANKS, &k);
			if (!c)
				break;
		}
		hb = &c->half[b & 1];
		if (hb->prio == FWCTL_NO_PRIO)
			break;
		/* The flags word is made again for each box: kept in a
		 * register across the lookup, it would take stack. */
		if (fwctl_half_box_holds(hb, key, FWCTL_KEY_FLAGS(key))) {
			m->rule_id = hb->rule_id;
			m->action = hb->action;
			m->prio = hb->prio;
			m->policy = FWCTL_POLICY_DROP;
			return FWCTL_CLASSIFY_MATCH;
		}
	}
	m->rule_id = 0;
	m->action = FWCTL_ACTION_ALLOW;
	m->prio = FWCTL_NO_PRIO;
	return fwctl_gen_policy(gen, m);
}

/*
 * The datapath's inline walk, for what fwctl_classify_small() can answer:
 * a banked generation without stateful rules (a generation with them needs
 * the flow lookup first). FWCTL_CLASSIFY_OTHER: walk it the full way.
 */
static __always_inline int fwctl_classify_inline(void *gen, const struct fwctl_key *key,
						 struct fwctl_match *m)
{
	const struct fwctl_table_hdr *h;
	bool banked;

	h = fwctl_gen_hdr(gen, &banked);
	if (!banked || !h || FWCTL_CT_SERIAL_CELL(h))
		return FWCTL_CLASSIFY_OTHER;
	return fwctl_classify_small(gen, h, key, m);
}

#endif /* FWCTL_CLASSIFY_H */
