/* SPDX-License-Identifier: GPL-2.0 */
/*
 * classifier.h - the rule-set compiler: rules in list order -> the cells
 * of a generation (include/fwctl_classifier.h), and the datapath's walk
 * over those cells in plain C. No BPF, no libbpf: unit-tested without root.
 * docs/classifier.md explains the structure and its costs.
 */
#ifndef FWCTL_CLASSIFIER_LOADER_H
#define FWCTL_CLASSIFIER_LOADER_H

#include <stdbool.h>
#include <linux/types.h>
#include "fwctl_classifier.h"
#include "rule.h"

struct fwctl_err;

/* Upper bound on the boxes of one rule set (each box is one 128-byte cell). */
#define CLASSIFIER_MAX_BOXES	(1u << 20)
/* Upper bound on the cells the classifier may produce (512 MiB). */
#define CLASSIFIER_MAX_CELLS	(1u << 22)

struct classifier_stats {
	__u32 rules;
	__u64 boxes;		/* boxes made from the rules */
	__u32 boxes_used;	/* boxes some leaf refers to (the others are
				 * shadowed everywhere and not written) */
	__u32 roots;
	__u32 tree_boxes[FWCTL_MAX_ROOTS];	/* boxes in each tree, root order */
	__u32 overflow_boxes;	/* boxes moved to an extra tree, because a leaf
				 * at the depth limit could not hold them */
	__u32 nodes;
	__u64 children;		/* sum of the nodes' children (fan-out used) */
	__u32 leaves;		/* distinct leaf cells (equal leaves are shared) */
	__u32 max_depth;	/* nodes on the longest root-to-leaf path */
	__u32 max_leaf;		/* boxes in the largest leaf */
	__u64 leaf_slots;	/* sum of the leaves' sizes, per tree path */
	__u32 n_cells;		/* cells of the classifier, header included */
	__u64 bytes;		/* n_cells * FWCTL_CELL_SIZE */
	double compile_seconds;
};

/*
 * Compile rules[0..n) (list order: index = prio; ids[i] the id of rule i)
 * into *cells (malloc'ed, *n_cells of them; the caller frees it). Cell 0 is
 * the header, complete but for text_cell = *n_cells and text_bytes = 0: the
 * caller appends the text cells and updates both. st may be NULL.
 * A rule whose 'in' is RULE_IN_UNRESOLVED compiles as any interface (only
 * 'rules check' compiles such rules, and never loads the result).
 * Returns 0, or -E2BIG (too many boxes or cells; e names the rule),
 * -EINVAL (bad argument) or -ENOMEM, with e filled.
 */
int classifier_compile(const struct rule *rules, const __u32 *ids, unsigned int n,
		       __u32 policy, struct fwctl_cell **cells, __u32 *n_cells,
		       struct classifier_stats *st, struct fwctl_err *e);

/*
 * Which part of a generation's classifier a rules add may keep: cells
 * [1, TAIL_CELL) and roots [0, MAIN_ROOTS) hold rules [0, TAIL_PRIO); the
 * cells from TAIL_CELL and the other roots hold the rules appended since
 * (classifier_append). Header words the datapath never reads; a header
 * with TAIL_CELL 0 has no such record (the whole set is compiled again).
 */
#define CLASSIFIER_TAIL_CELL(hdr)	((hdr)->pad[5])
#define CLASSIFIER_TAIL_PRIO(hdr)	((hdr)->pad[6])
#define CLASSIFIER_MAIN_ROOTS(hdr)	((hdr)->pad[7])
/* The boxes rules [0, TAIL_PRIO) made: with the tail's, at most CLASSIFIER_MAX_BOXES. */
#define CLASSIFIER_MAIN_BOXES(hdr)	((hdr)->pad[4])

/*
 * The generation of rules 0..base-1 followed by rules[0..n) (ids[i]: the
 * id of rule base + i), from keep[0..n_main), the cells of rules 0..base-1
 * as classifier_compile() made them (their header, with main_roots roots,
 * in cell 0): those cells are kept as they are, and the new rules compile
 * into trees of their own after them (every packet still gets the first
 * rule in list order: the walk takes the lowest prio over all trees).
 * Costs O(n), not O(base). Output as classifier_compile(); -ENOSPC when
 * the trees would need more than FWCTL_MAX_ROOTS roots, -E2BIG when the
 * set would make more than CLASSIFIER_MAX_BOXES boxes (compile the whole
 * set instead: it names the rule).
 */
