// SPDX-License-Identifier: GPL-2.0
/*
 * tests/classifier - the classifier compiler against a first-match linear
 * scan (oracle.c), in user space, no root: the semantics one by one,
 * random rule sets in every field, and the ClassBench sets with their
 * traces and expected matches. One PASS/FAIL/SKIP line per check.
 *
 *   build/tests/classifier [-s SEED] [-k SUBSTRING] [--big]
 * --big adds the 100k ClassBench sets (slow; bench/classifier times them).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "classifier.h"
#include "classbench.h"
#include "fwctl.h"
#include "gen.h"
#include "oracle.h"

static int failures;
static const char *only;

static void result(int ok, const char *what, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		printf("PASS: %s\n", what);
		return;
	}
	failures++;
	printf("FAIL: %s: ", what);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static int selected(const char *what)
{
	return !only || strstr(what, only);
}

/* ---- checking a table ------------------------------------------------------ */

struct table {
	struct fwctl_cell *cells;
	__u32 n;
	struct fwctl_cell *bank;	/* its bank copy (bank_buf), NULL if none */
	__u32 bank_n;			/* cells in it */
	struct classifier_stats st;
	__u8 *seen;		/* leaves reached from a root (check_table) */
};

static int reached(const struct table *t, __u32 c)
{
	return t->seen && t->seen[c];
}

/* The bank copy of the last table compiled (a bank of the default size:
 * every 1k and 10k ClassBench set), and how many keys went through one. */
static struct fwctl_cell bank_buf[FWCTL_BANK_CELLS_DEFAULT];
static unsigned long bank_keys;

static int compile(const struct rule *rules, const __u32 *ids, unsigned int n,
		   struct table *t, char *why, size_t len)
{
	struct fwctl_err e = { { 0 } };
	int err;

	t->seen = NULL;
	t->bank = NULL;
	t->bank_n = 0;
	err = classifier_compile(rules, ids, n, FWCTL_POLICY_DROP, &t->cells, &t->n, &t->st, &e);

	if (err)
		snprintf(why, len, "compile: %s (%d)", e.msg, err);
	else if (!classifier_bank_cells(t->cells, t->n, FWCTL_BANK_CELLS_DEFAULT, bank_buf,
					&t->bank_n))
		t->bank = bank_buf;	/* a small set: check its bank walk too */
	return err;
}

/* Walk one tree: every rule of the layout; lowest prio in *min. */
static int check_subtree(const struct table *t, __u32 cell, __u32 depth, __u32 *min,
			 char *why, size_t len)
{
	const struct fwctl_cell *c;

	if (cell == 0 || cell >= t->n) {
		snprintf(why, len, "cell %u out of range", cell);
		return -1;
	}
	c = &t->cells[cell];
	if (c->kind == FWCTL_CELL_LEAF) {
		__u32 last = 0;

		if (t->seen)
			t->seen[cell] = 1;
		if (c->leaf.n_boxes > FWCTL_LEAF_MAX) {
			snprintf(why, len, "leaf %u holds %u boxes", cell, c->leaf.n_boxes);
			return -1;
		}
		for (__u32 i = 0; i < c->leaf.n_boxes; i++) {
			__u32 b = c->leaf.box[i];

			if (b == 0 || b >= t->n || t->cells[b].box.kind != FWCTL_CELL_BOX) {
				snprintf(why, len, "leaf %u: box %u is not a box cell", cell, b);
				return -1;
			}
			if (t->cells[b].box.prio < last) {
				snprintf(why, len, "leaf %u: boxes out of prio order", cell);
				return -1;
			}
			last = t->cells[b].box.prio;
			if (last < *min)
				*min = last;
		}
		return 0;
	}
	if (c->kind != FWCTL_CELL_NODE) {
		snprintf(why, len, "cell %u: kind %u where a node or leaf belongs", cell, c->kind);
		return -1;
	}
	if (depth >= FWCTL_MAX_DEPTH) {
		snprintf(why, len, "more than %u nodes on a path", FWCTL_MAX_DEPTH);
		return -1;
	}
	const struct fwctl_node *nd = &c->node;

	if (nd->n_children < 2 || nd->n_children > FWCTL_NODE_FANOUT || nd->dim >= FWCTL_DIMS) {
		snprintf(why, len, "node %u: %u children, dim %u", cell, nd->n_children, nd->dim);
		return -1;
	}
	for (__u32 i = 0; i < FWCTL_NODE_FANOUT - 1; i++) {
		int real = i + 1 < nd->n_children;

		if (real ? nd->thr[i] == 0xffffffffu || (i && nd->thr[i] <= nd->thr[i - 1])
			 : nd->thr[i] != 0xffffffffu) {
			snprintf(why, len, "node %u: threshold %u misplaced", cell, i);
			return -1;
		}
	}
	for (__u32 i = 0; i < FWCTL_NODE_FANOUT; i++) {
		/* Children past n_children are never reached; valid cells all the same. */
		if (i >= nd->n_children) {
			if (nd->child[i] == 0 || nd->child[i] >= t->n) {
				snprintf(why, len, "node %u: unused child %u out of range", cell, i);
				return -1;
			}
			continue;
		}
		if (check_subtree(t, nd->child[i], depth + 1, min, why, len))
			return -1;
	}
	return 0;
}

static int check_table_seen(struct table *t, const struct rule *rules, const __u32 *ids,
			    unsigned int n, char *why, size_t len)
{
	const struct fwctl_table_hdr *h = &t->cells[0].hdr;

	t->seen = calloc(t->n, 1);
	if (h->kind != FWCTL_CELL_HDR || h->magic != FWCTL_TABLE_MAGIC || h->n_cells != t->n ||
	    h->text_cell != t->n || h->text_bytes || h->n_rules != n ||
	    h->policy != FWCTL_POLICY_DROP || h->n_roots > FWCTL_MAX_ROOTS) {
		snprintf(why, len, "bad header");
		return -1;
	}
	for (__u32 r = 0; r < FWCTL_MAX_ROOTS; r++) {
		__u32 min = FWCTL_NO_PRIO;

		if (r >= h->n_roots) {
			if (h->root_min_prio[r] != FWCTL_NO_PRIO) {
				snprintf(why, len, "unused root %u has a prio", r);
				return -1;
			}
			continue;
		}
		if (check_subtree(t, h->root[r], 0, &min, why, len))
			return -1;
		if (min != h->root_min_prio[r] || (r && min < h->root_min_prio[r - 1])) {
			snprintf(why, len, "root %u: min prio %u, header says %u", r, min,
				 h->root_min_prio[r]);
			return -1;
		}
	}
	/* Boxes are known as boxes only from the leaves that refer to them. */
	for (__u32 c = 1; c < t->n; c++) {
		const struct fwctl_leaf *lf = &t->cells[c].leaf;

		if (lf->kind != FWCTL_CELL_LEAF || !reached(t, c))
			continue;
		for (__u32 i = 0; i < lf->n_boxes; i++) {
			const struct fwctl_box *b = &t->cells[lf->box[i]].box;

			if (b->prio >= n || b->rule_id != ids[b->prio] ||
			    b->action != rule_box_action(&rules[b->prio])) {
				snprintf(why, len, "box %u: prio %u id %u action %u", lf->box[i],
					 b->prio, b->rule_id, b->action);
				return -1;
			}
		}
	}
	return 0;
}

