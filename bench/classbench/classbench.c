// SPDX-License-Identifier: GPL-2.0
/*
 * classbench.c - fwctl's program on the ClassBench sets (issue 11
 * "Benchmarks"): ns/packet replaying each set's header trace, next to the
 * reference rules (icmp, tcp 7070, udp) on the same frames, with every
 * verdict and every rule counter checked against the set's .expect.gz.
 *
 * How a trace is replayed. BPF_PROG_TEST_RUN runs one frame `repeat`
 * times; one syscall per trace header would measure the syscall. So a
 * small program (cb_replay.bpf.c) is the one under test: each run, it
 * copies the next trace frame over the test frame and tail-calls the
 * program measured (fwctl, loaded from its skeleton with private maps as
 * bench/unit does; the rules applied with ruleset_replace from the set's
 * .rules file). One test run with repeat = PASSES x trace length then
 * replays the trace PASSES times in trace order, and the kernel's
 * duration is the average ns per frame over it. The replay's own cost
 * (the copy, from a 12 MB array, so partly from memory, and the tail
 * call) is measured by the same copy without the call (cb_copy_only) in
 * the same round, and subtracted: "net" figures are the program's own.
 * Variants measured in every round, their order rotated each round:
 *   copy      the replay alone (no program called)
 *   trivial   bpf_redirect_map only (bpf/trivial_redirect.bpf.c)
 *   ref       fwctl with the reference rules icmp, tcp 7070, udp; policy drop
 *   set       fwctl with the set's rules, policy drop
 * each in trace order and in a shuffled order of the same frames (no
 * locality: the worst case for caches and branch predictors).
 *
 * Checks, before and after timing (a wrong verdict fails the run):
 *   - each trace frame alone through fwctl (repeat 1): XDP_REDIRECT for an
 *     expected allow, XDP_DROP for a deny; the reference instance against
 *     its own three rules. These runs also give a per-syscall figure (one
 *     frame per BPF_PROG_TEST_RUN: cold caches, timer overhead included).
 *   - the per-rule packet counters equal the histogram of the expected
 *     first matches (times the number of passes run), every rule; bytes 64
 *     per packet; forwarded and rule-drop counts equal the allows and denies.
 *
 * Usage: classbench [options] IFINDEX_IN IFINDEX_OUT SET...  (bench/classbench.sh)
 */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#include <arpa/inet.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "../lib/bench_lib.h"
#include "fwctl.h"
#include "fwctl.skel.h"
#include "trivial_redirect.skel.h"
#include "cb_replay.skel.h"
#include "cb_replay.h"

#define MAX_ROUNDS	51
#define REF_PORT	7070

enum { V_COPY = 0, V_TRIVIAL, V_REF, V_SET, VARIANTS };
static const char *var_names[VARIANTS] = { "copy", "trivial", "ref", "set" };
enum { O_TRACE = 0, O_SHUFFLED, ORDERS };
static const char *order_names[ORDERS] = { "trace", "shuffled" };

struct opts {
	const char *dir;
	__u32 bank_cells;	/* cells per bank of the set's instance (0: the default) */
	int rounds;
	int passes;
	int cpu;
	int verbose;
	__u32 ifx[2];
};

/* A trace: frames in trace order, each with its expected first match. */
struct trace {
	struct cb_frame *frames;
	struct cb_frame *shuffled;
	__u32 *rule;		/* 1-based rule position */
	__u8 *deny;
	__u8 *ref_allow;	/* the reference rules' verdict */
	__u32 n, distinct, allows, denies;
};

/* One fwctl program with private maps and its rules' ids by position. */
struct fw {
	struct fwctl *skel;
	struct fwctl_maps maps;
	__u32 *id_at;		/* id_at[pos - 1] */
	__u32 n_rules, max_id;
};

static int verbose;	/* 1: progress; 2: libbpf's debug output too */

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level != LIBBPF_WARN && verbose < 2)
		return 0;
	return vfprintf(stderr, fmt, args);
}

