// SPDX-License-Identifier: GPL-2.0
/*
 * classify.c - the BPF classifier walk (bpf/classify.h) and the generation
 * plumbing (loader/table.c, fwctl_tables in bpf/maps.h), in the kernel.
 *
 * Loads classify_test.bpf.c with its maps pinned in a private directory,
 * commits generations through loader/table.c and runs keys through the
 * walk with BPF_PROG_TEST_RUN, comparing every answer with hand-computed
 * values, with a reference walk written from the header alone
 * (table_build.c) and, for random generations built so that the answer
 * needs no walk at all, with a scan of every box.
 *
 * Usage: classify [-v] [-b] [-m] [-s SEED] [-k KEYS] [-p PIN_DIR]   (root)
 *   -b  the 100k ClassBench sets too; -m  measurements only;
 *   -s, -k  seed and number of random keys;
 *   -p  the pin directory to create (default /sys/fs/bpf/fwctl-classify-PID)
 * Prints PASS:/FAIL: lines and "#" lines with measurements; exits 1 on any
 * failure.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "fwctl.h"
#include "fwctl_classifier.h"
#include "classify_test.skel.h"
#include "table_build.h"
#include "suite.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* The bank size the test object is loaded with (setup()): not the default. */
#define TEST_BANK_CELLS	2048

static struct classify_test *skel;
struct fwctl_maps maps;
static int prog_cur, prog_fixed, prog_none, prog_trace, prog_small;
struct fwctl_key *trace_keys;
struct ct_out *trace_out;
static char pin_root[128];
static int failures;
static bool verbose;
__u64 seed0;
static unsigned int n_keys = 4000;
static bool only_measure, big_sets;

void report(bool ok, const char *what, const char *fmt, ...)
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

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG && !verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/* --- running keys --------------------------------------------------------- */

/* One key through prog (repeat times); *ns: mean run time when not NULL. */
static int run_key(int prog, const struct fwctl_key *k, struct ct_out *o, __u32 repeat,
		   __u32 *ns)
{
	__u8 in[CT_FRAME_LEN] = { [12] = 0x88, [13] = 0xb5 }, out[CT_FRAME_LEN];
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in, .data_size_in = sizeof(in),
		    .data_out = out, .data_size_out = sizeof(out), .repeat = repeat);
	int err;

	memcpy(in + CT_KEY_OFF, k, sizeof(*k));
	err = bpf_prog_test_run_opts(prog, &opts);
	if (err)
		return err;
	if (opts.retval != XDP_PASS || opts.data_size_out != CT_FRAME_LEN)
		return -EPROTO;
	memcpy(o, out + CT_OUT_OFF, sizeof(*o));
	if (ns)
		*ns = opts.duration;
	return 0;
}

int run_trace(__u32 walk, __u32 n, __u64 *ns)
{
	__u8 in[CT_FRAME_LEN] = {};
	struct ct_trace_in t = { .n = n, .walk = walk };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in, .data_size_in = sizeof(in),
		    .repeat = 1);
	int err;

	memcpy(in + CT_KEY_OFF, &t, sizeof(t));
	err = bpf_prog_test_run_opts(prog_trace, &opts);
	if (!err && opts.retval != XDP_PASS)
		err = -EPROTO;
	if (ns)
		*ns = opts.duration;
	return err;
}

bool same(const struct ct_out *a, const struct ct_out *b)
{
	if (a->status != b->status || a->policy != b->policy)
		return false;
	if (a->status != FWCTL_CLASSIFY_MATCH)
		return true;
	return a->rule_id == b->rule_id && a->action == b->action && a->prio == b->prio;
}

const char *fmt_out(const struct ct_out *o, char *buf, size_t len)
{
	static const char *st[] = { "match", "no match", "no table" };

	snprintf(buf, len, "%s rule %u action %u prio %u policy %u",
		 o->status < 3 ? st[o->status] : "?", o->rule_id, o->action, o->prio, o->policy);
	return buf;
}

const char *fmt_key(const struct fwctl_key *k, char *buf, size_t len)
{
	int d, n = 0;

	for (d = 0; d < FWCTL_DIMS && n < (int)len; d++)
		n += snprintf(buf + n, len - n, "%s%x", d ? "," : "", k->w[d]);
	return buf;
}

static struct ct_out expect_match(__u32 rule_id, __u32 action, __u32 prio, __u32 policy)
{
	return (struct ct_out){ FWCTL_CLASSIFY_MATCH, rule_id, action, prio, policy, 0 };
}

static struct ct_out expect_none(__u32 policy)
{
	return (struct ct_out){ FWCTL_CLASSIFY_NO_MATCH, 0, 0, FWCTL_NO_PRIO, policy, 0 };
}

/* A key with the given words set, the rest 0. */
#define KEY(...) ((struct fwctl_key){ .w = { __VA_ARGS__ } })
#define W(dim, v) [FWCTL_DIM_##dim] = (v)

/* --- committing generations -------------------------------------------- */

/* Create and commit t; returns the generation's fd (the caller closes it). */
static int commit_tb(const struct tb *t)
{
	struct fwctl_err e = {};
	int fd, err;

	fd = table_create(t->c, t->n, &e);
	if (fd < 0) {
		fprintf(stderr, "classify: %s\n", e.msg);
		return fd;
	}
	err = table_commit(&maps, fd, &e);
	if (err) {
		fprintf(stderr, "classify: %s\n", e.msg);
		close(fd);
		return err;
	}
	return fd;
}

/*
 * Commit t, then check every key against want[] (when given) and against
 * the reference walk; one PASS/FAIL line for the lot.
 */
static void check_keys(const char *what, const struct tb *t, const struct fwctl_key *keys,
		       const struct ct_out *want, size_t n)
{
	char b1[96], b2[96], b3[160];
	struct ct_out got, ref;
	int fd, err = 0;
	size_t i;

	fd = commit_tb(t);
	if (fd < 0) {
		report(false, what, "cannot commit the table: %s", strerror(-fd));
		return;
	}
	for (i = 0; i < n; i++) {
		err = run_key(prog_cur, &keys[i], &got, 1, NULL);
		if (err)
			break;
		ref_classify(t->c, t->n, &keys[i], &ref);
		if (!same(&got, &ref) || (want && !same(&got, &want[i])))
			break;
	}
	close(fd);
	if (err)
		report(false, what, "test run of key %zu failed: %s", i, strerror(-err));
	else if (i < n)
		report(false, what, "key %zu (%s): BPF says %s, reference %s%s%s", i,
		       fmt_key(&keys[i], b3, sizeof(b3)), fmt_out(&got, b1, sizeof(b1)),
		       fmt_out(&ref, b2, sizeof(b2)), want ? ", expected " : "",
		       want ? fmt_out(&want[i], b3, sizeof(b3)) : "");
	else
		report(true, what, "%s", "");
}

/* --- hand-built generations ----------------------------------------------- */

/* icmp, tcp 7070 (source OR destination port: two boxes), deny udp: one leaf. */
static void build_reference(struct tb *t, __u32 policy)
{
	__u32 b[4];

	tb_init(t);
	b[0] = tb_box(t, 0, 1, FWCTL_ACTION_ALLOW);
	tb_dim(t, b[0], FWCTL_DIM_PROTO, 1, 1);
	tb_dim(t, b[0], FWCTL_DIM_FAMILY, FWCTL_FAMILY_V4, FWCTL_FAMILY_V4);
	b[1] = tb_box(t, 1, 2, FWCTL_ACTION_ALLOW);
	tb_dim(t, b[1], FWCTL_DIM_PROTO, 6, 6);
	tb_dim(t, b[1], FWCTL_DIM_SPORT, 7070, 7070);
	tb_dim(t, b[1], FWCTL_DIM_FRAG, 0, 0);
	b[2] = tb_box(t, 1, 2, FWCTL_ACTION_ALLOW);
	tb_dim(t, b[2], FWCTL_DIM_PROTO, 6, 6);
	tb_dim(t, b[2], FWCTL_DIM_DPORT, 7070, 7070);
	tb_dim(t, b[2], FWCTL_DIM_FRAG, 0, 0);
	b[3] = tb_box(t, 2, 3, FWCTL_ACTION_DENY);
	tb_dim(t, b[3], FWCTL_DIM_PROTO, 17, 17);
	tb_root(t, tb_leaf(t, 4, b), FWCTL_NO_PRIO);
	tb_done(t, 3, policy);
}