/* The layout of include/fwctl_classifier.h, and the boxes' rule fields. */
static int check_table(struct table *t, const struct rule *rules, const __u32 *ids,
		       unsigned int n, char *why, size_t len)
{
	int err = check_table_seen(t, rules, ids, n, why, len);

	free(t->seen);
	t->seen = NULL;
	return err;
}

/* Does the table give rule index exp (-1: none) for key? */
static int check_key(const struct table *t, const struct rule *rules, const __u32 *ids,
		     int exp, const struct fwctl_key *k, char *why, size_t len)
{
	__u32 got = classifier_lookup(t->cells, t->n, k);
	const struct fwctl_box *b = got ? &t->cells[got].box : NULL;
	__u32 in_bank, id, action;

	if (t->bank) {
		/* The bank's walk must find the same box (a copy of it). */
		in_bank = classifier_bank_lookup(t->bank, t->bank_n, k, &id, &action);
		bank_keys++;
		if ((in_bank == FWCTL_NO_PRIO) != !b ||
		    (b && (in_bank != b->prio || id != b->rule_id || action != b->action))) {
			snprintf(why, len, "bank walk: prio %d (rule id %u, action %u), "
				 "generation walk: %d", (int)in_bank, id, action,
				 b ? (int)b->prio : -1);
			return -1;
		}
	}
	if (exp < 0 && !got)
		return 0;
	if (exp >= 0 && b && b->prio == (__u32)exp && b->rule_id == ids[exp] &&
	    b->action == rule_box_action(&rules[exp]))
		return 0;
	snprintf(why, len, "key [");
	for (int d = 0; d < FWCTL_DIMS; d++)
		snprintf(why + strlen(why), len - strlen(why), "%s%x", d ? " " : "", k->w[d]);
	snprintf(why + strlen(why), len - strlen(why), "]: expected rule %d, got %d",
		 exp + 1, b ? (int)b->prio + 1 : 0);
	return -1;
}

/* ---- building rules by hand ------------------------------------------------- */

static struct rule R(int action, int proto)
{
	struct rule r;

	memset(&r, 0, sizeof(r));
	r.action = action;
	r.proto = proto;
	r.in = -1;
	return r;
}

static struct rule_prefix P4(__u32 a, int len)
{
	struct rule_prefix p = { .family = FWCTL_FAMILY_V4, .len = len, .addr = { a } };

	return p;
}

static struct rule_prefix P6(__u32 a0, __u32 a1, __u32 a2, __u32 a3, int len)
{
	struct rule_prefix p = { .family = FWCTL_FAMILY_V6, .len = len,
				 .addr = { a0, a1, a2, a3 } };

	return p;
}

static void add_prefix(struct rule_prefix **l, unsigned int *n, struct rule_prefix p)
{
	*l = realloc(*l, (*n + 1) * sizeof(**l));
	(*l)[(*n)++] = p;
}

static void add_ports(struct rule_ports **l, unsigned int *n, __u16 lo, __u16 hi)
{
	*l = realloc(*l, (*n + 1) * sizeof(**l));
	(*l)[*n].lo = lo;
	(*l)[*n].hi = hi;
	(*n)++;
}

static struct fwctl_key K4(__u32 src, __u32 dst, __u32 proto, __u32 sp, __u32 dp)
{
	struct fwctl_key k;

	memset(&k, 0, sizeof(k));
	k.w[FWCTL_DIM_SRC0] = src;
	k.w[FWCTL_DIM_DST0] = dst;
	k.w[FWCTL_DIM_PROTO] = proto;
	k.w[FWCTL_DIM_SPORT] = sp;
	k.w[FWCTL_DIM_DPORT] = dp;
	k.w[FWCTL_DIM_FAMILY] = FWCTL_FAMILY_V4;
	return k;
}

static void free_rules(struct rule *rules, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		rule_free(&rules[i]);
}

static __u32 ids_seq[16] = { 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26 };

/* The attached interfaces the semantic cases name in 'in IF'. */
static const struct rule_ctx ctx = { { "in0", "out0" } };

/*
 * A key from text: "SRC DST PROTO [SPORT DPORT] [frag] [in DIR]", SRC and
 * DST IPv4 or IPv6 (the family); SPORT/DPORT are the ICMP type and code
 * for ICMP. frag makes it a non-first fragment as the parser would: no
 * ports, and an IPv6 one loses its protocol.
 */
static int key_from_text(const char *text, struct fwctl_key *k)
{
	char buf[256], *save = NULL, *t;
	unsigned char a[16];
	int field = 0;

	memset(k, 0, sizeof(*k));
	snprintf(buf, sizeof(buf), "%s", text);
	for (t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save), field++) {
		if (field < 2) {
			int d0 = field ? FWCTL_DIM_DST0 : FWCTL_DIM_SRC0;
			int v6 = inet_pton(AF_INET6, t, a) == 1;

			if (!v6 && inet_pton(AF_INET, t, a) != 1)
				return -1;
			k->w[FWCTL_DIM_FAMILY] = v6;
			for (int w = 0; w < (v6 ? 4 : 1); w++)
				k->w[d0 + w] = (__u32)a[4 * w] << 24 | a[4 * w + 1] << 16 |
					       a[4 * w + 2] << 8 | a[4 * w + 3];
		} else if (field == 2) {
			k->w[FWCTL_DIM_PROTO] = atoi(t);
		} else if (!strcmp(t, "frag")) {
			k->w[FWCTL_DIM_FRAG] = 1;
			k->w[FWCTL_DIM_SPORT] = k->w[FWCTL_DIM_DPORT] = 0;
			if (k->w[FWCTL_DIM_FAMILY] == FWCTL_FAMILY_V6)
				k->w[FWCTL_DIM_PROTO] = FWCTL_PROTO_UNKNOWN;
		} else if (!strcmp(t, "start")) {
			k->w[FWCTL_DIM_START] = 1;
		} else if (!strcmp(t, "in")) {
			t = strtok_r(NULL, " ", &save);
			if (!t)
				return -1;
			k->w[FWCTL_DIM_IN] = atoi(t);
		} else if (field == 3 || field == 4) {
			k->w[field == 3 ? FWCTL_DIM_SPORT : FWCTL_DIM_DPORT] = atoi(t);
		} else {
			return -1;
		}
	}
	return field >= 3 ? 0 : -1;
}

/*
 * One semantic case: rules in text (as a rules file has them), a key, the
 * expected 1-based first match (0: none). The oracle and the compiled
 * table must both give it.
 */