static void note(const char *fmt, ...)
{
	va_list ap;

	if (!verbose)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* --- frames ----------------------------------------------------------- */

static void put16(__u8 *p, __u16 v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void put32(__u8 *p, __u32 v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

/*
 * A 64-byte Ethernet/IPv4 frame of a trace header: TCP (a SYN) or UDP
 * with its ports, ICMP as an echo request, any other protocol as a bare
 * IP payload (the rules have no ports for those; ports are TCP/UDP only).
 */
static void build_frame(struct cb_frame *fr, __u32 src, __u32 dst, __u16 sp, __u16 dp,
			__u8 proto)
{
	__u8 *f = (__u8 *)fr, *l4 = f + 34;
	__u32 sum = 0;
	int i;

	memset(f, 0, CB_FRAME_LEN);
	memcpy(f, "\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00", 14);
	f[14] = 0x45;
	put16(f + 16, CB_FRAME_LEN - 14);	/* total length 50 */
	put16(f + 18, 1);			/* id */
	f[22] = 64;
	f[23] = proto;
	put32(f + 26, src);
	put32(f + 30, dst);
	for (i = 14; i < 34; i += 2)
		sum += (f[i] << 8) | f[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	put16(f + 24, ~sum & 0xffff);
	if (proto == IPPROTO_TCP) {
		put16(l4, sp);
		put16(l4 + 2, dp);
		l4[12] = 0x50;			/* data offset 5 */
		l4[13] = 0x02;			/* SYN */
		put16(l4 + 14, 0xffff);
	} else if (proto == IPPROTO_UDP) {
		put16(l4, sp);
		put16(l4 + 2, dp);
		put16(l4 + 4, CB_FRAME_LEN - 34);
	} else if (proto == IPPROTO_ICMP) {
		l4[0] = 8;			/* echo request */
	}
}

/* The reference rules' verdict: icmp, tcp 7070 (either port), udp. */
static bool ref_allows(__u16 sp, __u16 dp, __u8 proto)
{
	return proto == IPPROTO_ICMP || proto == IPPROTO_UDP ||
	       (proto == IPPROTO_TCP && (sp == REF_PORT || dp == REF_PORT));
}

static int cmp_frame(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct cb_frame));
}

static __u32 count_distinct(const struct trace *t)
{
	struct cb_frame *s = malloc(sizeof(*s) * t->n);
	__u32 i, d = 0;

	if (!s)
		return 0;
	memcpy(s, t->frames, sizeof(*s) * t->n);
	qsort(s, t->n, sizeof(*s), cmp_frame);
	for (i = 0; i < t->n; i++)
		d += !i || memcmp(&s[i], &s[i - 1], sizeof(*s));
	free(s);
	return d;
}

/* The same frames in a fixed pseudo-random order (Fisher-Yates). */
static void shuffle(struct trace *t)
{
	struct cb_frame tmp;
	__u32 i, j;

	memcpy(t->shuffled, t->frames, sizeof(*t->frames) * t->n);
	srand48(11);
	for (i = t->n - 1; i > 0; i--) {
		j = lrand48() % (i + 1);
		tmp = t->shuffled[i];
		t->shuffled[i] = t->shuffled[j];
		t->shuffled[j] = tmp;
	}
}

static void trace_free(struct trace *t)
{
	free(t->frames);
	free(t->shuffled);
	free(t->rule);
	free(t->deny);
	free(t->ref_allow);
	memset(t, 0, sizeof(*t));
}

static int trace_grow(struct trace *t, __u32 *cap)
{
	__u32 c = *cap ? *cap * 2 : 65536;
	void *p[5] = {
		realloc(t->frames, sizeof(*t->frames) * c),
		realloc(t->rule, sizeof(*t->rule) * c),
		realloc(t->deny, c),
		realloc(t->ref_allow, c),
	};

	if (p[0])
		t->frames = p[0];
	if (p[1])
		t->rule = p[1];
	if (p[2])
		t->deny = p[2];
	if (p[3])
		t->ref_allow = p[3];
	if (!p[0] || !p[1] || !p[2] || !p[3])
		return -ENOMEM;
	*cap = c;
	return 0;
}

/* dir/NAME.trace.gz and .expect.gz, line by line together. */
static int trace_load(const char *dir, const char *name, struct trace *t)
{
	char tpath[4096], epath[4096], line[512], act[32];
	gzFile tf, ef;
	__u32 cap = 0;
	int err = 0;

	memset(t, 0, sizeof(*t));
	snprintf(tpath, sizeof(tpath), "%s/%s.trace.gz", dir, name);
	snprintf(epath, sizeof(epath), "%s/%s.expect.gz", dir, name);
	tf = gzopen(tpath, "r");
	ef = gzopen(epath, "r");
	if (!tf || !ef) {
		fprintf(stderr, "classbench: cannot open %s\n", tf ? epath : tpath);
		err = -ENOENT;
		goto out;
	}
	while (gzgets(tf, line, sizeof(line))) {
		char sa[64], sb[64];
		struct in_addr a, b;
		unsigned int sp, dp, proto, rule;

		if (sscanf(line, "%63s %63s %u %u %u", sa, sb, &sp, &dp, &proto) != 5 ||
		    !inet_aton(sa, &a) || !inet_aton(sb, &b) || sp > 65535 || dp > 65535 ||
		    proto > 255) {
			fprintf(stderr, "classbench: %s:%u: bad trace line\n", tpath, t->n + 1);
			err = -EINVAL;
			goto out;
		}
		if (!gzgets(ef, line, sizeof(line)) || sscanf(line, "%u %31s", &rule, act) != 2 ||
		    !rule) {
			fprintf(stderr, "classbench: %s:%u: missing or no-match line\n", epath,
				t->n + 1);
			err = -EINVAL;
			goto out;
		}
		if (t->n == cap && (err = trace_grow(t, &cap)))
			goto out;
		build_frame(&t->frames[t->n], ntohl(a.s_addr), ntohl(b.s_addr), sp, dp, proto);
		t->rule[t->n] = rule;
		t->deny[t->n] = !strcmp(act, "deny");
		t->ref_allow[t->n] = ref_allows(sp, dp, proto);
		t->denies += t->deny[t->n];
		t->n++;
	}
	t->allows = t->n - t->denies;
	t->shuffled = t->n ? malloc(sizeof(*t->shuffled) * t->n) : NULL;
	if (!t->n || !t->shuffled) {
		fprintf(stderr, "classbench: %s: empty trace\n", tpath);
		err = -EINVAL;
		goto out;
	}
	shuffle(t);
	t->distinct = count_distinct(t);
out:
	if (tf)
		gzclose(tf);
	if (ef)
		gzclose(ef);
	if (err)
		trace_free(t);
	return err;
}

/* --- programs --------------------------------------------------------- */

static void fw_free(struct fw *f)
{
	fwctl__destroy(f->skel);
	free(f->id_at);
	memset(f, 0, sizeof(*f));
}

/*
 * fwctl as bench/unit loads it: private maps, the input side's instance;
 * banks of bank_cells cells (fwctl attach --bank-cells), 0 for the default.
 */
static int fw_load(const struct opts *o, struct fw *f, __u32 bank_cells)
{
	memset(f, 0, sizeof(*f));
	f->skel = bench_fwctl_load("classbench", o->ifx, bank_cells, &f->maps);
	return f->skel ? 0 : -EINVAL;
}

/* Replace f's rules by rules[0..n) (consumed), then learn their ids. */
static int fw_rules(struct fw *f, struct rule *rules, unsigned int n)
{
	struct ruleset_diff diff;
	struct fwctl_err e = {};
	struct ruleset rs;
	unsigned int i;
	int err;

	err = ruleset_replace(&f->maps, NULL, rules, n, FWCTL_POLICY_DROP, &diff, &e);
	if (!err)
		err = ruleset_read(&f->maps, NULL, &rs, &e);
	if (err) {
		fprintf(stderr, "classbench: applying %u rules: %s\n", n, e.msg);
		return err;
	}
	f->id_at = malloc(sizeof(*f->id_at) * (rs.n ? rs.n : 1));
	if (!f->id_at) {
		ruleset_free(&rs);
		return -ENOMEM;
	}
	f->n_rules = rs.n;
	for (i = 0; i < rs.n; i++) {
		f->id_at[i] = rs.v[i].id;
		if (rs.v[i].id > f->max_id)
			f->max_id = rs.v[i].id;
	}
	ruleset_free(&rs);
	return 0;
}

static int fw_reference(struct fw *f)
{
	static const char *const text[] = { "icmp", "tcp 7070", "udp" };
	struct rule rules[3];
	struct fwctl_err e = {};
	int i, err;

	for (i = 0; i < 3; i++) {
		err = rule_from_text(text[i], NULL, &rules[i], &e);
		if (err) {
			fprintf(stderr, "classbench: '%s': %s\n", text[i], e.msg);
			while (i--)
				rule_free(&rules[i]);
			return err;
		}
	}
	return fw_rules(f, rules, 3);
}

/* The set's rules file, read by the parser 'fwctl rules load' uses. */
static int fw_set(const struct opts *o, const char *name, struct fw *f, double *parse_s,
		  double *apply_s)
{
	struct rules_file rf = {};
	struct fwctl_err e = {};
	char path[4096];
	double t0 = now();
	int err;

	snprintf(path, sizeof(path), "%s/%s.rules", o->dir, name);
	err = rules_file_read(path, NULL, &rf, &e);
	*parse_s = now() - t0;
	if (err) {
		fprintf(stderr, "classbench: %s\n", e.msg);
		rules_file_free(&rf);
		return err;
	}
	t0 = now();
	err = fw_rules(f, rf.rules, rf.n);
	*apply_s = now() - t0;
	rules_file_free(&rf);	/* the rules themselves were consumed */
	return err;
}

/* Cells and kernel memory (memlock, from fdinfo) of f's current generation. */
static void fw_generation(const struct fw *f, __u32 *cells, double *memlock_mib)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	struct fwctl_err e = {};
	char path[64], line[256];
	unsigned long long ml = 0;
	int fd = table_open_current(&f->maps, &e);
	FILE *fi;

	*cells = 0;
	*memlock_mib = 0;
	if (fd < 0)
		return;
	if (!bpf_obj_get_info_by_fd(fd, &info, &len))
		*cells = info.max_entries;
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	fi = fopen(path, "r");
	while (fi && fgets(line, sizeof(line), fi))
		if (sscanf(line, "memlock: %llu", &ml) == 1)
			*memlock_mib = ml / 1048576.0;
	if (fi)
		fclose(fi);
	close(fd);
}

/* A replay program whose frames map is shared with the first one (share). */
static struct cb_replay *replay_load(const struct cb_frame *frames, __u32 n, int target_fd,
				     struct cb_replay *share)
{
	struct cb_replay *r = cb_replay__open();
	__u32 i, zero = 0;
	int err;

	if (!r) {
		fprintf(stderr, "classbench: cannot open the replay program: %s\n", strerror(errno));
		return NULL;
	}
	r->rodata->cb_n_frames = n;
	err = bpf_map__set_max_entries(r->maps.cb_frames, n);
	if (!err && share)
		err = bpf_map__reuse_fd(r->maps.cb_frames, bpf_map__fd(share->maps.cb_frames));
	if (!err)
		err = cb_replay__load(r);
	for (i = 0; !err && !share && i < n; i++)
		err = bpf_map_update_elem(bpf_map__fd(r->maps.cb_frames), &i, &frames[i], 0);
	if (!err && target_fd >= 0)
		err = bpf_map_update_elem(bpf_map__fd(r->maps.cb_target), &zero, &target_fd, 0);
	if (err) {
		fprintf(stderr, "classbench: cannot set up the replay program: %s\n",
			strerror(-err));
		cb_replay__destroy(r);
		return NULL;
	}
	return r;
}

/* --- running ------------------------------------------------------------ */

/* One BPF_PROG_TEST_RUN of frame f (repeat runs); verdict and ns per run out. */
static int run(int prog_fd, const struct cb_frame *f, const struct opts *o, __u32 repeat,
	       __u32 *verdict, __u32 *ns)
{
	struct xdp_md ctx = { .data_end = CB_FRAME_LEN, .ingress_ifindex = o->ifx[0] };
	LIBBPF_OPTS(bpf_test_run_opts, t,
		.data_in = f,
		.data_size_in = CB_FRAME_LEN,
		.ctx_in = &ctx,
		.ctx_size_in = sizeof(ctx),
		.repeat = repeat,
	);
	int err = bpf_prog_test_run_opts(prog_fd, &t);

	if (err) {
		fprintf(stderr, "classbench: BPF_PROG_TEST_RUN: %s\n", strerror(-err));
		return err;
	}
	*verdict = t.retval;
	*ns = t.duration;
	return 0;
}

/* Per-rule counters of f equal mult x the expected first matches? */
static int check_counters(const struct fw *f, const struct trace *t, __u64 mult,
			  const char *name, const char *when)
{
	struct fwctl_rule_stats *st = calloc(f->max_id + 1, sizeof(*st));
	__u64 *want = calloc(f->n_rules + 1, sizeof(*want)), fwd_want, deny_want;
	struct fwctl_dir_stats ds;
	__u32 i, bad = 0, first_bad = 0;
	int err = -ENOMEM;

	if (!st || !want)
		goto out;
	err = rule_stats_read_first(&f->maps, f->max_id + 1, st);
	if (!err)
		err = dir_stats_read(&f->maps, FWCTL_DIR_IN_TO_OUT, &ds);
	if (err) {
		fprintf(stderr, "classbench: cannot read the counters: %s\n", strerror(-err));
		goto out;
	}
	for (i = 0; i < t->n; i++)
		if (t->rule[i] <= f->n_rules)
			want[t->rule[i]]++;
	for (i = 1; i <= f->n_rules; i++) {
		const struct fwctl_rule_stats *s = &st[f->id_at[i - 1]];

		if (s->packets != mult * want[i] || s->bytes != s->packets * CB_FRAME_LEN) {
			if (!bad++)
				first_bad = i;
		}
	}
	fwd_want = mult * t->allows;
	deny_want = mult * t->denies;
	if (bad || ds.fwd_packets != fwd_want || ds.drop_packets[FWCTL_DROP_RULE] != deny_want ||
	    dir_dropped_packets(&ds) != deny_want) {
		fprintf(stderr, "classbench: %s, %s: %u rules counted wrong (first: rule %u, "
			"%llu packets, expected %llu); forwarded %llu (expected %llu), "
			"dropped %llu by rule (expected %llu), %llu in all\n", name, when, bad,
			first_bad, first_bad ? (unsigned long long)st[f->id_at[first_bad - 1]].packets : 0,
			first_bad ? (unsigned long long)(mult * want[first_bad]) : 0,
			(unsigned long long)ds.fwd_packets, (unsigned long long)fwd_want,
			(unsigned long long)ds.drop_packets[FWCTL_DROP_RULE],
			(unsigned long long)deny_want, (unsigned long long)dir_dropped_packets(&ds));
		err = -EBADMSG;
	}
out:
	free(st);
	free(want);
	return err;
}

/* Per-syscall figures (sum of ns), from the verdict check of every frame. */
struct single {
	double ns[3];		/* set, ref, trivial: mean ns per frame */
	__u32 wrong_set, wrong_ref;
};

/*
 * Every trace frame alone, through the set's fwctl, the reference fwctl and
 * the trivial program, interleaved frame by frame; verdicts checked.
 */
static int check_frames(const struct fw *set, const struct fw *ref, int triv_fd,
			const struct trace *t, const struct opts *o, struct single *s)
{
	int fds[3] = { bpf_program__fd(set->skel->progs.fwctl_xdp),
		       bpf_program__fd(ref->skel->progs.fwctl_xdp), triv_fd };
	__u64 sum[3] = {};
	__u32 i, v, ns;
	int k, err;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < t->n; i++) {
		for (k = 0; k < 3; k++) {
			err = run(fds[k], &t->frames[i], o, 1, &v, &ns);
			if (err)
				return err;
			sum[k] += ns;
			if (k == 0 && v != (t->deny[i] ? XDP_DROP : XDP_REDIRECT)) {
				if (!s->wrong_set++)
					fprintf(stderr, "classbench: trace line %u: verdict %u, expected "
						"%s (rule %u)\n", i + 1, v, t->deny[i] ? "deny" : "allow",
						t->rule[i]);
			}
			if (k == 1 && v != (t->ref_allow[i] ? XDP_REDIRECT : XDP_DROP))
				s->wrong_ref++;
		}
	}
	for (k = 0; k < 3; k++)
		s->ns[k] = (double)sum[k] / t->n;
	return s->wrong_set || s->wrong_ref ? -EBADMSG : 0;
}

