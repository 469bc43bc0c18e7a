// SPDX-License-Identifier: GPL-2.0
/*
 * classifier.c - compile a rule list into the cells of a generation, and
 * walk them as the datapath does. See docs/classifier.md.
 *
 * A rule becomes boxes (one per combination of its list elements). Boxes
 * are cut into decision trees: each node splits the key space of its
 * region on one dimension into up to 16 slabs, chosen so that the boxes
 * spread evenly over the children with little replication (HyperSplit's
 * idea, sixteen-way). In every region, a box that covers the whole region
 * hides all boxes after it, and a box inside an earlier one is never the
 * first match: both are dropped, which is what keeps wildcard-heavy sets
 * small. A region left with few boxes becomes a leaf. Boxes are partitioned
 * over several trees by the fields they are small in, so that a wildcard
 * in one field is not copied across every cut on that field.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "classifier.h"
#include "fwctl_conntrack.h"
#include "fwctl.h"

#define LEAF_SMALL_SET	8	/* a whole set of this many boxes is one leaf */
/*
 * Leaves of up to 12 boxes (docs/classifier.md, "Leaves of 12"): a bank
 * lays a leaf out as a run of boxes whose loads do not wait on one
 * another, so a few more boxes cost less than a level of nodes, and the
 * copies saved let ipc1-100k's bank fit the default size.
 */
#define LEAF_TARGET_DEFAULT	12

struct classifier_tuning classifier_tuning = {
	.leaf_target = LEAF_TARGET_DEFAULT,
	.depth_weight = 8,
	.max_depth = FWCTL_MAX_DEPTH,
	.partition = true,
};

#define LEAF_TARGET	classifier_tuning.leaf_target
#define PAIR_PRUNE_MAX	32	/* look for boxes inside earlier ones up to this */

/* The values a key can hold in each dimension. */
static const __u32 dim_max[FWCTL_DIMS] = {
	[FWCTL_DIM_SRC0 ... FWCTL_DIM_DST3] = 0xffffffffu,
	[FWCTL_DIM_SPORT] = 65535,
	[FWCTL_DIM_DPORT] = 65535,
	[FWCTL_DIM_PROTO] = FWCTL_PROTO_UNKNOWN,
	[FWCTL_DIM_FAMILY] = 1,
	[FWCTL_DIM_IN] = 1,
	[FWCTL_DIM_FRAG] = 1,
	[FWCTL_DIM_START] = 1,
};

/* A box while compiling; cell is its cell once placed. */
struct cbox {
	__u32 lo[FWCTL_DIMS];
	__u32 hi[FWCTL_DIMS];
	__u32 prio, id, action, cell;
};

struct region {
	__u32 lo[FWCTL_DIMS];
	__u32 hi[FWCTL_DIMS];
};

/* A list of box indices, ascending (= prio order). */
struct blist {
	__u32 *v;
	__u32 n;
};

/* ---- rules -> boxes ---------------------------------------------------- */

struct boxvec {
	struct cbox *v;
	__u32 n, cap;
};

static struct cbox *boxvec_push(struct boxvec *bv)
{
	if (bv->n == bv->cap) {
		__u32 cap = bv->cap ? bv->cap * 2 : 1024;
		struct cbox *v = realloc(bv->v, (size_t)cap * sizeof(*v));

		if (!v)
			return NULL;
		bv->v = v;
		bv->cap = cap;
	}
	return &bv->v[bv->n++];
}

/* Words of a prefix: a range per 32-bit word, from the most significant. */
static void prefix_ranges(const struct rule_prefix *p, __u32 *lo, __u32 *hi)
{
	int words = p->family == FWCTL_FAMILY_V4 ? 1 : 4;

	for (int w = 0; w < 4; w++) {
		int bits = p->len - 32 * w;

		if (w >= words || bits <= 0) {
			lo[w] = 0;
			hi[w] = 0xffffffffu;
		} else if (bits >= 32) {
			lo[w] = hi[w] = p->addr[w];
		} else {
			__u32 host = 0xffffffffu >> bits;

			lo[w] = p->addr[w] & ~host;
			hi[w] = p->addr[w] | host;
		}
	}
}

/* Number of boxes a rule can give at most (before family mismatches drop
 * some); past CLASSIFIER_MAX_BOXES, only that it is past (no overflow). */
static __u64 rule_box_bound(const struct rule *r)
{
	unsigned int len[4] = { r->n_src, r->n_dst, r->n_sport, r->n_dport };
	__u64 n = r->has_ports ? 2 : 1;

	for (int i = 0; i < 4; i++) {
		n *= len[i] ? len[i] : 1;
		if (n > CLASSIFIER_MAX_BOXES)
			return (__u64)CLASSIFIER_MAX_BOXES + 1;
	}
	return n;
}

static bool rule_is_stateful(const struct rule *r)
{
	return r->stateful && r->action == FWCTL_ACTION_ALLOW;
}

/* The box every field of r but the lists gives. */
static void rule_base_box(const struct rule *r, struct cbox *b)
{
	bool l4 = r->has_ports || r->n_sport || r->n_dport || r->has_type;

	for (int d = 0; d < FWCTL_DIMS; d++) {
		b->lo[d] = 0;
		b->hi[d] = dim_max[d];
	}
	if (r->proto != RULE_PROTO_ANY)
		b->lo[FWCTL_DIM_PROTO] = b->hi[FWCTL_DIM_PROTO] = r->proto;
	if (r->proto == 1)
		b->hi[FWCTL_DIM_FAMILY] = FWCTL_FAMILY_V4;
	if (r->proto == 58)
		b->lo[FWCTL_DIM_FAMILY] = FWCTL_FAMILY_V6;
	if (r->has_type) {
		b->lo[FWCTL_DIM_SPORT] = b->hi[FWCTL_DIM_SPORT] = r->type;
		if (r->has_code)
			b->lo[FWCTL_DIM_DPORT] = b->hi[FWCTL_DIM_DPORT] = r->code;
	}
	/* Non-first fragments carry no ports and no type. */
	if (l4)
		b->hi[FWCTL_DIM_FRAG] = 0;
	if (r->in >= 0)
		b->lo[FWCTL_DIM_IN] = b->hi[FWCTL_DIM_IN] = r->in;
	/* A stateful rule matches only packets that can start a flow. */
	if (rule_is_stateful(r))
		b->lo[FWCTL_DIM_START] = 1;
}

/* Narrow dimension d of b to [lo, hi]; false if nothing is left. */
static bool narrow(struct cbox *b, int d, __u32 lo, __u32 hi)
{
	if (lo > b->lo[d])
		b->lo[d] = lo;
	if (hi < b->hi[d])
		b->hi[d] = hi;
	return b->lo[d] <= b->hi[d];
}

static bool narrow_prefix(struct cbox *b, int d0, const struct rule_prefix *p)
{
	__u32 lo[4], hi[4];

	if (!narrow(b, FWCTL_DIM_FAMILY, p->family, p->family))
		return false;
	prefix_ranges(p, lo, hi);
	for (int w = 0; w < 4; w++)
		if (!narrow(b, d0 + w, lo[w], hi[w]))
			return false;
	return true;
}

/* Index k of a list of n elements (n == 0: the list is absent). */
static int pick(unsigned int n, __u64 *k)
{
	int i = 0;

	if (n) {
		i = *k % n;
		*k /= n;
	}
	return i;
}

/* Append the boxes of rule r (prio, id) to bv: one per combination. */
static int rule_boxes(const struct rule *r, __u32 prio, __u32 id, struct boxvec *bv)
{
	__u64 total = rule_box_bound(r);
	struct cbox base;

	rule_base_box(r, &base);
	base.prio = prio;
	base.id = id;
	base.action = rule_is_stateful(r) ? FWCTL_ACTION_ALLOW_STATEFUL : r->action;
	base.cell = 0;
	for (__u64 k = 0; k < total; k++) {
		__u64 rest = k;
		int side = r->has_ports ? pick(2, &rest) : -1;
		int is = pick(r->n_src, &rest), id_ = pick(r->n_dst, &rest);
		int sp = pick(r->n_sport, &rest), dp = pick(r->n_dport, &rest);
		struct cbox b = base, *out;

		if (r->n_src && !narrow_prefix(&b, FWCTL_DIM_SRC0, &r->src[is]))
			continue;
		if (r->n_dst && !narrow_prefix(&b, FWCTL_DIM_DST0, &r->dst[id_]))
			continue;
		if (side >= 0 && !narrow(&b, side ? FWCTL_DIM_DPORT : FWCTL_DIM_SPORT,
					 r->ports.lo, r->ports.hi))
			continue;
		if (r->n_sport && !narrow(&b, FWCTL_DIM_SPORT, r->sport[sp].lo, r->sport[sp].hi))
			continue;
		if (r->n_dport && !narrow(&b, FWCTL_DIM_DPORT, r->dport[dp].lo, r->dport[dp].hi))
			continue;
		out = boxvec_push(bv);
		if (!out)
			return -ENOMEM;
		*out = b;
	}
	return 0;
}

