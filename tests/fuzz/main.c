// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - differential fuzzing of the fwctl datapath.
 *
 * Loads a private copy of the XDP program from its skeleton (nothing
 * pinned), runs generated frames through it with BPF_PROG_TEST_RUN under
 * several rule sets (written out, or generated at random in the rule
 * language of issue 11, up to 10,000 rules) and both policies, reads the
 * verdict from the return value and the drop reason, the rule (allow or
 * deny) and ARP/ND from counter deltas, and compares all of it with the
 * reference classifier (ref.c). Every rule counter is checked: after each
 * frame for small sets, after each batch of frames for large ones.
 *
 *   fuzz check  --seed S --frames N --ifaces A B [--replay DIR]   (make test)
 *   fuzz stream --seconds T --ifaces A B --save DIR [--seed S]      (make fuzz)
 *   fuzz replay --ifaces A B FILE.pcap...
 *
 * A and B must be existing interfaces (a veth pair) in the current netns.
 */
#include <dirent.h>
#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "fwctl.h"		/* before the skeleton: its types */
#include "fwctl.skel.h"
#include "fwctl_conntrack.h"
#include "gen.h"
#include "ref.h"
#include "selftest.h"

/* --- the configurations: rule set x policy x devmap ---------------------- */

#define SMALL_SET	64	/* sets up to this size: every counter read per frame */
#define FIXED_MAX	32	/* rules written out in a configuration */
#define MANY_RULES	3000	/* port rules of the "many" sets */
#define MAX_RULES	(FIXED_MAX + 10000)
#define TEXT_MAX	1024

enum { G_NONE, G_PORTS, G_RANDOM };

struct fuzz_config {
	const char *name;	/* also in regression file names */
	const char *rules[FIXED_MAX];	/* {a} and {b} name the two interfaces */
	enum fwctl_policy policy;
	int no_peer_in;		/* devmap entry of the input side removed */
	int gen;		/* G_PORTS: plus MANY_RULES port rules (fixed);
				 * G_RANDOM: plus n_random random rules of a seed */
	int n_random;
};

/* The examples of issue 11 and more: every field, deny and allow interleaved. */
#define SPEC_RULES "tcp 7070", "deny tcp dport 22 src 10.9.0.0/16",			\
	"allow tcp dport 22,80,443 in {a} dst 10.0.0.0/8,fd00::/8",			\
	"allow icmp type echo-request in {a}", "allow any src 192.168.7.0/24 comment \"backup host\"", \
	"deny udp sport 5000-5100 dport 53", "deny icmpv6 type 1/4", "allow icmpv6 type echo-request", \
	"deny any src fd00::/16 in {b}", "allow udp dport 53,123", "deny 47", "allow any dst 10.0.0.0/8", \
	"deny tcp 1000-2000 sport 1024-65535", "allow udp src ::/0 dst 2001:db8::/32", \
	"allow 132 src 0.0.0.0/0", "deny udp sport 0-1023 dport 0-1023", "allow icmp type 0/0",	\
	"deny icmp type echo-reply", "allow tcp 0-10", NULL

static const struct fuzz_config configs[] = {
	{ "empty-drop", { NULL }, FWCTL_POLICY_DROP, 0, 0, 0 },
	{ "empty-accept", { NULL }, FWCTL_POLICY_ACCEPT, 0, 0, 0 },
	{ "ref-drop", { "icmp", "tcp 7070", "udp", NULL }, FWCTL_POLICY_DROP, 0, 0, 0 },
	{ "ref-accept", { "icmp", "tcp 7070", "udp", NULL }, FWCTL_POLICY_ACCEPT, 0, 0, 0 },
	{ "overlap-drop", { "tcp 1000-2000", "tcp 1500-1600", "tcp 1550", "udp 1005-1015",
			    "udp 1000-1010", "udp 53", "udp 5000-5100", NULL },
	  FWCTL_POLICY_DROP, 0, 0, 0 },
	{ "overlap-accept", { "tcp 1000-2000", "tcp 1500-1600", "tcp 1550", "udp 1005-1015",
			      "udp 1000-1010", "udp 53", "udp 5000-5100", NULL },
	  FWCTL_POLICY_ACCEPT, 0, 0, 0 },
	{ "protowide-drop", { "47", "tcp", NULL }, FWCTL_POLICY_DROP, 0, 0, 0 },
	{ "protowide-accept", { "47", "tcp", NULL }, FWCTL_POLICY_ACCEPT, 0, 0, 0 },
	{ "icmpv6-drop", { "icmpv6", "udp 5000-5100", NULL }, FWCTL_POLICY_DROP, 0, 0, 0 },
	{ "icmpv6-accept", { "icmpv6", "udp 5000-5100", NULL }, FWCTL_POLICY_ACCEPT, 0, 0, 0 },
	{ "mixed-drop", { "tcp 1000-2000", "tcp 1500-1600", "tcp 1550", "tcp", "udp 7070",
			  "icmpv6", "1", "59", "60", "0", "44", "132", NULL },
	  FWCTL_POLICY_DROP, 0, 0, 0 },
	{ "mixed-accept", { "tcp 1000-2000", "tcp 1500-1600", "tcp 1550", "tcp", "udp 7070",
			    "icmpv6", "1", "59", "60", "0", "44", "132", NULL },
	  FWCTL_POLICY_ACCEPT, 0, 0, 0 },
	{ "edges-drop", { "tcp 1", "tcp 65535", "tcp 1-1023", "udp 1-65535", "udp 53", "udp 65534-65535",
			  NULL }, FWCTL_POLICY_DROP, 0, 0, 0 },
	{ "edges-accept", { "tcp 1", "tcp 65535", "tcp 1-1023", "udp 1-65535", "udp 53",
			    "udp 65534-65535", NULL }, FWCTL_POLICY_ACCEPT, 0, 0, 0 },
	{ "many-drop", { "47", "icmpv6", "132", NULL }, FWCTL_POLICY_DROP, 0, G_PORTS, 0 },
	{ "many-accept", { "47", "icmpv6", "132", NULL }, FWCTL_POLICY_ACCEPT, 0, G_PORTS, 0 },
	{ "ref-accept-nopeer", { "icmp", "tcp 7070", "udp", NULL }, FWCTL_POLICY_ACCEPT, 1, 0, 0 },
	{ "spec-drop", { SPEC_RULES }, FWCTL_POLICY_DROP, 0, 0, 0 },
	{ "spec-accept", { SPEC_RULES }, FWCTL_POLICY_ACCEPT, 0, 0, 0 },
	{ "spec-accept-nopeer", { SPEC_RULES }, FWCTL_POLICY_ACCEPT, 1, 0, 0 },
	{ "rand-small-drop", { NULL }, FWCTL_POLICY_DROP, 0, G_RANDOM, 24 },
	{ "rand-small-accept", { NULL }, FWCTL_POLICY_ACCEPT, 0, G_RANDOM, 24 },
	{ "rand-small-accept-nopeer", { NULL }, FWCTL_POLICY_ACCEPT, 1, G_RANDOM, 24 },
	{ "rand-mid-drop", { NULL }, FWCTL_POLICY_DROP, 0, G_RANDOM, 300 },
	{ "rand-mid-accept", { NULL }, FWCTL_POLICY_ACCEPT, 0, G_RANDOM, 300 },
	{ "rand-large-drop", { "tcp 7070", NULL }, FWCTL_POLICY_DROP, 0, G_RANDOM, 3000 },
	{ "rand-huge-accept", { "deny any in {b}", NULL }, FWCTL_POLICY_ACCEPT, 0, G_RANDOM, 10000 },
};
#define N_CONFIGS ((int)(sizeof(configs) / sizeof(configs[0])))