static void test_single_leaf(void)
{
	const struct fwctl_key keys[] = {
		KEY(W(PROTO, 1), W(FAMILY, FWCTL_FAMILY_V4)),
		KEY(W(PROTO, 1), W(FAMILY, FWCTL_FAMILY_V6)),
		KEY(W(PROTO, 6), W(SPORT, 7070), W(DPORT, 80)),
		KEY(W(PROTO, 6), W(SPORT, 80), W(DPORT, 7070), W(FAMILY, 1)),
		KEY(W(PROTO, 6), W(SPORT, 80), W(DPORT, 80)),
		KEY(W(PROTO, 6), W(SPORT, 7070), W(FRAG, 1)),
		KEY(W(PROTO, 17), W(SPORT, 7070), W(DPORT, 53)),
		KEY(W(PROTO, 47)),
		KEY(W(PROTO, FWCTL_PROTO_UNKNOWN), W(FAMILY, 1), W(FRAG, 1)),
	};
	const struct ct_out want[] = {
		expect_match(1, FWCTL_ACTION_ALLOW, 0, FWCTL_POLICY_ACCEPT),
		expect_none(FWCTL_POLICY_ACCEPT),
		expect_match(2, FWCTL_ACTION_ALLOW, 1, FWCTL_POLICY_ACCEPT),
		expect_match(2, FWCTL_ACTION_ALLOW, 1, FWCTL_POLICY_ACCEPT),
		expect_none(FWCTL_POLICY_ACCEPT),
		expect_none(FWCTL_POLICY_ACCEPT),
		expect_match(3, FWCTL_ACTION_DENY, 2, FWCTL_POLICY_ACCEPT),
		expect_none(FWCTL_POLICY_ACCEPT),
		expect_none(FWCTL_POLICY_ACCEPT),
	};
	struct tb t;

	build_reference(&t, FWCTL_POLICY_ACCEPT);
	check_keys("single leaf: icmp, tcp 7070 (two boxes), deny udp: first box of the key wins",
		   &t, keys, want, ARRAY_SIZE(keys));
	tb_free(&t);
}

/*
 * allow tcp dport 22 stateful, deny tcp dport 22, allow udp stateful: a
 * stateful box (START [1, 1], action ALLOW_STATEFUL) matches only keys that
 * can start a flow, and its action comes back as it is.
 */
static void test_stateful(void)
{
	const struct fwctl_key keys[] = {
		KEY(W(PROTO, 6), W(DPORT, 22), W(START, 1)),
		KEY(W(PROTO, 6), W(DPORT, 22)),
		KEY(W(PROTO, 17), W(DPORT, 53), W(START, 1)),
		KEY(W(PROTO, 17), W(DPORT, 53)),
		KEY(W(PROTO, 6), W(DPORT, 23), W(START, 1)),
	};
	const struct ct_out want[] = {
		expect_match(1, FWCTL_ACTION_ALLOW_STATEFUL, 0, FWCTL_POLICY_DROP),
		expect_match(2, FWCTL_ACTION_DENY, 1, FWCTL_POLICY_DROP),
		expect_match(3, FWCTL_ACTION_ALLOW_STATEFUL, 2, FWCTL_POLICY_DROP),
		expect_none(FWCTL_POLICY_DROP),
		expect_none(FWCTL_POLICY_DROP),
	};
	struct tb t;
	__u32 b[3];

	tb_init(&t);
	b[0] = tb_box(&t, 0, 1, FWCTL_ACTION_ALLOW_STATEFUL);
	tb_dim(&t, b[0], FWCTL_DIM_PROTO, 6, 6);
	tb_dim(&t, b[0], FWCTL_DIM_DPORT, 22, 22);
	tb_dim(&t, b[0], FWCTL_DIM_START, 1, 1);
	b[1] = tb_box(&t, 1, 2, FWCTL_ACTION_DENY);
	tb_dim(&t, b[1], FWCTL_DIM_PROTO, 6, 6);
	tb_dim(&t, b[1], FWCTL_DIM_DPORT, 22, 22);
	b[2] = tb_box(&t, 2, 3, FWCTL_ACTION_ALLOW_STATEFUL);
	tb_dim(&t, b[2], FWCTL_DIM_PROTO, 17, 17);
	tb_dim(&t, b[2], FWCTL_DIM_START, 1, 1);
	tb_root(&t, tb_leaf(&t, 3, b), FWCTL_NO_PRIO);
	tb_done(&t, 3, FWCTL_POLICY_DROP);
	check_keys("stateful boxes match only START 1 and report action ALLOW_STATEFUL (2) as is; "
		   "START 0 goes on to the next box", &t, keys, want, ARRAY_SIZE(keys));
	tb_free(&t);
}

/* A catch-all box of rule id in a leaf of its own. */
static __u32 leaf_of_rule(struct tb *t, __u32 prio, __u32 id)
{
	__u32 b = tb_box(t, prio, id, FWCTL_ACTION_ALLOW);

	return tb_leaf(t, 1, &b);
}

static void test_two_levels(void)
{
	const struct fwctl_key keys[] = {
		KEY(W(DPORT, 1023), W(PROTO, 6)), KEY(W(DPORT, 0), W(PROTO, 0)),
		KEY(W(DPORT, 1023), W(PROTO, 7)), KEY(W(DPORT, 0), W(PROTO, 16)),
		KEY(W(DPORT, 5), W(PROTO, 17)), KEY(W(DPORT, 5), W(PROTO, 256)),
		KEY(W(DPORT, 1024), W(PROTO, 6)), KEY(W(DPORT, 0xffffffff)),
	};
	const struct ct_out want[] = {
		expect_match(10, 0, 0, 0), expect_match(10, 0, 0, 0),
		expect_match(11, 0, 1, 0), expect_match(11, 0, 1, 0),
		expect_match(12, 0, 2, 0), expect_match(12, 0, 2, 0),
		expect_match(13, 0, 3, 0), expect_match(13, 0, 3, 0),
	};
	__u32 thr_proto[] = { 6, 16 }, thr_dport[] = { 1023 }, ch[3], top[2];
	struct tb t;

	tb_init(&t);
	ch[0] = leaf_of_rule(&t, 0, 10);
	ch[1] = leaf_of_rule(&t, 1, 11);
	ch[2] = leaf_of_rule(&t, 2, 12);
	top[0] = tb_node(&t, FWCTL_DIM_PROTO, 3, thr_proto, ch);
	top[1] = leaf_of_rule(&t, 3, 13);
	tb_root(&t, tb_node(&t, FWCTL_DIM_DPORT, 2, thr_dport, top), FWCTL_NO_PRIO);
	tb_done(&t, 4, FWCTL_POLICY_DROP);
	check_keys("2-level tree: v == threshold goes to the lower child, v == threshold + 1 to the next",
		   &t, keys, want, ARRAY_SIZE(keys));
	tb_free(&t);
}

/* A full node (16 children) on dim with thresholds thr[15]: every boundary. */
static void check_full_node(const char *what, int dim, const __u32 *thr)
{
	struct fwctl_key keys[64];
	struct ct_out want[64];
	__u32 ch[FWCTL_NODE_FANOUT], i, n = 0;
	struct tb t;

	tb_init(&t);
	for (i = 0; i < FWCTL_NODE_FANOUT; i++)
		ch[i] = leaf_of_rule(&t, i, 100 + i);
	tb_root(&t, tb_node(&t, dim, FWCTL_NODE_FANOUT, thr, ch), FWCTL_NO_PRIO);
	tb_done(&t, FWCTL_NODE_FANOUT, FWCTL_POLICY_DROP);
	for (i = 0; i < FWCTL_NODE_FANOUT - 1; i++) {
		/* thr[i] is the top of child i, thr[i] + 1 the bottom of child i + 1 */
		memset(&keys[n], 0, sizeof(keys[n]));
		keys[n].w[dim] = thr[i];
		want[n++] = expect_match(100 + i, 0, i, 0);
		memset(&keys[n], 0, sizeof(keys[n]));
		keys[n].w[dim] = thr[i] + 1;
		want[n++] = expect_match(101 + i, 0, i + 1, 0);
		if (i == 0 || thr[i] - 1 > thr[i - 1]) {
			memset(&keys[n], 0, sizeof(keys[n]));
			keys[n].w[dim] = thr[i] - 1;
			want[n++] = expect_match(100 + i, 0, i, 0);
		}
	}
	memset(&keys[n], 0, sizeof(keys[n]));
	keys[n].w[dim] = 0xffffffff;
	want[n++] = expect_match(115, 0, 15, 0);
	check_keys(what, &t, keys, want, n);
	tb_free(&t);
}

static void test_full_nodes(void)
{
	__u32 small[15], i;
	const __u32 extreme[15] = { 1, 2, 3, 0x7ffffffe, 0x7fffffff, 0x80000000, 0x80000001,
				    0xfffffff6, 0xfffffff7, 0xfffffff8, 0xfffffff9, 0xfffffffa,
				    0xfffffffb, 0xfffffffc, 0xfffffffd };

	for (i = 0; i < 15; i++)
		small[i] = 100 * (i + 1);
	check_full_node("16-way node on sport: the four-step search finds every child", FWCTL_DIM_SPORT,
			small);
	check_full_node("16-way node on src0, thresholds at 0, 2^31 and 2^32 - 1: no overflow",
			FWCTL_DIM_SRC0, extreme);
}

