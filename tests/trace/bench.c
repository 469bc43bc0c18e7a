// SPDX-License-Identifier: GPL-2.0
/*
 * bench.c - what tracing costs the datapath, in ns per packet: the real
 * datapath (bpf/fwctl.bpf.c, as fwctl attach loads it for the input
 * interface, with rules) without tracing code (fwctl_notrace.bpf.c: the
 * program before tracing), with tracing off, and
 * on (every frame wanted at the default rate: after the first second's
 * burst the rate limit refuses them; every frame recorded, with no limit
 * and a reader draining the ring on another CPU; a
 * trace whose filter wants none of them), and while a fwctl check runs
 * (real frames are then looked at for probe metadata). BPF_PROG_TEST_RUN of a 64-byte
 * TCP frame, program mode (the redirect is returned, not carried out),
 * variants interleaved round by round. Two clocks: this thread's CPU time
 * over the syscall / repeat (fine-grained, and time the CPU spent on other
 * tasks of this shared machine is not in it), median of the rounds; and
 * the kernel's own average (whole nanoseconds), mean of the rounds.
 * Figures only: speed targets are judged by people, not asserted.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "fwctl.h"
#include "trace.h"
#include "rule.h"
#include "fwctl.skel.h"
#include "fwctl_notrace.skel.h"
#include "tt.h"

#define MAX_ROUNDS	101

enum { V_NOCODE = 0, V_OFF, V_ON_RATE, V_ON_ALL, V_ON_NONE, V_CHECKING, N_VARIANTS };
static const char *const vnames[N_VARIANTS] = {
	"before tracing", "tracing off", "on, --rate 1000", "on, every frame", "on, filtered out",
	"a check running",
};

static void private_maps(struct bpf_object *obj)
{
	struct bpf_map *map;

	bpf_object__for_each_map(map, obj)
		bpf_map__set_pin_path(map, NULL);
}

/* The bench's rules (those of bench/run.sh, and the port the frames use). */
static const char *const bench_rules[] = {
	"allow icmp", "allow tcp 7070", "allow udp", "allow tcp dport 1005",
};

/* Config, devmap, rules (policy drop) in the maps of obj. */
static int fill(struct bpf_object *obj, int ifx_in, int ifx_out)
{
	struct fwctl_config cfg = { .ifindex = { ifx_in, ifx_out }, .ifname = { "in", "out" } };
	struct rule rules[sizeof(bench_rules) / sizeof(bench_rules[0])];
	struct ruleset_diff diff;
	struct fwctl_err e = {};
	struct rule_ctx ctx;
	struct fwctl_maps m;
	int err = maps_from_object(obj, &m);
	size_t i;

	if (!err)
		err = bpf_map_update_elem(m.config, &(__u32){ 0 }, &cfg, 0);
	if (!err)
		err = devmap_link(&m, ifx_in, ifx_out);
	if (!err)
		err = ruleset_init(&m, &e);	/* as attach: an empty rule set, policy drop */
	ruleset_ctx(&cfg, &ctx);
	for (i = 0; i < sizeof(bench_rules) / sizeof(bench_rules[0]) && !err; i++)
		if (rule_from_text(bench_rules[i], &ctx, &rules[i], &e))
			err = -EINVAL;
	if (!err)
		err = ruleset_replace(&m, &ctx, rules, i, FWCTL_POLICY_DROP, &diff, &e);
	if (err && e.msg[0])
		fprintf(stderr, "bench: %s\n", e.msg);
	return err;
}