/* --- state of the run ----------------------------------------------------- */

static struct fwctl *skel, *skel_dir[FWCTL_DIR_COUNT];
static struct fwctl_maps maps;
/* prog_fd: one instance for both interfaces (the direction from the
 * config); prog_dir_fd[d]: the instance fwctl attach puts on interface d,
 * its direction fixed at load. All share the maps. */
static int prog_fd, prog_dir_fd[FWCTL_DIR_COUNT], ncpus;
static __u32 ifindex[FWCTL_DIR_COUNT];
static char ifnames[FWCTL_DIR_COUNT][IF_NAMESIZE];
static const char *ifname_of[FWCTL_DIR_COUNT] = { ifnames[0], ifnames[1] };
static struct rule_ctx rctx;
static struct ref_ruleset cur_rs;
static struct ref_rule cur_rules[MAX_RULES];
static struct gen_hints cur_hints;
static __u32 cur_max_id;
static const struct fuzz_config *cur_cfg;
static uint64_t cur_seed;	/* the rule seed of a G_RANDOM configuration */
static int verbose;
static const char *corpus_dir;	/* save the first frame reaching each decision */

/* Counter snapshots, to compute per-frame deltas; rule_prev by rule id. */
static struct fwctl_dir_stats dir_prev[FWCTL_DIR_COUNT];
static struct fwctl_rule_stats rule_prev[FWCTL_RULE_ID_SLOTS];
static struct fwctl_rule_stats rule_now[FWCTL_RULE_ID_SLOTS];
static void *percpu_buf;

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG && !verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t mix_seed(uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t z = a * 0x9e3779b97f4a7c15ULL ^ (b + 0x632be59bd9b4e019ULL) * 0xc2b2ae3d27d4eb4fULL ^
		     (c + 1) * 0x165667b19e3779f9ULL;

	z = (z ^ (z >> 31)) * 0xbf58476d1ce4e5b9ULL;
	return z ^ (z >> 29);
}

/* Sum a per-CPU value of n u64 fields at key. */
static int percpu_sum(int fd, __u32 key, size_t nfields, __u64 *out)
{
	const __u64 *v = percpu_buf;
	int cpu, err;
	size_t i;

	err = bpf_map_lookup_elem(fd, &key, percpu_buf);
	if (err)
		return err;
	memset(out, 0, nfields * sizeof(*out));
	for (cpu = 0; cpu < ncpus; cpu++)
		for (i = 0; i < nfields; i++)
			out[i] += v[cpu * nfields + i];
	return 0;
}

#define DIR_FIELDS (sizeof(struct fwctl_dir_stats) / sizeof(__u64))

/*
 * Read the counters of every rule id 1..cur_max_id into rule_now: one
 * lookup per rule for a few rules, batch lookups (fwctl's own) for more.
 */
static int rules_read_all(void)
{
	int err, i;

	if (cur_rs.n <= 8) {
		for (i = 0; i < cur_rs.n; i++) {
			err = rule_stats_read(&maps, cur_rs.r[i].id, &rule_now[cur_rs.r[i].id]);
			if (err)
				return err;
		}
		return 0;
	}
	return rule_stats_read_first(&maps, cur_max_id + 1, rule_now);
}

static int snapshot(void)
{
	int d, err = 0;

	for (d = 0; d < FWCTL_DIR_COUNT && !err; d++) {
		err = percpu_sum(maps.dir_stats, d, DIR_FIELDS, (__u64 *)&dir_prev[d]);
		fwctl_dir_stats_totals(&dir_prev[d]);
	}
	if (!err)
		err = rules_read_all();
	if (!err)
		memcpy(rule_prev, rule_now, sizeof(rule_now));
	return err;
}

/* The instance of one interface, as fwctl attach loads it, on our maps. */
static int load_dir_instance(int dir)
{
	int err;

	skel_dir[dir] = fwctl__open();
	if (!skel_dir[dir])
		return -errno;
	err = maps_share_from(skel_dir[dir]->obj, skel->obj);
	if (err)
		return err;
	skel_dir[dir]->rodata->instance_dir = dir;
	err = fwctl__load(skel_dir[dir]);
	if (!err)
		prog_dir_fd[dir] = bpf_program__fd(skel_dir[dir]->progs.fwctl_xdp);
	return err;
}