static void test_padding(void)
{
	const struct fwctl_key keys[] = {
		KEY(W(DPORT, 0)), KEY(W(DPORT, 10)), KEY(W(DPORT, 11)), KEY(W(DPORT, 20)),
		KEY(W(DPORT, 21)), KEY(W(DPORT, 0xfffffffe)), KEY(W(DPORT, 0xffffffff)),
	};
	const struct ct_out want[] = {
		expect_match(20, 0, 1, 0), expect_match(20, 0, 1, 0), expect_match(21, 0, 2, 0),
		expect_match(21, 0, 2, 0), expect_match(22, 0, 3, 0), expect_match(22, 0, 3, 0),
		expect_match(22, 0, 3, 0),
	};
	__u32 thr[] = { 10, 20 }, ch[3], trap, node, i;
	struct tb t;

	tb_init(&t);
	trap = leaf_of_rule(&t, 0, 999);
	ch[0] = leaf_of_rule(&t, 1, 20);
	ch[1] = leaf_of_rule(&t, 2, 21);
	ch[2] = leaf_of_rule(&t, 3, 22);
	node = tb_node(&t, FWCTL_DIM_DPORT, 3, thr, ch);
	/* Children never reached: a catch-all of the best prio, to be seen if reached. */
	for (i = 3; i < FWCTL_NODE_FANOUT; i++)
		t.c[node].node.child[i] = trap;
	tb_root(&t, node, 1);
	tb_done(&t, 4, FWCTL_POLICY_DROP);
	check_keys("padded thresholds (0xffffffff): key 0xffffffff takes the last real child",
		   &t, keys, want, ARRAY_SIZE(keys));
	tb_free(&t);
}

/* Two roots: A's leaf matches everything at prio 5 (rule 6), B's at b_prio
 * (rule b_id), with B's root_min_prio set to b_min (true or not). */
static void check_roots(const char *what, bool b_first, __u32 b_prio, __u32 b_id, __u32 b_min,
			__u32 want_id, __u32 want_prio)
{
	const struct fwctl_key key = KEY(W(PROTO, 6));
	const struct ct_out want = expect_match(want_id, 0, want_prio, 0);
	__u32 a, b;
	struct tb t;

	tb_init(&t);
	a = leaf_of_rule(&t, 5, 6);
	b = leaf_of_rule(&t, b_prio, b_id);
	if (b_first) {
		tb_root(&t, b, b_min);
		tb_root(&t, a, 5);
	} else {
		tb_root(&t, a, 5);
		tb_root(&t, b, b_min);
	}
	tb_done(&t, 2, FWCTL_POLICY_DROP);
	check_keys(what, &t, &key, &want, 1);
	tb_free(&t);
}

static void test_roots(void)
{
	const struct fwctl_key keys[] = { KEY(W(SPORT, 7)), KEY(W(SPORT, 8)), KEY(W(SPORT, 0)) };
	const struct ct_out want[] = { expect_match(8, 0, 7, 0), expect_none(0),
				       expect_match(1, 0, 0, 0) };
	__u32 r, b, leaf;
	struct tb t;

	check_roots("roots: a later root with a lower prio wins", false, 3, 4, 3, 4, 3);
	check_roots("roots: root_min_prio == best prio so far: the root is skipped", false, 3, 4, 5,
		    6, 5);
	check_roots("roots: root_min_prio just below the best prio: the root is walked", false, 3, 4,
		    4, 4, 3);
	check_roots("roots: a box of the same prio in a later root does not replace the match",
		    false, 5, 60, 4, 6, 5);
	check_roots("roots: after a match at prio 3, a root of min prio 5 is skipped", true, 3, 4, 3,
		    4, 3);

	/* Eight roots, each matching one sport value; n_roots 9 is read as 8. */
	tb_init(&t);
	for (r = 0; r < FWCTL_MAX_ROOTS; r++) {
		b = tb_box(&t, r, r + 1, FWCTL_ACTION_ALLOW);
		tb_dim(&t, b, FWCTL_DIM_SPORT, r, r);
		leaf = tb_leaf(&t, 1, &b);
		tb_root(&t, leaf, FWCTL_NO_PRIO);
	}
	tb_done(&t, 8, FWCTL_POLICY_DROP);
	check_keys("roots: all 8 roots are walked (sport 7 matches in the 8th only)", &t, keys, want,
		   2);
	t.c[0].hdr.n_roots = 9;
	check_keys("roots: n_roots above FWCTL_MAX_ROOTS walks FWCTL_MAX_ROOTS roots", &t, keys,
		   want, ARRAY_SIZE(keys));
	tb_free(&t);

	tb_init(&t);
	tb_done(&t, 0, FWCTL_POLICY_ACCEPT);
	check_keys("roots: no root (empty rule set): no match, the header's policy", &t, keys,
		   (const struct ct_out[]){ expect_none(1) }, 1);
	tb_free(&t);
}

/* A chain of depth nodes on dport (key dport 0 goes down it) ending in a
 * leaf of rule 24; dport 5000 leaves it at once for rule 500. A second root
 * matches everything at prio 9 (rule 77). */
static void build_chain(struct tb *t, __u32 depth)
{
	__u32 thr[] = { 1000 }, ch[2], side, d;

	tb_init(t);
	side = leaf_of_rule(t, 1, 500);
	ch[0] = leaf_of_rule(t, 0, 24);
	for (d = 0; d < depth; d++) {
		ch[1] = side;
		ch[0] = tb_node(t, FWCTL_DIM_DPORT, 2, thr, ch);
	}
	tb_root(t, ch[0], 0);
	tb_root(t, leaf_of_rule(t, 9, 77), 9);
	tb_done(t, 3, FWCTL_POLICY_DROP);
}

static void test_depth(void)
{
	const struct fwctl_key keys[] = { KEY(W(DPORT, 0)), KEY(W(DPORT, 5000)) };
	const struct ct_out at_limit[] = { expect_match(24, 0, 0, 0), expect_match(500, 0, 1, 0) };
	const struct ct_out too_deep[] = { expect_match(77, 0, 9, 0), expect_match(500, 0, 1, 0) };
	struct tb t;

	build_chain(&t, FWCTL_MAX_DEPTH);
	check_keys("depth: FWCTL_MAX_DEPTH (24) nodes then the leaf: found", &t, keys, at_limit, 2);
	tb_free(&t);
	build_chain(&t, FWCTL_MAX_DEPTH + 1);
	check_keys("depth: 25 nodes: that tree yields nothing, the next root still decides", &t, keys,
		   too_deep, 2);
	tb_free(&t);
}

static void test_leaf31(void)
{
	struct fwctl_key keys[FWCTL_LEAF_MAX + 2];
	struct ct_out want[FWCTL_LEAF_MAX + 2];
	__u32 boxes[FWCTL_LEAF_MAX], i, leaf;
	struct tb t;

	tb_init(&t);
	for (i = 0; i < FWCTL_LEAF_MAX; i++) {
		boxes[i] = tb_box(&t, 2 * i, i + 1, i & 1);
		tb_dim(&t, boxes[i], FWCTL_DIM_SPORT, i, i);
		keys[i] = KEY(W(SPORT, i));
		want[i] = expect_match(i + 1, i & 1, 2 * i, 0);
	}
	keys[i] = KEY(W(SPORT, i));
	want[i] = expect_none(0);
	leaf = tb_leaf(&t, FWCTL_LEAF_MAX, boxes);
	tb_root(&t, leaf, FWCTL_NO_PRIO);
	tb_done(&t, FWCTL_LEAF_MAX, FWCTL_POLICY_DROP);
	check_keys("leaf of 31 boxes: each box found, the 31st included", &t, keys, want,
		   FWCTL_LEAF_MAX + 1);
	t.c[leaf].leaf.n_boxes = 200;
	check_keys("leaf claiming 200 boxes: the first 31 are tested", &t, keys, want,
		   FWCTL_LEAF_MAX + 1);
	/* All boxes hold sport 3 from now on: the lowest prio must win. */
	for (i = 0; i < FWCTL_LEAF_MAX; i++)
		tb_dim(&t, boxes[i], FWCTL_DIM_SPORT, 0, 100);
	t.c[leaf].leaf.n_boxes = FWCTL_LEAF_MAX;
	keys[0] = KEY(W(SPORT, 3));
	want[0] = expect_match(1, 0, 0, 0);
	check_keys("leaf of 31 boxes all holding the key: the first (lowest prio) wins", &t, keys,
		   want, 1);
	tb_free(&t);
}

static void test_broken(void)
{
	const struct fwctl_key keys[] = { KEY(W(DPORT, 0)), KEY(W(DPORT, 50)) };
	const struct ct_out want[] = { expect_match(7, 0, 9, 0), expect_match(7, 0, 9, 0) };
	__u32 thr[] = { 10 }, ch[2], node;
	struct ct_out got;
	struct tb t;
	int fd, err;

	tb_init(&t);
	ch[0] = 0;		/* the header: neither node nor leaf */
	ch[1] = 100000;		/* past the end */
	node = tb_node(&t, FWCTL_DIM_DPORT, 2, thr, ch);
	tb_root(&t, node, 0);
	tb_root(&t, 424242, 0);
	tb_root(&t, leaf_of_rule(&t, 9, 7), 9);
	tb_done(&t, 1, FWCTL_POLICY_DROP);
	check_keys("broken trees (child is the header, cell past the end): skipped, no fault", &t,
		   keys, want, 2);

	/* The kernel holds every generation to the template's flags. */
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "ct_badgen", 4, sizeof(struct fwctl_cell), t.n,
			    &(struct bpf_map_create_opts){ .sz = sizeof(struct bpf_map_create_opts),
							   .map_flags = BPF_F_INNER_MAP });
	err = fd < 0 ? fd : table_commit(&maps, fd, &(struct fwctl_err){});
	report(err == -EINVAL, "commit of an array without BPF_F_MMAPABLE: refused by the kernel",
	       "returned %d", err);
	if (fd >= 0)
		close(fd);

	/* A header table_create() would refuse: written around it. */
	t.c[0].hdr.magic ^= 1;
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "ct_badgen", 4, sizeof(struct fwctl_cell), t.n,
			    &(struct bpf_map_create_opts){ .sz = sizeof(struct bpf_map_create_opts),
							   .map_flags = BPF_F_INNER_MAP |
									BPF_F_MMAPABLE });
	err = fd < 0 ? fd : table_fill(fd, t.c, t.n);
	if (!err)
		err = table_commit(&maps, fd, &(struct fwctl_err){});
	if (!err)
		err = run_key(prog_cur, &keys[0], &got, 1, NULL);
	report(!err && got.status == FWCTL_CLASSIFY_NO_TABLE,
	       "a generation whose header has the wrong magic: no table", "err %d status %u", err,
	       got.status);
	if (fd >= 0)
		close(fd);
	err = table_create(t.c, t.n, &(struct fwctl_err){});
	report(err == -EINVAL, "table_create refuses cells without a valid header", "returned %d",
	       err);
	if (err >= 0)
		close(err);
	tb_free(&t);
}

