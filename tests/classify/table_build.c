// SPDX-License-Identifier: GPL-2.0
/* table_build.c - hand-built and random generations (see table_build.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "table_build.h"

static __u32 tb_new(struct tb *t, __u8 kind)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		t->c = realloc(t->c, (size_t)t->cap * sizeof(*t->c));
		t->kind = realloc(t->kind, t->cap);
		if (!t->c || !t->kind) {
			perror("classify: realloc");
			exit(1);
		}
	}
	memset(&t->c[t->n], 0, sizeof(t->c[0]));
	t->kind[t->n] = kind;
	return t->n++;
}

void tb_init(struct tb *t)
{
	struct fwctl_table_hdr *h;

	memset(t, 0, sizeof(*t));
	tb_new(t, FWCTL_CELL_HDR);
	h = &t->c[0].hdr;
	h->kind = FWCTL_CELL_HDR;
	h->magic = FWCTL_TABLE_MAGIC;
}

void tb_free(struct tb *t)
{
	free(t->c);
	free(t->kind);
	memset(t, 0, sizeof(*t));
}

__u32 tb_box(struct tb *t, __u32 prio, __u32 rule_id, __u32 action)
{
	__u32 i = tb_new(t, FWCTL_CELL_BOX);
	struct fwctl_box *b = &t->c[i].box;
	int d;

	for (d = 0; d < FWCTL_DIMS; d++)
		b->hi[d] = 0xffffffff;
	b->kind = FWCTL_CELL_BOX;
	b->prio = prio;
	b->rule_id = rule_id;
	b->action = action;
	return i;
}

void tb_dim(struct tb *t, __u32 box, int dim, __u32 lo, __u32 hi)
{
	t->c[box].box.lo[dim] = lo;
	t->c[box].box.hi[dim] = hi;
}

__u32 tb_leaf(struct tb *t, __u32 n, const __u32 *boxes)
{
	__u32 i = tb_new(t, FWCTL_CELL_LEAF);
	struct fwctl_leaf *l = &t->c[i].leaf;

	l->kind = FWCTL_CELL_LEAF;
	l->n_boxes = n;
	memcpy(l->box, boxes, n * sizeof(*boxes));
	return i;
}

__u32 tb_node(struct tb *t, int dim, __u32 n, const __u32 *thr, const __u32 *child)
{
	__u32 i = tb_new(t, FWCTL_CELL_NODE), j;
	struct fwctl_node *nd = &t->c[i].node;

	nd->kind = FWCTL_CELL_NODE;
	nd->dim = dim;
	nd->n_children = n;
	for (j = 0; j < FWCTL_NODE_FANOUT - 1; j++)
		nd->thr[j] = j + 1 < n ? thr[j] : 0xffffffff;
	for (j = 0; j < FWCTL_NODE_FANOUT; j++)
		nd->child[j] = j < n ? child[j] : child[n - 1];
	return i;
}

__u32 tb_tree_min_prio(const struct tb *t, __u32 cell)
{
	const struct fwctl_cell *c = &t->c[cell];
	__u32 min = FWCTL_NO_PRIO, p, j;

	if (c->kind == FWCTL_CELL_NODE) {
		for (j = 0; j < c->node.n_children; j++) {
			p = tb_tree_min_prio(t, c->node.child[j]);
			min = p < min ? p : min;
		}
	} else if (c->kind == FWCTL_CELL_LEAF) {
		for (j = 0; j < c->leaf.n_boxes; j++) {
			p = t->c[c->leaf.box[j]].box.prio;
			min = p < min ? p : min;
		}
	}
	return min;
}

void tb_root(struct tb *t, __u32 cell, __u32 min_prio)
{
	struct fwctl_table_hdr *h = &t->c[0].hdr;

	h->root[h->n_roots] = cell;
	h->root_min_prio[h->n_roots] =
		min_prio == FWCTL_NO_PRIO ? tb_tree_min_prio(t, cell) : min_prio;
	h->n_roots++;
}

void tb_done(struct tb *t, __u32 n_rules, __u32 policy)
{
	struct fwctl_table_hdr *h = &t->c[0].hdr;

	h->n_rules = n_rules;
	h->policy = policy;
	h->n_cells = t->n;
	h->text_cell = t->n;
	h->text_bytes = 0;
}

/* --- the reference walk ----------------------------------------------- */

static bool ref_holds(const struct fwctl_box *b, const struct fwctl_key *k)
{
	int d;

	for (d = 0; d < FWCTL_DIMS; d++)
		if (k->w[d] < b->lo[d] || k->w[d] > b->hi[d])
			return false;
	return true;
}

