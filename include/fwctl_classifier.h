/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fwctl_classifier.h - the compiled rule set as both sides see it: the
 * packet key the datapath builds, and the cells of a rule-set generation.
 *
 * A generation is ONE BPF array map of 128-byte cells, created and filled by
 * the loader, then made current by a single update of the pinned
 * ARRAY_OF_MAPS fwctl_tables (slot 0). That one update is the commit: every
 * packet is classified entirely by the generation it looked up first, and
 * the syscall returns after an RCU grace period, so once it returns no
 * packet still uses the old generation. Nothing is ever written into a
 * generation the datapath can see, except the policy word (one u32 store).
 *
 * Layout of a generation (cell index -> content):
 *   0                  struct fwctl_table_hdr
 *   1 ..               classifier: trees of struct fwctl_node, leaves
 *                      (struct fwctl_leaf) and boxes (struct fwctl_box)
 *   ct_serial_cell ..  the stateful rules' serials, when there are any
 *                      (struct fwctl_serial_cell, fwctl_conntrack.h)
 *   text_cell ..       the rule set as text, for the loader only (never
 *                      read by BPF): text_bytes bytes of
 *                      "ID<TAB>CANONICAL RULE\n" lines in list order
 *
 * Sets whose classifier cells (text_cell) fit in a bank (the bank size,
 * `fwctl attach --bank-cells N`, is half of fwctl_banks' max_entries) are
 * also copied, before the commit, into one of the two banks of the plain
 * array fwctl_banks (bank b: cells b * N + i), laid out for the walk: the
 * header, the nodes, every leaf as a run of its boxes in prio order, then
 * the stateful rules' serial cells. A run is of struct fwctl_half_box, two
 * to a cell, when every box of the leaf fits one, else of struct
 * fwctl_bank_box, a cell each; an empty leaf keeps its leaf cell. A node's
 * child (and a root) in a bank is a half-cell index, a slot (cell = slot
 * / 2): the first box of the run, so the boxes come with no leaf cell to
 * read first and their addresses are known together. The generation's size
 * names the bank:
 * max_entries % 4 is 1 + the bank, 0 or 3 for none (the loader pads a
 * generation with up to two free cells). The datapath reads the size from
 * the map itself, walks the bank, whose lookups the verifier inlines, and
 * reads nothing of the generation (an inner map: a helper call per cell)
 * unless no rule matches (the policy). The writer always takes the bank
 * the current generation does not name: the commit that made that
 * generation current waited for an RCU grace period, so no packet can
 * still be reading the other bank (docs/classifier.md, "Small sets: the banks").
 *
 * Classification: a rule is a union of boxes (one box per combination of
 * its list elements); a box is a closed range [lo, hi] in every dimension
 * of the key. The first rule in list order (lowest prio) with a box that
 * contains the key decides. Up to FWCTL_MAX_ROOTS trees partition the
 * boxes; each is walked from its root to one leaf (multiway nodes, a fixed
 * four-step search per node), and the leaf's boxes, sorted by prio, are
 * tested in order. A tree whose lowest prio cannot beat the best match so
 * far is skipped.
 */
#ifndef FWCTL_CLASSIFIER_H
#define FWCTL_CLASSIFIER_H

/* Capacity: rules in one set, and the id space (a rule keeps its id, and
 * its counters, across changes; a change may need a fresh id for every
 * rule while the old set is still in use, hence twice the set size). */
#define FWCTL_SET_MAX_RULES	131072
#define FWCTL_MAX_RULE_ID	262143	/* ids 1 .. FWCTL_MAX_RULE_ID */
#define FWCTL_RULE_ID_SLOTS	(FWCTL_MAX_RULE_ID + 1)

/* Dimensions of the key: each is one u32 word of struct fwctl_key. */
enum fwctl_dim {
	FWCTL_DIM_SRC0 = 0,	/* source address, four host-order words; */
	FWCTL_DIM_SRC1,		/* IPv4: the address in SRC0, the rest 0 */
	FWCTL_DIM_SRC2,
	FWCTL_DIM_SRC3,
	FWCTL_DIM_DST0,		/* destination address, likewise */
	FWCTL_DIM_DST1,
	FWCTL_DIM_DST2,
	FWCTL_DIM_DST3,
	FWCTL_DIM_SPORT,	/* TCP/UDP source port; ICMP(v6) type; else 0 */
	FWCTL_DIM_DPORT,	/* TCP/UDP destination port; ICMP(v6) code; else 0 */
	FWCTL_DIM_PROTO,	/* IP protocol 0-255, or FWCTL_PROTO_UNKNOWN */
	FWCTL_DIM_FAMILY,	/* FWCTL_FAMILY_V4 or _V6 */
	FWCTL_DIM_IN,		/* enum fwctl_dir of the arriving interface */
	FWCTL_DIM_FRAG,		/* 1: a non-first fragment (no ports, no type) */
	FWCTL_DIM_START,	/* 1: the packet can start a flow (filled by the
				 * datapath): only such a packet matches a stateful
				 * rule, whose boxes hold [1, 1] here */
	FWCTL_DIMS,		/* 15 */
};

#define FWCTL_FAMILY_V4		0
#define FWCTL_FAMILY_V6		1
/* An IPv6 non-first fragment: its Next Header is not authoritative
 * (RFC 8200), so its protocol is unknown and only 'any' rules match. */
#define FWCTL_PROTO_UNKNOWN	256

/*
 * What the datapath classifies: filled by the parser for IPv4 and IPv6
 * packets that passed every header check. 16 words, so a dimension index
 * masked with 15 is always inside it.
 */
struct fwctl_key {
	__u32 w[16];		/* w[enum fwctl_dim]; w[15] is 0 */
};

/* What a matching rule does. Anything but DENY forwards. */
enum fwctl_action {
	FWCTL_ACTION_ALLOW = 0,
	FWCTL_ACTION_DENY = 1,
	FWCTL_ACTION_ALLOW_STATEFUL = 2,	/* allow, and create the packet's flow */
};

#define FWCTL_CELL_SIZE		128
#define FWCTL_MAX_ROOTS		8	/* trees per generation */
#define FWCTL_NODE_FANOUT	16	/* children of a node; 15 thresholds */
#define FWCTL_MAX_DEPTH		24	/* nodes on a root-to-leaf path */
#define FWCTL_LEAF_MAX		31	/* boxes in a leaf */
#define FWCTL_NO_PRIO		0xffffffffu

enum fwctl_cell_kind {
	FWCTL_CELL_FREE = 0,
	FWCTL_CELL_HDR,
	FWCTL_CELL_NODE,
	FWCTL_CELL_LEAF,
	FWCTL_CELL_BOX,
	FWCTL_CELL_TEXT,
	FWCTL_CELL_HALF_BOX,	/* a struct fwctl_half_box (banks only) */
};

#define FWCTL_TABLE_MAGIC	0x66777434	/* "fwt4": layout version 4 (15 dims; bank boxes
					 * as lo/span pairs in runs, the appended
					 * tail recorded in the header) */

