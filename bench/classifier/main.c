// SPDX-License-Identifier: GPL-2.0
/*
 * bench/classifier - the classifier compiler on the ClassBench sets:
 * compile time, table size, tree shape, and the user-space walk over each
 * set's trace (ns per packet, cells visited: what the BPF walk will pay).
 *
 *   build/bench/classifier [-d CLASSBENCH_DIR] [-r ROUNDS] [-l LEAF] [-w WEIGHT]
 *                          [-1] [SET...]
 * SET defaults to all nine (acl1, fw1, ipc1 at 1k, 10k and 100k). A SET
 * may also be "reference" (icmp, tcp 7070, udp) or a synthetic one,
 * KIND-SIZE (SIZE like 10k or 100k):
 *   ports       tcp/udp PORT, today's rules (a source-or-destination port)
 *   portranges  tcp/udp LO-HI, ranges of up to 2000 ports, overlapping
 *   v6          tcp src IPv6/64 dst IPv6/128
 *   random      tests/classifier's random rules (every field, lists)
 * with 200,000 keys aimed at the rules' edges (the first 2,000 checked
 * against the first-match scan). -l, -w and -1 change the builder's
 * knobs (struct classifier_tuning: leaf size, depth weight, one tree
 * only) to compare with the defaults.
 * Prints one line per set; a wrong first match is an error (exit 1).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include "classifier.h"
#include "fwctl.h"
#include "../../tests/classifier/classbench.h"

/* The ClassBench reader, the random rules and the oracle are the test's:
 * one copy of each. */
#include "../../tests/classifier/classbench.c"
#include "../../tests/classifier/gen.c"
#include "../../tests/classifier/oracle.c"

#define SYNTH_KEYS	200000
#define SYNTH_CHECKED	2000
#define UNCHECKED	0xffffffffu

static struct rule_prefix *prefix1(int family, int len, __u32 a0, __u32 a1, __u32 a2, __u32 a3)
{
	struct rule_prefix *p = calloc(1, sizeof(*p));

	p->family = family;
	p->len = len;
	p->addr[0] = a0;
	p->addr[1] = a1;
	p->addr[2] = a2;
	p->addr[3] = a3;
	return p;
}

static void synth_rule(const char *kind, struct rng *g, const struct gen_pool *pool,
		       struct rule *r)
{
	memset(r, 0, sizeof(*r));
	r->in = -1;
	if (!strcmp(kind, "random")) {
		gen_rule(g, pool, r);
		return;
	}
	if (!strcmp(kind, "reference")) {
		/* icmp, tcp 7070, udp: the reference firewall's rules */
		static int i;

		r->proto = (int[]){ 1, 6, 17 }[i % 3];
		r->has_ports = i++ % 3 == 1;
		r->ports.lo = r->ports.hi = 7070;
		return;
	}
	r->action = rng_below(g, 10) ? FWCTL_ACTION_ALLOW : FWCTL_ACTION_DENY;
	r->proto = rng_below(g, 2) ? 6 : 17;
	if (!strcmp(kind, "v6")) {
		r->proto = 6;
		r->src = prefix1(FWCTL_FAMILY_V6, 64, 0x20010db8, rng_next(g), 0, 0);
		r->dst = prefix1(FWCTL_FAMILY_V6, 128, 0xfd000000, 0, rng_next(g), rng_next(g));
		r->n_src = r->n_dst = 1;
		return;
	}
	r->has_ports = true;
	r->ports.lo = rng_below(g, 65536);
	r->ports.hi = r->ports.lo;
	if (!strcmp(kind, "portranges")) {
		__u32 hi = r->ports.lo + rng_below(g, 2000);

		r->ports.hi = hi > 65535 ? 65535 : hi;
	}
}