/* --- random generations ---------------------------------------------------- */

static __u32 max_depth(const struct tb *t, __u32 cell)
{
	const struct fwctl_cell *c = &t->c[cell];
	__u32 d = 0, x, j;

	if (t->kind[cell] != FWCTL_CELL_NODE)
		return 0;
	for (j = 0; j < c->node.n_children; j++) {
		x = max_depth(t, c->node.child[j]);
		d = x > d ? x : d;
	}
	return d + 1;
}

static void check_random(__u32 n_roots, __u32 cells, unsigned int n, __u64 seed)
{
	char what[160], b1[96], b2[96], b3[160], b4[96];
	struct ct_out got, scan, ref;
	__u64 s = seed, ks = seed ^ 0x5eed;
	struct fwctl_key k;
	unsigned int i, matched = 0, depth = 0, r;
	struct tb t;
	int fd, err = 0;

	rnd_table(&t, &s, n_roots, cells);
	for (r = 0; r < n_roots; r++) {
		__u32 x = max_depth(&t, t.c[0].hdr.root[r]);

		depth = x > depth ? x : depth;
	}
	snprintf(what, sizeof(what),
		 "random generation (seed %llu, %u roots, %u cells, depth %u): %u keys, BPF == "
		 "reference walk == scan of every box",
		 (unsigned long long)seed, n_roots, t.n, depth, n);
	fd = commit_tb(&t);
	if (fd < 0) {
		report(false, what, "cannot commit: %s", strerror(-fd));
		tb_free(&t);
		return;
	}
	n = n < CT_TRACE_MAX ? n : CT_TRACE_MAX;
	for (i = 0; i < n; i++)
		rnd_key(&t, &ks, &trace_keys[i]);
	err = run_trace(CT_WALK_CURRENT, n, NULL);
	for (i = 0; !err && i < n; i++) {
		k = trace_keys[i];
		got = trace_out[i];
		rnd_table_scan(&t, &k, &scan);
		ref_classify(t.c, t.n, &k, &ref);
		if (!same(&got, &scan) || !same(&ref, &scan))
			break;
		matched += got.status == FWCTL_CLASSIFY_MATCH;
	}
	if (err)
		report(false, what, "test run failed: %s", strerror(-err));
	else if (i < n)
		report(false, what, "key %u (%s): BPF %s, reference %s, scan %s", i,
		       fmt_key(&k, b3, sizeof(b3)), fmt_out(&got, b1, sizeof(b1)),
		       fmt_out(&ref, b2, sizeof(b2)), fmt_out(&scan, b4, sizeof(b4)));
	else if (matched < n / 4 || matched == n)
		report(false, what, "only %u of %u keys matched a rule: the keys test little",
		       matched, n);
	else
		report(true, what, "%s", "");
	close(fd);
	tb_free(&t);
}

static void test_random(void)
{
	check_random(1, 300, n_keys, seed0);
	check_random(3, 5000, n_keys, seed0 + 1);
	check_random(FWCTL_MAX_ROOTS, 200000, n_keys, seed0 + 2);
}

/* --- generations: commit, read back, policy, lifetime ---------------------- */

static __u32 map_id(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.id;
}

static void test_read_back_and_policy(void)
{
	const struct fwctl_key icmp = KEY(W(PROTO, 1)), other = KEY(W(PROTO, 99));
	struct fwctl_cell *cells = NULL;
	struct fwctl_err e = {};
	struct ct_out got, want;
	__u32 n = 0;
	struct tb t;
	int fd, cur, err;
	bool ok;

	build_reference(&t, FWCTL_POLICY_DROP);
	fd = commit_tb(&t);
	if (fd < 0) {
		report(false, "read back", "cannot commit: %s", strerror(-fd));
		tb_free(&t);
		return;
	}
	cur = table_open_current(&maps, &e);
	report(cur >= 0 && map_id(cur) == map_id(fd),
	       "table_open_current: the generation just committed (fwctl_tables[0] -> id -> fd)",
	       "fd %d id %u, committed id %u", cur, cur >= 0 ? map_id(cur) : 0, map_id(fd));
	if (cur < 0)
		cur = dup(fd);
	err = table_read(cur, &cells, &n, &e);
	report(!err && n == t.n && !memcmp(cells, t.c, n * sizeof(*cells)),
	       "table_read: every cell back as written, exactly n_cells of them",
	       "err %d, %u cells (wrote %u)", err, n, t.n);
	free(cells);

	want = expect_none(FWCTL_POLICY_ACCEPT);
	err = table_set_policy(cur, FWCTL_POLICY_ACCEPT, &e);
	ok = !err && !run_key(prog_cur, &other, &got, 1, NULL) && same(&got, &want);
	report(ok, "table_set_policy: the live generation's policy changes in place", "err %d, %s",
	       err, fmt_out(&got, (char[96]){}, 96));
	err = table_read(cur, &cells, &n, &e);
	t.c[0].hdr.policy = FWCTL_POLICY_ACCEPT;
	want = expect_match(1, 0, 0, FWCTL_POLICY_ACCEPT);
	ok = !err && n == t.n && !memcmp(cells, t.c, n * sizeof(*cells)) &&
	     !run_key(prog_cur, &icmp, &got, 1, NULL) && same(&got, &want);
	report(ok, "table_set_policy: nothing but the policy word changed", "err %d", err);
	free(cells);
	err = table_set_policy(maps.config, FWCTL_POLICY_ACCEPT, &e);
	report(err < 0 && strstr(e.msg, "policy"),
	       "table_set_policy on a map that is not a generation: an error, named", "err %d: %s",
	       err, e.msg);
	close(cur);
	close(fd);
	tb_free(&t);
}

/* Replace the rule set through ruleset.c, as fwctl does; the bank the new generation names. */
static int load_texts(const char *const *text, unsigned int n, __u32 policy, int *bank)
{
	static const struct rule_ctx ctx = { { "in0", "out0" } };
	struct ruleset_diff diff;
	struct fwctl_err e = {};
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	struct rule *rules = calloc(n ? n : 1, sizeof(*rules));
	unsigned int i;
	int err = rules ? 0 : -ENOMEM, fd;

	for (i = 0; i < n && !err; i++)
		err = rule_from_text(text[i], &ctx, &rules[i], &e);
	if (!err)
		err = ruleset_replace(&maps, &ctx, rules, n, policy, &diff, &e);
	else
		while (i--)
			rule_free(&rules[i]);
	free(rules);
	if (err) {
		fprintf(stderr, "load: %s\n", e.msg);
		return err;
	}
	fd = table_open_current(&maps, &e);
	if (fd < 0)
		return fd;
	err = bpf_obj_get_info_by_fd(fd, &info, &len);
	close(fd);
	*bank = FWCTL_GEN_BANK(info.max_entries);
	return err;
}

/*
 * Small sets are walked in a bank of fwctl_banks, named by the size of
 * their generation; commits alternate between the two banks, a large set
 * names none, and every answer stays that of its own generation.
 */