/* Everything measured on one set. */
struct result {
	double raw[ORDERS][VARIANTS][MAX_ROUNDS];	/* ns per frame, replay included */
	struct single single;
	double parse_s, apply_s, memlock_mib;
	__u32 cells;
};

static double median_of(const double *v, int n)
{
	double x, y;

	return bench_median(v, n, &x, &y);
}

/* Median of the per-round net figures (raw - copy) of variant v. */
static double net(const struct result *r, int ord, int v, int n)
{
	double d[MAX_ROUNDS];
	int i;

	for (i = 0; i < n; i++)
		d[i] = r->raw[ord][v][i] - r->raw[ord][V_COPY][i];
	return median_of(d, n);
}

/* Median [min-max] of the per-round ratios of the net figures a / b. */
static void net_ratio(const struct result *r, int ord, int a, int b, int n, double *med,
		      double *min, double *max)
{
	double d[MAX_ROUNDS], nb;
	int i;

	for (i = 0; i < n; i++) {
		nb = r->raw[ord][b][i] - r->raw[ord][V_COPY][i];
		d[i] = nb > 0 ? (r->raw[ord][a][i] - r->raw[ord][V_COPY][i]) / nb : 0;
	}
	*med = bench_median(d, n, min, max);
}

static void print_header(const struct opts *o)
{
	printf("<!-- classbench: %d rounds, %d passes per figure; net = replay figure - copy -->\n",
	       o->rounds, o->passes);
	printf("| set | rules | headers | distinct | verdicts, counters | copy ns | trivial | ref | "
	       "set | set/ref [min-max] | shuffled: ref | set | set/ref | per-syscall: ref | set | "
	       "parse s | apply s | cells | MiB |\n");
	printf("|---|--:|--:|--:|---|--:|--:|--:|--:|---|--:|--:|---|--:|--:|--:|--:|--:|--:|\n");
}

