// SPDX-License-Identifier: GPL-2.0
/*
 * ct_bench.c - the cost of connection tracking (issue 12, "Benchmarks"), on
 * two fwctl instances attached by `fwctl attach` (bench/ct.sh sets them up):
 * one with the stateful rules, one with the same rules without
 * `stateful`, plus a trivial bpf_redirect_map program loaded here.
 *
 * 1. Flow setup: SYNs to port 7070, each of another flow (ct_gen.bpf.c
 *    rewrites the source address and port, then tail-calls the attached
 *    program), program mode: ns per SYN that creates a flow, with room in
 *    the new-flow table and with the table full (every insert evicts),
 *    next to the same SYNs under the stateless rule; the rewrite's own cost
 *    (ctg_gen_only) is taken out of every figure.
 * 2. Fill: N UDP flows (a datagram to port 53, then its reply from the
 *    other side, which moves the flow to the established table), to see
 *    the table at N flows (bench/ct.sh reads `fwctl ct stats` and the maps'
 *    memory afterwards) and to measure hits in a full table.
 * 3. Established flow: one TCP connection set up by its handshake (SYN,
 *    SYN-ACK on the output instance, ACK), then its ACK segment run
 *    `repeat` times through the stateful instance, the stateless one and
 *    the trivial program, interleaved in every round, in program mode and
 *    in live mode (BPF_F_TEST_XDP_LIVE_FRAMES: every redirect carried out,
 *    counted on the veth where the frames come out). Median, min, max of
 *    the rounds; forwarding rate = 1000 / ns Mpps on one CPU.
 *
 * usage: ct [options] S_IN S_OUT S_SINK L_IN L_OUT L_SINK
 *   S_IN/S_OUT: the stateful instance's interfaces, S_SINK: where its
 *   forwarded frames come out (S_OUT's veth peer); L_*: the stateless one.
 */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "../lib/bench_lib.h"
#include "ct_gen.skel.h"
#include "trivial_redirect.skel.h"

#define FRAME_LEN	64
#define MAX_RUNS	51
#define NEW_PORT	7070
#define UDP_PORT	53

enum { S_IN, S_OUT, S_SINK, L_IN, L_OUT, L_SINK, NIF };
enum { V_EST, V_STATELESS, V_TRIVIAL, NVAR };
static const char *var_names[NVAR] = {
	"fwctl, established flow (stateful rules)",
	"fwctl, stateless rule",
	"trivial redirect",
};

struct opts {
	int runs;
	__u32 repeat;
	__u32 fill;
	__u32 setup_repeat;
	int cpu;
	const char *ifname[NIF];
	__u32 ifx[NIF];
};

static struct opts o = { .runs = 7, .repeat = 2000000, .fill = 262144, .setup_repeat = 8192,
			 .cpu = -2 };

static int usage(FILE *f, const char *prog)
{
	fprintf(f,
		"usage: %s [options] S_IN S_OUT S_SINK L_IN L_OUT L_SINK\n"
		"  -n, --runs N       rounds, median reported (default 7)\n"
		"  -R, --repeat N     BPF_PROG_TEST_RUN repeat per figure (default 2000000)\n"
		"  -f, --fill N       UDP flows put in the established table (default 262144)\n"
		"  -s, --setup N      new flows per setup figure (default 8192)\n"
		"  -c, --cpu N        pin to CPU N (default: the last; -1: no pinning)\n",
		prog);
	return f == stdout ? 0 : 2;
}

static int parse_opts(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "runs", required_argument, NULL, 'n' },
		{ "repeat", required_argument, NULL, 'R' },
		{ "fill", required_argument, NULL, 'f' },
		{ "setup", required_argument, NULL, 's' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	int c, i;

	while ((c = getopt_long(argc, argv, "n:R:f:s:c:h", lo, NULL)) != -1) {
		switch (c) {
		case 'n': o.runs = atoi(optarg); break;
		case 'R': o.repeat = strtoul(optarg, NULL, 10); break;
		case 'f': o.fill = strtoul(optarg, NULL, 10); break;
		case 's': o.setup_repeat = strtoul(optarg, NULL, 10); break;
		case 'c': o.cpu = atoi(optarg); break;
		case 'h': exit(usage(stdout, argv[0]));
		default: return usage(stderr, argv[0]);
		}
	}
	if (o.runs < 1 || o.runs > MAX_RUNS || !o.repeat || !o.setup_repeat) {
		fprintf(stderr, "ct bench: --runs 1..%d, --repeat and --setup > 0\n", MAX_RUNS);
		return 2;
	}
	if (argc - optind != NIF)
		return usage(stderr, argv[0]);
	for (i = 0; i < NIF; i++) {
		o.ifname[i] = argv[optind + i];
		o.ifx[i] = if_nametoindex(o.ifname[i]);
		if (!o.ifx[i]) {
			fprintf(stderr, "ct bench: no interface '%s' here\n", o.ifname[i]);
			return 2;
		}
	}
	return 0;
}