/*
 * Cells per bank of fwctl_banks: chosen at attach (--bank-cells, which sets
 * the map's max_entries to FWCTL_BANKS x that before it is created). The
 * default banks every 1k and 10k ClassBench set and acl1-100k and
 * fw1-100k (a box is copied into each run that holds it; half boxes take
 * half a cell) for 32 MiB.
 */
#define FWCTL_BANK_CELLS_DEFAULT	131072
#define FWCTL_BANK_CELLS_MIN		64
#define FWCTL_BANK_CELLS_MAX		524288	/* 2 banks: 128 MiB */
#define FWCTL_BANKS		2
#define FWCTL_BANK_NONE		(-1)
/* The bank a generation of max_entries cells names, or FWCTL_BANK_NONE. */
#define FWCTL_GEN_BANK(max_entries)					\
	(((max_entries) & 3) == 1 ? 0 : ((max_entries) & 3) == 2 ? 1 : FWCTL_BANK_NONE)

/* Cell 0. */
struct fwctl_table_hdr {
	__u32 kind;		/* FWCTL_CELL_HDR */
	__u32 magic;		/* FWCTL_TABLE_MAGIC */
	__u32 policy;		/* enum fwctl_policy; the one word written in place */
	__u32 n_rules;
	__u32 n_roots;		/* 0: no rules, the policy decides everything */
	__u32 text_cell;	/* first text cell */
	__u32 text_bytes;
	__u32 n_cells;		/* cells in this generation, header included
				 * (the map may have up to 2 more, free) */
	__u32 root[FWCTL_MAX_ROOTS];		/* cell of each tree's root */
	__u32 root_min_prio[FWCTL_MAX_ROOTS];	/* lowest prio of a box in it */
	__u32 pad[32 - 8 - 2 * FWCTL_MAX_ROOTS];
};