static int setup(const char *if_a, const char *if_b)
{
	struct fwctl_config cfg;
	struct fwctl_err e = {};
	struct bpf_map *map;
	int err, d;

	ifindex[0] = if_nametoindex(if_a);
	ifindex[1] = if_nametoindex(if_b);
	if (!ifindex[0] || !ifindex[1]) {
		fprintf(stderr, "fuzz: no interface %s or %s in this netns\n", if_a, if_b);
		return -ENODEV;
	}
	for (d = 0; d < FWCTL_DIR_COUNT; d++) {
		snprintf(ifnames[d], sizeof(ifnames[d]), "%s", d ? if_b : if_a);
		rctx.ifname[d] = ifnames[d];
	}
	libbpf_set_print(libbpf_print);
	skel = fwctl__open();
	if (!skel) {
		fprintf(stderr, "fuzz: cannot open the fwctl skeleton: %s\n", strerror(errno));
		return -errno;
	}
	/* A private instance: nothing pinned, nothing shared with fwctl. */
	bpf_object__for_each_map(map, skel->obj) {
		err = bpf_map__set_pin_path(map, NULL);
		if (err)
			return err;
	}
	/* A region of rule counters per CPU, as attach makes them. */
	err = rule_stats_set_size(skel->obj);
	if (!err)
		err = fwctl__load(skel);
	if (err) {
		fprintf(stderr, "fuzz: cannot load the fwctl program: %s\n", strerror(-err));
		return err;
	}
	err = maps_from_object(skel->obj, &maps);
	if (err) {
		fprintf(stderr, "fuzz: cannot find the maps: %s\n", strerror(-err));
		return err;
	}
	prog_fd = bpf_program__fd(skel->progs.fwctl_xdp);
	ncpus = libbpf_num_possible_cpus();
	if (ncpus <= 0)
		return -EINVAL;
	percpu_buf = calloc(ncpus, sizeof(struct fwctl_dir_stats));
	if (!percpu_buf)
		return -ENOMEM;

	err = config_read(&maps, &cfg);
	if (!err) {
		cfg.ifindex[0] = ifindex[0];
		cfg.ifindex[1] = ifindex[1];
		err = config_write(&maps, &cfg);
	}
	if (err) {
		fprintf(stderr, "fuzz: cannot write the config map: %s\n", strerror(-err));
		return err;
	}
	err = ruleset_init(&maps, &e);
	if (err) {
		fprintf(stderr, "fuzz: cannot install an empty rule set: %s\n", e.msg);
		return err;
	}
	for (d = 0; d < FWCTL_DIR_COUNT; d++) {
		err = load_dir_instance(d);
		if (err) {
			fprintf(stderr, "fuzz: cannot load the instance of direction %d: %s\n", d,
				strerror(-err));
			return err;
		}
	}
	return 0;
}

/* --- rule sets: text for the loader, struct ref_rule for the reference --- */

/* A line of a configuration with {a} and {b} replaced by the interfaces. */
static void expand(const char *line, char *out, size_t size)
{
	size_t o = 0;

	while (*line && o + 1 < size) {
		if (!strncmp(line, "{a}", 3) || !strncmp(line, "{b}", 3)) {
			o += snprintf(out + o, size - o, "%s", ifnames[line[1] == 'b']);
			line += 3;
			continue;
		}
		out[o++] = *line++;
	}
	out[o < size ? o : size - 1] = 0;
}

/* The loader's rule as the reference reads it (written-out configurations). */
static int to_ref(const struct rule *r, struct ref_rule *out)
{
	unsigned int i, w;

	memset(out, 0, sizeof(*out));
	if (r->n_src > REF_LIST_MAX || r->n_dst > REF_LIST_MAX || r->n_sport > REF_LIST_MAX ||
	    r->n_dport > REF_LIST_MAX)
		return -E2BIG;
	out->deny = r->action == FWCTL_ACTION_DENY;
	out->stateful = r->stateful && !out->deny;
	out->proto = r->proto == RULE_PROTO_ANY ? REF_ANY : r->proto;
	out->in = r->in < 0 ? REF_ANY : r->in;
	out->has_ports = r->has_ports;
	out->ports.lo = r->ports.lo;
	out->ports.hi = r->ports.hi;
	out->n_src = r->n_src;
	out->n_dst = r->n_dst;
	for (i = 0; i < r->n_src + r->n_dst; i++) {
		const struct rule_prefix *p = i < r->n_src ? &r->src[i] : &r->dst[i - r->n_src];
		struct ref_prefix *q = i < r->n_src ? &out->src[i] : &out->dst[i - r->n_src];

		q->v6 = p->family == FWCTL_FAMILY_V6;
		q->len = p->len;
		for (w = 0; w < (q->v6 ? 4u : 1u); w++) {
			q->addr[4 * w] = p->addr[w] >> 24;
			q->addr[4 * w + 1] = p->addr[w] >> 16;
			q->addr[4 * w + 2] = p->addr[w] >> 8;
			q->addr[4 * w + 3] = p->addr[w];
		}
	}
	out->n_sport = r->n_sport;
	out->n_dport = r->n_dport;
	for (i = 0; i < r->n_sport; i++)
		out->sport[i] = (struct ref_range){ r->sport[i].lo, r->sport[i].hi };
	for (i = 0; i < r->n_dport; i++)
		out->dport[i] = (struct ref_range){ r->dport[i].lo, r->dport[i].hi };
	out->has_type = r->has_type;
	out->has_code = r->has_code;
	out->type = r->type;
	out->code = r->code;
	return 0;
}

/*
 * MANY_RULES port rules, the same every time: widths from single ports to
 * most of the range, so that most ports lie under several rules and the
 * first-match order is exercised on every lookup.
 */
static void many_text(struct gen *g, char *text, size_t len)
{
	uint64_t r = gen_rand(g);
	unsigned int cls = r % 100, width, lo;
	const char *proto = (r >> 8) % 100 < 55 ? "tcp" : "udp";

	width = cls < 30 ? 0 : cls < 70 ? (r >> 16) % 100 : cls < 95 ? (r >> 16) % 5000 :
		(r >> 16) % 65536;
	lo = (r >> 32) % (65536 - width);
	if (width)
		snprintf(text, len, "%s %u-%u", proto, lo, lo + width);
	else
		snprintf(text, len, "%s %u", proto, lo);
}

struct key_at {
	char *key;
	int at;
};

static int cmp_key_at(const void *a, const void *b)
{
	const struct key_at *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	return c ? c : x->at - y->at;
}

/* Drop later exact duplicates (semantics 8 refuses them); returns the new n. */
static int drop_duplicates(struct rule *rules, struct ref_rule *refs, int n)
{
	static struct key_at keys[MAX_RULES];
	static unsigned char dup[MAX_RULES];
	int i, m = 0;

	for (i = 0; i < n; i++) {
		keys[i].key = rule_key_text(&rules[i]);
		keys[i].at = i;
		dup[i] = 0;
		if (!keys[i].key)
			return -ENOMEM;
	}
	qsort(keys, n, sizeof(keys[0]), cmp_key_at);
	for (i = 1; i < n; i++)
		if (!strcmp(keys[i].key, keys[i - 1].key))
			dup[keys[i].at] = 1;
	for (i = 0; i < n; i++) {
		free(keys[i].key);
		if (dup[i]) {
			rule_free(&rules[i]);
			continue;
		}
		rules[m] = rules[i];
		refs[m++] = refs[i];
	}
	return m;
}

/*
 * The rules of configuration c (rule seed seed for G_RANDOM): parsed for
 * the loader into rules[], read for the reference into refs[]. Generated
 * rules reach the reference as generated, not through the parser, so a
 * parser that misreads one shows up as a disagreement.
 */
static int build_rules(const struct fuzz_config *c, uint64_t seed, struct rule *rules,
		       struct ref_rule *refs)
{
	static struct gen g;
	struct fwctl_err e = {};
	char text[TEXT_MAX];
	int n = 0, i, k, round, want;