int classifier_append(const struct fwctl_cell *keep, __u32 n_main, __u32 main_roots,
		      __u32 base, const struct rule *rules, const __u32 *ids, unsigned int n,
		      __u32 policy, struct fwctl_cell **cells, __u32 *n_cells,
		      struct classifier_stats *st, struct fwctl_err *e);
/*
 * The same in parts, for a caller that writes the generation itself: the
 * new header in (*tail)[0] (n_cells: n_main + *n_tail - 1), then the
 * appended cells, already placed to follow keep[1..n_main) (they go at
 * n_main + i - 1). The generation is header, keep[1..n_main), (*tail)[1..).
 */
int classifier_append_tail(const struct fwctl_cell *keep, __u32 n_main, __u32 main_roots,
			   __u32 base, const struct rule *rules, const __u32 *ids, unsigned int n,
			   __u32 policy, struct fwctl_cell **tail, __u32 *n_tail,
			   struct classifier_stats *st, struct fwctl_err *e);

/*
 * Knobs of the tree builder. The defaults are the ones docs/classifier.md
 * measured; benchmarks vary them, tests lower max_depth to force the
 * extra trees that take what a leaf at the depth limit cannot hold.
 */
struct classifier_tuning {
	unsigned int leaf_target;	/* a region of this many boxes is a leaf (4) */
	unsigned int depth_weight;	/* a tree level weighs this many box copies (8) */
	unsigned int max_depth;		/* nodes on a path, <= FWCTL_MAX_DEPTH */
	bool partition;			/* several trees, by small fields (true) */
};
extern struct classifier_tuning classifier_tuning;

/* Cells visited by one lookup: what the datapath pays for it. */
struct classifier_walk {
	__u32 roots;		/* trees walked (not skipped) */
	__u32 nodes;
	__u64 children;		/* sum of the nodes' children (fan-out used) */
	__u32 leaves;
	__u32 boxes;		/* boxes compared with the key */
};

/*
 * The datapath's walk, step for step as bpf/classify.h does it: the cell
 * index of the box that decides (the first rule in list order that
 * matches), or 0 when no rule matches. w (may be NULL) counts the cells.
 */
__u32 classifier_lookup(const struct fwctl_cell *cells, __u32 n_cells,
			const struct fwctl_key *key);
__u32 classifier_lookup_walk(const struct fwctl_cell *cells, __u32 n_cells,
			     const struct fwctl_key *key, struct classifier_walk *w);

/*
 * The bank copy of a generation's classifier cells cells[0..n) (n: its
 * text_cell), laid out for the walk (include/fwctl_classifier.h, "bank"):
 * the header with its roots and serial cell moved, the nodes, each leaf
 * as a run of its boxes in prio order (half boxes when all of them fit
 * one, else full bank boxes; one empty leaf cell if it has none), then
 * the flows' serial cells. Writes the bank into out
 * (NULL: only sizes it) and its size in cells into *n_out. Returns 0;
 * -E2BIG when it would take more than max cells (the bank's size) or a box
 * narrows more than FWCTL_BANK_BOX_DIMS dimensions (the set then has no
 * bank); -EINVAL if the trees break the layout; -ENOMEM.
 */
int classifier_bank_cells(const struct fwctl_cell *cells, __u32 n, __u32 max,
			  struct fwctl_cell *out, __u32 *n_out);
/* The datapath's walk over a bank of n_cells cells: the prio of the box
 * that decides key, and its rule id and action; FWCTL_NO_PRIO when none
 * does (as classifier_lookup()). */
__u32 classifier_bank_lookup(const struct fwctl_cell *bank, __u32 n_cells,
			     const struct fwctl_key *key, __u32 *rule_id, __u32 *action);

#endif /* FWCTL_CLASSIFIER_LOADER_H */