/*
 * A 64-byte Ethernet/IPv4 frame: TCP (flags) or UDP, saddr:sport ->
 * daddr:dport, valid IPv4 checksum, payload padding.
 */
static void build_frame(__u8 *f, int proto, __u32 saddr, __u16 sport, __u32 daddr, __u16 dport,
			__u8 tcp_flags)
{
	__u32 sum = 0;
	int i;

	memset(f, 0, FRAME_LEN);
	memcpy(f, "\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00", 14);
	f[14] = 0x45;
	f[17] = FRAME_LEN - 14;
	f[22] = 64;
	f[23] = proto;
	for (i = 0; i < 4; i++) {
		f[26 + i] = saddr >> (24 - 8 * i);
		f[30 + i] = daddr >> (24 - 8 * i);
	}
	for (i = 14; i < 34; i += 2)
		sum += (f[i] << 8) | f[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	f[24] = ~sum >> 8;
	f[25] = ~sum & 0xff;
	f[34] = sport >> 8, f[35] = sport & 0xff;
	f[36] = dport >> 8, f[37] = dport & 0xff;
	if (proto == 6) {
		f[46] = 5 << 4;		/* data offset */
		f[47] = tcp_flags;
		f[48] = 0xff, f[49] = 0xff;
	} else {
		f[39] = FRAME_LEN - 34;	/* UDP length */
	}
}

/*
 * One test run of prog_fd: frame arriving on ifindex, repeat times; the
 * verdict must be want (program mode), or every frame must come out of
 * sink (live mode). Returns the kernel's ns per run, < 0 on error.
 */
static double run(int prog_fd, const __u8 *frame, __u32 ifindex, __u32 repeat, bool live,
		  const char *sink, int want)
{
	struct xdp_md ctx = { .data_end = FRAME_LEN, .ingress_ifindex = ifindex };
	__u8 out[FRAME_LEN];
	LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = frame, .data_size_in = FRAME_LEN,
		    .data_out = live ? NULL : out, .data_size_out = live ? 0 : sizeof(out),
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = repeat,
		    .flags = live ? BPF_F_TEST_XDP_LIVE_FRAMES : 0);
	long long rx0 = live ? bench_rx_packets(sink) : 0, got;
	int err = bpf_prog_test_run_opts(prog_fd, &t);

	if (err) {
		fprintf(stderr, "ct bench: BPF_PROG_TEST_RUN: %s\n", strerror(-err));
		return -1;
	}
	if (!live && (int)t.retval != want) {
		fprintf(stderr, "ct bench: verdict %u, expected %d: not the intended path\n",
			t.retval, want);
		return -1;
	}
	if (live) {
		got = bench_rx_packets(sink) - rx0;
		if (rx0 < 0 || got < repeat) {
			fprintf(stderr, "ct bench: live mode: %lld of %u frames came out of %s\n",
				got, repeat, sink);
			return -1;
		}
	}
	return t.duration;
}

static int prog_of(__u32 ifindex, const char *name)
{
	__u32 id = 0;
	int fd;

	if (bpf_xdp_query_id(ifindex, XDP_FLAGS_DRV_MODE, &id) || !id) {
		fprintf(stderr, "ct bench: no native XDP program on %s (fwctl attach first)\n", name);
		return -1;
	}
	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0)
		fprintf(stderr, "ct bench: program %u of %s: %s\n", id, name, strerror(errno));
	return fd;
}

struct progs {
	int s_in, s_out, l_in, triv;
	struct ct_gen *gen;
	int target;		/* ctg_target's fd */
};

/* ns per run of the generator in front of prog_fd (-1: the rewrite alone). */
static double gen_run(struct progs *p, int prog_fd, const __u8 *frame, __u32 ifindex,
		      __u32 first, __u32 n, bool reverse, int want)
{
	__u32 k = 0;

	p->gen->bss->ctg_next = first;
	p->gen->bss->ctg_reverse = reverse;
	if (prog_fd < 0)
		return run(bpf_program__fd(p->gen->progs.ctg_gen_only), frame, ifindex, n, false,
			   NULL, XDP_DROP);
	if (bpf_map_update_elem(p->target, &k, &prog_fd, 0)) {
		fprintf(stderr, "ct bench: cannot tail-call the program: %s\n", strerror(errno));
		return -1;
	}
	return run(bpf_program__fd(p->gen->progs.ctg_gen), frame, ifindex, n, false, NULL, want);
}