static void semantic(const char *what, const char *const *text, const char *key, int expect)
{
	struct rule rules[8];
	struct fwctl_key k;
	struct table t;
	char why[512] = "";
	unsigned int n = 0;
	int ora;

	if (!selected(what))
		return;
	if (key_from_text(key, &k)) {
		result(0, what, "bad key '%s'", key);
		return;
	}
	for (; text[n]; n++) {
		struct fwctl_err e = { { 0 } };

		if (rule_from_text(text[n], &ctx, &rules[n], &e)) {
			result(0, what, "rule '%s': %s", text[n], e.msg);
			free_rules(rules, n);
			return;
		}
	}
	ora = first_match(rules, n, &k);
	if (ora != expect - 1) {
		result(0, what, "the oracle says rule %d, the semantics %d", ora + 1, expect);
	} else if (compile(rules, ids_seq, n, &t, why, sizeof(why))) {
		result(0, what, "%s", why);
	} else {
		int bad = check_table(&t, rules, ids_seq, n, why, sizeof(why)) ||
			  check_key(&t, rules, ids_seq, expect - 1, &k, why, sizeof(why));

		result(!bad, what, "%s", why);
		free(t.cells);
	}
	free_rules(rules, n);
}

#define RULES(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* Compile rule texts; 0 or the error, the table in *t. */
static int compile_text(const char *const *text, struct table *t, char *why, size_t len)
{
	struct rule rules[8];
	__u32 ids[8];
	unsigned int n = 0;
	int err;

	for (; text[n]; n++) {
		struct fwctl_err e = { { 0 } };

		if (n == 8) {
			snprintf(why, len, "more than 8 rules");
			free_rules(rules, n);
			return -1;
		}
		ids[n] = n + 1;
		if (rule_from_text(text[n], &ctx, &rules[n], &e)) {
			snprintf(why, len, "rule '%s': %s", text[n], e.msg);
			free_rules(rules, n);
			return -1;
		}
	}
	err = compile(rules, ids, n, t, why, len);
	free_rules(rules, n);
	return err;
}

/*
 * The bank format of small sets (include/fwctl_classifier.h): each box
 * keeps only the dimensions it narrows, as lo and span; a box narrowing
 * more than FWCTL_BANK_BOX_DIMS, or a set of more cells than the bank
 * holds (fwctl attach --bank-cells), gets no bank. Every differential test below also walks the bank
 * copy of each small table (check_key) and requires the same box.
 */
static void test_bank_format(void)
{
	const char *what = "bank: the reference rules are the header and one run of their 4 half "
			   "boxes, each keeping only what it narrows beside the flags word";
	struct table t;
	char why[512] = "";
	__u32 size;
	int err;

	if (selected(what)) {
		int ok = !compile_text(RULES("icmp", "tcp 7070", "udp"), &t, why, sizeof(why)) &&
			 t.bank && t.bank_n == 3 && t.bank[0].hdr.n_roots == 1 &&
			 t.bank[0].hdr.root[0] == 2;
		unsigned int dims[4] = { 0 }, left[4] = { 0 }, prio[4] = { 0 }, fl[4] = { 0 };

		for (__u32 b = 0; ok && b < 4; b++) {
			const struct fwctl_half_box *hb = &t.bank[1 + b / 2].half[b & 1];

			ok = hb->kind == FWCTL_CELL_HALF_BOX;
			dims[b] = hb->n_dims;
			left[b] = hb->left;
			prio[b] = hb->prio;
			fl[b] = hb->flags;
		}
		/* icmp: proto 1, IPv4; tcp 7070 (sport, dport): proto 6, not a
		 * fragment, the port; udp: proto 17 */
		ok = ok && dims[0] == 0 && dims[1] == 1 && dims[2] == 1 && dims[3] == 0 &&
		     left[0] == 4 && left[1] == 3 && left[2] == 2 && left[3] == 1 &&
		     prio[0] == 0 && prio[1] == 1 && prio[2] == 1 && prio[3] == 2 &&
		     fl[0] == 1 && fl[1] == 6 && fl[2] == 6 && fl[3] == 17 &&
		     t.bank[1].half[0].flags_mask == (0x1ff | 1 << FWCTL_FLAGS_FAMILY_SHIFT) &&
		     t.bank[1].half[1].flags_mask == (0x1ff | 1 << FWCTL_FLAGS_FRAG_SHIFT);
		result(ok, what, "%s; bank cells %u, dims %u %u %u %u, left %u %u %u %u, "
		       "flags %x %x %x %x", why, t.bank_n, dims[0], dims[1], dims[2], dims[3],
		       left[0], left[1], left[2], left[3], fl[0], fl[1], fl[2], fl[3]);
		if (!why[0])
			free(t.cells);
	}
	what = "bank: a box in several leaves is copied into each leaf's run";
	if (selected(what)) {
		/* 'any' covers every region the port rules cut: it is in many leaves. */
		const char *const r[] = { "tcp 1", "tcp 2", "tcp 3", "tcp 4", "tcp 5", "tcp 6",
					  "udp 7", "allow any", NULL };
		__u32 copies = 0, holding = 0, slots = 2, nb;

		err = compile_text(r, &t, why, sizeof(why));
		for (__u32 c = 1; !err && t.bank && c < t.bank_n; c++)
			for (int h = 0; h < 2; h++)
				copies += t.bank[c].half[h].kind == FWCTL_CELL_HALF_BOX &&
					  t.bank[c].half[h].prio == 7;
		/* Bank size: the header and each node a cell, a slot per leaf box
		 * (these all fit half boxes), a cell per empty leaf. */
		for (__u32 c = 1; !err && c < t.n; c++) {
			if (t.cells[c].box.kind == FWCTL_CELL_BOX)
				continue;
			if (t.cells[c].kind == FWCTL_CELL_NODE) {
				slots += (slots & 1) + 2;
				continue;
			}
			if (t.cells[c].kind != FWCTL_CELL_LEAF)
				continue;
			nb = t.cells[c].leaf.n_boxes;
			slots += nb ? nb : (slots & 1) + 2;
			for (__u32 i = 0; i < nb; i++)
				holding += t.cells[t.cells[c].leaf.box[i]].box.prio == 7;
		}
		result(!err && t.bank && holding > 1 && copies == holding &&
		       t.bank_n == (slots + 1) / 2, what,
		       "%s; leaves holding 'any' %u, copies %u, bank cells %u (expected %u)",
		       why, holding, copies, t.bank_n, (slots + 1) / 2);
		if (!err)
			free(t.cells);
	}
	what = "bank: a leaf with a box that fits no half box is a run of full bank boxes";
	if (selected(what)) {
		/* Six address words and a port: more than FWCTL_HALF_BOX_DIMS. */
		err = compile_text(RULES("tcp dport 22 src 2001:db8::1 dst 2001:db8:1:2::/64",
					 "udp"), &t, why, sizeof(why));
		result(!err && t.bank && t.bank_n == 3 && t.bank[0].hdr.root[0] == 2 &&
		       t.bank[1].bank_box.kind == FWCTL_CELL_BOX &&
		       t.bank[1].bank_box.left == 2 && t.bank[1].bank_box.n_dims == 10 &&
		       t.bank[2].bank_box.kind == FWCTL_CELL_BOX && t.bank[2].bank_box.prio == 1,
		       what, "%s; bank cells %u, kinds %u %u, dims %u", why, t.bank_n,
		       t.bank_n > 1 ? t.bank[1].kind : 0, t.bank_n > 2 ? t.bank[2].kind : 0,
		       t.bank_n > 1 ? t.bank[1].bank_box.n_dims : 0);
		if (!err)
			free(t.cells);
	}
	what = "bank: a box narrowing more than FWCTL_BANK_BOX_DIMS dimensions gets no bank";
	if (selected(what)) {
		err = compile_text(RULES("tcp sport 1 dport 2 in in0 src 2001:db8::1 dst 2001:db8::2"),
				   &t, why, sizeof(why));
		result(!err && !t.bank &&
		       classifier_bank_cells(t.cells, t.n, FWCTL_BANK_CELLS_DEFAULT, bank_buf,
					     NULL) == -E2BIG,
		       what, "%s; bank %p", why, (void *)t.bank);
		if (!err)
			free(t.cells);
	}
	what = "bank: a set whose bank layout needs more cells than the bank holds gets no bank; "
	       "one that fills it does";
	if (selected(what)) {
		err = compile_text(RULES("tcp dport 1-100", "udp sport 7", "deny tcp dport 50",
					 "allow icmp type 8", "allow any src 10.0.0.0/8"),
				   &t, why, sizeof(why));
		size = t.bank_n;
		result(!err && t.bank && size > 2 &&
		       classifier_bank_cells(t.cells, t.n, size - 1, bank_buf, NULL) == -E2BIG &&
		       classifier_bank_cells(t.cells, t.n, size, bank_buf, NULL) == 0,
		       what, "%s; bank cells %u", why, size);
		if (!err)
			free(t.cells);
	}
}