	for (i = 0; c->rules[i]; i++, n++) {
		expand(c->rules[i], text, sizeof(text));
		if (rule_from_text(text, &rctx, &rules[n], &e) || to_ref(&rules[n], &refs[n])) {
			fprintf(stderr, "fuzz: config %s: rule '%s': %s\n", c->name, text, e.msg);
			return -EINVAL;
		}
	}
	if (c->gen == G_PORTS) {
		gen_init(&g, 0x6d616e79);
		for (k = 0; k < MANY_RULES; k++, n++) {
			many_text(&g, text, sizeof(text));
			if (rule_from_text(text, &rctx, &rules[n], &e) || to_ref(&rules[n], &refs[n])) {
				fprintf(stderr, "fuzz: rule '%s': %s\n", text, e.msg);
				return -EINVAL;
			}
		}
	} else if (c->gen == G_RANDOM) {
		/* n_random distinct rules: rounds of fresh ones replace duplicates. */
		gen_init(&g, seed);
		for (round = 0, want = n + c->n_random; n < want && round < 8; round++) {
			k = want - n;
			gen_rules(&g, refs + n, k);
			for (; k > 0; k--, n++) {
				gen_rule_text(&g, &refs[n], ifname_of, text, sizeof(text));
				if (rule_from_text(text, &rctx, &rules[n], &e)) {
					fprintf(stderr, "fuzz: config %s~s%llu: generated rule '%s' "
						"refused: %s\n", c->name, (unsigned long long)seed, text,
						e.msg);
					return -EINVAL;
				}
			}
			n = drop_duplicates(rules, refs, n);
			if (n < 0)
				return n;
		}
	}
	return drop_duplicates(rules, refs, n);
}

/* Install configuration c (rule seed seed) in the maps and in the reference. */
static int apply_config(const struct fuzz_config *c, uint64_t seed)
{
	static struct rule rules[MAX_RULES];
	struct ruleset_diff diff;
	struct fwctl_err e = { "" };
	struct ruleset rs;
	int n, i, err;

	n = build_rules(c, seed, rules, cur_rules);
	if (n < 0)
		return n;
	/* One commit: the rules and the policy together. */
	err = ruleset_replace(&maps, &rctx, rules, n, c->policy, &diff, &e);
	if (!err)
		err = ruleset_read(&maps, &rctx, &rs, &e);
	if (err) {
		fprintf(stderr, "fuzz: config %s: %s\n", c->name, e.msg);
		return err;
	}
	if ((int)rs.n != n || rs.policy != c->policy) {
		fprintf(stderr, "fuzz: config %s: the set holds %u rules, policy %u; expected %d, %u\n",
			c->name, rs.n, rs.policy, n, c->policy);
		ruleset_free(&rs);
		return -EIO;
	}
	cur_max_id = 0;
	for (i = 0; i < n; i++) {
		cur_rules[i].id = rs.v[i].id;	/* list order is position order */
		if (rs.v[i].id > cur_max_id)
			cur_max_id = rs.v[i].id;
	}
	ruleset_free(&rs);
	err = devmap_link(&maps, ifindex[0], ifindex[1]);
	if (!err && c->no_peer_in)
		err = bpf_map_delete_elem(maps.devmap, &ifindex[0]);
	if (err) {
		fprintf(stderr, "fuzz: config %s: devmap: %s\n", c->name, strerror(-err));
		return err;
	}

	memset(&cur_rs, 0, sizeof(cur_rs));
	cur_rs.n = n;
	cur_rs.r = cur_rules;
	cur_rs.accept = c->policy == FWCTL_POLICY_ACCEPT;
	gen_hints_build(&cur_hints, cur_rules, n, seed);
	cur_cfg = c;
	cur_seed = seed;
	if (verbose)
		fprintf(stderr, "fuzz: config %s: %d rules (%u kept, %u added, %u removed), ids up to "
			"%u; hints %u IPv4, %u IPv6, %u ports\n", c->name, n, diff.kept, diff.added,
			diff.removed, cur_max_id, cur_hints.n4, cur_hints.n6, cur_hints.nports);
	return snapshot();
}

/* The configuration named NAME or NAME~sSEED (a random one's rule seed). */
static const struct fuzz_config *config_by_name(const char *name, size_t len, uint64_t *seed)
{
	const char *tilde = memchr(name, '~', len);
	size_t base = tilde ? (size_t)(tilde - name) : len;
	int i;

	*seed = 0;
	if (tilde) {
		if (len - base < 3 || tilde[1] != 's')
			return NULL;
		*seed = strtoull(tilde + 2, NULL, 10);
	}
	for (i = 0; i < N_CONFIGS; i++)
		if (strlen(configs[i].name) == base && !strncmp(configs[i].name, name, base))
			return (configs[i].gen == G_RANDOM) == !!tilde ? &configs[i] : NULL;
	return NULL;
}

/* The name a frame's file takes: NAME, or NAME~sSEED for a random set. */
static void config_label(char *buf, size_t len)
{
	if (cur_cfg->gen == G_RANDOM)
		snprintf(buf, len, "%s~s%llu", cur_cfg->name, (unsigned long long)cur_seed);
	else
		snprintf(buf, len, "%s", cur_cfg->name);
}

/* --- one frame through the program ------------------------------------- */

struct outcome {
	struct ref_verdict exp, got;
	int new_cov;		/* reached a reference decision for the first time */
	char why[256];		/* what disagreed; empty when all agreed */
};