static void print_result(const char *name, const struct fw *f, const struct trace *t,
			 const struct result *r, int n)
{
	double m[ORDERS], lo[ORDERS], hi[ORDERS];
	int ord;

	for (ord = 0; ord < ORDERS; ord++)
		net_ratio(r, ord, V_SET, V_REF, n, &m[ord], &lo[ord], &hi[ord]);
	printf("| %s | %u | %u | %u | all ok | %.0f | %.1f | %.1f | %.1f | **%.2f** [%.2f-%.2f] | "
	       "%.1f | %.1f | %.2f [%.2f-%.2f] | %.0f | %.0f | %.2f | %.2f | %u | %.1f |\n",
	       name, f->n_rules, t->n, t->distinct, median_of(r->raw[O_TRACE][V_COPY], n),
	       net(r, O_TRACE, V_TRIVIAL, n), net(r, O_TRACE, V_REF, n), net(r, O_TRACE, V_SET, n),
	       m[O_TRACE], lo[O_TRACE], hi[O_TRACE], net(r, O_SHUFFLED, V_REF, n),
	       net(r, O_SHUFFLED, V_SET, n), m[O_SHUFFLED], lo[O_SHUFFLED], hi[O_SHUFFLED],
	       r->single.ns[1], r->single.ns[0], r->parse_s, r->apply_s, r->cells,
	       r->memlock_mib);
	fflush(stdout);
}

