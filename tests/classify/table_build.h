/* SPDX-License-Identifier: GPL-2.0 */
/*
 * table_build.h - building generations by hand for the classify tests, a
 * reference walk written from include/fwctl_classifier.h alone, and
 * random generations whose answer is known without any walk.
 */
#ifndef FWCTL_TABLE_BUILD_H
#define FWCTL_TABLE_BUILD_H

#include <stdbool.h>
#include <linux/types.h>
#include "fwctl_common.h"
#include "fwctl_classifier.h"
#include "classify_test.h"

struct tb {
	struct fwctl_cell *c;
	__u8 *kind;	/* of each cell: a box's first byte is not its kind */
	__u32 n, cap;
};

/* A table holding only its header (cell 0). */
void tb_init(struct tb *t);
void tb_free(struct tb *t);
/* A box matching everything, of rule rule_id at prio; narrow it with tb_dim(). */
__u32 tb_box(struct tb *t, __u32 prio, __u32 rule_id, __u32 action);
void tb_dim(struct tb *t, __u32 box, int dim, __u32 lo, __u32 hi);
__u32 tb_leaf(struct tb *t, __u32 n, const __u32 *boxes);
/* A node of n children on dim; thr[0..n-2] ascending; the rest padded. */
__u32 tb_node(struct tb *t, int dim, __u32 n, const __u32 *thr, const __u32 *child);
/* Add a root; min_prio FWCTL_NO_PRIO: the lowest prio found in its tree. */
void tb_root(struct tb *t, __u32 cell, __u32 min_prio);
/* Finish the header: n_cells, n_rules, policy. */
void tb_done(struct tb *t, __u32 n_rules, __u32 policy);
/* The lowest prio of a box reachable from cell. */
__u32 tb_tree_min_prio(const struct tb *t, __u32 cell);

/* The walk as the header describes it, with none of the BPF tricks. */
void ref_classify(const struct fwctl_cell *c, __u32 n, const struct fwctl_key *k,
		  struct ct_out *o);

/* A random number generator the tests can replay (xorshift64*). */
__u64 rnd_next(__u64 *s);
__u32 rnd_range(__u64 *s, __u32 lo, __u32 hi);	/* inclusive */

/*
 * A random generation of about max_cells cells over up to n_roots trees,
 * where every box lies inside the region of its leaf: the answer for any
 * key is then the lowest-prio box holding it, found by a plain scan
 * (rnd_table_scan). Nodes go as deep as FWCTL_MAX_DEPTH, leaves hold up
 * to FWCTL_LEAF_MAX boxes. Rule id and action follow from the prio.
 */
void rnd_table(struct tb *t, __u64 *seed, __u32 n_roots, __u32 max_cells);
void rnd_table_scan(const struct tb *t, const struct fwctl_key *k, struct ct_out *o);
/* A key: inside a random box, on or just off one of its edges, or anywhere. */
void rnd_key(const struct tb *t, __u64 *seed, struct fwctl_key *k);
#define RND_RULE_ID(prio)	((prio) + 1)
#define RND_ACTION(prio)	((prio) % 3 == 1 ? FWCTL_ACTION_DENY :		\
				 (prio) % 3 == 2 ? FWCTL_ACTION_ALLOW_STATEFUL : FWCTL_ACTION_ALLOW)

#endif /* FWCTL_TABLE_BUILD_H */