static int make_boxes(const struct rule *rules, const __u32 *ids, unsigned int n,
		      struct boxvec *bv, struct fwctl_err *e)
{
	for (unsigned int i = 0; i < n; i++) {
		__u64 nb = rule_box_bound(&rules[i]);

		if (nb > CLASSIFIER_MAX_BOXES) {
			fwctl_err_set(e, "rule %u (id %u) makes more than %u boxes (one per "
				      "combination of its list elements)", i + 1, ids[i],
				      CLASSIFIER_MAX_BOXES);
			return -E2BIG;
		}
		if (bv->n + nb > CLASSIFIER_MAX_BOXES) {
			fwctl_err_set(e, "rule %u (id %u): the set makes more than %u boxes (one "
				      "per combination of a rule's list elements)", i + 1, ids[i],
				      CLASSIFIER_MAX_BOXES);
			return -E2BIG;
		}
		if (rule_boxes(&rules[i], i, ids[i], bv)) {
			fwctl_err_set(e, "out of memory making the boxes of rule %u", i + 1);
			return -ENOMEM;
		}
	}
	return 0;
}

/* ---- sorting ------------------------------------------------------------ */

static int u32_cmp(const void *x, const void *y)
{
	__u32 a = *(const __u32 *)x, b = *(const __u32 *)y;

	return a < b ? -1 : a > b;
}