/* Each numbered semantic of issue 11 that the classifier decides. */
static void test_semantics(void)
{
	/* 2: one ordered list, the first match decides */
	semantic("2: the first matching rule decides (deny before allow)",
		 RULES("deny tcp dport 22", "allow tcp"), "1.0.0.1 2.0.0.2 6 1000 22", 1);
	semantic("2: a wide early rule wins over a narrow later one",
		 RULES("allow any", "deny tcp dport 22"), "1.0.0.1 2.0.0.2 6 1000 22", 1);
	semantic("2: a later rule decides what earlier ones do not match",
		 RULES("deny tcp dport 22", "allow tcp dport 20-30"), "1.0.0.1 2.0.0.2 6 1000 23", 2);
	semantic("2: no rule matches: none (the policy decides)",
		 RULES("allow udp"), "1.0.0.1 2.0.0.2 6 1 2", 0);

	/* 3: AND of the fields, OR within a list */
	semantic("3: every field must match (src yes, dport no)",
		 RULES("allow tcp src 10.0.0.0/8 dport 80"), "10.1.1.1 1.0.0.1 6 5 81", 0);
	semantic("3: every field must match (both)",
		 RULES("allow tcp src 10.0.0.0/8 dport 80"), "10.1.1.1 1.0.0.1 6 5 80", 1);
	semantic("3: any element of a list matches (second prefix, second port)",
		 RULES("allow tcp dst 10.0.0.0/8,192.168.1.0/24 dport 22,443"),
		 "5.0.0.5 192.168.1.77 6 5 443", 1);
	semantic("3: PORTS matches the source port",
		 RULES("allow tcp 7070"), "1.0.0.1 2.0.0.2 6 7070 1", 1);
	semantic("3: PORTS matches the destination port",
		 RULES("allow udp 5000-5100"), "1.0.0.1 2.0.0.2 17 1 5100", 1);
	semantic("3: PORTS needs one of the two ports in range",
		 RULES("allow tcp 7070"), "1.0.0.1 2.0.0.2 6 7071 7069", 0);
	semantic("3: PORTS and dport together: both must hold",
		 RULES("allow tcp 1000-2000 dport 80"), "1.0.0.1 2.0.0.2 6 1500 81", 0);
	semantic("3: PORTS and dport together, through the source port",
		 RULES("allow tcp 1000-2000 dport 80"), "1.0.0.1 2.0.0.2 6 1500 80", 1);
	semantic("3: sport is the source port only",
		 RULES("allow tcp sport 1000-2000"), "1.0.0.1 2.0.0.2 6 80 1500", 0);
	semantic("3: port 0 can be matched",
		 RULES("deny udp sport 0"), "1.0.0.1 2.0.0.2 17 0 53", 1);

	/* 4: protocols and families */
	semantic("4: tcp matches IPv6", RULES("allow tcp"), "2001:db8::1 2001:db8::2 6 1 2", 1);
	semantic("4: icmp does not match IPv6 protocol 1",
		 RULES("allow icmp"), "2001:db8::1 2001:db8::2 1 8 0", 0);
	semantic("4: icmp matches IPv4 protocol 1", RULES("allow icmp"), "1.0.0.1 2.0.0.2 1 8 0", 1);
	semantic("4: icmpv6 does not match IPv4 protocol 58",
		 RULES("allow icmpv6"), "1.0.0.1 2.0.0.2 58 128 0", 0);
	semantic("4: icmpv6 matches IPv6 protocol 58",
		 RULES("allow icmpv6"), "2001:db8::1 2001:db8::2 58 128 0", 1);
	semantic("4: a numeric protocol matches IPv4 and IPv6",
		 RULES("deny 47", "allow any"), "2001:db8::1 2001:db8::2 47", 1);
	semantic("4: protocol 0 matches protocol 0 only",
		 RULES("allow 0"), "1.0.0.1 2.0.0.2 255", 0);
	semantic("4: any matches every protocol",
		 RULES("allow any"), "1.0.0.1 2.0.0.2 255", 1);
	semantic("4: any matches IPv6 too",
		 RULES("allow any"), "fe80::1 ff02::1 0", 1);

	/* 5: addresses of the packet's family only */
	semantic("5: an IPv4 /0 does not match an IPv6 packet",
		 RULES("allow any src 0.0.0.0/0"), ":: :: 6 1 2", 0);
	semantic("5: an IPv6 ::/0 does not match an IPv4 packet",
		 RULES("allow any dst ::/0"), "0.0.0.0 0.0.0.0 6 1 2", 0);
	semantic("5: a mixed list matches IPv6 through its IPv6 prefix",
		 RULES("allow any src 10.0.0.0/8,fd00::/8 dst fd00::/8"),
		 "fd12:3456::1 fdff::2 17 1 2", 1);
	semantic("5: a mixed list matches IPv4 through its IPv4 prefix",
		 RULES("allow any src 10.0.0.0/8,fd00::/8 dst 11.0.0.0/8,fd00::/8"),
		 "10.1.2.3 11.3.2.1 17 1 2", 1);
	semantic("5: IPv4 src with only IPv6 dst never matches IPv4",
		 RULES("allow any src 10.0.0.0/8,fd00::/8 dst fd00::/8"),
		 "10.1.2.3 10.1.2.3 17 1 2", 0);
	semantic("5: an IPv6 /96 compares the third word",
		 RULES("allow tcp dst 2001:db8:0:0:1234:5678::/96"),
		 "::1 2001:db8::1234:5678:9:9 6 1 2", 1);
	semantic("5: an IPv6 /96 rejects another third word",
		 RULES("allow tcp dst 2001:db8:0:0:1234:5678::/96"),
		 "::1 2001:db8::1234:5679:9:9 6 1 2", 0);
	semantic("5: an IPv6 /127 takes two addresses, not three",
		 RULES("allow udp src 2001:db8::/127"), "2001:db8::2 ::1 17 1 2", 0);

	/* 6: non-first fragments */
	semantic("6: PORTS (even 0-65535) never matches a fragment",
		 RULES("allow tcp 0-65535"), "1.0.0.1 2.0.0.2 6 frag", 0);
	semantic("6: dport never matches a fragment",
		 RULES("allow udp dport 0-65535"), "1.0.0.1 2.0.0.2 17 frag", 0);
	semantic("6: sport never matches a fragment",
		 RULES("allow udp sport 0"), "1.0.0.1 2.0.0.2 17 frag", 0);
	semantic("6: type never matches a fragment",
		 RULES("allow icmp type echo-reply"), "1.0.0.1 2.0.0.2 1 frag", 0);
	semantic("6: tcp without ports matches an IPv4 fragment",
		 RULES("allow tcp"), "1.0.0.1 2.0.0.2 6 frag", 1);
	semantic("6: icmp without type matches an IPv4 fragment",
		 RULES("allow icmp"), "1.0.0.1 2.0.0.2 1 frag", 1);
	semantic("6: tcp does not match an IPv6 fragment (protocol unknown)",
		 RULES("allow tcp", "allow 44"), "2001:db8::1 2001:db8::2 6 frag", 0);
	semantic("6: any matches an IPv6 fragment, by address too",
		 RULES("allow any src 2001:db8::/32"), "2001:db8::1 ::2 6 frag", 1);
	semantic("6: a fragment matches by in too",
		 RULES("deny any in out0", "allow any in in0"), "1.0.0.1 2.0.0.2 17 frag in 0", 2);
	semantic("6: a fragment skips a PORTS rule and takes the next",
		 RULES("deny tcp 80", "allow tcp"), "1.0.0.1 2.0.0.2 6 frag", 2);

	/* ICMP type and code */
	semantic("type: echo-request matches type 8, any code",
		 RULES("allow icmp type echo-request"), "1.0.0.1 2.0.0.2 1 8 3", 1);
	semantic("type: echo-request does not match type 0",
		 RULES("allow icmp type echo-request"), "1.0.0.1 2.0.0.2 1 0 0", 0);
	semantic("type: icmpv6 1/4 needs code 4",
		 RULES("allow icmpv6 type destination-unreachable/4"), "::1 ::2 58 1 3", 0);
	semantic("type: icmpv6 1/4 matches code 4",
		 RULES("allow icmpv6 type 1/4"), "::1 ::2 58 1 4", 1);

	/* 7: in */
	semantic("7: in out0 does not match frames from in0",
		 RULES("allow any in out0"), "1.0.0.1 2.0.0.2 6 1 2 in 0", 0);
	semantic("7: in out0 matches frames from out0",
		 RULES("allow any in out0"), "1.0.0.1 2.0.0.2 6 1 2 in 1", 1);
	semantic("7: in and the other fields together",
		 RULES("deny tcp in in0 dport 22", "allow tcp"), "1.0.0.1 2.0.0.2 6 1 22 in 1", 2);

	/* stateful: only a packet that can start a flow (START 1) matches */
	semantic("stateful: START 0 does not match a stateful rule",
		 RULES("allow tcp dport 22 stateful"), "1.0.0.1 2.0.0.2 6 5 22", 0);
	semantic("stateful: START 1 matches a stateful rule",
		 RULES("allow tcp dport 22 stateful"), "1.0.0.1 2.0.0.2 6 5 22 start", 1);
	semantic("stateful: START 0 skips the stateful rule and takes the next",
		 RULES("allow udp dport 53 stateful", "deny udp"), "1.0.0.1 2.0.0.2 17 5 53", 2);
	semantic("stateful: START 1 takes the stateful rule before the next",
		 RULES("allow udp dport 53 stateful", "deny udp"), "1.0.0.1 2.0.0.2 17 5 53 start", 1);
	semantic("stateful: a stateless twin after it takes START 0",
		 RULES("allow tcp dport 22 stateful", "allow tcp dport 22"), "::1 ::2 6 5 22", 2);
	semantic("stateful: a stateless twin before it hides it",
		 RULES("allow tcp dport 22", "allow tcp dport 22 stateful"), "::1 ::2 6 5 22 start", 1);
	semantic("stateful: a stateless rule matches START 1 too",
		 RULES("allow icmp type echo-request"), "1.0.0.1 2.0.0.2 1 8 0 start", 1);
	semantic("stateful: icmpv6 echo request with START 1",
		 RULES("deny icmpv6 type echo-reply", "allow icmpv6 type echo-request stateful"),
		 "::1 ::2 58 128 0 start", 2);
}