static void why_add(struct outcome *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void why_add(struct outcome *o, const char *fmt, ...)
{
	size_t l = strlen(o->why);
	va_list ap;

	if (l >= sizeof(o->why) - 2)
		return;
	if (l)
		o->why[l++] = ';', o->why[l++] = ' ', o->why[l] = 0;
	va_start(ap, fmt);
	vsnprintf(o->why + l, sizeof(o->why) - l, fmt, ap);
	va_end(ap);
}

/* Returns 0 when datapath and reference agree, 1 when not, <0 on error. */
/*
 * Large sets (lazy reads): what run_frame expects each rule to have counted
 * since rule_prev; batch_check() then verifies every rule at once.
 */
static __u64 exp_pk[FWCTL_RULE_ID_SLOTS], exp_by[FWCTL_RULE_ID_SLOTS];

/* All rule counters moved exactly as expected since rule_prev? Resyncs. */
static int batch_check(void)
{
	int i, err, clean = 1;

	err = rules_read_all();
	if (err)
		return err;
	for (i = 0; i < cur_rs.n; i++) {
		__u32 id = cur_rs.r[i].id;

		if (rule_now[id].packets - rule_prev[id].packets != exp_pk[id] ||
		    rule_now[id].bytes - rule_prev[id].bytes != exp_by[id])
			clean = 0;
		rule_prev[id] = rule_now[id];
		exp_pk[id] = exp_by[id] = 0;
	}
	return clean;
}

/*
 * Forget remembered first fragments: the reference judges every frame on
 * its own, and a random later fragment may share a datagram id with an
 * earlier first fragment (tests/conntrack checks that it then follows).
 */
static void frag_forget(void)
{
	static int fd = -2;
	struct fwctl_frag_key k, next;

	if (fd == -2) {
		struct bpf_map *m = bpf_object__find_map_by_name(skel->obj,
								 FWCTL_STR(FWCTL_MAP_FRAG));

		fd = m ? bpf_map__fd(m) : -1;
	}
	while (fd >= 0 && !bpf_map_get_next_key(fd, NULL, &next)) {
		k = next;
		if (bpf_map_delete_elem(fd, &k))
			break;
	}
}

/*
 * Run one frame and compare. full: read every rule counter to see which
 * one counted it; otherwise (large sets) only the expected one, leaving a
 * wrong extra count to batch_check(). fixed: through the instance of the
 * interface it arrives on, else through the shared one.
 */
static int run_frame(const uint8_t *frame, size_t len, int dir, int fixed, int full,
		     struct outcome *o)
{
	static uint8_t out[GEN_FRAME_MAX + 256];
	struct fwctl_dir_stats ds;
	struct fwctl_rule_stats rst;
	struct xdp_md ctx = {
		.data = 0,
		.data_end = (__u32)len,
		.ingress_ifindex = ifindex[dir],
	};
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = frame,
		.data_size_in = (__u32)len,
		.data_out = out,
		.data_size_out = sizeof(out),
		.ctx_in = &ctx,
		.ctx_size_in = sizeof(ctx),
		.repeat = 1,
	);
	struct fwctl_dir_stats *p = &dir_prev[dir];
	int err, i, drops = 0, rules_hit = 0;
	__u64 fwd;

	memset(o, 0, sizeof(*o));
	cur_rs.have_peer = !(cur_cfg->no_peer_in && dir == 0);
	if (corpus_dir) {
		static unsigned long before[REF_COV_COUNT];

		memcpy(before, ref_cov, sizeof(before));
		ref_classify(frame, len, dir, &cur_rs, &o->exp);
		for (i = 0; i < REF_COV_COUNT; i++)
			if (!before[i] && ref_cov[i])
				o->new_cov = 1;
	} else {
		ref_classify(frame, len, dir, &cur_rs, &o->exp);
	}

	frag_forget();
	err = bpf_prog_test_run_opts(fixed ? prog_dir_fd[dir] : prog_fd, &opts);
	if (err) {
		fprintf(stderr, "fuzz: BPF_PROG_TEST_RUN: %s\n", strerror(-err));
		return err;
	}
	err = percpu_sum(maps.dir_stats, dir, DIR_FIELDS, (__u64 *)&ds);
	fwctl_dir_stats_totals(&ds);
	if (err)
		return err;

	/* Verdict from the return value. */
	o->got.reason = -1;
	if (opts.retval == XDP_REDIRECT)
		o->got.forward = 1;
	else if (opts.retval != XDP_DROP)
		why_add(o, "retval %u is neither XDP_REDIRECT nor XDP_DROP", opts.retval);

	/* Drop reason, ARP/ND and the direction's bookkeeping from the deltas. */
	if (dir_received_packets(&ds) - dir_received_packets(p) != 1 ||
	    dir_received_bytes(&ds) - dir_received_bytes(p) != len)
		why_add(o, "rx counted %llu pkts/%llu bytes",
			(unsigned long long)(dir_received_packets(&ds) - dir_received_packets(p)),
			(unsigned long long)(dir_received_bytes(&ds) - dir_received_bytes(p)));
	fwd = ds.fwd_packets - p->fwd_packets;
	if (fwd != (__u64)o->got.forward)
		why_add(o, "fwd counter +%llu with retval %u", (unsigned long long)fwd, opts.retval);
	if (fwd && ds.fwd_bytes - p->fwd_bytes != len)
		why_add(o, "fwd bytes +%llu", (unsigned long long)(ds.fwd_bytes - p->fwd_bytes));
	for (i = 0; i < FWCTL_DROP_REASON_COUNT; i++) {
		__u64 d = ds.drop_packets[i] - p->drop_packets[i];

		if (d) {
			drops += (int)d;
			o->got.reason = i;
			if (ds.drop_bytes[i] - p->drop_bytes[i] != len)
				why_add(o, "drop bytes +%llu",
					(unsigned long long)(ds.drop_bytes[i] - p->drop_bytes[i]));
		}
	}
	if (drops != !o->got.forward)
		why_add(o, "%d drop counters moved", drops);
	o->got.arp_nd = (int)(ds.arp_nd_packets - p->arp_nd_packets);
	*p = ds;

	/* The rule it counted on. */
	if (full) {
		err = rules_read_all();
		if (err)
			return err;
		for (i = 0; i < cur_rs.n; i++) {
			__u32 id = cur_rs.r[i].id;
			struct fwctl_rule_stats *now = &rule_now[id], *prev = &rule_prev[id];

			if (now->packets == prev->packets)
				continue;
			rules_hit++;
			o->got.rule = id;
			if (now->packets - prev->packets != 1 || now->bytes - prev->bytes != len)
				why_add(o, "rule %u counted %llu pkts/%llu bytes", id,
					(unsigned long long)(now->packets - prev->packets),
					(unsigned long long)(now->bytes - prev->bytes));
			*prev = *now;
		}
		if (rules_hit > 1)
			why_add(o, "%d rules counted it", rules_hit);
	} else if (o->exp.rule) {
		/* Large set: only the expected rule now, all at batch end. */
		__u32 id = o->exp.rule;

		err = rule_stats_read(&maps, id, &rst);
		if (err)
			return err;
		exp_pk[id]++;
		exp_by[id] += len;
		if (rst.packets == rule_prev[id].packets + exp_pk[id] &&
		    rst.bytes == rule_prev[id].bytes + exp_by[id])
			o->got.rule = id;
		else
			why_add(o, "rule %u did not count it", id);
	}

	/* The frame must leave unchanged. */
	if (o->got.forward && (opts.data_size_out != len || memcmp(out, frame, len)))
		why_add(o, "forwarded frame was modified");

	/* And now the comparison with the reference. */
	if (o->got.forward != o->exp.forward)
		why_add(o, "verdict");
	else if (!o->got.forward && o->got.reason != o->exp.reason)
		why_add(o, "drop reason");
	/* Under a redirect error too: no rule and no ARP/ND count it. */
	if (o->got.rule != o->exp.rule)
		why_add(o, "rule");
	if (o->got.arp_nd != o->exp.arp_nd)
		why_add(o, "arp/nd");
	return o->why[0] ? 1 : 0;
}