/* Every program of one set, loaded; destroyed by bench_free(). */
struct bench {
	struct fw set, ref;
	struct trivial_redirect *triv;
	struct cb_replay *rp[ORDERS][VARIANTS];
};

static void bench_free(struct bench *b)
{
	int ord, v;

	for (ord = 0; ord < ORDERS; ord++)
		for (v = VARIANTS - 1; v >= 0; v--)
			cb_replay__destroy(b->rp[ord][v]);
	trivial_redirect__destroy(b->triv);
	fw_free(&b->set);
	fw_free(&b->ref);
}

static int bench_load(const struct opts *o, const char *name, const struct trace *t,
		      struct bench *b, struct result *r)
{
	int targets[VARIANTS], ord, v, err;

	memset(b, 0, sizeof(*b));
	err = fw_load(o, &b->set, o->bank_cells);
	if (!err)
		err = fw_set(o, name, &b->set, &r->parse_s, &r->apply_s);
	if (err)
		return err;
	fw_generation(&b->set, &r->cells, &r->memlock_mib);
	err = fw_load(o, &b->ref, 0);
	if (!err)
		err = fw_reference(&b->ref);
	if (err)
		return err;
	b->triv = trivial_redirect__open_and_load();
	if (!b->triv ||
	    bpf_map_update_elem(bpf_map__fd(b->triv->maps.trivial_devmap), &o->ifx[0], &o->ifx[1], 0)) {
		fprintf(stderr, "classbench: cannot set up the trivial program\n");
		return -EINVAL;
	}
	targets[V_COPY] = -1;
	targets[V_TRIVIAL] = bpf_program__fd(b->triv->progs.trivial_redirect);
	targets[V_REF] = bpf_program__fd(b->ref.skel->progs.fwctl_xdp);
	targets[V_SET] = bpf_program__fd(b->set.skel->progs.fwctl_xdp);
	for (ord = 0; ord < ORDERS; ord++) {
		for (v = 0; v < VARIANTS; v++) {
			b->rp[ord][v] = replay_load(ord == O_TRACE ? t->frames : t->shuffled, t->n,
						    targets[v], v ? b->rp[ord][0] : NULL);
			if (!b->rp[ord][v])
				return -EINVAL;
		}
	}
	return 0;
}