#define A FWCTL_ACTION_ALLOW
#define D FWCTL_ACTION_DENY
#define IP(a, b, c, d) ((__u32)(a) << 24 | (b) << 16 | (c) << 8 | (d))

/* ---- shapes of the table ------------------------------------------------------ */

static void test_shapes(void)
{
	struct rule r[3];
	struct table t;
	char why[512] = "";
	const char *what;

	/* The reference rules: icmp, tcp 7070, udp. */
	r[0] = R(A, 1);
	r[1] = R(A, 6); r[1].has_ports = true; r[1].ports.lo = r[1].ports.hi = 7070;
	r[2] = R(A, 17);
	what = "reference rules: one leaf root, 4 boxes, 6 cells";
	if (selected(what)) {
		if (compile(r, ids_seq, 3, &t, why, sizeof(why)))
			result(0, what, "%s", why);
		else {
			const struct fwctl_table_hdr *h = &t.cells[0].hdr;

			result(h->n_roots == 1 && t.cells[h->root[0]].kind == FWCTL_CELL_LEAF &&
			       t.n == 6 && t.st.boxes == 4 && h->root_min_prio[0] == 0,
			       what, "%u roots, %u cells, %llu boxes", h->n_roots, t.n,
			       (unsigned long long)t.st.boxes);
			free(t.cells);
		}
	}
	what = "no rules: no root, only the header, nothing matches";
	if (selected(what)) {
		if (compile(r, ids_seq, 0, &t, why, sizeof(why)))
			result(0, what, "%s", why);
		else {
			struct fwctl_key k = K4(1, 2, 6, 3, 4);

			result(t.n == 1 && t.cells[0].hdr.n_roots == 0 &&
			       !classifier_lookup(t.cells, t.n, &k) &&
			       !check_table(&t, r, ids_seq, 0, why, sizeof(why)),
			       what, "%u cells %s", t.n, why);
			free(t.cells);
		}
	}
	free_rules(r, 3);

	/* Boxes per rule: the product of its lists, families that fit. */
	r[0] = R(A, 6);
	add_prefix(&r[0].src, &r[0].n_src, P4(IP(10, 0, 0, 0), 8));
	add_prefix(&r[0].src, &r[0].n_src, P4(IP(11, 0, 0, 0), 8));
	add_prefix(&r[0].src, &r[0].n_src, P6(0x20010db8, 0, 0, 0, 32));
	add_prefix(&r[0].dst, &r[0].n_dst, P4(IP(12, 0, 0, 0), 8));
	add_prefix(&r[0].dst, &r[0].n_dst, P6(0x20010db8, 0, 0, 0, 32));
	add_ports(&r[0].dport, &r[0].n_dport, 22, 22);
	add_ports(&r[0].dport, &r[0].n_dport, 80, 80);
	r[0].has_ports = true; r[0].ports.lo = 20; r[0].ports.hi = 100;
	/* src x dst families: (v4,v4) x2 + (v6,v6) x1 = 3; x 2 dports x 2 sides = 12 */
	what = "boxes: one per combination of list elements whose families agree";
	if (selected(what)) {
		if (compile(r, ids_seq, 1, &t, why, sizeof(why)))
			result(0, what, "%s", why);
		else {
			result(t.st.boxes == 12, what, "%llu boxes, expected 12",
			       (unsigned long long)t.st.boxes);
			free(t.cells);
		}
	}
	free_rules(r, 1);
	r[0] = R(A, 1);
	add_prefix(&r[0].src, &r[0].n_src, P6(0x20010db8, 0, 0, 0, 32));
	what = "boxes: icmp with only IPv6 prefixes gives none";
	if (selected(what)) {
		if (compile(r, ids_seq, 1, &t, why, sizeof(why)))
			result(0, what, "%s", why);
		else {
			result(t.st.boxes == 0 && t.cells[0].hdr.n_roots == 0, what,
			       "%llu boxes", (unsigned long long)t.st.boxes);
			free(t.cells);
		}
	}
	free_rules(r, 1);

	/* 'rules check' with nothing attached: 'in IF' unresolved still compiles. */
	what = "in IF unresolved (nothing attached): compiles, as any interface";
	if (selected(what)) {
		struct fwctl_err e = { { 0 } };

		if (rule_from_text("allow udp in eth9", NULL, &r[0], &e)) {
			result(0, what, "parse: %s", e.msg);
		} else if (compile(r, ids_seq, 1, &t, why, sizeof(why))) {
			result(0, what, "%s", why);
		} else {
			struct fwctl_key k;

			key_from_text("1.0.0.1 2.0.0.2 17 1 2 in 1", &k);
			result(r[0].in == RULE_IN_UNRESOLVED && classifier_lookup(t.cells, t.n, &k),
			       what, "in %d", r[0].in);
			free(t.cells);
		}
		rule_free(&r[0]);
	}

	/* Too many combinations: an error naming the rule, no table. */
	r[0] = R(A, 6);
	r[1] = R(A, 6);
	for (int i = 0; i < 128; i++) {
		add_prefix(&r[1].src, &r[1].n_src, P4(IP(10, 0, i, 0), 24));
		add_prefix(&r[1].dst, &r[1].n_dst, P4(IP(11, 0, i, 0), 24));
	}
	for (int i = 0; i < 128; i++)
		add_ports(&r[1].dport, &r[1].n_dport, 2 * i, 2 * i);
	what = "box limit: a rule of 128 x 128 x 128 combinations is refused, by position";
	if (selected(what)) {
		struct fwctl_err e = { { 0 } };
		int err = classifier_compile(r, ids_seq, 2, 0, &t.cells, &t.n, &t.st, &e);

		result(err == -E2BIG && strstr(e.msg, "rule 2 ") && !t.cells, what,
		       "err %d, message '%s'", err, e.msg);
		if (!err)
			free(t.cells);
	}
	free_rules(r, 2);
}