/*
 * An inner node: the key word of dimension dim selects a child. thr[] is
 * sorted ascending and padded with 0xffffffff up to FWCTL_NODE_FANOUT - 1
 * entries; child i takes values v with thr[i-1] < v <= thr[i] (thr[-1] is
 * -inf, thr[15] +inf), so with i = number of thresholds below v, the
 * search is four fixed steps. Children past n_children are never reached
 * (their thresholds are 0xffffffff), but are set to a valid cell anyway.
 */
struct fwctl_node {
	__u8 kind;		/* FWCTL_CELL_NODE */
	__u8 dim;		/* enum fwctl_dim */
	__u8 n_children;	/* 2 .. FWCTL_NODE_FANOUT */
	__u8 pad;
	__u32 thr[FWCTL_NODE_FANOUT - 1];
	__u32 child[FWCTL_NODE_FANOUT];	/* cell index of a node or a leaf */
};

/* A leaf: the boxes to test, in ascending prio; the first that matches wins. */
struct fwctl_leaf {
	__u8 kind;		/* FWCTL_CELL_LEAF */
	__u8 pad;
	__u16 n_boxes;		/* 0 .. FWCTL_LEAF_MAX */
	__u32 box[FWCTL_LEAF_MAX];	/* cell index of each box */
};

/* One box of one rule. 15 dimensions leave 8 bytes for the rest. */
struct fwctl_box {
	__u32 lo[FWCTL_DIMS];
	__u32 hi[FWCTL_DIMS];
	__u32 prio;		/* the rule's 0-based position in the list */
	__u32 rule_id : 24;	/* <= FWCTL_MAX_RULE_ID */
	__u32 action : 4;	/* enum fwctl_action */
	__u32 kind : 4;		/* FWCTL_CELL_BOX */
};

/*
 * A box as a bank holds it: just the dimensions it narrows (those where it
 * is not [0, the largest value the key can hold]), most selective first,
 * each as lo and span = hi - lo, so that one unsigned compare,
 * key - lo > span, rejects. Pairs, so that the first five dimensions sit in
 * the cell's first cache line with the prio: a box that fails early costs
 * one line. A set with a box narrowing more than FWCTL_BANK_BOX_DIMS
 * dimensions gets no bank. left: boxes of the run from this one on (1: the
 * last), so the run's first box gives its length.
 */
#define FWCTL_BANK_BOX_DIMS	12
struct fwctl_bank_range {
	__u32 lo;
	__u32 span;
};

struct fwctl_bank_box {
	__u8 kind;		/* FWCTL_CELL_BOX */
	__u8 n_dims;		/* 0 .. FWCTL_BANK_BOX_DIMS */
	__u8 dim[FWCTL_BANK_BOX_DIMS];	/* enum fwctl_dim of r[i] */
	__u8 left;		/* 1 .. FWCTL_LEAF_MAX */
	__u8 pad;
	__u32 prio;
	struct fwctl_bank_range r[FWCTL_BANK_BOX_DIMS];
	__u32 rule_id;		/* read only on a match */
	__u32 action;
	__u32 pad2;
};

/*
 * The key's protocol, family, interface, fragment and start words packed
 * into one: in a rule's box each of them is one value or every value (a
 * protocol, or any; a family or both; ...), so what a box asks of all five
 * is one masked compare, (flags & mask) == value.
 */