/* Number of elements of v[0..n) below x. */
static __u32 below(const __u32 *v, __u32 n, __u32 x)
{
	__u32 lo = 0, hi = n;

	while (lo < hi) {
		__u32 mid = (lo + hi) / 2;

		if (v[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* ---- the tree builder --------------------------------------------------- */

struct cut {
	int dim;
	__u32 n_thr;			/* children: n_thr + 1 */
	__u32 thr[FWCTL_NODE_FANOUT - 1];
	double score;			/* sum of child_cost() */
};

struct builder {
	struct cbox *bx;
	__u32 nbx;
	struct fwctl_cell *cells;
	__u32 n_cells, cap_cells;
	/* scratch for one cut, sized for every box */
	__u32 *va, *vb, *cand, *sa, *sb, *cov, *starts, *ends, *psum;
	__u64 *pairs, *ptmp;		/* segment bounds with their box */
	__u8 *miss, *miss_dim, *cover;	/* per box: see cover_dims() */
	/* leaves by content, to share equal ones */
	__u32 *lhash;
	__u32 lhash_cap, lhash_n;
	/* boxes a full leaf at the depth limit could not hold */
	struct blist over;
	__u8 *in_over;
	struct classifier_stats *st;
	int err;
};

static __u32 cell_new(struct builder *b)
{
	if (b->n_cells == b->cap_cells) {
		__u32 cap = b->cap_cells * 2;
		struct fwctl_cell *c;

		if (cap > CLASSIFIER_MAX_CELLS)
			cap = CLASSIFIER_MAX_CELLS;
		if (b->n_cells == cap) {
			b->err = -E2BIG;
			return 0;
		}
		c = realloc(b->cells, (size_t)cap * sizeof(*c));
		if (!c) {
			b->err = -ENOMEM;
			return 0;
		}
		b->cells = c;
		b->cap_cells = cap;
	}
	memset(&b->cells[b->n_cells], 0, sizeof(b->cells[0]));
	return b->n_cells++;
}

static bool covers(const struct cbox *x, const struct region *r)
{
	for (int d = 0; d < FWCTL_DIMS; d++)
		if (x->lo[d] > r->lo[d] || x->hi[d] < r->hi[d])
			return false;
	return true;
}

/* Is y, inside region r, within x? */
static bool inside(const struct cbox *y, const struct cbox *x, const struct region *r)
{
	for (int d = 0; d < FWCTL_DIMS; d++) {
		__u32 lo = y->lo[d] > r->lo[d] ? y->lo[d] : r->lo[d];
		__u32 hi = y->hi[d] < r->hi[d] ? y->hi[d] : r->hi[d];

		if (lo < x->lo[d] || hi > x->hi[d])
			return false;
	}
	return true;
}

/* Drop what can never be the first match in r: everything after a box
 * that covers r and, for short lists, boxes inside an earlier one. */
static void prune(const struct builder *b, const struct region *r, struct blist *l)
{
	for (__u32 i = 0; i < l->n; i++)
		if (covers(&b->bx[l->v[i]], r)) {
			l->n = i + 1;
			break;
		}
	if (l->n > PAIR_PRUNE_MAX)
		return;
	__u32 k = 0;

	for (__u32 j = 0; j < l->n; j++) {
		const struct cbox *y = &b->bx[l->v[j]];
		bool hidden = false;

		for (__u32 i = 0; i < k && !hidden; i++)
			hidden = inside(y, &b->bx[l->v[i]], r);
		if (!hidden)
			l->v[k++] = l->v[j];
	}
	l->n = k;
}

/* Sort v[0..n) by the upper 32 bits; tmp has room for n. LSD radix, a
 * byte a pass, passes whose byte is the same everywhere skipped; the
 * lower half (which box, which end) rides along. */
static void sort_keyed(__u64 *v, __u32 n, __u64 *tmp)
{
	__u32 or_all = 0, and_all = 0xffffffffu;

	if (n < 48) {
		for (__u32 i = 1; i < n; i++) {
			__u64 x = v[i];
			__u32 j = i;

			while (j && v[j - 1] >> 32 > x >> 32) {
				v[j] = v[j - 1];
				j--;
			}
			v[j] = x;
		}
		return;
	}
	for (__u32 i = 0; i < n; i++) {
		or_all |= v[i] >> 32;
		and_all &= v[i] >> 32;
	}
	for (int sh = 32; sh < 64; sh += 8) {
		__u32 cnt[256] = { 0 }, sum = 0;

		if ((((or_all ^ and_all) >> (sh - 32)) & 0xff) == 0)
			continue;
		for (__u32 i = 0; i < n; i++)
			cnt[(v[i] >> sh) & 0xff]++;
		for (int k = 0; k < 256; k++) {
			__u32 c = cnt[k];

			cnt[k] = sum;
			sum += c;
		}
		for (__u32 i = 0; i < n; i++)
			tmp[cnt[(v[i] >> sh) & 0xff]++] = v[i];
		memcpy(v, tmp, n * sizeof(*v));
	}
}

/*
 * Project the boxes on dimension d inside r: segment bounds in cand[0..m)
 * (segment j holds cand[j-1] < v <= cand[j], the last one up to r->hi),
 * each box's clipped range in va/vb and its first and last segment in
 * sa/sb, and per segment the boxes starting (starts, summed up to it in
 * psum), ending (ends) and overlapping it (cov). Returns m.
 * A box starting at lo begins the segment after bound lo - 1; one ending
 * at hi ends the segment of bound hi: sorting the bounds with the box they
 * came from gives both without a search.
 */
static __u32 project(struct builder *b, const struct region *r, const struct blist *l, int d)
{
	__u32 m = 0, np = 0;

	for (__u32 i = 0; i < l->n; i++) {
		const struct cbox *x = &b->bx[l->v[i]];
		__u32 lo = x->lo[d] > r->lo[d] ? x->lo[d] : r->lo[d];
		__u32 hi = x->hi[d] < r->hi[d] ? x->hi[d] : r->hi[d];

		b->va[i] = lo;
		b->vb[i] = hi;
		b->sa[i] = 0;
		b->sb[i] = 0xffffffffu;
		if (lo > r->lo[d])
			b->pairs[np++] = (__u64)(lo - 1) << 32 | i << 1;
		if (hi < r->hi[d])
			b->pairs[np++] = (__u64)hi << 32 | i << 1 | 1;
	}
	if (!np)
		return 0;
	sort_keyed(b->pairs, np, b->ptmp);
	for (__u32 k = 0; k < np; k++) {
		__u32 v = b->pairs[k] >> 32, i = (__u32)b->pairs[k] >> 1;

		if (!m || b->cand[m - 1] != v)
			b->cand[m++] = v;
		if (b->pairs[k] & 1)
			b->sb[i] = m - 1;
		else
			b->sa[i] = m;
	}
	memset(b->starts, 0, (m + 1) * sizeof(__u32));
	memset(b->ends, 0, (m + 1) * sizeof(__u32));
	for (__u32 i = 0; i < l->n; i++) {
		if (b->sb[i] == 0xffffffffu)
			b->sb[i] = m;
		b->starts[b->sa[i]]++;
		b->ends[b->sb[i]]++;
	}
	b->cov[0] = b->psum[0] = b->starts[0];
	for (__u32 j = 1; j <= m; j++) {
		b->cov[j] = b->cov[j - 1] + b->starts[j] - b->ends[j - 1];
		b->psum[j] = b->psum[j - 1] + b->starts[j];
	}
	return m;
}

/*
 * What a child of c boxes will cost: its boxes (memory), plus the levels
 * of tree still needed below it (lookup time), weighted by depth_weight.
 * Tabulated: log2() in the inner loop of slab_eval() would dominate.
 */
#define COST_TABLE	65536
static float cost_table[COST_TABLE];
static unsigned int cost_table_for[2];	/* leaf_target, depth_weight */

static double child_cost_calc(__u32 c)
{
	if (c <= LEAF_TARGET)
		return c;
	return c * (1 + classifier_tuning.depth_weight * log2((double)c / LEAF_TARGET));
}

static void cost_table_init(void)
{
	if (cost_table_for[0] == LEAF_TARGET &&
	    cost_table_for[1] == classifier_tuning.depth_weight)
		return;
	for (__u32 c = 0; c < COST_TABLE; c++)
		cost_table[c] = child_cost_calc(c);
	cost_table_for[0] = LEAF_TARGET;
	cost_table_for[1] = classifier_tuning.depth_weight;
}

static double child_cost(__u32 c)
{
	return c < COST_TABLE ? cost_table[c] : child_cost_calc(c);
}

/* Boxes in the slab of segments s..e. */
static __u32 slab_boxes(const struct builder *b, __u32 s, __u32 e)
{
	return b->cov[s] + b->psum[e] - b->psum[s];
}

/* A slab of segments and its best split in two (after segment at). */
struct slab {
	__u32 s, e, n;
	__u32 at;
	double gain;		/* cost saved by that split; -inf if none */
};

static void slab_eval(const struct builder *b, struct slab *g)
{
	double whole, best = -HUGE_VAL;

	g->n = slab_boxes(b, g->s, g->e);
	whole = child_cost(g->n);
	for (__u32 j = g->s; j < g->e; j++) {
		double c = child_cost(slab_boxes(b, g->s, j)) + child_cost(slab_boxes(b, j + 1, g->e));

		if (whole - c > best) {
			best = whole - c;
			g->at = j;
		}
	}
	g->gain = best;
}

/*
 * Cut segments 0..m into at most 16 slabs, HyperSplit's binary split
 * applied again and again: split the slab where a split saves the most
 * child_cost() (levels still needed against copies made) while a split
 * saves anything. The first split is made even if it saves nothing: the
 * region must shrink. Fills the slabs' last segments, returns their count.
 */
static __u32 slabs_split(const struct builder *b, __u32 m, __u32 *last)
{
	struct slab g[FWCTL_NODE_FANOUT];
	__u32 n = 1;

	g[0].s = 0;
	g[0].e = m;
	slab_eval(b, &g[0]);
	while (n < FWCTL_NODE_FANOUT) {
		__u32 k = 0;

		for (__u32 i = 1; i < n; i++)
			if (g[i].gain > g[k].gain)
				k = i;
		if (g[k].gain == -HUGE_VAL || (n > 1 && g[k].gain <= 0))
			break;
		g[n].s = g[k].at + 1;
		g[n].e = g[k].e;
		g[k].e = g[k].at;
		slab_eval(b, &g[k]);
		slab_eval(b, &g[n]);
		n++;
	}
	/* In segment order. */
	for (__u32 i = 0; i < n; i++) {
		__u32 e = g[i].e, rank = 0;

		for (__u32 j = 0; j < n; j++)
			rank += g[j].e < e;
		last[rank] = e;
	}
	return n;
}

/* Fill c (thresholds, score) from slabs ending at last[0..g). */
static void cut_from_slabs(const struct builder *b, int d, const __u32 *last, __u32 g,
			   struct cut *c)
{
	__u32 s = 0;

	c->dim = d;
	c->n_thr = g - 1;
	c->score = 0;
	for (__u32 k = 0; k < g; k++) {
		__u32 n = slab_boxes(b, s, last[k]);

		c->score += child_cost(n);
		if (k + 1 < g)
			c->thr[k] = b->cand[last[k]];
		s = last[k] + 1;
	}
}

/* Slabs of about equal weight (boxes per segment summed), HyperSplit's
 * measure, sixteen of them. */
static __u32 slabs_weight(const struct builder *b, __u32 m, __u32 *last)
{
	__u64 total = 0, acc = 0;
	__u32 g = 0;

	for (__u32 j = 0; j <= m; j++)
		total += b->cov[j];
	for (__u32 j = 0; j <= m; j++) {
		acc += b->cov[j];
		if (j == m || (g < FWCTL_NODE_FANOUT - 1 && acc * FWCTL_NODE_FANOUT >= total * (g + 1)))
			last[g++] = j;
	}
	return g;
}

/*
 * The score of cut c counting, in each child, only the boxes prune()
 * will keep there: those before the first box that covers the child
 * (b->cover[i]: box i covers r in every dimension but c->dim). Raw counts
 * miss this; it is what makes a fine cut through many wide, overlapping
 * ranges cheap (each slab is covered early) where the raw count says it
 * copies them all.
 */
static double pruned_score(struct builder *b, const struct region *r, const struct blist *l,
			   const struct cut *c)
{
	__u32 nch = c->n_thr + 1, cnt[FWCTL_NODE_FANOUT] = { 0 }, lo[FWCTL_NODE_FANOUT];
	__u32 hi[FWCTL_NODE_FANOUT], open = nch;
	bool closed[FWCTL_NODE_FANOUT] = { false };
	double score = 0;
	int d = c->dim;

	for (__u32 k = 0; k < nch; k++) {
		lo[k] = k ? c->thr[k - 1] + 1 : r->lo[d];
		hi[k] = k < c->n_thr ? c->thr[k] : r->hi[d];
	}
	for (__u32 i = 0; i < l->n && open; i++) {
		__u32 ga = below(c->thr, c->n_thr, b->va[i]), gb = below(c->thr, c->n_thr, b->vb[i]);

		for (__u32 k = ga; k <= gb; k++) {
			if (closed[k])
				continue;
			cnt[k]++;
			if (b->cover[i] && b->va[i] <= lo[k] && b->vb[i] >= hi[k]) {
				closed[k] = true;
				open--;
			}
		}
	}
	for (__u32 k = 0; k < nch; k++)
		score += child_cost(cnt[k]);
	return score;
}

/*
 * The best cut of region r on dimension d; false if d cannot be cut.
 * Candidates: slabs_split(), and where boxes could cover whole slabs,
 * slabs_weight() too, both scored with pruning. With fewer than 16
 * segments the chosen cut is refined to one slab per segment, scored as
 * the cut it refines: the extra slabs cost only copies of boxes that
 * span several, but leave every box covering or missing each slab in d,
 * which is what lets later cuts end in pruned leaves instead of chains
 * of two-way nodes (proto, family, fragment and ports above all).
 */
static bool best_cut_dim(struct builder *b, const struct region *r, const struct blist *l,
			 int d, struct cut *best)
{
	__u32 last[FWCTL_NODE_FANOUT], m, g, n_cover = 0;
	struct cut c;
	double score;

	m = project(b, r, l, d);
	if (!m)
		return false;
	g = slabs_split(b, m, last);
	if (g < 2)
		return false;
	cut_from_slabs(b, d, last, g, best);
	for (__u32 i = 0; i < l->n; i++) {
		b->cover[i] = b->miss[i] == 0 || (b->miss[i] == 1 && b->miss_dim[i] == d);
		n_cover += b->cover[i];
	}
	if (n_cover) {
		best->score = pruned_score(b, r, l, best);
		g = slabs_weight(b, m, last);
		if (g >= 2) {
			cut_from_slabs(b, d, last, g, &c);
			c.score = pruned_score(b, r, l, &c);
			if (c.score < best->score)
				*best = c;
		}
	}
	if (m < FWCTL_NODE_FANOUT) {
		score = best->score;
		for (g = 0; g <= m; g++)
			last[g] = g;
		cut_from_slabs(b, d, last, g, best);
		best->score = score;
	}
	return true;
}

/* For each box of l: in how many dimensions it does not cover r (miss),
 * and one of them (miss_dim); per dimension, whether any box does not
 * cover r in it (a dimension where all do cannot be cut). */
static void cover_dims(struct builder *b, const struct region *r, const struct blist *l,
		       bool *cuttable)
{
	memset(cuttable, 0, FWCTL_DIMS * sizeof(*cuttable));
	for (__u32 i = 0; i < l->n; i++) {
		const struct cbox *x = &b->bx[l->v[i]];
		__u8 miss = 0, dim = 0;

		for (int d = 0; d < FWCTL_DIMS; d++)
			if (x->lo[d] > r->lo[d] || x->hi[d] < r->hi[d]) {
				miss++;
				dim = d;
				cuttable[d] = true;
			}
		b->miss[i] = miss;
		b->miss_dim[i] = dim;
	}
}

static bool best_cut(struct builder *b, const struct region *r, const struct blist *l,
		     struct cut *best)
{
	bool found = false, cuttable[FWCTL_DIMS];
	struct cut c;

	cover_dims(b, r, l, cuttable);
	for (int d = 0; d < FWCTL_DIMS; d++) {
		if (!cuttable[d] || !best_cut_dim(b, r, l, d, &c))
			continue;
		if (!found || c.score < best->score)
			*best = c;
		found = true;
	}
	return found;
}

/* ---- leaves --------------------------------------------------------------- */

static __u32 leaf_hash(const struct blist *l)
{
	__u32 h = 2166136261u ^ l->n;

	for (__u32 i = 0; i < l->n; i++)
		h = (h ^ l->v[i]) * 16777619u;
	return h ? h : 1;
}

static bool leaf_equal(const struct fwctl_leaf *lf, const struct blist *l)
{
	return lf->n_boxes == l->n && !memcmp(lf->box, l->v, l->n * sizeof(__u32));
}

static int lhash_grow(struct builder *b)
{
	__u32 cap = b->lhash_cap ? b->lhash_cap * 2 : 4096;
	__u32 *h = calloc(cap, sizeof(*h));

	if (!h)
		return -ENOMEM;
	for (__u32 i = 0; i < b->lhash_cap; i++) {
		__u32 cell = b->lhash[i], k;
		struct blist l;

		if (!cell)
			continue;
		l.n = b->cells[cell].leaf.n_boxes;
		l.v = b->cells[cell].leaf.box;
		for (k = leaf_hash(&l) & (cap - 1); h[k]; k = (k + 1) & (cap - 1))
			;
		h[k] = cell;
	}
	free(b->lhash);
	b->lhash = h;
	b->lhash_cap = cap;
	return 0;
}

/* The leaf for l (which holds at most FWCTL_LEAF_MAX boxes), shared. Leaf
 * cells hold box indices until place_boxes() turns them into cells. */
static __u32 make_leaf(struct builder *b, const struct blist *l)
{
	__u32 k, cell;

	if (b->lhash_n * 2 >= b->lhash_cap && lhash_grow(b)) {
		b->err = -ENOMEM;
		return 0;
	}
	for (k = leaf_hash(l) & (b->lhash_cap - 1); b->lhash[k]; k = (k + 1) & (b->lhash_cap - 1))
		if (leaf_equal(&b->cells[b->lhash[k]].leaf, l))
			return b->lhash[k];
	cell = cell_new(b);
	if (!cell)
		return 0;
	b->cells[cell].leaf.kind = FWCTL_CELL_LEAF;
	b->cells[cell].leaf.n_boxes = l->n;
	memcpy(b->cells[cell].leaf.box, l->v, l->n * sizeof(__u32));
	b->lhash[k] = cell;
	b->lhash_n++;
	b->st->leaves++;
	if (l->n > b->st->max_leaf)
		b->st->max_leaf = l->n;
	return cell;
}

/* A leaf at the depth limit: boxes past FWCTL_LEAF_MAX go to another tree. */
static __u32 full_leaf(struct builder *b, struct blist *l)
{
	for (__u32 i = FWCTL_LEAF_MAX; i < l->n; i++) {
		__u32 x = l->v[i];

		if (!b->in_over[x]) {
			b->in_over[x] = 1;
			b->over.v[b->over.n++] = x;
			b->st->overflow_boxes++;
		}
	}
	if (l->n > FWCTL_LEAF_MAX)
		l->n = FWCTL_LEAF_MAX;
	return make_leaf(b, l);
}

/* ---- nodes ---------------------------------------------------------------- */

static __u32 build(struct builder *b, const struct region *r, struct blist *l, __u32 depth);

/* Split l over the children of cut c and build them; fill node cell. */
static int build_children(struct builder *b, const struct region *r, const struct blist *l,
			  const struct cut *c, __u32 cell, __u32 depth)
{
	__u32 nch = c->n_thr + 1, off[FWCTL_NODE_FANOUT + 1] = { 0 }, child[FWCTL_NODE_FANOUT];
	__u32 *ga = b->sa, *gb = b->sb, *buf;
	int d = c->dim;

	/* Segments were computed for the chosen dimension by project(). */
	project(b, r, l, d);
	for (__u32 i = 0; i < l->n; i++) {
		ga[i] = below(c->thr, c->n_thr, b->va[i]);
		gb[i] = below(c->thr, c->n_thr, b->vb[i]);
		for (__u32 k = ga[i]; k <= gb[i]; k++)
			off[k + 1]++;
	}
	for (__u32 k = 0; k < nch; k++)
		off[k + 1] += off[k];
	buf = malloc((size_t)(off[nch] ? off[nch] : 1) * sizeof(*buf));
	if (!buf)
		return -ENOMEM;
	{
		__u32 pos[FWCTL_NODE_FANOUT];

		memcpy(pos, off, sizeof(pos));
		for (__u32 i = 0; i < l->n; i++)
			for (__u32 k = ga[i]; k <= gb[i]; k++)
				buf[pos[k]++] = l->v[i];
	}
	for (__u32 k = 0; k < nch; k++) {
		struct region cr = *r;
		struct blist cl = { buf + off[k], off[k + 1] - off[k] };

		if (k > 0)
			cr.lo[d] = c->thr[k - 1] + 1;
		if (k < c->n_thr)
			cr.hi[d] = c->thr[k];
		prune(b, &cr, &cl);
		child[k] = build(b, &cr, &cl, depth + 1);
		if (b->err) {
			free(buf);
			return b->err;
		}
	}
	free(buf);

	struct fwctl_node *nd = &b->cells[cell].node;

	nd->kind = FWCTL_CELL_NODE;
	nd->dim = d;
	nd->n_children = nch;
	b->st->children += nch;
	for (__u32 k = 0; k < FWCTL_NODE_FANOUT - 1; k++)
		nd->thr[k] = k < c->n_thr ? c->thr[k] : 0xffffffffu;
	for (__u32 k = 0; k < FWCTL_NODE_FANOUT; k++)
		nd->child[k] = child[k < nch ? k : nch - 1];
	return 0;
}

/* The tree for the pruned list l in region r, depth nodes below a root. */
static __u32 build(struct builder *b, const struct region *r, struct blist *l, __u32 depth)
{
	struct cut c;
	__u32 cell;

	if (depth > b->st->max_depth)
		b->st->max_depth = depth;
	if (l->n <= LEAF_TARGET || (depth == 0 && l->n <= LEAF_SMALL_SET) ||
	    depth >= classifier_tuning.max_depth || !best_cut(b, r, l, &c)) {
		b->st->leaf_slots += l->n < FWCTL_LEAF_MAX ? l->n : FWCTL_LEAF_MAX;
		return full_leaf(b, l);
	}
	cell = cell_new(b);
	if (!cell)
		return 0;
	b->st->nodes++;
	if (build_children(b, r, l, &c, cell, depth) && !b->err)
		b->err = -ENOMEM;
	return cell;
}

/* ---- partitions into trees ------------------------------------------------ */

static void region_all(struct region *r)
{
	for (int d = 0; d < FWCTL_DIMS; d++) {
		r->lo[d] = 0;
		r->hi[d] = dim_max[d];
	}
}

struct tree {
	__u32 root;
	__u32 min_prio;
	__u32 boxes;		/* in its root's list, after pruning */
};

/* Build one tree over l (consumed); its root and lowest prio in t. */
static int build_tree(struct builder *b, struct blist *l, struct tree *t)
{
	struct region r;

	region_all(&r);
	prune(b, &r, l);
	t->min_prio = l->n ? b->bx[l->v[0]].prio : FWCTL_NO_PRIO;
	t->boxes = l->n;
	t->root = build(b, &r, l, 0);
	return b->err;
}

/* Assign cells to the boxes the leaves refer to, in prio order, after the
 * trees; then turn the leaves' box indices into those cells. */
static int place_boxes(struct builder *b, __u32 tree_cells)
{
	for (__u32 c = 1; c < tree_cells; c++) {
		struct fwctl_leaf *lf = &b->cells[c].leaf;

		if (lf->kind != FWCTL_CELL_LEAF)
			continue;
		for (__u32 i = 0; i < lf->n_boxes; i++)
			b->bx[lf->box[i]].cell = 1;
	}
	for (__u32 i = 0; i < b->nbx; i++) {
		__u32 cell;

		if (!b->bx[i].cell)
			continue;
		cell = cell_new(b);
		if (!cell)
			return b->err;
		b->bx[i].cell = cell;
		b->st->boxes_used++;

		struct fwctl_box *fb = &b->cells[cell].box;

		memcpy(fb->lo, b->bx[i].lo, sizeof(fb->lo));
		memcpy(fb->hi, b->bx[i].hi, sizeof(fb->hi));
		fb->kind = FWCTL_CELL_BOX;
		fb->prio = b->bx[i].prio;
		fb->rule_id = b->bx[i].id;
		fb->action = b->bx[i].action;
	}
	for (__u32 c = 1; c < tree_cells; c++) {
		struct fwctl_leaf *lf = &b->cells[c].leaf;

		if (lf->kind != FWCTL_CELL_LEAF)
			continue;
		for (__u32 i = 0; i < lf->n_boxes; i++)
			lf->box[i] = b->bx[lf->box[i]].cell;
	}
	return 0;
}

static int builder_init(struct builder *b, struct boxvec *bv, struct classifier_stats *st)
{
	size_t n = bv->n ? bv->n : 1;

	memset(b, 0, sizeof(*b));
	b->bx = bv->v;
	b->nbx = bv->n;
	b->st = st;
	b->cap_cells = 1024;
	b->cells = malloc(b->cap_cells * sizeof(*b->cells));
	b->va = malloc(n * sizeof(__u32));
	b->vb = malloc(n * sizeof(__u32));
	b->sa = malloc(n * sizeof(__u32));
	b->sb = malloc(n * sizeof(__u32));
	b->cand = malloc(2 * n * sizeof(__u32));
	b->cov = malloc((2 * n + 1) * sizeof(__u32));
	b->starts = malloc((2 * n + 1) * sizeof(__u32));
	b->ends = malloc((2 * n + 1) * sizeof(__u32));
	b->psum = malloc((2 * n + 1) * sizeof(__u32));
	b->over.v = malloc(n * sizeof(__u32));
	b->pairs = malloc(2 * n * sizeof(__u64));
	b->ptmp = malloc(2 * n * sizeof(__u64));
	b->miss = malloc(n);
	b->miss_dim = malloc(n);
	b->cover = malloc(n);
	b->in_over = calloc(n, 1);
	if (!b->cells || !b->va || !b->vb || !b->sa || !b->sb || !b->cand ||
	    !b->cov || !b->starts || !b->ends || !b->psum || !b->over.v || !b->in_over ||
	    !b->pairs || !b->ptmp || !b->miss || !b->miss_dim || !b->cover)
		return -ENOMEM;
	b->n_cells = 1;		/* the header */
	memset(&b->cells[0], 0, sizeof(b->cells[0]));
	return 0;
}

static void builder_free(struct builder *b)
{
	free(b->va);
	free(b->vb);
	free(b->sa);
	free(b->sb);
	free(b->cand);
	free(b->cov);
	free(b->starts);
	free(b->ends);
	free(b->psum);
	free(b->over.v);
	free(b->in_over);
	free(b->pairs);
	free(b->ptmp);
	free(b->miss);
	free(b->miss_dim);
	free(b->cover);
	free(b->lhash);
}

static int tree_cmp(const void *x, const void *y)
{
	const struct tree *a = x, *b = y;

	return a->min_prio < b->min_prio ? -1 : a->min_prio > b->min_prio;
}

/* Leading bits an address field of x fixes (0: any address). */
static int addr_bits(const struct cbox *x, int d0)
{
	int bits = 0, words = x->hi[FWCTL_DIM_FAMILY] == FWCTL_FAMILY_V4 ? 1 :
		   x->lo[FWCTL_DIM_FAMILY] == FWCTL_FAMILY_V6 ? 4 : 0;

	for (int w = 0; w < words; w++) {
		__u32 span = x->hi[d0 + w] - x->lo[d0 + w];

		if (span)
			return bits + __builtin_clz(span);
		bits += 32;
	}
	return bits;
}

#define SMALL_V4	16	/* an address of this prefix length or longer is "small" */
#define SMALL_V6	32
#define SMALL_PORTS	1024	/* a port range of this many ports or fewer is "small" */
#define PART_SINGLE	32	/* up to this many boxes: one tree */
#define PART_TREES	(FWCTL_MAX_ROOTS - 2)	/* keep roots for boxes a leaf
						 * at the depth limit cannot hold */

enum { KEY_SRC, KEY_DST, KEY_SPORT, KEY_DPORT, KEYS };

/* The fields in which x is small, as a mask of 1 << KEY_*. */
static unsigned int small_fields(const struct cbox *x)
{
	int small = x->lo[FWCTL_DIM_FAMILY] == FWCTL_FAMILY_V6 ? SMALL_V6 : SMALL_V4;

	return (addr_bits(x, FWCTL_DIM_SRC0) >= small) << KEY_SRC |
	       (addr_bits(x, FWCTL_DIM_DST0) >= small) << KEY_DST |
	       (x->hi[FWCTL_DIM_SPORT] - x->lo[FWCTL_DIM_SPORT] < SMALL_PORTS) << KEY_SPORT |
	       (x->hi[FWCTL_DIM_DPORT] - x->lo[FWCTL_DIM_DPORT] < SMALL_PORTS) << KEY_DPORT;
}

/* How much of field f's range box x leaves open, as a log2 (0: one value). */
static int open_bits(const struct cbox *x, int f)
{
	int d, bits;

	switch (f) {
	case KEY_SRC:
	case KEY_DST:
		d = f == KEY_SRC ? FWCTL_DIM_SRC0 : FWCTL_DIM_DST0;
		bits = x->lo[FWCTL_DIM_FAMILY] == FWCTL_FAMILY_V6 ? 128 : 32;
		return bits - addr_bits(x, d);
	default:
		d = f == KEY_SPORT ? FWCTL_DIM_SPORT : FWCTL_DIM_DPORT;
		return x->hi[d] == x->lo[d] ? 0 : 32 - __builtin_clz(x->hi[d] - x->lo[d]);
	}
}

/* The tree for box x that has no small field: the keyed tree of the field
 * it narrows most (relative to the field's size), else the last tree. */
static __u8 tree_for_rest(const struct cbox *x, const __u8 *tree_of_key, __u8 rest)
{
	int best = -1;
	double best_share = 1;

	for (int f = 0; f < KEYS; f++) {
		double size = f <= KEY_DST ? (x->lo[FWCTL_DIM_FAMILY] == FWCTL_FAMILY_V6 ? 128 : 32) : 16;
		double share = open_bits(x, f) / size;

		if (tree_of_key[f] != 0xff && share < best_share) {
			best_share = share;
			best = f;
		}
	}
	return best < 0 ? rest : tree_of_key[best];
}

/*
 * Partition the boxes over trees (the idea of EffiCuts and CutSplit): a
 * box wild in a field is copied into every slab of every cut on that
 * field, so boxes small in a field go to a tree of their own, where cuts
 * on that field cost no copies. Fields are taken greedily, the one most
 * boxes are small in first, while it holds 1/16 of the boxes. A box small
 * in no field so chosen joins the tree of the field it narrows most; boxes
 * wild in every field share one last tree.
 * Returns the number of lists made in parts[].
 */
static __u32 partition(struct builder *b, struct blist *parts, __u32 *store)
{
	__u32 n_parts = 0, pos = 0, left = b->nbx;
	__u8 *mask = malloc(b->nbx ? b->nbx : 1), *where = malloc(b->nbx ? b->nbx : 1);
	__u8 tree_of_key[KEYS] = { 0xff, 0xff, 0xff, 0xff }, rest;

	if (!mask || !where) {
		free(mask);
		free(where);
		return 0;
	}
	for (__u32 i = 0; i < b->nbx; i++) {
		mask[i] = b->nbx <= PART_SINGLE || !classifier_tuning.partition ? 0 :
			  small_fields(&b->bx[i]);
		where[i] = 0xff;
	}
	while (left && n_parts < PART_TREES) {
		__u32 count[KEYS] = { 0 }, k = 0;

		for (__u32 i = 0; i < b->nbx; i++)
			for (int f = 0; f < KEYS; f++)
				count[f] += where[i] == 0xff && (mask[i] >> f & 1);
		for (int f = 1; f < KEYS; f++)
			if (count[f] > count[k])
				k = f;
		if (!count[k] || count[k] * 16 < b->nbx)
			break;
		for (__u32 i = 0; i < b->nbx; i++)
			if (where[i] == 0xff && (mask[i] >> k & 1)) {
				where[i] = n_parts;
				left--;
			}
		tree_of_key[k] = n_parts++;
	}
	rest = n_parts;
	for (__u32 i = 0; i < b->nbx; i++)
		if (where[i] == 0xff) {
			where[i] = tree_for_rest(&b->bx[i], tree_of_key, rest);
			if (where[i] == rest)
				n_parts = rest + 1;
		}
	for (__u32 p = 0; p < n_parts; p++) {
		parts[p].v = store + pos;
		parts[p].n = 0;
		for (__u32 i = 0; i < b->nbx; i++)
			if (where[i] == p)
				parts[p].v[parts[p].n++] = i;
		pos += parts[p].n;
	}
	free(mask);
	free(where);
	return n_parts;
}

/* Build the trees: one per partition, then one for the boxes that did not
 * fit a leaf at the depth limit, while roots remain. */
static int build_trees(struct builder *b, struct tree *trees, __u32 *n_trees,
		       struct fwctl_err *e)
{
	__u32 *store = malloc((b->nbx ? b->nbx : 1) * sizeof(__u32)), n_parts;
	struct blist parts[PART_TREES + 1];
	int err = 0;

	if (!store)
		return -ENOMEM;
	*n_trees = 0;
	n_parts = partition(b, parts, store);
	for (__u32 p = 0; p < n_parts && !err; p++)
		err = build_tree(b, &parts[p], &trees[(*n_trees)++]);
	while (!err && b->over.n) {
		struct blist l = { store, b->over.n };

		if (*n_trees == FWCTL_MAX_ROOTS) {
			fwctl_err_set(e, "rule set too complex: %u boxes find no place in %u trees",
				      b->over.n, FWCTL_MAX_ROOTS);
			err = -E2BIG;
			break;
		}
		/* In prio order, as every list. */
		qsort(b->over.v, b->over.n, sizeof(__u32), u32_cmp);
		memcpy(l.v, b->over.v, l.n * sizeof(__u32));
		memset(b->in_over, 0, b->nbx);
		b->over.n = 0;
		err = build_tree(b, &l, &trees[(*n_trees)++]);
	}
	free(store);
	return err;
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* classifier_compile(), and *tree_cells: the first box cell (nodes and leaves before it). */
static int compile(const struct rule *rules, const __u32 *ids, unsigned int n, __u32 policy,
		   struct fwctl_cell **cells, __u32 *n_cells, __u32 *tree_cells_out,
		   struct classifier_stats *st, struct fwctl_err *e)
{
	struct classifier_stats local;
	struct tree trees[FWCTL_MAX_ROOTS];
	struct boxvec bv = { 0 };
	struct builder b;
	double t0 = now_seconds();
	__u32 n_trees = 0, tree_cells;
	int err;

	if (!st)
		st = &local;
	if (classifier_tuning.max_depth > FWCTL_MAX_DEPTH)
		classifier_tuning.max_depth = FWCTL_MAX_DEPTH;
	if (classifier_tuning.leaf_target < 1 || classifier_tuning.leaf_target > FWCTL_LEAF_MAX)
		classifier_tuning.leaf_target = LEAF_TARGET_DEFAULT;
	cost_table_init();
	memset(st, 0, sizeof(*st));
	*cells = NULL;
	*n_cells = 0;
	if (n > FWCTL_SET_MAX_RULES) {
		fwctl_err_set(e, "%u rules: a set holds at most %u", n, FWCTL_SET_MAX_RULES);
		return -EINVAL;
	}
	for (unsigned int i = 0; i < n; i++)
		if (ids[i] < 1 || ids[i] > FWCTL_MAX_RULE_ID) {
			fwctl_err_set(e, "rule %u: id %u out of range 1-%u", i + 1, ids[i],
				      FWCTL_MAX_RULE_ID);
			return -EINVAL;
		}
	err = make_boxes(rules, ids, n, &bv, e);
	if (err) {
		free(bv.v);
		return err;
	}
	st->rules = n;
	st->boxes = bv.n;
	err = builder_init(&b, &bv, st);
	if (!err)
		err = build_trees(&b, trees, &n_trees, e);
	tree_cells = b.n_cells;
	if (!err)
		err = place_boxes(&b, tree_cells);
	builder_free(&b);
	free(bv.v);
	if (err) {
		free(b.cells);
		if (err == -ENOMEM)
			fwctl_err_set(e, "out of memory compiling the rule set");
		else if (err == -E2BIG && !e->msg[0])
			fwctl_err_set(e, "rule set too complex: the classifier would exceed %u cells",
				      CLASSIFIER_MAX_CELLS);
		return err;
	}

	qsort(trees, n_trees, sizeof(trees[0]), tree_cmp);
	struct fwctl_table_hdr *h = &b.cells[0].hdr;

	h->kind = FWCTL_CELL_HDR;
	h->magic = FWCTL_TABLE_MAGIC;
	h->policy = policy;
	h->n_rules = n;
	h->n_roots = n_trees;
	h->n_cells = b.n_cells;
	h->text_cell = b.n_cells;
	h->text_bytes = 0;
	for (__u32 i = 0; i < FWCTL_MAX_ROOTS; i++) {
		h->root[i] = i < n_trees ? trees[i].root : 0;
		h->root_min_prio[i] = i < n_trees ? trees[i].min_prio : FWCTL_NO_PRIO;
	}
	/* All of it is the main part: nothing appended yet. */
	CLASSIFIER_TAIL_CELL(h) = b.n_cells;
	CLASSIFIER_TAIL_PRIO(h) = n;
	CLASSIFIER_MAIN_ROOTS(h) = n_trees;
	CLASSIFIER_MAIN_BOXES(h) = st->boxes;
	*cells = b.cells;
	*n_cells = b.n_cells;
	*tree_cells_out = tree_cells;
	st->roots = n_trees;
	for (__u32 i = 0; i < n_trees; i++)
		st->tree_boxes[i] = trees[i].boxes;
	st->n_cells = b.n_cells;
	st->bytes = (__u64)b.n_cells * FWCTL_CELL_SIZE;
	st->compile_seconds = now_seconds() - t0;
	return 0;
}

int classifier_compile(const struct rule *rules, const __u32 *ids, unsigned int n,
		       __u32 policy, struct fwctl_cell **cells, __u32 *n_cells,
		       struct classifier_stats *st, struct fwctl_err *e)
{
	__u32 tree_cells;

	return compile(rules, ids, n, policy, cells, n_cells, &tree_cells, st, e);
}

/*
 * Move the cells of a compiled tail (nodes and leaves before tree_cells,
 * boxes from there) by off cells and its prios by base: it becomes the
 * part of a bigger generation that holds rules base...
 */
static void relocate(struct fwctl_cell *c, __u32 n, __u32 tree_cells, __u32 off, __u32 base)
{
	for (__u32 i = 0; i < n; i++) {
		if (i >= tree_cells) {
			c[i].box.prio += base;
		} else if (c[i].kind == FWCTL_CELL_NODE) {
			for (__u32 k = 0; k < FWCTL_NODE_FANOUT; k++)
				c[i].node.child[k] += off;
		} else if (c[i].kind == FWCTL_CELL_LEAF) {
			for (__u32 k = 0; k < c[i].leaf.n_boxes && k < FWCTL_LEAF_MAX; k++)
				c[i].leaf.box[k] += off;
		}
	}
}

int classifier_append_tail(const struct fwctl_cell *keep, __u32 n_main, __u32 main_roots,
			   __u32 base, const struct rule *rules, const __u32 *ids, unsigned int n,
			   __u32 policy, struct fwctl_cell **tail, __u32 *n_tail,
			   struct classifier_stats *st, struct fwctl_err *e)
{
	struct classifier_stats local;
	struct fwctl_cell *c = NULL;
	struct fwctl_table_hdr *h, t;
	__u32 nc = 0, tree_cells, off = n_main - 1, r;
	__u64 main_boxes;
	int err;

	*tail = NULL;
	*n_tail = 0;
	if (n_main < 1 || main_roots > FWCTL_MAX_ROOTS || base + n > FWCTL_SET_MAX_RULES) {
		fwctl_err_set(e, "cannot append to this rule set");
		return -EINVAL;
	}
	if (!st)
		st = &local;
	err = compile(rules, ids, n, policy, &c, &nc, &tree_cells, st, e);
	if (err)
		return err;
	/* A kept part without a root has no box either (a set compiled whole). */
	main_boxes = main_roots ? CLASSIFIER_MAIN_BOXES(&keep[0].hdr) : 0;
	if (main_boxes + st->boxes > CLASSIFIER_MAX_BOXES) {
		free(c);
		fwctl_err_set(e, "the set would make more than %u boxes", CLASSIFIER_MAX_BOXES);
		return -E2BIG;
	}
	if (main_roots + c[0].hdr.n_roots > FWCTL_MAX_ROOTS ||
	    (__u64)n_main + nc - 1 > CLASSIFIER_MAX_CELLS) {
		free(c);
		fwctl_err_set(e, "no root left for the appended rules");
		return -ENOSPC;
	}
	relocate(&c[1], nc - 1, tree_cells - 1, off, base);
	/* The tail's header, with the kept roots in front of its own: still
	 * sorted by their lowest prio, since every tail prio is >= base. */
	t = c[0].hdr;
	h = &c[0].hdr;
	for (r = 0; r < FWCTL_MAX_ROOTS; r++) {
		h->root[r] = 0;
		h->root_min_prio[r] = FWCTL_NO_PRIO;
	}
	for (r = 0; r < main_roots; r++) {
		h->root[r] = keep[0].hdr.root[r];
		h->root_min_prio[r] = keep[0].hdr.root_min_prio[r];
	}
	for (r = 0; r < t.n_roots; r++) {
		h->root[main_roots + r] = t.root[r] + off;
		h->root_min_prio[main_roots + r] = t.root_min_prio[r] == FWCTL_NO_PRIO ?
			FWCTL_NO_PRIO : t.root_min_prio[r] + base;
	}
	h->n_roots = main_roots + t.n_roots;
	h->n_rules = base + n;
	h->n_cells = h->text_cell = n_main + nc - 1;
	h->text_bytes = 0;
	CLASSIFIER_TAIL_CELL(h) = n_main;
	CLASSIFIER_TAIL_PRIO(h) = base;
	CLASSIFIER_MAIN_ROOTS(h) = main_roots;
	CLASSIFIER_MAIN_BOXES(h) = main_boxes;
	*tail = c;
	*n_tail = nc;
	return 0;
}

int classifier_append(const struct fwctl_cell *keep, __u32 n_main, __u32 main_roots,
		      __u32 base, const struct rule *rules, const __u32 *ids, unsigned int n,
		      __u32 policy, struct fwctl_cell **cells, __u32 *n_cells,
		      struct classifier_stats *st, struct fwctl_err *e)
{
	struct fwctl_cell *tail, *out;
	__u32 n_tail;
	int err;

	*cells = NULL;
	*n_cells = 0;
	err = classifier_append_tail(keep, n_main, main_roots, base, rules, ids, n, policy, &tail,
				     &n_tail, st, e);
	if (err)
		return err;
	out = realloc(tail, sizeof(*out) * (n_main + n_tail - 1));
	if (!out) {
		free(tail);
		fwctl_err_set(e, "out of memory compiling the rule set");
		return -ENOMEM;
	}
	/* Header, kept cells, the tail's own cells. */
	memmove(&out[n_main], &out[1], sizeof(*out) * (n_tail - 1));
	memcpy(&out[1], &keep[1], sizeof(*out) * (n_main - 1));
	*cells = out;
	*n_cells = n_main + n_tail - 1;
	return 0;
}

/* ---- the bank copy of a small set ------------------------------------------ */

/* The order a bank box compares its dimensions in: those that differ most often first. */
static const __u8 bank_dim_order[] = {
	FWCTL_DIM_PROTO, FWCTL_DIM_DPORT, FWCTL_DIM_SPORT, FWCTL_DIM_SRC0,
	FWCTL_DIM_DST0, FWCTL_DIM_FAMILY, FWCTL_DIM_IN, FWCTL_DIM_FRAG,
	FWCTL_DIM_SRC1, FWCTL_DIM_SRC2, FWCTL_DIM_SRC3,
	FWCTL_DIM_DST1, FWCTL_DIM_DST2, FWCTL_DIM_DST3,
};

/*
 * Box bx's range in dimension d as range *n of a bank or half box (dims[],
 * r[]), as lo and span; nothing if it holds every value a key can have.
 * -E2BIG if that would make more than max.
 */
static int bank_range_add(const struct fwctl_box *bx, int d, __u8 *dims,
			  struct fwctl_bank_range *r, unsigned int *n, unsigned int max)
{
	if (bx->lo[d] == 0 && bx->hi[d] >= dim_max[d])
		return 0;
	if (*n == max)
		return -E2BIG;
	dims[*n] = d;
	r[*n].lo = bx->lo[d];
	r[*n].span = bx->hi[d] - bx->lo[d];
	(*n)++;
	return 0;
}

/* Box bx as a bank box: -E2BIG if it narrows too many dimensions. */
static int bank_box(const struct fwctl_box *bx, struct fwctl_bank_box *out)
{
	bool seen[FWCTL_DIMS] = {};
	unsigned int i, n = 0;
	int d;

	memset(out, 0, sizeof(*out));
	out->kind = FWCTL_CELL_BOX;
	out->prio = bx->prio;
	out->rule_id = bx->rule_id;
	out->action = bx->action;
	/* The known order first, then any dimension it does not name. */
	for (i = 0; i < sizeof(bank_dim_order) + FWCTL_DIMS; i++) {
		d = i < sizeof(bank_dim_order) ? bank_dim_order[i] : (int)(i - sizeof(bank_dim_order));
		if (d >= FWCTL_DIMS || seen[d])
			continue;
		seen[d] = true;
		if (bank_range_add(bx, d, out->dim, out->r, &n, FWCTL_BANK_BOX_DIMS))
			return -E2BIG;
	}
	out->n_dims = n;
	return 0;
}

/* The flag words a box's protocol ... start take, at their shifts. */
static const struct {
	__u8 dim, shift;
	__u32 mask;
} half_flags[] = {
	{ FWCTL_DIM_PROTO, FWCTL_FLAGS_PROTO_SHIFT, 0x1ff },
	{ FWCTL_DIM_FAMILY, FWCTL_FLAGS_FAMILY_SHIFT, 1 },
	{ FWCTL_DIM_IN, FWCTL_FLAGS_IN_SHIFT, 1 },
	{ FWCTL_DIM_FRAG, FWCTL_FLAGS_FRAG_SHIFT, 1 },
	{ FWCTL_DIM_START, FWCTL_FLAGS_START_SHIFT, 1 },
};

/*
 * Box bx as a half box: -E2BIG if it does not fit one (a flag dimension
 * that is neither one value nor all of them, or more than
 * FWCTL_HALF_BOX_DIMS other dimensions narrowed).
 */
static int half_box(const struct fwctl_box *bx, struct fwctl_half_box *out)
{
	unsigned int i, n = 0;
	int d;

	memset(out, 0, sizeof(*out));
	out->kind = FWCTL_CELL_HALF_BOX;
	out->prio = bx->prio;
	out->rule_id = bx->rule_id;
	out->action = bx->action;
	for (i = 0; i < sizeof(half_flags) / sizeof(half_flags[0]); i++) {
		d = half_flags[i].dim;
		if (bx->lo[d] == 0 && bx->hi[d] >= dim_max[d])
			continue;	/* every value */
		if (bx->lo[d] != bx->hi[d] || bx->lo[d] > half_flags[i].mask)
			return -E2BIG;
		out->flags_mask |= half_flags[i].mask << half_flags[i].shift;
		out->flags |= bx->lo[d] << half_flags[i].shift;
	}
	/* The address and port dimensions, in the bank order. */
	for (i = 0; i < sizeof(bank_dim_order); i++) {
		d = bank_dim_order[i];
		if (d != FWCTL_DIM_SPORT && d != FWCTL_DIM_DPORT &&
		    (d < FWCTL_DIM_SRC0 || d > FWCTL_DIM_DST3))
			continue;
		if (bank_range_add(bx, d, out->dim, out->r, &n, FWCTL_HALF_BOX_DIMS))
			return -E2BIG;
	}
	out->n_dims = n;
	return 0;
}

/*
 * Which cells the trees reach: kind[i] = FWCTL_CELL_NODE or _LEAF for cells
 * some root leads to, 0 for the rest (boxes, serials, unreached cells).
 * Found from the roots rather than by reading each cell's kind: a box's
 * first byte is a bound and a serial cell has no kind at all. -EINVAL if a
 * path leaves the classifier cells, meets anything but a node or a leaf,
 * runs deeper than FWCTL_MAX_DEPTH, or a leaf names a cell that is no box.
 */
static int bank_reach(const struct fwctl_cell *cells, __u32 n, __u32 cell, __u32 depth,
		      __u8 *kind)
{
	const struct fwctl_cell *c;
	__u32 i, b;
	int err;

	if (cell == 0 || cell >= n || depth > FWCTL_MAX_DEPTH)
		return -EINVAL;
	if (kind[cell])
		return 0;	/* shared: an equal leaf is stored once */
	c = &cells[cell];
	if (c->kind == FWCTL_CELL_LEAF && c->box.kind != FWCTL_CELL_BOX) {
		if (c->leaf.n_boxes > FWCTL_LEAF_MAX)
			return -EINVAL;
		for (i = 0; i < c->leaf.n_boxes; i++) {
			b = c->leaf.box[i];
			if (b == 0 || b >= n || cells[b].box.kind != FWCTL_CELL_BOX)
				return -EINVAL;
		}
		kind[cell] = FWCTL_CELL_LEAF;
		return 0;
	}
	if (c->kind != FWCTL_CELL_NODE || c->box.kind == FWCTL_CELL_BOX)
		return -EINVAL;
	kind[cell] = FWCTL_CELL_NODE;
	for (i = 0; i < FWCTL_NODE_FANOUT; i++) {
		err = bank_reach(cells, n, c->node.child[i], depth + 1, kind);
		if (err)
			return err;
	}
	return 0;
}

/* A bank's plan: what each reached generation cell becomes, and where. */
struct bank_plan {
	__u8 *kind;	/* bank_reach() */
	__u8 *half;	/* per box cell: 1 fits a half box, 2 does not, 0 unknown */
	__u32 *at;	/* slot of each reached cell (a node or a leaf's run) */
	__u64 slots;	/* slots taken by the header, nodes and runs */
	__u64 size;	/* cells: the slots', then the serial cells */
};

/* Does every box of leaf lf fit a half box? */
static int bank_leaf_half(const struct fwctl_cell *cells, const struct fwctl_leaf *lf,
			  __u8 *half)
{
	struct fwctl_half_box hb;
	__u32 i, b;

	for (i = 0; i < lf->n_boxes; i++) {
		b = lf->box[i];
		if (!half[b])
			half[b] = half_box(&cells[b].box, &hb) ? 2 : 1;
		if (half[b] != 1)
			return 0;
	}
	return 1;
}

/*
 * Plan the bank: where each reached cell goes, at[i], as a slot (half a
 * cell), in generation order (nodes and leaves keep their relative order,
 * so a tree stays as local as the compiler laid it out). Nodes, empty
 * leaves and runs of full bank boxes start at a cell (an even slot) and
 * take two slots a cell; a run of half boxes takes one slot a box.
 */
static int bank_plan(const struct fwctl_cell *cells, __u32 n, struct bank_plan *p)
{
	const struct fwctl_table_hdr *h = &cells[0].hdr;
	__u32 serial = FWCTL_CT_SERIAL_CELL(h);
	__u64 next = 2;		/* slots 0 and 1: the header */
	__u32 i, r, nb;
	int err;

	if (h->n_roots > FWCTL_MAX_ROOTS || (serial && serial >= n))
		return -EINVAL;
	for (r = 0; r < h->n_roots; r++) {
		err = bank_reach(cells, serial ? serial : n, h->root[r], 0, p->kind);
		if (err)
			return err;
	}
	for (i = 1; i < n; i++) {
		if (!p->kind[i])
			continue;
		nb = p->kind[i] == FWCTL_CELL_LEAF ? cells[i].leaf.n_boxes : 0;
		if (nb && bank_leaf_half(cells, &cells[i].leaf, p->half)) {
			p->at[i] = next;
			next += nb;
			continue;
		}
		next += next & 1;	/* to the next cell */
		p->at[i] = next;
		next += 2 * (nb ? nb : 1);
	}
	p->slots = next;
	p->size = (next + 1) / 2 + (serial ? n - serial : 0);
	return 0;
}

int classifier_bank_cells(const struct fwctl_cell *cells, __u32 n, __u32 max,
			  struct fwctl_cell *out, __u32 *n_out)
{
	const struct fwctl_table_hdr *h = &cells[0].hdr;
	struct bank_plan p = { 0 };
	struct fwctl_table_hdr *oh;
	__u32 serial, i, j, o, nb, first;
	bool half;
	int err;

	if (n == 0 || h->kind != FWCTL_CELL_HDR)
		return -EINVAL;
	p.kind = calloc(n, sizeof(*p.kind));
	p.half = calloc(n, sizeof(*p.half));
	p.at = calloc(n, sizeof(*p.at));
	err = p.kind && p.half && p.at ? bank_plan(cells, n, &p) : -ENOMEM;
	if (!err && p.size > max)
		err = -E2BIG;
	if (err || !out)
		goto out;
	/* Padding halves are never read; zeroed all the same, as is the rest. */
	memset(out, 0, p.size * sizeof(*out));
	serial = FWCTL_CT_SERIAL_CELL(h);
	out[0] = cells[0];
	oh = &out[0].hdr;
	for (i = 0; i < FWCTL_MAX_ROOTS; i++)
		oh->root[i] = i < h->n_roots ? p.at[h->root[i]] : 0;
	for (i = 1; i < n; i++) {
		o = p.at[i];
		if (p.kind[i] == FWCTL_CELL_NODE) {
			out[o / 2] = cells[i];
			for (j = 0; j < FWCTL_NODE_FANOUT; j++)
				out[o / 2].node.child[j] = p.at[cells[i].node.child[j]];
			continue;
		}
		if (p.kind[i] != FWCTL_CELL_LEAF)
			continue;
		nb = cells[i].leaf.n_boxes;
		if (!nb) {
			out[o / 2] = cells[i];	/* an empty leaf: no rule here */
			continue;
		}
		half = bank_leaf_half(cells, &cells[i].leaf, p.half);
		for (j = 0; j < nb; j++) {
			const struct fwctl_box *bx = &cells[cells[i].leaf.box[j]].box;

			if (half) {
				half_box(bx, &out[(o + j) / 2].half[(o + j) & 1]);
				out[(o + j) / 2].half[(o + j) & 1].left = nb - j;
				continue;
			}
			err = bank_box(bx, &out[o / 2 + j].bank_box);
			if (err)
				goto out;
			out[o / 2 + j].bank_box.left = nb - j;
		}
	}
	if (serial) {
		/* The flows' serials, read by the datapath from the bank too. */
		first = (p.slots + 1) / 2;
		memcpy(&out[first], &cells[serial], (size_t)(n - serial) * sizeof(*cells));
		FWCTL_CT_SERIAL_CELL(oh) = first;
	}
out:
	if (!err && n_out)
		*n_out = p.size;
	free(p.kind);
	free(p.half);
	free(p.at);
	return err;
}

/* ---- the walk --------------------------------------------------------------- */

static bool box_match(const struct fwctl_box *bx, const struct fwctl_key *key)
{
	for (int d = 0; d < FWCTL_DIMS; d++)
		if (key->w[d] < bx->lo[d] || key->w[d] > bx->hi[d])
			return false;
	return true;
}

static bool bank_box_match(const struct fwctl_bank_box *bb, const struct fwctl_key *key)
{
	for (int i = 0; i < FWCTL_BANK_BOX_DIMS && i < bb->n_dims; i++)
		if (key->w[bb->dim[i] & 15] - bb->r[i].lo > bb->r[i].span)
			return false;
	return true;
}

/* Child of a node for value v: the number of thresholds below v, in the
 * four fixed steps of a search over 15 sorted thresholds. */
static __u32 node_child(const struct fwctl_node *nd, __u32 v)
{
	__u32 i = 0;

	if (nd->thr[i + 7] < v)
		i += 8;
	if (nd->thr[i + 3] < v)
		i += 4;
	if (nd->thr[i + 1] < v)
		i += 2;
	if (nd->thr[i] < v)
		i += 1;
	return nd->child[i];
}

static __u32 lookup(const struct fwctl_cell *cells, __u32 n_cells, const struct fwctl_key *key,
		    struct classifier_walk *w)
{
	const struct fwctl_table_hdr *h;
	__u32 best = FWCTL_NO_PRIO, best_cell = 0;

	if (w)
		memset(w, 0, sizeof(*w));
	if (!n_cells)
		return 0;
	h = &cells[0].hdr;
	if (h->kind != FWCTL_CELL_HDR || h->magic != FWCTL_TABLE_MAGIC)
		return 0;
	for (__u32 r = 0; r < FWCTL_MAX_ROOTS && r < h->n_roots; r++) {
		__u32 cell = h->root[r];
		const struct fwctl_leaf *lf = NULL;

		if (h->root_min_prio[r] >= best)
			continue;
		if (w)
			w->roots++;
		for (__u32 depth = 0; depth <= FWCTL_MAX_DEPTH && cell < n_cells; depth++) {
			const struct fwctl_cell *c = &cells[cell];

			if (c->kind == FWCTL_CELL_LEAF) {
				lf = &c->leaf;
				break;
			}
			if (c->kind != FWCTL_CELL_NODE)
				break;
			if (w)
				w->nodes++;
			cell = node_child(&c->node, key->w[c->node.dim & 15]);
		}
		if (!lf)
			continue;
		if (w)
			w->leaves++;
		for (__u32 i = 0; i < FWCTL_LEAF_MAX && i < lf->n_boxes; i++) {
			__u32 bc = lf->box[i];
			const struct fwctl_box *bx;

			if (bc >= n_cells || cells[bc].box.kind != FWCTL_CELL_BOX)
				break;
			bx = &cells[bc].box;
			if (bx->prio >= best)
				break;
			if (w)
				w->boxes++;
			if (box_match(bx, key)) {
				best = bx->prio;
				best_cell = bc;
				break;
			}
		}
	}
	return best_cell;
}

static bool half_box_match(const struct fwctl_half_box *hb, const struct fwctl_key *key,
			   __u32 flags)
{
	if ((flags & hb->flags_mask) != hb->flags)
		return false;
	for (int i = 0; i < FWCTL_HALF_BOX_DIMS && i < hb->n_dims; i++)
		if (key->w[hb->dim[i] & 15] - hb->r[i].lo > hb->r[i].span)
			return false;
	return true;
}

/*
 * The bank walk, as bpf/classify.h does it: roots and a node's children
 * are slots (half cells); past the nodes, a run of half boxes (one slot
 * each), a run of full bank boxes (a cell each), or an empty leaf. The
 * boxes are in prio order, each knowing how many of the run are left.
 */
static __u32 bank_lookup(const struct fwctl_cell *cells, __u32 n_cells,
			 const struct fwctl_key *key, __u32 *slot_out)
{
	const struct fwctl_table_hdr *h;
	__u32 best = FWCTL_NO_PRIO, best_slot = 0, flags = FWCTL_KEY_FLAGS(key);

	if (!n_cells)
		return FWCTL_NO_PRIO;
	h = &cells[0].hdr;
	if (h->kind != FWCTL_CELL_HDR || h->magic != FWCTL_TABLE_MAGIC)
		return FWCTL_NO_PRIO;
	for (__u32 r = 0; r < FWCTL_MAX_ROOTS && r < h->n_roots; r++) {
		__u32 slot = h->root[r], depth, n;
		const struct fwctl_cell *c = NULL;

		if (h->root_min_prio[r] >= best)
			continue;
		for (depth = 0; depth <= FWCTL_MAX_DEPTH && slot / 2 < n_cells; depth++) {
			c = &cells[slot / 2];
			if ((slot & 1) || c->kind != FWCTL_CELL_NODE)
				break;
			slot = node_child(&c->node, key->w[c->node.dim & 15]);
			c = NULL;
		}
		if (!c)
			continue;
		if (c->half[slot & 1].kind == FWCTL_CELL_HALF_BOX) {
			n = c->half[slot & 1].left;
			for (__u32 i = 0; i < FWCTL_LEAF_MAX && i < n && (slot + i) / 2 < n_cells; i++) {
				const struct fwctl_half_box *hb =
					&cells[(slot + i) / 2].half[(slot + i) & 1];

				if (hb->prio >= best)
					break;
				if (half_box_match(hb, key, flags)) {
					best = hb->prio;
					best_slot = slot + i;
					break;
				}
			}
			continue;
		}
		if ((slot & 1) || c->kind != FWCTL_CELL_BOX)
			continue;	/* an empty leaf */
		n = c->bank_box.left;
		for (__u32 i = 0; i < FWCTL_LEAF_MAX && i < n && slot / 2 + i < n_cells; i++) {
			const struct fwctl_bank_box *bb = &cells[slot / 2 + i].bank_box;

			if (bb->prio >= best)
				break;
			if (bank_box_match(bb, key)) {
				best = bb->prio;
				best_slot = slot + 2 * i;
				break;
			}
		}
	}
	if (slot_out)
		*slot_out = best_slot;
	return best;
}

__u32 classifier_lookup_walk(const struct fwctl_cell *cells, __u32 n_cells,
			     const struct fwctl_key *key, struct classifier_walk *w)
{
	return lookup(cells, n_cells, key, w);
}

__u32 classifier_lookup(const struct fwctl_cell *cells, __u32 n_cells,
			const struct fwctl_key *key)
{
	return lookup(cells, n_cells, key, NULL);
}

__u32 classifier_bank_lookup(const struct fwctl_cell *bank, __u32 n_cells,
			     const struct fwctl_key *key, __u32 *rule_id, __u32 *action)
{
	const struct fwctl_cell *c;
	__u32 slot, prio = bank_lookup(bank, n_cells, key, &slot);

	*rule_id = 0;
	*action = FWCTL_ACTION_ALLOW;
	if (prio == FWCTL_NO_PRIO)
		return prio;
	c = &bank[slot / 2];
	if (c->half[slot & 1].kind == FWCTL_CELL_HALF_BOX) {
		*rule_id = c->half[slot & 1].rule_id;
		*action = c->half[slot & 1].action;
	} else {
		*rule_id = c->bank_box.rule_id;
		*action = c->bank_box.action;
	}
	return prio;
}