/* ---- random sets -------------------------------------------------------------- */

static int differential_one(__u64 seed, unsigned int n, unsigned int n_keys,
			    __u32 *max_depth, char *why, size_t len)
{
	struct rng g = { seed };
	struct gen_pool pool;
	struct rule *rules = calloc(n, sizeof(*rules));
	__u32 *ids = calloc(n, sizeof(*ids));
	struct table t;
	int bad;

	gen_pool_init(&g, &pool, n);
	for (unsigned int i = 0; i < n; i++) {
		gen_rule(&g, &pool, &rules[i]);
		ids[i] = 3 * n - i;
	}
	bad = compile(rules, ids, n, &t, why, len);
	if (!bad) {
		bad = check_table(&t, rules, ids, n, why, len);
		for (unsigned int i = 0; i < n_keys && !bad; i++) {
			struct fwctl_key k;

			gen_key(&g, &pool, rules, n, &k);
			bad = check_key(&t, rules, ids, first_match(rules, n, &k), &k, why, len);
		}
		if (t.st.max_depth > *max_depth)
			*max_depth = t.st.max_depth;
		free(t.cells);
	}
	free_rules(rules, n);
	free(rules);
	free(ids);
	return bad;
}

static void test_random(__u64 seed)
{
	static const struct { unsigned int size, sets, keys; } plan[] = {
		{ 1, 300, 200 }, { 2, 300, 200 }, { 3, 300, 200 }, { 5, 200, 300 },
		{ 8, 200, 300 }, { 9, 200, 300 }, { 16, 150, 500 }, { 40, 100, 1000 },
		{ 100, 60, 2000 }, { 300, 30, 3000 }, { 1000, 10, 5000 },
		{ 2500, 4, 5000 }, { 5000, 3, 5000 },
	};

	for (size_t p = 0; p < sizeof(plan) / sizeof(plan[0]); p++) {
		char what[160], why[512] = "";
		__u32 depth = 0;
		int bad = 0;

		snprintf(what, sizeof(what),
			 "random: %u sets of %u rules, %u keys each, equal the first-match scan",
			 plan[p].sets, plan[p].size, plan[p].keys);
		if (!selected(what))
			continue;
		for (unsigned int s = 0; s < plan[p].sets && !bad; s++) {
			__u64 sd = seed * 1000003 + plan[p].size * 7919 + s;

			bad = differential_one(sd, plan[p].size, plan[p].keys, &depth, why,
					       sizeof(why));
			if (bad)
				snprintf(why + strlen(why), sizeof(why) - strlen(why),
					 " (set seed %llu)", (unsigned long long)sd);
		}
		result(!bad, what, "%s", why);
	}
}

/*
 * The builder's knobs change the trees, never the answers: leaves of one
 * box or of 31, one tree, and a depth limit so low that full leaves push
 * boxes into extra trees (or the set is refused as too complex).
 */