/* A synthetic set KIND-SIZE; 0, or -1 if name is not one. */
static int synth_load(const char *name, struct cb_set *s)
{
	char kind[32];
	unsigned int n;
	char k;
	struct rng g = { 20261130 };
	struct gen_pool pool;

	memset(s, 0, sizeof(*s));
	if (!strcmp(name, "reference")) {
		strcpy(kind, name);
		n = 3;
	} else if (sscanf(name, "%31[a-z6]-%u%c", kind, &n, &k) != 3 || k != 'k' ||
	    (strcmp(kind, "ports") && strcmp(kind, "portranges") && strcmp(kind, "v6") &&
	     strcmp(kind, "random"))) {
		return -1;
	} else {
		n *= 1000;
	}
	s->n_rules = n;
	s->rules = calloc(n, sizeof(*s->rules));
	s->ids = calloc(n, sizeof(*s->ids));
	gen_pool_init(&g, &pool, n);
	for (unsigned int i = 0; i < n; i++) {
		synth_rule(kind, &g, &pool, &s->rules[i]);
		s->ids[i] = i + 1;
	}
	s->n_keys = SYNTH_KEYS;
	s->keys = calloc(SYNTH_KEYS, sizeof(*s->keys));
	s->expect = calloc(SYNTH_KEYS, sizeof(*s->expect));
	s->expect_deny = calloc(SYNTH_KEYS, 1);
	for (unsigned int i = 0; i < SYNTH_KEYS; i++) {
		gen_key(&g, &pool, s->rules, n, &s->keys[i]);
		s->expect[i] = i < SYNTH_CHECKED ? (__u32)(first_match(s->rules, n, &s->keys[i]) + 1) :
			       UNCHECKED;
	}
	return 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int bench_set(const char *dir, const char *name, int rounds)
{
	struct classifier_stats st;
	struct fwctl_err e = { { 0 } };
	struct fwctl_cell *cells;
	struct cb_set s;
	char msg[512];
	__u32 n_cells, wrong = 0, max_cells = 0, bank_cells;
	__u64 nodes = 0, leaves = 0, boxes = 0, roots = 0;
	double best = 1e30, cpu;
	volatile __u32 sink = 0;

	if (synth_load(name, &s) &&
	    (!dir || cb_load(dir, name, &s, msg, sizeof(msg)))) {
		if (!dir)
			snprintf(msg, sizeof(msg), "%s: no classbench directory: give -d DIR or "
				 "CLASSBENCH_DIR", name);
		fprintf(stderr, "%s\n", msg);
		cb_free(&s);
		return 1;
	}
	cpu = cpu_now();
	if (classifier_compile(s.rules, s.ids, s.n_rules, FWCTL_POLICY_DROP, &cells, &n_cells,
			       &st, &e)) {
		fprintf(stderr, "%s: %s\n", name, e.msg);
		cb_free(&s);
		return 1;
	}
	cpu = cpu_now() - cpu;
	for (__u32 i = 0; i < s.n_keys; i++) {
		struct classifier_walk w;
		__u32 c = classifier_lookup_walk(cells, n_cells, &s.keys[i], &w);
		__u32 got = c ? cells[c].box.prio + 1 : 0, n;

		wrong += s.expect[i] != UNCHECKED && got != s.expect[i];
		roots += w.roots;
		nodes += w.nodes;
		leaves += w.leaves;
		boxes += w.boxes;
		n = w.nodes + w.leaves + w.boxes;
		if (n > max_cells)
			max_cells = n;
	}
	for (int r = 0; r < rounds; r++) {
		double t0 = now(), t;

		for (__u32 i = 0; i < s.n_keys; i++)
			sink += classifier_lookup(cells, n_cells, &s.keys[i]);
		t = (now() - t0) / s.n_keys;
		if (t < best)
			best = t;
	}
	if (classifier_bank_cells(cells, cells[0].hdr.text_cell, UINT32_MAX, NULL, &bank_cells))
		bank_cells = 0;
	printf("%-15s %7u %7llu %7u %5u %7u %7u %5u %4u %6.2f %6.1f %7.3f %6.3f %6.1f %5.2f %5.2f %5.2f %6.2f %4u %7u%s\n",
	       name, s.n_rules, (unsigned long long)st.boxes, st.boxes_used, st.roots, st.nodes,
	       st.leaves, st.max_depth, st.max_leaf, (double)st.leaf_slots / (st.boxes ? st.boxes : 1),
	       st.bytes / 1048576.0, st.compile_seconds, cpu, best * 1e9,
	       (double)roots / s.n_keys, (double)nodes / s.n_keys, (double)leaves / s.n_keys,
	       (double)boxes / s.n_keys, max_cells, bank_cells, wrong ? "  WRONG" : "");
	printf("# %s: boxes per tree", name);
	for (__u32 t = 0; t < st.roots; t++)
		printf(" %u", st.tree_boxes[t]);
	printf("\n");
	if (wrong)
		fprintf(stderr, "%s: %u of %u trace headers got the wrong first match\n", name,
			wrong, s.n_keys);
	free(cells);
	cb_free(&s);
	return wrong ? 1 : 0;
}

int main(int argc, char **argv)
{
	static const char *const all[] = { "acl1-1k", "fw1-1k", "ipc1-1k", "acl1-10k", "fw1-10k",
					   "ipc1-10k", "acl1-100k", "fw1-100k", "ipc1-100k" };
	const char *dir = NULL;
	int rounds = 3, rc = 0, i;
	struct rusage ru;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-d") && i + 1 < argc)
			dir = argv[++i];
		else if (!strcmp(argv[i], "-r") && i + 1 < argc)
			rounds = atoi(argv[++i]);
		else if (!strcmp(argv[i], "-l") && i + 1 < argc)
			classifier_tuning.leaf_target = atoi(argv[++i]);
		else if (!strcmp(argv[i], "-w") && i + 1 < argc)
			classifier_tuning.depth_weight = atoi(argv[++i]);
		else if (!strcmp(argv[i], "-1"))
			classifier_tuning.partition = false;
		else {
			fprintf(stderr, "usage: %s [-d CLASSBENCH_DIR] [-r ROUNDS] [-l LEAF] [-w WEIGHT] "
				"[-1] [SET...]\n", argv[0]);
			return 2;
		}
	}
	if (!dir)
		dir = cb_dir();
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("# leaf target %u, depth weight %u, %s\n", classifier_tuning.leaf_target,
	       classifier_tuning.depth_weight,
	       classifier_tuning.partition ? "trees by small fields" : "one tree");
	printf("# set: rules, boxes made, boxes in leaves, trees, nodes, leaves, max depth, max leaf,\n"
	       "# leaf slots per box, MiB, compile s (wall, CPU), lookup ns (user space, best of %d),\n"
	       "# per lookup: trees walked, nodes, leaves, boxes compared; most cells in one lookup;\n"
	       "# cells of its bank copy (fwctl attach --bank-cells; 0: no bank can hold it)\n",
	       rounds);
	printf("%-15s %7s %7s %7s %5s %7s %7s %5s %4s %6s %6s %7s %6s %6s %5s %5s %5s %6s %4s %7s\n",
	       "set", "rules", "boxes", "used", "trees", "nodes", "leaves", "depth", "leaf",
	       "slots", "MiB", "compile", "cpu", "ns", "trees", "nodes", "leafs", "boxes", "max",
	       "bank");
	if (i == argc)
		for (size_t k = 0; k < sizeof(all) / sizeof(all[0]); k++)
			rc |= bench_set(dir, all[k], rounds);
	for (; i < argc; i++)
		rc |= bench_set(dir, argv[i], rounds);
	getrusage(RUSAGE_SELF, &ru);
	printf("# peak RSS %.1f MiB\n", ru.ru_maxrss / 1024.0);
	return rc;
}