static void print_hex(FILE *out, const uint8_t *b, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		fprintf(out, "%02x", b[i]);
}

static void describe(FILE *out, const char *prefix, const uint8_t *frame, size_t len, int dir,
		     int fixed, const char *kind, const struct outcome *o)
{
	char e[64], g[64], label[128];

	ref_describe(&o->exp, e, sizeof(e));
	ref_describe(&o->got, g, sizeof(g));
	config_label(label, sizeof(label));
	fprintf(out, "%sconfig %s dir %d (%s instance), %zu bytes (%s): expected %s, got %s [%s]\n"
		"%s  frame ", prefix, label, dir, fixed ? "interface's" : "shared", len, kind, e, g,
		o->why, prefix);
	print_hex(out, frame, len);
	fprintf(out, "\n");
}

/* --- pcap, written and read by hand ------------------------------------- */

struct pcap_hdr {
	uint32_t magic;
	uint16_t major, minor;
	int32_t zone;
	uint32_t sigfigs, snaplen, linktype;
};

struct pcap_rec {
	uint32_t sec, usec, incl, orig;
};

/* Write a one-frame pcap, or append a frame to one (timestamp ts). */
static int pcap_write(const char *path, const uint8_t *frame, size_t len, int append, uint32_t ts)
{
	struct pcap_hdr h = { 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1 /* Ethernet */ };
	struct pcap_rec r = { ts, 0, (uint32_t)len, (uint32_t)len };
	int ok, new_file = !append || access(path, F_OK);
	FILE *f = fopen(path, new_file ? "wb" : "ab");

	if (!f)
		return -errno;
	ok = (!new_file || fwrite(&h, sizeof(h), 1, f) == 1) && fwrite(&r, sizeof(r), 1, f) == 1 &&
	     fwrite(frame, 1, len, f) == len;
	if (fclose(f) || !ok)
		return -EIO;
	return 0;
}

#define SWAP32(x) __builtin_bswap32(x)

/* Call fn for every frame of a pcap; returns frames read or <0. */
static int pcap_each(const char *path, int (*fn)(const uint8_t *, size_t, void *), void *arg,
		     char *err, size_t errlen)
{
	static uint8_t buf[65536];
	struct pcap_hdr h;
	struct pcap_rec r;
	int swap, n = 0, rc = 0;
	FILE *f = fopen(path, "rb");

	if (!f) {
		snprintf(err, errlen, "cannot open: %s", strerror(errno));
		return -1;
	}
	if (fread(&h, sizeof(h), 1, f) != 1 ||
	    (h.magic != 0xa1b2c3d4 && h.magic != 0xd4c3b2a1 &&
	     h.magic != 0xa1b23c4d && h.magic != 0x4d3cb2a1)) {
		snprintf(err, errlen, "not a pcap file");
		fclose(f);
		return -1;
	}
	swap = h.magic == 0xd4c3b2a1 || h.magic == 0x4d3cb2a1;
	if ((swap ? SWAP32(h.linktype) : h.linktype) != 1) {
		snprintf(err, errlen, "not an Ethernet capture");
		fclose(f);
		return -1;
	}
	while (fread(&r, sizeof(r), 1, f) == 1) {
		uint32_t incl = swap ? SWAP32(r.incl) : r.incl;

		if (incl > sizeof(buf) || fread(buf, 1, incl, f) != incl) {
			snprintf(err, errlen, "truncated record");
			fclose(f);
			return -1;
		}
		n++;
		rc = fn(buf, incl, arg);
		if (rc < 0)
			break;
	}
	fclose(f);
	return rc < 0 ? rc : n;
}

/* --- replay of the regression pcaps ------------------------------------- */

struct replay_ctx {
	int dir, bad, n;
	char first[2048];
};

static int replay_frame(const uint8_t *frame, size_t len, void *arg)
{
	struct replay_ctx *rc = arg;
	struct outcome o;
	int res, fixed, bad = 0;

	if (len < 14 || len > GEN_FRAME_MAX)
		return 0;	/* BPF_PROG_TEST_RUN cannot run these */
	for (fixed = 0; fixed < 2; fixed++) {	/* both kinds of instance */
		res = run_frame(frame, len, rc->dir, fixed, 1, &o);
		if (res < 0)
			return res;
		if (res && !rc->bad && !bad++) {
			char e[64], g[64];

			ref_describe(&o.exp, e, sizeof(e));
			ref_describe(&o.got, g, sizeof(g));
			snprintf(rc->first, sizeof(rc->first), "frame %d (%s instance): expected %s, "
				 "got %s [%s]", rc->n + 1, fixed ? "interface's" : "shared", e, g,
				 o.why);
		}
	}
	rc->bad += bad > 0;
	rc->n++;
	return 0;
}

/*
 * The file name says how to replay it: NAME__CONFIG__dDIR.pcap, e.g.
 * seed42-r0-f1234__ref-drop__d1.pcap. Prints one PASS or FAIL line.
 */
static int replay_file(const char *path)
{
	const char *base = strrchr(path, '/'), *c, *d;
	const struct fuzz_config *cfg;
	struct replay_ctx rc = { 0 };
	char err[128] = "", label[128];
	uint64_t seed = 0;
	int n;

	base = base ? base + 1 : path;
	c = strstr(base, "__");
	d = c ? strstr(c + 2, "__d") : NULL;
	cfg = d ? config_by_name(c + 2, d - c - 2, &seed) : NULL;
	if (!cfg || (d[3] != '0' && d[3] != '1')) {
		printf("FAIL: fuzz regression %s: name is not NAME__CONFIG[~sSEED]__dDIR.pcap with a "
		       "known config\n", base);
		return 1;
	}
	rc.dir = d[3] - '0';
	if ((cfg != cur_cfg || seed != cur_seed) && apply_config(cfg, seed))
		return -1;
	config_label(label, sizeof(label));
	n = pcap_each(path, replay_frame, &rc, err, sizeof(err));
	if (n < 0 && err[0]) {
		printf("FAIL: fuzz regression %s: %s\n", base, err);
		return 1;
	}
	if (n < 0)
		return n;
	if (rc.bad) {
		printf("FAIL: fuzz regression %s (%s, dir %d): %d of %d frames disagree; %s\n",
		       base, label, rc.dir, rc.bad, rc.n, rc.first);
		return 1;
	}
	printf("PASS: fuzz regression %s (%s, dir %d): %d frames agree with the reference\n",
	       base, label, rc.dir, rc.n);
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Replay every .pcap of dir in name order; returns the number that failed. */
static int replay_dir(const char *dir)
{
	char *names[4096], path[4096];
	struct dirent *de;
	int n = 0, i, bad = 0, rc;
	DIR *d = opendir(dir);

	if (!d)
		return 0;
	while ((de = readdir(d)) && n < 4096) {
		size_t l = strlen(de->d_name);

		if (l > 5 && !strcmp(de->d_name + l - 5, ".pcap"))
			names[n++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), name_cmp);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		rc = replay_file(path);
		if (rc < 0)
			return -1;
		bad += rc;
		free(names[i]);
	}
	return bad;
}