static int replay_fd(const struct bench *b, int ord, int v)
{
	return v == V_COPY ? bpf_program__fd(b->rp[ord][v]->progs.cb_copy_only)
			   : bpf_program__fd(b->rp[ord][v]->progs.cb_replay);
}

/* One replay of the trace through variant v; the frames' verdict as they ran. */
static int replay(const struct bench *b, int ord, int v, const struct trace *t,
		  const struct opts *o, __u32 repeat, double *ns)
{
	__u32 verdict, d;
	int err;

	b->rp[ord][v]->bss->cb_next = 0;
	err = run(replay_fd(b, ord, v), &t->frames[0], o, repeat, &verdict, &d);
	if (!err && verdict == XDP_ABORTED) {
		fprintf(stderr, "classbench: the replay of %s failed (XDP_ABORTED)\n", var_names[v]);
		err = -EINVAL;
	}
	*ns = d;
	return err;
}

static int bench_set(const struct opts *o, const char *name, bool *header)
{
	static struct result r;
	struct bench b;
	struct trace t;
	__u64 mult;
	double x;
	int err, rd, k, v, ord;

	memset(&r, 0, sizeof(r));
	note("%s: loading the trace\n", name);
	err = trace_load(o->dir, name, &t);
	if (err)
		return err;
	note("%s: %u headers (%u distinct); loading the rules\n", name, t.n, t.distinct);
	if ((__u64)o->passes * t.n > 0xffffffffULL) {
		fprintf(stderr, "classbench: %s: --passes too large for %u headers\n", name, t.n);
		trace_free(&t);
		return -EINVAL;
	}
	err = bench_load(o, name, &t, &b, &r);
	if (err)
		goto out;
	note("%s: %u rules applied in %.2f s (parse %.2f s); checking every frame\n", name,
	     b.set.n_rules, r.apply_s, r.parse_s);
	/* Each frame alone: its verdict; then the counters (one pass). */
	err = check_frames(&b.set, &b.ref, bpf_program__fd(b.triv->progs.trivial_redirect), &t, o,
			   &r.single);
	if (err) {
		fprintf(stderr, "classbench: %s: %u of %u verdicts wrong, %u of the reference "
			"rules'\n", name, r.single.wrong_set, t.n, r.single.wrong_ref);
		goto out;
	}
	err = check_counters(&b.set, &t, 1, name, "after the verdict check");
	/* One replay pass through the tail call: counted exactly once more. */
	if (!err)
		err = replay(&b, O_TRACE, V_SET, &t, o, t.n, &x);
	if (!err)
		err = check_counters(&b.set, &t, 2, name, "after one replay");
	if (err)
		goto out;
	for (rd = 0; rd < o->rounds; rd++) {
		for (ord = 0; ord < ORDERS; ord++) {
			for (k = 0; k < VARIANTS; k++) {
				v = (k + rd) % VARIANTS;
				err = replay(&b, ord, v, &t, o, (__u32)o->passes * t.n,
					     &r.raw[ord][v][rd]);
				if (err)
					goto out;
			}
			note("%s: round %d, %s order: copy %.0f trivial %.0f ref %.0f set %.0f\n",
			     name, rd + 1, order_names[ord], r.raw[ord][V_COPY][rd],
			     r.raw[ord][V_TRIVIAL][rd], r.raw[ord][V_REF][rd], r.raw[ord][V_SET][rd]);
		}
	}
	mult = 2 + (__u64)o->rounds * o->passes * ORDERS;
	err = check_counters(&b.set, &t, mult, name, "after timing");
	if (err)
		goto out;
	if (!*header) {
		print_header(o);
		*header = true;
	}
	print_result(name, &b.set, &t, &r, o->rounds);
out:
	bench_free(&b);
	trace_free(&t);
	return err;
}