static void test_tuning(__u64 seed)
{
	static const struct { const char *name; struct classifier_tuning t; } knobs[] = {
		{ "leaf target 1", { 1, 8, FWCTL_MAX_DEPTH, true } },
		{ "leaf target 31", { 31, 8, FWCTL_MAX_DEPTH, true } },
		{ "depth weight 0", { 4, 0, FWCTL_MAX_DEPTH, true } },
		{ "one tree", { 4, 8, FWCTL_MAX_DEPTH, false } },
		{ "depth limit 1", { 4, 8, 1, true } },
		{ "depth limit 2, one tree", { 2, 8, 2, false } },
	};
	struct classifier_tuning saved = classifier_tuning;

	for (size_t k = 0; k < sizeof(knobs) / sizeof(knobs[0]); k++) {
		static const unsigned int sizes[] = { 10, 60, 300, 1200 };
		char what[160], why[512] = "";
		__u32 depth = 0, overflowed = 0, refused = 0;
		int bad = 0;

		snprintf(what, sizeof(what), "tuning %s: random sets still equal the first-match scan",
			 knobs[k].name);
		if (!selected(what))
			continue;
		classifier_tuning = knobs[k].t;
		for (unsigned int s = 0; s < 12 && !bad; s++) {
			unsigned int n = sizes[s % 4];
			struct rng g = { seed * 31 + k * 1000 + s };
			struct gen_pool pool;
			struct rule *rules = calloc(n, sizeof(*rules));
			__u32 *ids = calloc(n, sizeof(*ids));
			struct fwctl_err e = { { 0 } };
			struct table t = { 0 };
			int err;

			gen_pool_init(&g, &pool, n);
			for (unsigned int i = 0; i < n; i++) {
				gen_rule(&g, &pool, &rules[i]);
				ids[i] = i + 1;
			}
			err = classifier_compile(rules, ids, n, 0, &t.cells, &t.n, &t.st, &e);
			if (err == -E2BIG && strstr(e.msg, "too complex")) {
				refused++;
			} else if (err) {
				snprintf(why, sizeof(why), "compile: %s (%d)", e.msg, err);
				bad = 1;
			} else {
				overflowed += t.st.overflow_boxes > 0;
				if (t.st.max_depth > depth)
					depth = t.st.max_depth;
				bad = check_table(&t, rules, ids, n, why, sizeof(why));
				for (unsigned int i = 0; i < 3000 && !bad; i++) {
					struct fwctl_key key;

					gen_key(&g, &pool, rules, n, &key);
					bad = check_key(&t, rules, ids, first_match(rules, n, &key), &key,
							why, sizeof(why));
				}
				free(t.cells);
			}
			free_rules(rules, n);
			free(rules);
			free(ids);
		}
		if (!bad && depth > classifier_tuning.max_depth) {
			snprintf(why, sizeof(why), "depth %u over the limit %u", depth,
				 classifier_tuning.max_depth);
			bad = 1;
		}
		if (!bad && classifier_tuning.max_depth < 3 && !overflowed) {
			snprintf(why, sizeof(why), "no set needed an extra tree (%u refused)", refused);
			bad = 1;
		}
		if (classifier_tuning.max_depth < 3)
			printf("# %s: %u of 12 sets used extra trees, %u refused as too complex\n",
			       knobs[k].name, overflowed, refused);
		result(!bad, what, "%s", why);
	}
	classifier_tuning = saved;
}

/* ---- appending to a compiled set ---------------------------------------------- */

/*
 * One set grown the way 'rules add' grows it: a first part compiled whole,
 * then a few rules at a time appended with classifier_append() on the
 * kept part its header names (the whole set compiled again when the tail
 * gets long or the roots run out). After every step: the layout, and
 * keys against the first-match scan of the rules so far.
 */
static int append_one(__u64 seed, unsigned int n, unsigned int keys, unsigned int *appends,
		      unsigned int *wholes, unsigned int *no_root, unsigned int tail_max,
		      char *why, size_t len)
{
	struct rng g = { seed };
	struct gen_pool pool;
	struct rule *rules = calloc(n, sizeof(*rules));
	__u32 *ids = calloc(n, sizeof(*ids));
	struct table t = { 0 };
	unsigned int cur, step;
	int bad;

	gen_pool_init(&g, &pool, n);
	for (unsigned int i = 0; i < n; i++) {
		gen_rule(&g, &pool, &rules[i]);
		ids[i] = 5 * n - 2 * i;
	}
	cur = rng_below(&g, n / 2 + 1);	/* from an empty set, too */
	bad = compile(rules, ids, cur, &t, why, len);
	while (!bad && cur < n) {
		const struct fwctl_table_hdr *h = &t.cells[0].hdr;
		__u32 base = CLASSIFIER_TAIL_PRIO(h);
		struct fwctl_cell *next = NULL;
		struct fwctl_err e = { { 0 } };
		__u32 n_next = 0;
		int err;

		step = 1 + rng_next(&g) % (tail_max > 100 ? 40 : 3);
		if (cur + step > n)
			step = n - cur;
		err = cur - base + step > tail_max ? -E2BIG :
			classifier_append(t.cells, CLASSIFIER_TAIL_CELL(h), CLASSIFIER_MAIN_ROOTS(h),
					  base, rules + base, ids + base, cur + step - base,
					  FWCTL_POLICY_DROP, &next, &n_next, NULL, &e);
		cur += step;
		*no_root += err == -ENOSPC;
		if (err == -ENOSPC || err == -E2BIG) {
			free(t.cells);
			bad = compile(rules, ids, cur, &t, why, len);
			(*wholes)++;
			continue;
		}
		if (err) {
			snprintf(why, len, "append: %s (%d)", e.msg, err);
			bad = 1;
			break;
		}
		free(t.cells);
		t.cells = next;
		t.n = n_next;
		t.bank = classifier_bank_cells(t.cells, t.n, FWCTL_BANK_CELLS_DEFAULT, bank_buf,
					       &t.bank_n) ? NULL : bank_buf;
		(*appends)++;
		bad = check_table(&t, rules, ids, cur, why, len);
		for (unsigned int i = 0; i < keys && !bad; i++) {
			struct fwctl_key k;

			gen_key(&g, &pool, rules, cur, &k);
			bad = check_key(&t, rules, ids, first_match(rules, cur, &k), &k, why, len);
		}
	}
	if (!bad)
		free(t.cells);
	free_rules(rules, n);
	free(rules);
	free(ids);
	return bad;
}