/* --- the two modes -------------------------------------------------------- */

struct fuzz_stats {
	unsigned long frames, bad;
	unsigned long by_verdict[2 + FWCTL_DROP_REASON_COUNT];
};

#define MAX_SHOWN 5

/*
 * Run `frames` frames of the stream of (seed, config, round) under config c.
 * Disagreements are printed (the first few) and saved when save_dir is set.
 */
#define BATCH 256

/* A frame of the current batch and what came of it. */
struct batch_item {
	struct gen_frame fr;
	unsigned long index;
	int dir, fixed, res;	/* fixed: through the interface's own instance */
	struct outcome o;
};

/* Count, print and save (when save_dir is set) the outcome of one frame. */
static void record(const struct batch_item *it, uint64_t seed, unsigned long round,
		   const char *save_dir, struct fuzz_stats *st)
{
	static int saved;
	const struct outcome *o = &it->o;

	char label[128];

	config_label(label, sizeof(label));
	if (corpus_dir && o->new_cov && !it->res) {
		char path[4096];

		snprintf(path, sizeof(path), "%s/spec-corpus__%s__d%d.pcap", corpus_dir, label,
			 it->dir);
		if (pcap_write(path, it->fr.b, it->fr.len, 1, 0))
			fprintf(stderr, "fuzz: cannot write %s\n", path);
	}
	st->frames++;
	st->by_verdict[o->exp.forward ? (o->exp.rule ? 0 : 1) : 2 + o->exp.reason]++;
	if (!it->res)
		return;
	if (st->bad++ < MAX_SHOWN)
		describe(stdout, "  ", it->fr.b, it->fr.len, it->dir, it->fixed, it->fr.kind, o);
	if (save_dir && saved < 50) {
		char path[4096];

		snprintf(path, sizeof(path), "%s/seed%llu-r%lu-f%lu__%s__d%d.pcap", save_dir,
			 (unsigned long long)seed, round, it->index, label, it->dir);
		if (pcap_write(path, it->fr.b, it->fr.len, 0, (uint32_t)time(NULL)))
			fprintf(stderr, "fuzz: cannot write %s\n", path);
		else
			printf("  saved %s\n", path);
		saved++;
	}
}

/*
 * Run `frames` frames of the stream of (seed, config, round) under config c.
 * Small rule sets: every counter is read after every frame. Large ones: the
 * frames run in batches with cheap reads, every rule counter is checked at
 * the end of each batch, and a batch where some rule counted something
 * unexpected runs again frame by frame with full reads to find the culprit.
 */
static int fuzz_chunk(uint64_t seed, int c, unsigned long round, unsigned long frames,
		      double deadline, const char *save_dir, struct fuzz_stats *st)
{
	static struct batch_item batch[BATCH];
	static struct gen g;
	unsigned long i = 0;
	int n, k, full, clean;

	/* A random configuration's rules change with the seed and the round. */
	if (apply_config(&configs[c], mix_seed(seed ^ 0x72756c6573ULL, (uint64_t)c, round) %
				       1000000000000ULL))
		return -1;
	full = cur_rs.n <= SMALL_SET;
	gen_init(&g, mix_seed(seed, (uint64_t)c, round));
	g.hints = &cur_hints;
	while (i < frames) {
		if (deadline > 0 && now_s() > deadline)
			break;
		for (n = 0; n < BATCH && i < frames; n++, i++) {
			struct batch_item *it = &batch[n];

			gen_next(&g, &it->fr);
			it->index = i;
			it->dir = (int)(i & 1);
			it->fixed = (int)((i >> 1) & 1);
			it->res = run_frame(it->fr.b, it->fr.len, it->dir, it->fixed, full, &it->o);
			if (it->res < 0)
				return it->res;
		}
		clean = full ? 1 : batch_check();
		if (clean < 0)
			return clean;
		for (k = 0; k < n; k++) {
			if (!clean) {
				int new_cov = batch[k].o.new_cov;

				batch[k].res = run_frame(batch[k].fr.b, batch[k].fr.len, batch[k].dir,
							 batch[k].fixed, 1,
							 &batch[k].o);
				if (batch[k].res < 0)
					return batch[k].res;
				batch[k].o.new_cov = new_cov;
			}
			record(&batch[k], seed, round, save_dir, st);
		}
	}
	return 0;
}

static void print_mix(const struct fuzz_stats *st)
{
	fprintf(stderr,
		"fuzz: verdict mix: forward-on-rule %lu, forward-by-policy %lu, drop policy %lu, "
		"malformed %lu, fragment %lu, unknown-ethertype %lu, redirect-error %lu, "
		"rule (deny) %lu\n",
		st->by_verdict[0], st->by_verdict[1], st->by_verdict[2 + FWCTL_DROP_POLICY],
		st->by_verdict[2 + FWCTL_DROP_MALFORMED], st->by_verdict[2 + FWCTL_DROP_FRAGMENT],
		st->by_verdict[2 + FWCTL_DROP_UNKNOWN_ETHERTYPE],
		st->by_verdict[2 + FWCTL_DROP_REDIRECT_ERROR], st->by_verdict[2 + FWCTL_DROP_RULE]);
}

/*
 * Every decision point of the reference must have been reached by the
 * fixed-seed run, or the fuzzer would be blind to that line of the spec.
 * Exempt as unreachable: frames under 14 bytes (BPF_PROG_TEST_RUN refuses
 * them), an L4 header starting past the IP payload (the IP checks exclude
 * it) and an IPv4 L4 header past byte 512 (2 tags + 60-byte header = 82).
 */