static __u64 cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* ns/packet by this thread's CPU time; the kernel's average in *kern. */
static double measure(int prog, const __u8 *frame, size_t len, int ifx, __u32 repeat,
		      double *kern)
{
	struct xdp_md ctx = { .data_end = len, .ingress_ifindex = ifx };
	LIBBPF_OPTS(bpf_test_run_opts, o,
		.data_in = frame,
		.data_size_in = len,
		.ctx_in = &ctx,
		.ctx_size_in = sizeof(ctx),
		.repeat = repeat,
	);
	__u64 t0 = cpu_ns();

	bpf_prog_test_run_opts(prog, &o);
	*kern = o.duration;
	return (double)(cpu_ns() - t0) / repeat;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static struct check_session cs;

/* V_ON_ALL: a reader drains the ring meanwhile, on another CPU, as a trace
 * would: the records are written, not refused by a full ring. */
static volatile int drain_stop;
static pthread_t drainer;
static unsigned long drained;

static int count_rec(void *ctx, void *data, size_t size)
{
	(void)ctx;
	(void)data;
	(void)size;
	drained++;
	return 0;
}

static void *drain(void *arg)
{
	struct ring_buffer *rb = ring_buffer__new(*(int *)arg, count_rec, NULL, NULL);
	cpu_set_t cpus;

	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	pthread_setaffinity_np(pthread_self(), sizeof(cpus), &cpus);
	while (rb && !drain_stop)
		ring_buffer__poll(rb, 10);
	ring_buffer__free(rb);
	return NULL;
}

/* Set the variant's trace state up (tracing stays as it is for V_NOCODE). */
static int variant_on(int v, struct trace_maps *tm, struct trace_session *s)
{
	struct trace_filter f;
	struct fwctl_err e = {};
	int err;

	if (v == V_CHECKING)
		return check_session_start(tm, &cs, &e);
	if (v < V_ON_RATE)
		return 0;
	trace_filter_init(&f);
	if (v == V_ON_ALL)
		f.rate = 0;
	if (v == V_ON_NONE)
		f.proto = 47;	/* GRE: the frames are TCP */
	err = trace_session_start(tm, &f, false, s, &e);
	if (err)
		fprintf(stderr, "bench: %s\n", e.msg);
	if (!err && v == V_ON_ALL) {
		drain_stop = 0;
		err = -pthread_create(&drainer, NULL, drain, &s->ring_fd);
	}
	return err;
}

static void variant_off(int v, struct trace_session *s)
{
	struct tt_recs recs = {};

	if (v == V_CHECKING)
		return check_session_stop(&cs);
	if (v < V_ON_RATE)
		return;
	if (v == V_ON_ALL) {
		drain_stop = 1;
		pthread_join(drainer, NULL);
	}
	trace_session_heartbeat(s);
	trace_session_stop(s, NULL);
	tt_drain(s->ring_fd, &recs);	/* not timed */
	tt_recs_free(&recs);
	trace_session_close(s);
}

static double mean(const double *v, int n)
{
	double sum = 0;
	int i;

	for (i = 0; i < n; i++)
		sum += v[i];
	return sum / n;
}

static void report(const char *frame_name, double t[N_VARIANTS][MAX_ROUNDS],
		   double kern[N_VARIANTS][MAX_ROUNDS], int rounds)
{
	double ratio[MAX_ROUNDS], kr = mean(kern[V_OFF], rounds) / mean(kern[V_NOCODE], rounds);
	int v, r;

	for (r = 0; r < rounds; r++)
		ratio[r] = t[V_OFF][r] / t[V_NOCODE][r];
	printf("cost: %s frame, ns/packet, CPU time (kernel's) over %d rounds:\n", frame_name,
	       rounds);
	for (v = 0; v < N_VARIANTS; v++)
		printf("cost:   %-18s %7.2f (%6.2f)\n", vnames[v], median(t[v], rounds),
		       mean(kern[v], rounds));
	printf("cost:   tracing off vs before tracing: %+.1f%% (median of per-round ratios), "
	       "%+.1f%% (kernel's)\n", (median(ratio, rounds) - 1) * 100, (kr - 1) * 100);
}

int tt_bench(int ifx_in, int ifx_out, int rounds, __u32 repeat)
{
	static double t[2][N_VARIANTS][MAX_ROUNDS], kern[2][N_VARIANTS][MAX_ROUNDS];
	static const char *const specs[2] = { "tcp4,dport=1005", "tcp4,dport=80" };
	static const char *const names[2] = { "allowed (rule)", "dropped (policy)" };
	static __u8 frame[2][TT_FRAME_MAX];
	struct fwctl_notrace *nt = fwctl_notrace__open();
	struct fwctl *tr = fwctl__open();
	struct trace_session s;
	struct trace_maps tm;
	struct fwctl_err e = {};
	size_t len[2];
	cpu_set_t cpus;
	int prog[N_VARIANTS], r, v, k, err;

	if (rounds < 1 || rounds > MAX_ROUNDS)
		rounds = 11;
	CPU_ZERO(&cpus);
	CPU_SET(sysconf(_SC_NPROCESSORS_ONLN) - 1, &cpus);
	sched_setaffinity(0, sizeof(cpus), &cpus);
	if (!nt || !tr)
		return fprintf(stderr, "bench: cannot open the programs\n"), 1;
	private_maps(nt->obj);
	private_maps(tr->obj);
	/* As fwctl attach loads the input interface's instance. */
	tr->rodata->instance_dir = FWCTL_DIR_IN_TO_OUT;
	nt->rodata->instance_dir = FWCTL_DIR_IN_TO_OUT;
	err = fwctl__load(tr);
	if (!err)
		err = maps_share_from(nt->obj, tr->obj);
	if (!err)
		err = fwctl_notrace__load(nt);
	if (!err)
		err = fill(tr->obj, ifx_in, ifx_out);
	if (!err)
		err = trace_maps_from_object(tr->obj, &tm, &e);
	if (err)
		return fprintf(stderr, "bench: cannot load: %s\n", strerror(-err)), 1;
	for (v = 0; v < N_VARIANTS; v++)
		prog[v] = v == V_NOCODE ? bpf_program__fd(nt->progs.fwctl_xdp)
					: bpf_program__fd(tr->progs.fwctl_xdp);
	for (k = 0; k < 2; k++)
		len[k] = tt_frame(specs[k], frame[k]);
	for (r = 0; r < rounds; r++)
		for (k = 0; k < 2; k++)
			for (v = 0; v < N_VARIANTS; v++) {
				if (variant_on(v, &tm, &s))
					return 1;
				t[k][v][r] = measure(prog[v], frame[k], len[k], ifx_in, repeat,
						     &kern[k][v][r]);
				variant_off(v, &s);
			}
	for (k = 0; k < 2; k++)
		report(names[k], t[k], kern[k], rounds);
	printf("cost: BPF_PROG_TEST_RUN repeat %u, program mode, 64-byte IPv4 TCP frames; "
	       "%lu records read while recording every frame\n", repeat, drained);
	trace_maps_close(&tm);
	fwctl__destroy(tr);
	fwctl_notrace__destroy(nt);
	return 0;
}