static void test_banks(void)
{
	static const char *const ref[] = { "icmp", "tcp 7070", "udp" };
	static const char *const other[] = { "deny tcp 7070", "udp" };
	const struct fwctl_key k7070 = KEY(W(PROTO, 6), W(SPORT, 1234), W(DPORT, 7070)),
			       k99 = KEY(W(PROTO, 99));
	char **big = calloc(3000, sizeof(*big));
	struct ct_out a, b;
	int b1 = -9, b2 = -9, b3 = -9, b4 = -9, err;
	unsigned int i;

	err = load_texts(ref, 3, FWCTL_POLICY_DROP, &b1) ||
	      run_key(prog_cur, &k7070, &a, 1, NULL) || run_key(prog_cur, &k99, &b, 1, NULL);
	report(!err && (b1 == 0 || b1 == 1) && a.status == FWCTL_CLASSIFY_MATCH && a.prio == 1 &&
	       a.action == FWCTL_ACTION_ALLOW && b.status == FWCTL_CLASSIFY_NO_MATCH &&
	       b.policy == FWCTL_POLICY_DROP,
	       "banks: the reference rules are walked in a bank (tcp 7070: rule 2; proto 99: the policy)",
	       "err %d bank %d, %s, %s", err, b1, fmt_out(&a, (char[96]){}, 96),
	       fmt_out(&b, (char[96]){}, 96));
	err = load_texts(other, 2, FWCTL_POLICY_ACCEPT, &b2) ||
	      run_key(prog_cur, &k7070, &a, 1, NULL) || run_key(prog_cur, &k99, &b, 1, NULL);
	report(!err && b2 == !b1 && a.status == FWCTL_CLASSIFY_MATCH && a.prio == 0 &&
	       a.action == FWCTL_ACTION_DENY && b.status == FWCTL_CLASSIFY_NO_MATCH &&
	       b.policy == FWCTL_POLICY_ACCEPT,
	       "banks: the next small set takes the other bank, and only its answers are seen",
	       "err %d banks %d then %d, %s, %s", err, b1, b2, fmt_out(&a, (char[96]){}, 96),
	       fmt_out(&b, (char[96]){}, 96));
	for (i = 0; big && i < 3000; i++)
		if (asprintf(&big[i], "tcp %u", 10000 + i) < 0)
			big[i] = NULL;
	err = !big || load_texts((const char *const *)big, 3000, FWCTL_POLICY_DROP, &b3) ||
	      run_key(prog_cur, &(struct fwctl_key)KEY(W(PROTO, 6), W(DPORT, 10005)), &a, 1, NULL);
	report(!err && b3 == FWCTL_BANK_NONE && a.status == FWCTL_CLASSIFY_MATCH && a.prio == 5,
	       "banks: a set of more cells than a bank holds names no bank, walked in place",
	       "err %d bank %d, %s", err, b3, fmt_out(&a, (char[96]){}, 96));
	err = load_texts(ref, 3, FWCTL_POLICY_DROP, &b4) || run_key(prog_cur, &k7070, &a, 1, NULL);
	report(!err && (b4 == 0 || b4 == 1) && a.status == FWCTL_CLASSIFY_MATCH && a.prio == 1,
	       "banks: after a large set, a small one is walked in a bank again",
	       "err %d bank %d, %s", err, b4, fmt_out(&a, (char[96]){}, 96));
	for (i = 0; big && i < 3000; i++)
		free(big[i]);
	free(big);
	load_texts(NULL, 0, FWCTL_POLICY_DROP, &b4);
}

/* A random valid rule of the grammar: every field kind, allow and deny. */
static void rnd_rule_text(__u64 *s, char *buf, size_t len)
{
	static const char *const l4[] = { "tcp", "udp" };
	static const char *const ports[] = { "", " 7070", " dport 53", " sport 1000-2000",
					     " dport 80,443", " 0-1023" };
	static const char *const addrs[] = { "", " src 10.0.0.0/8", " dst 10.1.0.0/16",
					     " src fd00::/8", " in in0", " dst 10.1.2.3" };
	const char *act = rnd_range(s, 0, 2) ? "" : "deny ";
	const char *addr = addrs[rnd_range(s, 0, 5)];

	switch (rnd_range(s, 0, 3)) {
	case 0:		/* icmp takes no IPv6 prefix */
		snprintf(buf, len, "%sicmp%s%s", act, rnd_range(s, 0, 1) ? " type echo-request" : "",
			 strstr(addr, "fd00") ? "" : addr);
		break;
	case 1:
		snprintf(buf, len, "%sany%s", act, addr);
		break;
	default:
		snprintf(buf, len, "%s%s%s%s", act, l4[rnd_range(s, 0, 1)], ports[rnd_range(s, 0, 5)],
			 addr);
	}
}

/* A random key near the values rnd_rule_text() uses. */
static void rnd_rule_key(__u64 *s, struct fwctl_key *k)
{
	static const __u32 proto[] = { 1, 6, 17, 58, 99 };
	static const __u32 port[] = { 7070, 53, 80, 443, 1500, 0, 1023, 40000 };
	static const __u32 v4[] = { 0x0a000001, 0x0a010203, 0x0a010001, 0xc0a80001 };
	int d;

	memset(k, 0, sizeof(*k));
	k->w[FWCTL_DIM_FAMILY] = rnd_range(s, 0, 3) ? FWCTL_FAMILY_V4 : FWCTL_FAMILY_V6;
	if (k->w[FWCTL_DIM_FAMILY] == FWCTL_FAMILY_V4) {
		k->w[FWCTL_DIM_SRC0] = v4[rnd_range(s, 0, 3)];
		k->w[FWCTL_DIM_DST0] = v4[rnd_range(s, 0, 3)];
	} else {
		for (d = 0; d < 4; d++) {
			k->w[FWCTL_DIM_SRC0 + d] = d ? rnd_range(s, 0, 1) : 0xfd000000;
			k->w[FWCTL_DIM_DST0 + d] = d ? rnd_range(s, 0, 1) : 0x20010db8;
		}
		if (rnd_range(s, 0, 1))
			k->w[FWCTL_DIM_SRC0] = 0x20010db8;
	}
	k->w[FWCTL_DIM_PROTO] = proto[rnd_range(s, 0, 4)];
	k->w[FWCTL_DIM_SPORT] = port[rnd_range(s, 0, 7)];
	k->w[FWCTL_DIM_DPORT] = k->w[FWCTL_DIM_PROTO] == 1 ? 8 << 8 : port[rnd_range(s, 0, 7)];
	k->w[FWCTL_DIM_IN] = rnd_range(s, 0, 1);
	k->w[FWCTL_DIM_FRAG] = !rnd_range(s, 0, 7);
}

/*
 * The datapath walks the smallest banked sets inline (classify.h,
 * fwctl_classify_small: one tree that is one leaf of at most
 * FWCTL_SMALL_BOXES boxes) and leaves every other set to the full walk.
 * Either way the answer is the full walk's, key by key: for the
 * reference rules (which must take the small walk) and for random sets of
 * 1 to 6 rules of every field, allow and deny, of which some must take
 * each way.
 */
static void test_small_walk(void)
{
	static const char *const ref[] = { "icmp", "tcp 7070", "udp" };
	char *text[6], b1[96], b2[96], b3[160];
	unsigned int set, i, j, n, small_sets = 0, full_sets = 0, keys = 0;
	__u64 s = seed0 ^ 0x5a11, ks = seed0 ^ 0x6b22;
	struct ct_out got, want;
	struct fwctl_key k;
	int bank, err = 0;
	bool bad = false;

	for (i = 0; i < 6; i++)
		text[i] = malloc(128);
	for (set = 0; set < 60 && !err && !bad; set++) {
		if (set == 0) {
			n = 3;
			for (i = 0; i < n; i++)
				snprintf(text[i], 128, "%s", ref[i]);
		} else {
			n = rnd_range(&s, 1, 6);
			for (i = 0; i < n; i++) {
				do {	/* exact duplicates are refused */
					rnd_rule_text(&s, text[i], 128);
					for (j = 0; j < i && strcmp(text[j], text[i]); j++)
						;
				} while (j < i);
			}
		}
		err = load_texts((const char *const *)text, n, set & 1 ? FWCTL_POLICY_ACCEPT :
					FWCTL_POLICY_DROP, &bank);
		for (i = 0; i < 200 && !err && !bad; i++, keys++) {
			rnd_rule_key(&ks, &k);
			if (set == 0 && i < 2) {	/* tcp to and from 7070 */
				k.w[FWCTL_DIM_PROTO] = 6;
				k.w[FWCTL_DIM_FRAG] = 0;
				k.w[i ? FWCTL_DIM_SPORT : FWCTL_DIM_DPORT] = 7070;
			}
			err = run_key(prog_small, &k, &got, 1, NULL) ||
			      run_key(prog_cur, &k, &want, 1, NULL);
			bad = !err && (!same(&got, &want) || (set == 0 && !got.small) ||
				       (set == 0 && i < 2 && (got.status != FWCTL_CLASSIFY_MATCH ||
							     got.rule_id != 2)));
		}
		if (!err && !bad && got.small)
			small_sets++;
		else if (!err && !bad)
			full_sets++;
	}
	if (err)
		report(false, "small walk: agrees with the full walk", "set %u: error %d", set - 1,
		       err);
	else if (bad)
		report(false, "small walk: agrees with the full walk",
		       "set %u (%u rules, first '%s'), key %s: %s walk says %s, full walk %s",
		       set - 1, n, text[0], fmt_key(&k, b3, sizeof(b3)),
		       got.small ? "small" : "full", fmt_out(&got, b1, sizeof(b1)),
		       fmt_out(&want, b2, sizeof(b2)));
	else {
		snprintf(b3, sizeof(b3), "small walk: the reference rules and 59 random sets of "
			 "1-6 rules (%u walked inline, %u not), every answer the full walk's",
			 small_sets, full_sets);
		report(small_sets && full_sets, b3, "%u keys", keys);
	}
	for (i = 0; i < 6; i++)
		free(text[i]);
	load_texts(NULL, 0, FWCTL_POLICY_DROP, &bank);
}

/*
 * Random compiled sets big enough for trees (20 to 400 rules), banked:
 * the datapath's bank walk (half-box runs from any slot, runs of full
 * boxes for the IPv6 host pairs, empty leaves, several roots) gives every
 * key the answer the reference walk gives on the generation itself.
 */