static void check_coverage(uint64_t seed)
{
	char name[64], missing[1024] = "";
	int i, n = 0, total = 0;

	for (i = 0; i < REF_COV_COUNT; i++) {
		ref_cov_name(i, name, sizeof(name));
		if (verbose)
			fprintf(stderr, "  %-32s %lu\n", name, ref_cov[i]);
		if (!strcmp(name, "eth_short") || strstr(name, "l4_beyond") ||
		    !strcmp(name, "v4:l4_past_byte_512"))	/* IPv4 L4 starts by byte 82 */
			continue;
		total++;
		if (ref_cov[i])
			continue;
		n++;
		if (strlen(missing) + strlen(name) + 3 < sizeof(missing))
			snprintf(missing + strlen(missing), sizeof(missing) - strlen(missing),
				 "%s%s", missing[0] ? ", " : "", name);
	}
	if (n)
		printf("FAIL: differential fuzz seed %llu reaches every decision of the reference: "
		       "%d of %d never reached: %s\n", (unsigned long long)seed, n, total, missing);
	else
		printf("PASS: differential fuzz seed %llu reaches all %d decisions of the reference\n",
		       (unsigned long long)seed, total);
}

static int mode_check(uint64_t seed, unsigned long per_config, const char *replay)
{
	struct fuzz_stats st = { 0 };
	double t0, dt;
	char why[256];
	int c, bad, n;

	n = ref_selftest(why, sizeof(why));
	if (n < 0)
		printf("FAIL: fuzz reference classifier gives the spec's answer on hand-written frames: %s\n",
		       why);
	else
		printf("PASS: fuzz reference classifier gives the spec's answer on %d hand-written frames\n",
		       n);
	/* Coverage is the generated frames' alone, not the hand-written ones'. */
	memset(ref_cov, 0, sizeof(ref_cov));
	t0 = now_s();

	for (c = 0; c < N_CONFIGS; c++) {
		unsigned long on_rule = st.by_verdict[0] + st.by_verdict[2 + FWCTL_DROP_RULE];
		double t = now_s();

		if (fuzz_chunk(seed, c, 0, per_config, 0, NULL, &st))
			return 1;
		if (verbose)
			fprintf(stderr, "fuzz: config %s: %.3f s, %lu frames decided by a rule\n",
				configs[c].name, now_s() - t,
				st.by_verdict[0] + st.by_verdict[2 + FWCTL_DROP_RULE] - on_rule);
	}
	dt = now_s() - t0;
	if (st.bad)
		printf("FAIL: differential fuzz seed %llu: %lu frames, %lu disagreements\n",
		       (unsigned long long)seed, st.frames, st.bad);
	else
		printf("PASS: differential fuzz seed %llu: %lu frames, 0 disagreements\n",
		       (unsigned long long)seed, st.frames);
	fprintf(stderr, "fuzz: %lu frames in %.2f s (%.0f frames/s), %d configs\n", st.frames, dt,
		st.frames / dt, N_CONFIGS);
	print_mix(&st);
	check_coverage(seed);
	if (replay) {
		bad = replay_dir(replay);
		if (bad < 0)
			return 1;
	}
	return 0;
}

static int mode_stream(uint64_t seed, double seconds, const char *save_dir)
{
	struct fuzz_stats st = { 0 };
	double t0 = now_s(), deadline = t0 + seconds, dt;
	unsigned long round;
	int c, k;

	printf("fuzz: seed %llu, %.0f s\n", (unsigned long long)seed, seconds);
	fflush(stdout);
	/* Every configuration in turn, starting from one the seed picks. */
	for (round = 0; now_s() < deadline; round++)
		for (k = 0; k < N_CONFIGS && now_s() < deadline; k++) {
			c = (int)((seed + round + (unsigned long)k) % N_CONFIGS);
			if (fuzz_chunk(seed, c, round, 50000, deadline, save_dir, &st))
				return 1;
		}
	dt = now_s() - t0;
	printf("%s: differential fuzz seed %llu: %lu frames in %.1f s (%.0f frames/s), %lu disagreements\n",
	       st.bad ? "FAIL" : "PASS", (unsigned long long)seed, st.frames, dt, st.frames / dt,
	       st.bad);
	print_mix(&st);
	return st.bad ? 1 : 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: fuzz check  --ifaces A B [--seed S] [--frames N-per-config] [--replay DIR]\n"
		"                   [--corpus DIR: save the first frame reaching each decision]\n"
		"       fuzz stream --ifaces A B [--seed S] [--seconds T] [--save DIR]\n"
		"       fuzz replay --ifaces A B FILE.pcap...\n");
}

int main(int argc, char **argv)
{
	const char *mode, *if_a = NULL, *if_b = NULL, *replay = NULL, *save = NULL;
	uint64_t seed = 0;
	int have_seed = 0, i, first_file = 0, bad = 0, rc = 0;
	unsigned long frames = 2000;
	double seconds = 60;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2) {
		usage();
		return 2;
	}
	mode = argv[1];
	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--ifaces") && i + 2 < argc) {
			if_a = argv[++i];
			if_b = argv[++i];
		} else if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
			seed = strtoull(argv[++i], NULL, 0);
			have_seed = 1;
		} else if (!strcmp(argv[i], "--frames") && i + 1 < argc) {
			frames = strtoul(argv[++i], NULL, 0);
		} else if (!strcmp(argv[i], "--seconds") && i + 1 < argc) {
			seconds = strtod(argv[++i], NULL);
		} else if (!strcmp(argv[i], "--replay") && i + 1 < argc) {
			replay = argv[++i];
		} else if (!strcmp(argv[i], "--save") && i + 1 < argc) {
			save = argv[++i];
		} else if (!strcmp(argv[i], "--corpus") && i + 1 < argc) {
			corpus_dir = argv[++i];
		} else if (!strcmp(argv[i], "-v")) {
			verbose = 1;
		} else if (argv[i][0] != '-' && !strcmp(mode, "replay")) {
			if (!first_file)
				first_file = i;
			break;
		} else {
			usage();
			return 2;
		}
	}
	if (!if_a) {
		usage();
		return 2;
	}
	if (!have_seed) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		seed = ((uint64_t)ts.tv_sec * 1000003u) ^ (uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 32);
		seed %= 1000000000000ULL;
	}
	if (setup(if_a, if_b)) {
		if (!strcmp(mode, "check"))
			printf("FAIL: differential fuzz: cannot set up the program (see above)\n");
		fwctl__destroy(skel);
		return 1;
	}

	if (!strcmp(mode, "check")) {
		rc = mode_check(seed, frames, replay);
	} else if (!strcmp(mode, "stream")) {
		rc = mode_stream(seed, seconds, save);
	} else if (!strcmp(mode, "replay") && first_file) {
		for (i = first_file; i < argc; i++) {
			rc = replay_file(argv[i]);
			if (rc < 0)
				break;
			bad += rc;
		}
		rc = rc < 0 ? 1 : bad ? 1 : 0;
	} else {
		usage();
		rc = 2;
	}
	fwctl__destroy(skel_dir[0]);
	fwctl__destroy(skel_dir[1]);
	fwctl__destroy(skel);
	free(percpu_buf);
	return rc;
}