static void line(const char *what, const double *v, int n, const char *extra)
{
	double mn, mx, m = bench_median(v, n, &mn, &mx);

	printf("  %-52s %8.1f [%.0f-%.0f] ns%s\n", what, m, mn, mx, extra ? extra : "");
}

/* 1. ns per SYN creating a flow; the flows are numbered from *next on. */
static int bench_setup(struct progs *p, __u32 *next)
{
	double s[MAX_RUNS], l[MAX_RUNS], g[MAX_RUNS], c[MAX_RUNS], x, y, m;
	__u8 syn[FRAME_LEN];
	__u32 n = o.setup_repeat, churn = 4 * 65536;
	char rate[64];
	int r;

	build_frame(syn, 6, 0x0a010000, 0, 0x0a000002, NEW_PORT, 0x02);
	for (r = 0; r < o.runs; r++) {
		g[r] = gen_run(p, -1, syn, o.ifx[S_IN], *next, n, false, 0);
		s[r] = gen_run(p, p->s_in, syn, o.ifx[S_IN], *next, n, false, XDP_REDIRECT);
		l[r] = gen_run(p, p->l_in, syn, o.ifx[L_IN], *next, n, false, XDP_REDIRECT);
		if (g[r] < 0 || s[r] < 0 || l[r] < 0)
			return -1;
		*next += n;
		s[r] -= g[r], l[r] -= g[r];
	}
	printf("\nflow setup: TCP SYNs to port 7070, each of a new flow, program mode, "
	       "%u SYNs per round, %d rounds,\nmedian [min-max] ns per SYN, the generator's "
	       "rewrite (%.1f ns) taken out:\n", n, o.runs, bench_median(g, o.runs, &x, &y));
	m = bench_median(s, o.runs, &x, &y);
	snprintf(rate, sizeof(rate), "   = %.2f M new flows/s on one CPU", 1000 / m);
	line("stateful rule, room in the new-flow table", s, o.runs, rate);
	line("stateless rule (no flow created)", l, o.runs, NULL);
	/* The new-flow table is full from here on: every insert evicts. */
	for (r = 0; r < o.runs; r++) {
		c[r] = gen_run(p, p->s_in, syn, o.ifx[S_IN], *next, churn, false, XDP_REDIRECT);
		if (c[r] < 0)
			return -1;
		*next += churn;
		c[r] -= g[r];
	}
	m = bench_median(c, o.runs, &x, &y);
	snprintf(rate, sizeof(rate), "   = %.2f M new flows/s on one CPU", 1000 / m);
	line("stateful rule, new-flow table full (each evicts)", c, o.runs, rate);
	return 0;
}