static void test_bank_walk(void)
{
	static const char *const wide[] = {
		/* 7 address and port dimensions: a run of full bank boxes */
		"tcp dport 22 src 2001:db8::1 dst 2001:db8:0:1::/64",
		"deny udp sport 7070 src fd00::1 dst 2001:db8:0:1::/64",
	};
	unsigned int set, i, j, n, r, keys = 0, matched = 0, banked = 0;
	__u64 s = seed0 ^ 0xba4c, ks = seed0 ^ 0x4b3d;
	char **text = calloc(400, sizeof(*text)), b1[96], b2[96], b3[160];
	struct fwctl_cell *cells = NULL;
	struct ct_out got, ref;
	struct fwctl_err e = {};
	__u32 n_cells = 0;
	int bank = FWCTL_BANK_NONE, err = !text, fd;
	bool bad = false;

	for (i = 0; text && i < 400; i++)
		if (!(text[i] = malloc(128)))
			err = -ENOMEM;
	for (set = 0; set < 12 && !err && !bad; set++) {
		n = rnd_range(&s, 20, set < 6 ? 60 : 400);
		for (i = 0; i < n; i++) {
			do {	/* exact duplicates are refused */
				/* rnd_rule_text() makes under 200 distinct rules:
				 * ports of their own make the rest. */
				r = rnd_range(&s, 0, 15);
				if (r == 0)
					snprintf(text[i], 128, "%s", wide[rnd_range(&s, 0, 1)]);
				else if (r < 8)
					rnd_rule_text(&s, text[i], 128);
				else
					snprintf(text[i], 128, "%s dport %u%s",
						 rnd_range(&s, 0, 1) ? "tcp" : "deny udp",
						 (unsigned int)rnd_range(&s, 1, 3000),
						 rnd_range(&s, 0, 1) ? " src 10.0.0.0/8" : "");
				for (j = 0; j < i && strcmp(text[j], text[i]); j++)
					;
			} while (j < i);
		}
		err = load_texts((const char *const *)text, n, set & 1 ? FWCTL_POLICY_ACCEPT :
				 FWCTL_POLICY_DROP, &bank);
		if (err)
			break;
		banked += bank != FWCTL_BANK_NONE;
		fd = table_open_current(&maps, &e);
		err = fd < 0 ? fd : table_read(fd, &cells, &n_cells, &e);
		if (fd >= 0)
			close(fd);
		for (i = 0; i < 2000 && !err; i++) {
			rnd_rule_key(&ks, &trace_keys[i]);
			if (i & 1)	/* an address of the wide rules' */
				trace_keys[i].w[FWCTL_DIM_SRC3] = 1;
		}
		if (!err)
			err = run_trace(CT_WALK_CURRENT, 2000, NULL);
		for (i = 0; i < 2000 && !err && !bad; i++, keys++) {
			got = trace_out[i];
			ref_classify(cells, n_cells, &trace_keys[i], &ref);
			/* A banked walk that matches reads no policy: it needs none. */
			if (got.status == FWCTL_CLASSIFY_MATCH)
				ref.policy = got.policy;
			bad = !same(&got, &ref);
			matched += got.status == FWCTL_CLASSIFY_MATCH;
		}
		free(cells);
		cells = NULL;
	}
	if (err)
		report(false, "bank walk: random compiled sets", "set %u: error %d", set, err);
	else if (bad)
		report(false, "bank walk: random compiled sets",
		       "set %u (%u rules, bank %d), key %s: BPF %s, reference %s", set - 1, n, bank,
		       fmt_key(&trace_keys[i - 1], b3, sizeof(b3)), fmt_out(&got, b1, sizeof(b1)),
		       fmt_out(&ref, b2, sizeof(b2)));
	else
		report(banked == 12 && matched > keys / 4 && matched < keys,
		       "bank walk: 12 random compiled sets of 20-400 rules, all banked, every "
		       "answer the reference walk's on the generation",
		       "%u of 12 banked, %u of %u keys matched a rule", banked, matched, keys);
	for (i = 0; text && i < 400; i++)
		free(text[i]);
	free(text);
	load_texts(NULL, 0, FWCTL_POLICY_DROP, &bank);
}

struct runner {
	pthread_t th;
	volatile bool stop;
	struct fwctl_key key;
	unsigned long runs, seen[2], bad;
	struct ct_out last_bad;
};

static void *run_loop(void *arg)
{
	struct runner *r = arg;
	struct ct_out o;

	while (!r->stop) {
		if (run_key(prog_cur, &r->key, &o, 1, NULL)) {
			r->bad++;
			continue;
		}
		r->runs++;
		if (o.status == FWCTL_CLASSIFY_MATCH && (o.rule_id == 1 || o.rule_id == 2) &&
		    o.prio == o.rule_id - 1)
			r->seen[o.rule_id - 1]++;
		else {
			r->bad++;
			r->last_bad = o;
		}
	}
	return NULL;
}

double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * Two generations that give key k rule 1 (A) or rule 2 (B), committed in
 * turn while another thread classifies k non-stop: every answer is A's or
 * B's, and right after each commit returns the new one answers.
 */
static void test_commit_in_use(void)
{
	enum { COMMITS = 60, MAX_COMMITS = 1000 };
	struct runner r = { .key = KEY(W(PROTO, 6), W(DPORT, 22)) };
	double t_commit[MAX_COMMITS], t_update[MAX_COMMITS], t0, deadline;
	struct fwctl_err e = {};
	unsigned int i, n, stale = 0;
	__u32 id_a;
	struct fwctl_config cfg;
	struct ct_out o;
	struct tb a, b;
	int fa, fb, fd;

	tb_init(&a);
	tb_root(&a, leaf_of_rule(&a, 0, 1), FWCTL_NO_PRIO);
	tb_done(&a, 1, FWCTL_POLICY_DROP);
	tb_init(&b);	/* rule 2 at prio 1, and another root */
	tb_root(&b, leaf_of_rule(&b, 1, 2), FWCTL_NO_PRIO);
	tb_root(&b, leaf_of_rule(&b, 2, 3), FWCTL_NO_PRIO);
	tb_done(&b, 2, FWCTL_POLICY_DROP);
	fa = table_create(a.c, a.n, &e);
	fb = table_create(b.c, b.n, &e);
	if (fa < 0 || fb < 0) {
		report(false, "commit under load", "cannot create: %s", e.msg);
		goto out;
	}
	/* A first: the runner must never see the generation of an earlier test. */
	if (table_commit(&maps, fa, &e)) {
		report(false, "commit under load", "cannot commit: %s", e.msg);
		goto out;
	}
	pthread_create(&r.th, NULL, run_loop, &r);
	deadline = now_us() + 30e6;
	while (!r.runs && now_us() < deadline)
		usleep(1000);
	/* B, A, B, ...: at least COMMITS, and on until the runner has seen
	 * both sets (the CPUs are shared: it may get little time). */
	for (i = 0; i < MAX_COMMITS; i++) {
		if (i >= COMMITS && !(i & 1) && ((r.seen[0] && r.seen[1]) || now_us() > deadline))
			break;
		fd = i & 1 ? fa : fb;
		t0 = now_us();
		table_commit(&maps, fd, &e);
		t_commit[i] = now_us() - t0;
		if (run_key(prog_cur, &r.key, &o, 1, NULL) || o.rule_id != (i & 1 ? 1u : 2u))
			stale++;
		/* What an ordinary map update costs, for comparison. */
		config_read(&maps, &cfg);
		t0 = now_us();
		config_write(&maps, &cfg);
		t_update[i] = now_us() - t0;
	}
	n = i;
	r.stop = true;
	pthread_join(r.th, NULL);
	printf("# commit under load: %u commits, %lu runs beside them\n", i, r.runs);
	report(r.bad == 0 && r.seen[0] > 0 && r.seen[1] > 0,
	       "commit while another thread classifies: every answer is the old set's or the new one's",
	       "%lu bad of %lu runs (last: status %u rule %u prio %u), rule 1 seen %lu, rule 2 %lu",
	       r.bad, r.runs, r.last_bad.status, r.last_bad.rule_id, r.last_bad.prio, r.seen[0],
	       r.seen[1]);
	report(stale == 0, "commit: once table_commit returns, packets see the new generation",
	       "%u of %u commits were not visible right after", stale, n);
	qsort(t_commit, n, sizeof(double), cmp_double);
	qsort(t_update, n, sizeof(double), cmp_double);
	/* And a lookup of the outer map, which older kernels also made wait. */
	t0 = now_us();
	fd = table_open_current(&maps, &e);
	t0 = now_us() - t0;
	if (fd >= 0)
		close(fd);
	printf("# commit (update of fwctl_tables[0]): median %.0f us, min %.0f, max %.0f; "
	       "an update of an array map: median %.1f us (the difference is the RCU grace "
	       "period); table_open_current: %.1f us\n",
	       t_commit[n / 2], t_commit[0], t_commit[n - 1], t_update[n / 2], t0);

	/* A replaced generation nobody holds any more is freed. */
	id_a = map_id(fa);
	table_commit(&maps, fb, &e);
	close(fa);
	fa = -1;
	/* Freed after an RCU (and RCU tasks trace) grace period: allow 10 s. */
	for (i = 0; i < 1000; i++) {
		fd = bpf_map_get_fd_by_id(id_a);
		if (fd < 0)
			break;
		close(fd);
		usleep(10000);
	}
	report(fd == -ENOENT, "a replaced generation no one holds is freed by the kernel",
	       "map id %u still there after 10 s (%d)", id_a, fd);
out:
	if (fa >= 0)
		close(fa);
	if (fb >= 0)
		close(fb);
	tb_free(&a);
	tb_free(&b);
}