/* The leaf reached from cell idx, or n when the tree breaks the layout. */
static __u32 ref_descend(const struct fwctl_cell *c, __u32 n, __u32 idx,
			 const struct fwctl_key *k)
{
	__u32 depth, i, v;

	for (depth = 0; idx < n && c[idx].kind == FWCTL_CELL_NODE; depth++) {
		if (depth == FWCTL_MAX_DEPTH)
			return n;
		v = k->w[c[idx].node.dim & 15];
		/* child i takes thr[i-1] < v <= thr[i]: count thresholds below v */
		for (i = 0; i < FWCTL_NODE_FANOUT - 1 && c[idx].node.thr[i] < v; i++)
			;
		idx = c[idx].node.child[i];
	}
	return idx < n && c[idx].kind == FWCTL_CELL_LEAF ? idx : n;
}

void ref_classify(const struct fwctl_cell *c, __u32 n, const struct fwctl_key *k,
		  struct ct_out *o)
{
	const struct fwctl_table_hdr *h = &c[0].hdr;
	const struct fwctl_leaf *leaf;
	const struct fwctl_box *bx;
	__u32 r, b, idx;

	memset(o, 0, sizeof(*o));
	o->prio = FWCTL_NO_PRIO;
	o->status = FWCTL_CLASSIFY_NO_TABLE;
	if (n == 0 || h->kind != FWCTL_CELL_HDR || h->magic != FWCTL_TABLE_MAGIC)
		return;
	o->policy = h->policy;
	for (r = 0; r < h->n_roots && r < FWCTL_MAX_ROOTS; r++) {
		if (h->root_min_prio[r] >= o->prio)
			continue;
		idx = ref_descend(c, n, h->root[r], k);
		if (idx == n)
			continue;
		leaf = &c[idx].leaf;
		for (b = 0; b < leaf->n_boxes && b < FWCTL_LEAF_MAX; b++) {
			if (leaf->box[b] >= n)
				break;
			bx = &c[leaf->box[b]].box;
			if (bx->prio >= o->prio)
				break;
			if (ref_holds(bx, k)) {
				o->prio = bx->prio;
				o->rule_id = bx->rule_id;
				o->action = bx->action;
				break;
			}
		}
	}
	o->status = o->prio == FWCTL_NO_PRIO ? FWCTL_CLASSIFY_NO_MATCH : FWCTL_CLASSIFY_MATCH;
}

/* --- random generations ------------------------------------------------ */