/* 2. n UDP flows in the established table: datagram, then its reply. */
static int bench_fill(struct progs *p, __u32 *next, __u32 n)
{
	__u8 q[FRAME_LEN], a[FRAME_LEN];
	__u32 chunk = 16384, done, k;
	struct timespec t0, t1;
	double ns = 0, d;

	build_frame(q, 17, 0x0a020000, 0, 0x0a000002, UDP_PORT, 0);
	build_frame(a, 17, 0x0a000002, UDP_PORT, 0x0a020000, 0, 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (done = 0; done < n; done += k) {
		k = n - done < chunk ? n - done : chunk;
		d = gen_run(p, p->s_in, q, o.ifx[S_IN], *next + done, k, false, XDP_REDIRECT);
		if (d < 0)
			return -1;
		ns += d * k;
		/* The replies: only a flow lets them through (no rule does). */
		d = gen_run(p, p->s_out, a, o.ifx[S_OUT], *next + done, k, true, XDP_REDIRECT);
		if (d < 0)
			return -1;
		ns += d * k;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	*next += n;
	printf("\nfill: %u UDP flows (query to port 53, then its reply: the reply moves the flow "
	       "to the established table)\n  %.0f ns per flow in the programs (both packets), "
	       "%.2f s wall clock\n", n, ns / n,
	       (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	return 0;
}

/* 3. The established flow's ACK against the stateless rule and the trivial redirect. */
static int bench_established(struct progs *p)
{
	static double v[2][NVAR][MAX_RUNS];
	__u8 syn[FRAME_LEN], synack[FRAME_LEN], ack[FRAME_LEN], stray[FRAME_LEN];
	int fd[NVAR] = { p->s_in, p->l_in, p->triv };
	__u32 in[NVAR] = { o.ifx[S_IN], o.ifx[L_IN], o.ifx[S_IN] };
	const char *sink[NVAR] = { o.ifname[S_SINK], o.ifname[L_SINK], o.ifname[S_SINK] };
	double x, y, m[2][NVAR];
	int r, live, k;

	build_frame(syn, 6, 0x0a000001, 40000, 0x0a000002, NEW_PORT, 0x02);
	build_frame(synack, 6, 0x0a000002, NEW_PORT, 0x0a000001, 40000, 0x12);
	build_frame(ack, 6, 0x0a000001, 40000, 0x0a000002, NEW_PORT, 0x10);
	build_frame(stray, 6, 0x0a000001, 40001, 0x0a000002, NEW_PORT, 0x10);
	/* An ACK of no flow is dropped (no rule passes it): the ACK measured
	 * below passes because of its flow. */
	if (run(p->s_in, stray, o.ifx[S_IN], 1, false, NULL, XDP_DROP) < 0 ||
	    run(p->s_in, syn, o.ifx[S_IN], 1, false, NULL, XDP_REDIRECT) < 0 ||
	    run(p->s_out, synack, o.ifx[S_OUT], 1, false, NULL, XDP_REDIRECT) < 0 ||
	    run(p->s_in, ack, o.ifx[S_IN], 1, false, NULL, XDP_REDIRECT) < 0)
		return -1;
	for (r = 0; r < o.runs; r++)
		for (live = 0; live < 2; live++)
			for (k = 0; k < NVAR; k++)
				if ((v[live][k][r] = run(fd[k], ack, in[k], o.repeat, live, sink[k],
							 XDP_REDIRECT)) < 0)
					return -1;
	printf("\nestablished flow: the ACK segment of a TCP connection to port 7070 "
	       "(64-byte frame), %u runs per figure,\n%d rounds, variants interleaved, "
	       "median [min-max] ns per packet:\n", o.repeat, o.runs);
	for (live = 0; live < 2; live++) {
		printf("%s\n", live ? "live mode (every redirect carried out into the veth, frames "
				      "counted where they come out):"
				    : "program mode (the verdict returned, not acted on):");
		for (k = 0; k < NVAR; k++) {
			char extra[64];

			m[live][k] = bench_median(v[live][k], o.runs, &x, &y);
			snprintf(extra, sizeof(extra), "   %6.2f Mpps", 1000 / m[live][k]);
			line(var_names[k], v[live][k], o.runs, live ? extra : NULL);
		}
	}
	printf("\nforwarding rate of the established flow (live mode): %.2fx the trivial redirect, "
	       "%.2fx the stateless rule\n", m[1][V_TRIVIAL] / m[1][V_EST],
	       m[1][V_STATELESS] / m[1][V_EST]);
	printf("program mode: the established flow costs %+.1f ns against the stateless rule, "
	       "%+.1f ns against the trivial redirect\n", m[0][V_EST] - m[0][V_STATELESS],
	       m[0][V_EST] - m[0][V_TRIVIAL]);
	return 0;
}

int main(int argc, char **argv)
{
	struct trivial_redirect *triv = NULL;
	struct progs p = { -1, -1, -1, -1, NULL, -1 };
	__u32 next = 0;
	int err = 1;

	if (parse_opts(argc, argv))
		return 2;
	if (bench_pin_cpu("ct bench", o.cpu))
		return 1;
	p.s_in = prog_of(o.ifx[S_IN], o.ifname[S_IN]);
	p.s_out = prog_of(o.ifx[S_OUT], o.ifname[S_OUT]);
	p.l_in = prog_of(o.ifx[L_IN], o.ifname[L_IN]);
	if (p.s_in < 0 || p.s_out < 0 || p.l_in < 0)
		goto out;
	triv = trivial_redirect__open_and_load();
	p.gen = ct_gen__open_and_load();
	if (!triv || !p.gen) {
		fprintf(stderr, "ct bench: cannot load the trivial or the generator program\n");
		goto out;
	}
	if (bpf_map_update_elem(bpf_map__fd(triv->maps.trivial_devmap), &o.ifx[S_IN],
				&o.ifx[S_OUT], 0)) {
		fprintf(stderr, "ct bench: trivial devmap: %s\n", strerror(errno));
		goto out;
	}
	p.triv = bpf_program__fd(triv->progs.trivial_redirect);
	p.target = bpf_map__fd(p.gen->maps.ctg_target);
	printf("fwctl stateful on %s/%s, stateless on %s/%s, pinned to CPU %d\n", o.ifname[S_IN],
	       o.ifname[S_OUT], o.ifname[L_IN], o.ifname[L_OUT],
	       o.cpu == -2 ? (int)sysconf(_SC_NPROCESSORS_ONLN) - 1 : o.cpu);
	if (bench_setup(&p, &next) || (o.fill && bench_fill(&p, &next, o.fill)) ||
	    bench_established(&p))
		goto out;
	err = 0;
out:
	ct_gen__destroy(p.gen);
	trivial_redirect__destroy(triv);
	return err;
}