/* Every root taken by the kept part: -ENOSPC, and nothing made. */
static void test_append_no_root(void)
{
	const char *what = "append: no root left for the new rules: -ENOSPC, no cells";
	const char *const one[] = { "tcp 7070", NULL }, *const two[] = { "udp 53", NULL };
	struct fwctl_cell *cells = (void *)1;
	struct fwctl_err e = { { 0 } };
	struct rule r;
	__u32 n = 1, id = 2;
	char why[256] = "";
	struct table t;
	int err = 0;

	if (!selected(what))
		return;
	if (compile_text(one, &t, why, sizeof(why))) {
		result(0, what, "%s", why);
		return;
	}
	if (rule_from_text(two[0], &ctx, &r, &e)) {
		result(0, what, "%s", e.msg);
		free(t.cells);
		return;
	}
	err = classifier_append(t.cells, t.n, FWCTL_MAX_ROOTS, 1, &r, &id, 1,
				FWCTL_POLICY_DROP, &cells, &n, NULL, &e);
	result(err == -ENOSPC && !cells && !n, what, "got %d, %p, %u cells", err, (void *)cells, n);

	/* The box limit holds for the whole set, not just what is appended. */
	what = "append: the kept part's boxes count against the box limit";
	if (selected(what)) {
		const struct fwctl_table_hdr *h = &t.cells[0].hdr;
		__u32 roots = CLASSIFIER_MAIN_ROOTS(h), ok_n = 0, over_n = 0;
		struct fwctl_cell *ok = NULL, *over = NULL;
		int err_ok, err_over;

		/* udp 53 makes two boxes (source or destination port 53) */
		CLASSIFIER_MAIN_BOXES(&t.cells[0].hdr) = CLASSIFIER_MAX_BOXES - 2;
		err_ok = classifier_append(t.cells, t.n, roots, 1, &r, &id, 1, FWCTL_POLICY_DROP,
					   &ok, &ok_n, NULL, &e);
		CLASSIFIER_MAIN_BOXES(&t.cells[0].hdr) = CLASSIFIER_MAX_BOXES - 1;
		err_over = classifier_append(t.cells, t.n, roots, 1, &r, &id, 1, FWCTL_POLICY_DROP,
					     &over, &over_n, NULL, &e);
		result(!err_ok && ok && CLASSIFIER_MAIN_BOXES(&ok[0].hdr) == CLASSIFIER_MAX_BOXES - 2 &&
		       err_over == -E2BIG && !over, what,
		       "at the limit: %d; one over: %d (%s)", err_ok, err_over, e.msg);
		free(ok);
		free(over);
	}
	free(t.cells);
	free_rules(&r, 1);
}

static void test_append(__u64 seed)
{
	static const struct { unsigned int size, sets, keys, depth, tail; } plan[] = {
		{ 8, 100, 100, FWCTL_MAX_DEPTH, 40 }, { 40, 60, 200, FWCTL_MAX_DEPTH, 40 },
		{ 300, 12, 300, FWCTL_MAX_DEPTH, 40 }, { 2000, 2, 300, FWCTL_MAX_DEPTH, 40 },
		{ 1000, 3, 300, FWCTL_MAX_DEPTH, 400 },	/* long tails, several trees */
	};
	struct classifier_tuning saved = classifier_tuning;

	for (size_t p = 0; p < sizeof(plan) / sizeof(plan[0]); p++) {
		char what[200], why[512] = "";
		unsigned int appends = 0, wholes = 0, no_root = 0;
		int bad = 0;

		snprintf(what, sizeof(what), "append: %u sets of %u rules grown a few rules at a "
			 "time equal the first-match scan after every step (tails up to %u)",
			 plan[p].sets, plan[p].size, plan[p].tail);
		if (!selected(what))
			continue;
		classifier_tuning.max_depth = plan[p].depth;
		for (unsigned int s = 0; s < plan[p].sets && !bad; s++) {
			__u64 sd = seed * 7 + plan[p].size * 131 + plan[p].depth + s;

			bad = append_one(sd, plan[p].size, plan[p].keys, &appends, &wholes, &no_root,
					 plan[p].tail, why, sizeof(why));
			if (bad)
				snprintf(why + strlen(why), sizeof(why) - strlen(why),
					 " (set seed %llu)", (unsigned long long)sd);
		}
		classifier_tuning = saved;
		if (!bad && !appends) {
			snprintf(why, sizeof(why), "nothing was appended");
			bad = 1;
		}
		printf("# %u appends, %u whole compiles (%u: no root left)\n", appends, wholes,
		       no_root);
		result(!bad, what, "%s", why);
	}
	test_append_no_root();
}

/* ---- ClassBench ----------------------------------------------------------------- */

static void test_classbench(const char *name)
{
	char what[160], why[512] = "";
	const char *dir = cb_dir();
	struct cb_set s;
	struct table t;
	int bad = 0;

	t.cells = NULL;
	snprintf(what, sizeof(what), "classbench %s: every trace header's first match as expected",
		 name);
	if (!selected(what))
		return;
	if (!dir) {
		printf("SKIP: %s: no classbench directory (../shared/classbench)\n", what);
		return;
	}
	if (cb_load(dir, name, &s, why, sizeof(why))) {
		result(0, what, "%s", why);
		cb_free(&s);
		return;
	}
	bad = compile(s.rules, s.ids, s.n_rules, &t, why, sizeof(why));
	if (!bad)
		bad = check_table(&t, s.rules, s.ids, s.n_rules, why, sizeof(why));
	for (unsigned int i = 0; i < s.n_keys && !bad; i++) {
		int exp = (int)s.expect[i] - 1;

		bad = check_key(&t, s.rules, s.ids, exp, &s.keys[i], why, sizeof(why));
		if (!bad && exp >= 0 && s.rules[exp].action != (s.expect_deny[i] ?
				FWCTL_ACTION_DENY : FWCTL_ACTION_ALLOW)) {
			snprintf(why, sizeof(why), "trace line %u: action differs", i + 1);
			bad = 1;
		}
		if (bad)
			snprintf(why + strlen(why), sizeof(why) - strlen(why), " (trace line %u)",
				 i + 1);
	}
	/* The oracle agrees with the expected results too (a sample). */
	for (unsigned int i = 0; i < s.n_keys && !bad; i += 97) {
		int exp = (int)s.expect[i] - 1, ora = first_match(s.rules, s.n_rules, &s.keys[i]);

		if (ora != exp) {
			snprintf(why, sizeof(why), "trace line %u: the oracle says %d, expected %d",
				 i + 1, ora + 1, exp + 1);
			bad = 1;
		}
	}
	if (!bad)
		printf("# %s: %u rules, %llu boxes, %u roots, depth %u, leaf %u, %.2f MiB, %.3f s\n",
		       name, s.n_rules, (unsigned long long)t.st.boxes, t.st.roots, t.st.max_depth,
		       t.st.max_leaf, t.st.bytes / 1048576.0, t.st.compile_seconds);
	result(!bad, what, "%s", why);
	if (t.cells)
		free(t.cells);
	cb_free(&s);
}

int main(int argc, char **argv)
{
	__u64 seed = 20261130;
	int big = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-s") && i + 1 < argc)
			seed = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "-k") && i + 1 < argc)
			only = argv[++i];
		else if (!strcmp(argv[i], "--big"))
			big = 1;
		else {
			fprintf(stderr, "usage: %s [-s SEED] [-k SUBSTRING] [--big]\n", argv[0]);
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_semantics();
	test_shapes();
	test_random(seed);
	test_tuning(seed);
	test_append(seed);
	test_bank_format();
	for (const char *const *n = (const char *const[]){ "acl1-1k", "fw1-1k", "ipc1-1k",
			"acl1-10k", "fw1-10k", "ipc1-10k", NULL }; *n; n++)
		test_classbench(*n);
	if (big)
		for (const char *const *n = (const char *const[]){ "acl1-100k", "fw1-100k",
				"ipc1-100k", NULL }; *n; n++)
			test_classbench(*n);
	result(bank_keys > 0, "bank: every key of every small table gave the same box in its bank copy",
	       "no table had a bank");
	printf("# %lu keys checked in bank copies\n", bank_keys);
	return failures ? 1 : 0;
}