/* --- the other maps: pins and per-rule counters ----------------------- */

static void test_pins(void)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = pin_root);
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	struct classify_test *again;
	char path[192];
	int fd, err;

	snprintf(path, sizeof(path), "%s/%s", pin_root, FWCTL_STR(FWCTL_MAP_TABLES));
	fd = bpf_obj_get(path);
	err = fd < 0 ? fd : bpf_obj_get_info_by_fd(fd, &info, &len);
	report(!err && info.type == BPF_MAP_TYPE_ARRAY_OF_MAPS && info.max_entries == 1,
	       "fwctl_tables pinned by name by libbpf: an ARRAY_OF_MAPS of one slot",
	       "err %d type %u max_entries %u", err, info.type, info.max_entries);
	again = classify_test__open_opts(&opts);
	/* Pins are reused only by an object declaring the same sizes. */
	err = again ? table_banks_set_size(again->obj, TEST_BANK_CELLS) : -errno;
	if (!err)
		err = rule_stats_set_size(again->obj);
	if (!err)
		err = classify_test__load(again);
	report(!err && fd >= 0 && map_id(bpf_map__fd(again->maps.fwctl_tables)) == info.id,
	       "a second load reuses the pinned fwctl_tables (map-in-map pin reuse in libbpf)",
	       "err %d", err);
	classify_test__destroy(again);
	if (fd >= 0)
		close(fd);

	memset(&info, 0, sizeof(info));
	err = bpf_obj_get_info_by_fd(maps.rule_stats, &info, &len);
	report(!err && info.type == BPF_MAP_TYPE_ARRAY &&
		       info.max_entries == (__u32)possible_cpu_ids() * FWCTL_RULE_ID_SLOTS &&
		       rule_stats_regions(&maps) == possible_cpu_ids(),
	       "fwctl_rule_stats holds every rule id (FWCTL_RULE_ID_SLOTS) once per possible CPU",
	       "type %u max_entries %u", info.type, info.max_entries);
	/* Regions are indexed by CPU id, so a list with gaps counts to its highest id. */
	report(cpu_list_ids("0-3,8-11\n") == 12 && cpu_list_ids("0\n") == 1 &&
		       cpu_list_ids("0-1") == 2 && cpu_list_ids("5") == 6 && cpu_list_ids("") < 0 &&
		       cpu_list_ids("\n") < 0,
	       "possible CPU ids: the highest id of the list + 1, gaps included", "%d %d %d",
	       cpu_list_ids("0-3,8-11\n"), cpu_list_ids("0\n"), cpu_list_ids(""));
}

static void test_rule_stats(void)
{
	int ncpus = libbpf_num_possible_cpus(), cpu, err;
	const __u32 ids[] = { 5, FWCTL_MAX_RULE_ID };
	struct fwctl_rule_stats *v, *all;
	__u32 id, i;
	bool ok;

	v = calloc(ncpus, sizeof(*v));
	all = calloc(FWCTL_RULE_ID_SLOTS, sizeof(*all));
	for (i = 0; i < 3; i++) {
		id = i < 2 ? ids[i] : 6;
		for (cpu = 0; cpu < ncpus; cpu++) {
			__u32 k = FWCTL_RULE_STATS_KEY(cpu, id);

			v[cpu] = (struct fwctl_rule_stats){ id + cpu, 100 * (id + cpu) };
			bpf_map_update_elem(maps.rule_stats, &k, &v[cpu], 0);
		}
	}
	err = rule_stats_read_first(&maps, FWCTL_RULE_ID_SLOTS, all);
	ok = !err;
	for (i = 0; ok && i < 3; i++) {
		id = i < 2 ? ids[i] : 6;
		ok = all[id].packets == (__u64)ncpus * id + ncpus * (ncpus - 1) / 2 &&
		     all[id].bytes == 100 * all[id].packets;
	}
	report(ok && all[7].packets == 0,
	       "rule_stats_read_first: per-CPU counters summed, up to the last id", "err %d", err);
	err = rule_stats_reset(&maps, ids, 2);
	if (!err)
		err = rule_stats_read_first(&maps, FWCTL_RULE_ID_SLOTS, all);
	report(!err && all[5].packets == 0 && all[FWCTL_MAX_RULE_ID].bytes == 0 &&
		       all[6].packets == (__u64)ncpus * 6 + ncpus * (ncpus - 1) / 2,
	       "rule_stats_reset: the given ids (highest id included) zeroed, the others kept",
	       "err %d, id 6 has %llu packets", err, (unsigned long long)all[6].packets);
	{
		/* An id past the slots is refused whole, not folded onto another id. */
		const __u32 bad[] = { 6, FWCTL_RULE_ID_SLOTS + 6 };

		err = rule_stats_reset(&maps, bad, 2);
		i = rule_stats_read_first(&maps, FWCTL_RULE_ID_SLOTS, all);
		report(err == -E2BIG && !i &&
			       all[6].packets == (__u64)ncpus * 6 + ncpus * (ncpus - 1) / 2,
		       "rule_stats_reset: an id past FWCTL_RULE_ID_SLOTS is refused (E2BIG), "
		       "nothing zeroed", "err %d, id 6 has %llu packets", err,
		       (unsigned long long)all[6].packets);
	}
	free(v);
	free(all);
}

/* --- measurements -------------------------------------------------------- */

static __u32 helper_calls(int prog, __u32 *verified, __u32 *xlated)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info), n, i, calls = 0;
	struct bpf_insn *insns;

	if (bpf_obj_get_info_by_fd(prog, &info, &len))
		return 0;
	*verified = info.verified_insns;
	n = info.xlated_prog_len / sizeof(*insns);
	*xlated = n;
	insns = calloc(n, sizeof(*insns));
	memset(&info, 0, sizeof(info));
	info.xlated_prog_len = n * sizeof(*insns);
	info.xlated_prog_insns = (__u64)(unsigned long)insns;
	if (!bpf_obj_get_info_by_fd(prog, &info, &len))
		for (i = 0; i < n; i++)
			calls += insns[i].code == (BPF_JMP | BPF_CALL) && insns[i].src_reg == 0;
	free(insns);
	return calls;
}

static void print_programs(void)
{
	__u32 v1, x1, v2, x2, v3, x3, c1, c2;

	c1 = helper_calls(prog_cur, &v1, &x1);
	c2 = helper_calls(prog_fixed, &v2, &x2);
	helper_calls(prog_none, &v3, &x3);
	printf("# verifier: classify_current %u insns processed, %u xlated, %u helper calls left; "
	       "classify_fixed (fixed-size inner map) %u processed, %u xlated, %u helper calls; "
	       "classify_none (no walk) %u processed, %u xlated\n",
	       v1, x1, c1, v2, x2, c2, v3, x3);
}

/* Best of a few mean run times of prog on key (other tests share the CPUs). */
static double best_ns(int prog, const struct fwctl_key *k, __u32 repeat)
{
	__u32 ns, best = ~0u;
	struct ct_out o;
	int i;

	for (i = 0; i < 5; i++) {
		if (run_key(prog, k, &o, repeat, &ns))
			return -1;
		best = ns < best ? ns : best;
	}
	return best;
}

/* Mean ns of a lookup over nk keys, the test-run overhead taken away. */
static double ns_per_lookup(int prog, const struct fwctl_key *keys, unsigned int nk,
			    __u32 repeat)
{
	double sum = 0;
	unsigned int i;

	for (i = 0; i < nk; i++)
		sum += best_ns(prog, &keys[i], repeat) - best_ns(prog_none, &keys[i], repeat);
	return sum / nk;
}

/* Best time of a few runs of the trace through one walk (the CPUs are shared). */
static double best_trace_ns(__u32 walk, __u32 n)
{
	__u64 ns, best = ~0ull;
	int i;

	for (i = 0; i < 3; i++) {
		if (run_trace(walk, n, &ns))
			return -1;
		best = ns < best ? ns : best;
	}
	return best;
}

void measure_cells(const char *what, const struct fwctl_cell *c, __u32 n,
			  const struct fwctl_key *keys, unsigned int nk, __u32 repeat, bool trace)
{
	double cur, fixed = -1, none;
	struct fwctl_err e = {};
	__u32 zero = 0;
	int fd, ffd;

	fd = table_create(c, n, &e);
	if (fd >= 0 && table_commit(&maps, fd, &e)) {
		close(fd);
		fd = -1;
	}
	ffd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "ct_fixed", 4, sizeof(struct fwctl_cell),
			     CT_FIXED_CELLS, NULL);
	if (fd < 0 || ffd < 0 || n > CT_FIXED_CELLS || table_fill(ffd, c, n) ||
	    bpf_map_update_elem(bpf_map__fd(skel->maps.ct_fixed_tables), &zero, &ffd, 0)) {
		fprintf(stderr, "classify: cannot set up the measurement of %s\n", what);
		goto out;
	}
	if (trace) {
		none = best_trace_ns(CT_WALK_NONE, nk);
		cur = (best_trace_ns(CT_WALK_CURRENT, nk) - none) / nk;
		fixed = (best_trace_ns(CT_WALK_FIXED, nk) - none) / nk;
	} else {
		cur = ns_per_lookup(prog_cur, keys, nk, repeat);
		fixed = ns_per_lookup(prog_fixed, keys, nk, repeat);
	}
	printf("# ns per lookup, %s: %.1f (generation with BPF_F_INNER_MAP, lookups are calls); "
	       "%.1f (fixed-size inner map, lookups inlined)\n", what, cur, fixed);