#define FWCTL_FLAGS_PROTO_SHIFT		0	/* 9 bits: 0 .. FWCTL_PROTO_UNKNOWN */
#define FWCTL_FLAGS_FAMILY_SHIFT	9
#define FWCTL_FLAGS_IN_SHIFT		10
#define FWCTL_FLAGS_FRAG_SHIFT		11
#define FWCTL_FLAGS_START_SHIFT		12
#define FWCTL_KEY_FLAGS(k)						\
	(((k)->w[FWCTL_DIM_PROTO] << FWCTL_FLAGS_PROTO_SHIFT) |		\
	 ((k)->w[FWCTL_DIM_FAMILY] << FWCTL_FLAGS_FAMILY_SHIFT) |	\
	 ((k)->w[FWCTL_DIM_IN] << FWCTL_FLAGS_IN_SHIFT) |		\
	 ((k)->w[FWCTL_DIM_FRAG] << FWCTL_FLAGS_FRAG_SHIFT) |		\
	 ((k)->w[FWCTL_DIM_START] << FWCTL_FLAGS_START_SHIFT))

/*
 * A box as a bank's half run holds it: 64 bytes, two to a cell, so a run
 * of them takes half the lines of struct fwctl_bank_box. It fits a box
 * whose protocol, family, interface, fragment and start are each one
 * value or all (every box a rule makes) and that narrows at most
 * FWCTL_HALF_BOX_DIMS of the other dimensions (addresses and ports), most
 * selective first; a leaf with any other box is a run of full bank boxes.
 */
#define FWCTL_HALF_BOX_DIMS	5
struct fwctl_half_box {
	__u8 kind;		/* FWCTL_CELL_HALF_BOX */
	__u8 n_dims;		/* 0 .. FWCTL_HALF_BOX_DIMS */
	__u8 left;		/* boxes of the run from this one on */
	__u8 dim[FWCTL_HALF_BOX_DIMS];	/* enum fwctl_dim of r[i] */
	__u32 prio;
	__u32 flags_mask;	/* the box holds the key only if */
	__u32 flags;		/* (FWCTL_KEY_FLAGS(key) & flags_mask) == flags */
	struct fwctl_bank_range r[FWCTL_HALF_BOX_DIMS];
	__u32 rule_id : 24;
	__u32 action : 8;
};

struct fwctl_cell {
	union {
		__u8 kind;	/* first byte of a header, node or leaf cell; a box
				 * has its kind in box.kind, a text cell none */
		struct fwctl_table_hdr hdr;
		struct fwctl_node node;
		struct fwctl_leaf leaf;
		struct fwctl_box box;
		struct fwctl_bank_box bank_box;	/* in fwctl_banks only */
		struct fwctl_half_box half[2];	/* in fwctl_banks only */
		char text[FWCTL_CELL_SIZE];
	};
};

/* What the datapath's walk (bpf/classify.h, fwctl_classify()) returns. */
enum fwctl_classify_status {
	FWCTL_CLASSIFY_MATCH = 0,	/* a rule matched */
	FWCTL_CLASSIFY_NO_MATCH,	/* no rule matched: the policy decides */
	FWCTL_CLASSIFY_NO_TABLE,	/* no generation committed, or not this layout */
};

#ifndef __bpf__
_Static_assert(sizeof(struct fwctl_table_hdr) == FWCTL_CELL_SIZE, "hdr cell size");
_Static_assert(sizeof(struct fwctl_node) == FWCTL_CELL_SIZE, "node cell size");
_Static_assert(sizeof(struct fwctl_leaf) == FWCTL_CELL_SIZE, "leaf cell size");
_Static_assert(sizeof(struct fwctl_box) == FWCTL_CELL_SIZE, "box cell size");
_Static_assert(sizeof(struct fwctl_bank_box) == FWCTL_CELL_SIZE, "bank box cell size");
_Static_assert(2 * sizeof(struct fwctl_half_box) == FWCTL_CELL_SIZE, "half box size");
_Static_assert(sizeof(struct fwctl_cell) == FWCTL_CELL_SIZE, "cell size");
_Static_assert(FWCTL_MAX_RULE_ID < (1 << 24), "rule ids fit fwctl_box.rule_id");
_Static_assert((FWCTL_RULE_ID_SLOTS & (FWCTL_RULE_ID_SLOTS - 1)) == 0,
	       "rule ids mask into fwctl_rule_stats regions");
#endif

#endif /* FWCTL_CLASSIFIER_H */