__u64 rnd_next(__u64 *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

__u32 rnd_range(__u64 *s, __u32 lo, __u32 hi)
{
	__u64 span = (__u64)hi - lo + 1;

	return lo + (__u32)(rnd_next(s) % span);
}

struct region {
	__u32 lo[FWCTL_DIMS], hi[FWCTL_DIMS];
};

/* A box inside region g: some dimensions whole, some points, some ranges. */
static __u32 rnd_box(struct tb *t, __u64 *s, const struct region *g, __u32 prio)
{
	__u32 b = tb_box(t, prio, RND_RULE_ID(prio), RND_ACTION(prio)), x, y;
	int d;

	for (d = 0; d < FWCTL_DIMS; d++) {
		switch (rnd_next(s) % 4) {
		case 0:
			x = g->lo[d];
			y = g->hi[d];
			break;
		case 1:
			x = y = rnd_range(s, g->lo[d], g->hi[d]);
			break;
		default:
			x = rnd_range(s, g->lo[d], g->hi[d]);
			y = rnd_range(s, g->lo[d], g->hi[d]);
			break;
		}
		tb_dim(t, b, d, x < y ? x : y, x < y ? y : x);
	}
	/* A stateful box as the compiler makes it, if the region allows. */
	if (RND_ACTION(prio) == FWCTL_ACTION_ALLOW_STATEFUL && g->lo[FWCTL_DIM_START] <= 1 &&
	    g->hi[FWCTL_DIM_START] >= 1)
		tb_dim(t, b, FWCTL_DIM_START, 1, 1);
	return b;
}

static int cmp_prio(const void *a, const void *b, void *arg)
{
	const struct tb *t = arg;
	__u32 pa = t->c[*(const __u32 *)a].box.prio, pb = t->c[*(const __u32 *)b].box.prio;

	return pa < pb ? -1 : pa > pb;
}

static __u32 rnd_leaf(struct tb *t, __u64 *s, const struct region *g, __u32 n_prio)
{
	__u32 boxes[FWCTL_LEAF_MAX], n, i;

	n = rnd_next(s) % 4 ? rnd_range(s, 0, 8) : rnd_range(s, 0, FWCTL_LEAF_MAX);
	for (i = 0; i < n; i++)
		boxes[i] = rnd_box(t, s, g, rnd_range(s, 0, n_prio - 1));
	qsort_r(boxes, n, sizeof(boxes[0]), cmp_prio, t);
	return tb_leaf(t, n, boxes);
}

static int cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

/* Up to k - 1 distinct cut points in [lo, hi - 1]; returns how many. */
static __u32 rnd_cuts(__u64 *s, __u32 lo, __u32 hi, __u32 k, __u32 *thr)
{
	__u32 n = 0, i, j;

	if (lo == hi)
		return 0;
	for (i = 0; i + 1 < k; i++)
		thr[n++] = rnd_range(s, lo, hi - 1);
	qsort(thr, n, sizeof(*thr), cmp_u32);
	for (i = j = 0; i < n; i++)
		if (j == 0 || thr[i] != thr[j - 1])
			thr[j++] = thr[i];
	return j;
}

static __u32 rnd_tree(struct tb *t, __u64 *s, struct region *g, __u32 depth, __u32 budget,
		      __u32 n_prio)
{
	__u32 thr[FWCTL_NODE_FANOUT - 1], child[FWCTL_NODE_FANOUT], n, i, save_lo, save_hi;
	int d;

	/* Deep narrow paths now and then, to reach FWCTL_MAX_DEPTH. */
	if (depth == FWCTL_MAX_DEPTH || t->n >= budget || (depth > 2 && rnd_next(s) % 5 == 0))
		return rnd_leaf(t, s, g, n_prio);
	d = rnd_next(s) % FWCTL_DIMS;
	n = rnd_cuts(s, g->lo[d], g->hi[d],
		     rnd_next(s) % 3 ? 2 : rnd_range(s, 2, FWCTL_NODE_FANOUT), thr);
	if (n == 0)
		return rnd_leaf(t, s, g, n_prio);
	save_lo = g->lo[d];
	save_hi = g->hi[d];
	for (i = 0; i <= n; i++) {
		g->lo[d] = i == 0 ? save_lo : thr[i - 1] + 1;
		g->hi[d] = i == n ? save_hi : thr[i];
		child[i] = rnd_tree(t, s, g, depth + 1, budget, n_prio);
	}
	g->lo[d] = save_lo;
	g->hi[d] = save_hi;
	return tb_node(t, d, n + 1, thr, child);
}

void rnd_table(struct tb *t, __u64 *seed, __u32 n_roots, __u32 max_cells)
{
	struct region g;
	__u32 r, root, n_prio = max_cells / 2 + 1;
	int d;

	tb_init(t);
	for (r = 0; r < n_roots; r++) {
		for (d = 0; d < FWCTL_DIMS; d++) {
			g.lo[d] = 0;
			g.hi[d] = 0xffffffff;
		}
		root = rnd_tree(t, seed, &g, 0, max_cells * (r + 1) / n_roots, n_prio);
		tb_root(t, root, FWCTL_NO_PRIO);
	}
	tb_done(t, n_prio, FWCTL_POLICY_DROP);
}

void rnd_table_scan(const struct tb *t, const struct fwctl_key *k, struct ct_out *o)
{
	__u32 i;

	memset(o, 0, sizeof(*o));
	o->prio = FWCTL_NO_PRIO;
	o->policy = t->c[0].hdr.policy;
	for (i = 1; i < t->n; i++) {
		const struct fwctl_box *b = &t->c[i].box;

		if (t->kind[i] == FWCTL_CELL_BOX && b->prio < o->prio && ref_holds(b, k)) {
			o->prio = b->prio;
			o->rule_id = b->rule_id;
			o->action = b->action;
		}
	}
	o->status = o->prio == FWCTL_NO_PRIO ? FWCTL_CLASSIFY_NO_MATCH : FWCTL_CLASSIFY_MATCH;
}

void rnd_key(const struct tb *t, __u64 *s, struct fwctl_key *k)
{
	const struct fwctl_box *b;
	__u32 i, j = 0;
	int d, mode = rnd_next(s) % 8;

	memset(k, 0, sizeof(*k));
	if (mode == 0) {	/* anywhere */
		for (d = 0; d < FWCTL_DIMS; d++)
			k->w[d] = (__u32)rnd_next(s);
		return;
	}
	for (i = 0; i < 1000; i++) {	/* a box: most cells are */
		j = rnd_range(s, 1, t->n - 1);
		if (t->kind[j] == FWCTL_CELL_BOX)
			break;
	}
	if (i == 1000) {
		for (d = 0; d < FWCTL_DIMS; d++)
			k->w[d] = (__u32)rnd_next(s);
		return;
	}
	i = j;
	b = &t->c[i].box;
	for (d = 0; d < FWCTL_DIMS; d++)
		k->w[d] = rnd_range(s, b->lo[d], b->hi[d]);
	if (mode == 1) {	/* on an edge, or one past it */
		d = rnd_next(s) % FWCTL_DIMS;
		switch (rnd_next(s) % 4) {
		case 0: k->w[d] = b->lo[d]; break;
		case 1: k->w[d] = b->hi[d]; break;
		case 2: k->w[d] = b->lo[d] - 1; break;
		default: k->w[d] = b->hi[d] + 1; break;
		}
	}
}