out:
	if (fd >= 0)
		close(fd);
	if (ffd >= 0)
		close(ffd);
}

/* What creating (and filling) and reading back a generation of n cells costs. */
static void measure_create(__u32 n)
{
	struct fwctl_cell *back = NULL;
	struct fwctl_err e = {};
	double t0, t_create, t_read;
	__u32 got = 0;
	struct tb t;
	int fd;

	tb_init(&t);
	while (t.n < n)
		tb_box(&t, t.n, t.n, 0);
	tb_done(&t, n, FWCTL_POLICY_DROP);
	t0 = now_us();
	fd = table_create(t.c, t.n, &e);
	t_create = now_us() - t0;
	t0 = now_us();
	if (fd >= 0)
		table_read(fd, &back, &got, &e);
	t_read = now_us() - t0;
	printf("# table_create of %u cells (%u MiB): %.1f ms; table_read: %.1f ms%s%s\n", n,
	       (unsigned int)((__u64)n * sizeof(struct fwctl_cell) >> 20), t_create / 1000,
	       t_read / 1000, fd < 0 || got != n ? ", failed: " : "", e.msg);
	if (fd >= 0)
		close(fd);
	free(back);
	tb_free(&t);
}

static void measure(const char *what, const struct tb *t, const struct fwctl_key *keys,
		    unsigned int nk, __u32 repeat, bool trace)
{
	measure_cells(what, t->c, t->n, keys, nk, repeat, trace);
}

static void test_measure(void)
{
	struct fwctl_key keys[64];
	__u64 s = seed0 ^ 0xbe4c;
	unsigned int i;
	struct ct_out o;
	struct tb t;

	build_reference(&t, FWCTL_POLICY_DROP);
	keys[0] = KEY(W(PROTO, 6), W(SPORT, 40000), W(DPORT, 7070));
	keys[1] = KEY(W(PROTO, 6), W(SPORT, 40000), W(DPORT, 80));
	keys[2] = KEY(W(PROTO, 17), W(SPORT, 40000), W(DPORT, 53));
	measure("reference rules (one leaf), tcp 7070 match", &t, keys, 1, 200000, false);
	measure("reference rules (one leaf), tcp no match (all 4 boxes)", &t, keys + 1, 1, 200000,
		false);
	tb_free(&t);

	rnd_table(&t, &s, FWCTL_MAX_ROOTS, 200000);
	for (i = 0; i < 64; i++) {
		do
			rnd_key(&t, &s, &keys[i]);
		while (ref_classify(t.c, t.n, &keys[i], &o), o.status != FWCTL_CLASSIFY_MATCH);
	}
	measure("random 8-root generation of ~200k cells (64 keys, each repeated)", &t, keys, 64,
		5000, false);
	for (i = 0; i < 65536; i++)
		rnd_key(&t, &s, &trace_keys[i]);
	measure("the same, 65536 distinct keys in one run", &t, NULL, 65536, 0, true);
	tb_free(&t);
	build_chain(&t, FWCTL_MAX_DEPTH);
	keys[0] = KEY(W(DPORT, 0));
	measure("24 nodes deep then a leaf (worst path of one tree)", &t, keys, 1, 200000, false);
	tb_free(&t);
	measure_create(200000);
	measure_create(1u << 20);
}

/* --- setup ------------------------------------------------------------------ */

static int setup(void)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = pin_root);
	int err;

	if (!pin_root[0])
		snprintf(pin_root, sizeof(pin_root), "/sys/fs/bpf/fwctl-classify-%d", getpid());
	if (mkdir(pin_root, 0700)) {
		fprintf(stderr, "classify: cannot create %s: %s\n", pin_root, strerror(errno));
		return -errno;
	}
	skel = classify_test__open_opts(&opts);
	if (!skel) {
		fprintf(stderr, "classify: cannot open the test object: %s\n", strerror(errno));
		return -errno;
	}
	/* Banks of TEST_BANK_CELLS, not the default: the size is attach's choice
	 * (--bank-cells), and the walk must take it from the map. */
	err = table_banks_set_size(skel->obj, TEST_BANK_CELLS);
	if (!err)	/* a region of rule counters per CPU, as attach makes them */
		err = rule_stats_set_size(skel->obj);
	if (!err)
		err = classify_test__load(skel);
	if (err) {
		fprintf(stderr, "classify: cannot load the test object (-v for the verifier log): "
				"%s\n", strerror(-err));
		return err;
	}
	prog_cur = bpf_program__fd(skel->progs.classify_current);
	prog_fixed = bpf_program__fd(skel->progs.classify_fixed);
	prog_none = bpf_program__fd(skel->progs.classify_none);
	prog_trace = bpf_program__fd(skel->progs.classify_trace);
	prog_small = bpf_program__fd(skel->progs.classify_small);
	trace_keys = mmap(NULL, (size_t)CT_TRACE_MAX * sizeof(*trace_keys), PROT_READ | PROT_WRITE,
			  MAP_SHARED, bpf_map__fd(skel->maps.ct_keys), 0);
	trace_out = mmap(NULL, (size_t)CT_TRACE_MAX * sizeof(*trace_out), PROT_READ, MAP_SHARED,
			 bpf_map__fd(skel->maps.ct_results), 0);
	if (trace_keys == MAP_FAILED || trace_out == MAP_FAILED) {
		fprintf(stderr, "classify: cannot map ct_keys or ct_results: %s\n",
			strerror(errno));
		return -errno;
	}
	/* Borrowed from the object (the devmap is never pinned by name). */
	err = maps_from_object(skel->obj, &maps);
	if (err)
		fprintf(stderr, "classify: maps missing from the test object: %s\n",
			strerror(-err));
	return err;
}

static void cleanup(void)
{
	if (trace_keys && trace_keys != MAP_FAILED)
		munmap(trace_keys, (size_t)CT_TRACE_MAX * sizeof(*trace_keys));
	if (trace_out && trace_out != MAP_FAILED)
		munmap(trace_out, (size_t)CT_TRACE_MAX * sizeof(*trace_out));
	classify_test__destroy(skel);
	if (pin_root[0]) {
		maps_unpin(pin_root);
		rmdir(pin_root);
	}
}

int main(int argc, char **argv)
{
	struct fwctl_key k = KEY(W(PROTO, 6));
	struct fwctl_err e = {};
	struct ct_out o;
	int opt, err;

	setvbuf(stdout, NULL, _IOLBF, 0);
	seed0 = (__u64)time(NULL);
	while ((opt = getopt(argc, argv, "vbms:k:p:")) != -1) {
		switch (opt) {
		case 'b':
			big_sets = true;
			break;
		case 'p':
			snprintf(pin_root, sizeof(pin_root), "%s", optarg);
			break;
		case 'm':
			only_measure = true;
			break;
		case 'v':
			verbose = true;
			break;
		case 's':
			seed0 = strtoull(optarg, NULL, 0);
			break;
		case 'k':
			n_keys = strtoul(optarg, NULL, 0);
			break;
		default:
			fprintf(stderr, "usage: %s [-v] [-b] [-m] [-s SEED] [-k KEYS] [-p PIN_DIR]\n",
				argv[0]);
			return 2;
		}
	}
	libbpf_set_print(libbpf_print);
	memset(&maps, -1, sizeof(maps));
	err = setup();
	report(!err, "the walk passes the verifier (classify_test.bpf.c loads)", "%s",
	       strerror(-err));
	if (err) {
		cleanup();
		return 1;
	}
	printf("# seed %llu (-s to replay)\n", (unsigned long long)seed0);
	print_programs();
	if (only_measure) {
		test_measure();
		cleanup();
		return 0;
	}

	err = run_key(prog_cur, &k, &o, 1, NULL);
	report(!err && o.status == FWCTL_CLASSIFY_NO_TABLE,
	       "before the first commit: no table (status NO_TABLE)", "err %d status %u", err,
	       o.status);
	err = table_open_current(&maps, &e);
	report(err == -ENOENT, "before the first commit: table_open_current says -ENOENT",
	       "returned %d", err);

	test_pins();
	test_single_leaf();
	test_stateful();
	test_two_levels();
	test_full_nodes();
	test_padding();
	test_roots();
	test_depth();
	test_leaf31();
	test_broken();
	test_random();
	test_read_back_and_policy();
	test_commit_in_use();
	test_rule_stats();
	test_banks();
	test_bank_walk();
	test_small_walk();
	test_measure();
	cleanup();
	return failures ? 1 : 0;
}