/* --- main ------------------------------------------------------------- */

static void usage(FILE *f, const char *prog)
{
	fprintf(f,
		"usage: %s [options] IFINDEX_IN IFINDEX_OUT SET...\n"
		"  -d, --dir DIR      the ClassBench files (default $CLASSBENCH_DIR)\n"
		"  -n, --rounds N     rounds, every variant once per round (default 9; max %d)\n"
		"  -p, --passes N     passes over the trace per figure (default 5)\n"
		"  -c, --cpu N        pin to CPU N (default: the last online CPU; -1: no pinning)\n"
		"  -b, --bank-cells N the set's banks (fwctl attach --bank-cells; default %u)\n"
		"  -v, --verbose      progress and every round's figures on stderr (-vv: libbpf's too)\n"
		"SET: acl1-1k, fw1-100k, ... (DIR/SET.rules, .trace.gz, .expect.gz).\n"
		"Prints one markdown table row per set; exit 1 on any wrong verdict or counter.\n",
		prog, MAX_ROUNDS, FWCTL_BANK_CELLS_DEFAULT);
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lopts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "rounds", required_argument, NULL, 'n' },
		{ "passes", required_argument, NULL, 'p' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "bank-cells", required_argument, NULL, 'b' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->dir = getenv("CLASSBENCH_DIR");
	o->rounds = 9;
	o->passes = 5;
	o->cpu = -2;
	while ((c = getopt_long(argc, argv, "d:n:p:c:b:vh", lopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			o->dir = optarg;
			break;
		case 'n':
			o->rounds = atoi(optarg);
			break;
		case 'p':
			o->passes = atoi(optarg);
			break;
		case 'c':
			o->cpu = atoi(optarg);
			break;
		case 'b': {
			struct fwctl_err e = {};

			if (table_parse_bank_cells(optarg, &o->bank_cells, &e)) {
				fprintf(stderr, "classbench: %s\n", e.msg);
				return -EINVAL;
			}
			break;
		}
		case 'v':
			o->verbose++;
			break;
		case 'h':
			usage(stdout, argv[0]);
			exit(0);
		default:
			usage(stderr, argv[0]);
			return -EINVAL;
		}
	}
	if (o->rounds < 1 || o->rounds > MAX_ROUNDS || o->passes < 1 || o->passes > 1000) {
		fprintf(stderr, "classbench: --rounds is 1..%d, --passes 1..1000\n", MAX_ROUNDS);
		return -EINVAL;
	}
	if (!o->dir) {
		fprintf(stderr, "classbench: no ClassBench directory: -d DIR or CLASSBENCH_DIR\n");
		return -EINVAL;
	}
	if (argc - optind < 3) {
		usage(stderr, argv[0]);
		return -EINVAL;
	}
	o->ifx[0] = strtoul(argv[optind], NULL, 10);
	o->ifx[1] = strtoul(argv[optind + 1], NULL, 10);
	if (!o->ifx[0] || !o->ifx[1] || o->ifx[0] == o->ifx[1]) {
		fprintf(stderr, "classbench: two different ifindexes needed\n");
		return -EINVAL;
	}
	return 0;
}

int main(int argc, char **argv)
{
	bool header = false;
	struct opts o;
	int i, rc = 0;

	if (parse_opts(argc, argv, &o))
		return 2;
	verbose = o.verbose;
	libbpf_set_print(libbpf_print);
	if (bench_pin_cpu("classbench", o.cpu))
		return 1;
	for (i = optind + 2; i < argc; i++)
		if (bench_set(&o, argv[i], &header))
			rc = 1;
	return rc;
}
