// SPDX-License-Identifier: GPL-2.0
/*
 * unit_bench.c - in-kernel cost of the fwctl datapath in ns/packet, next to a
 * trivial program that only does bpf_redirect_map (issue 2 "Tests", issue 5
 * metric c).
 *
 * Both programs run the same 64-byte frame with BPF_PROG_TEST_RUN, repeat
 * >= 10^7 (the kernel reports the average ns per run), interleaved A B A B,
 * and each figure is the median of several runs with min and max. Two modes:
 * "program" runs the program alone (its XDP_REDIRECT is returned, not
 * acted on): the program's own cost. "live" (BPF_F_TEST_XDP_LIVE_FRAMES)
 * carries every redirect out: the frame goes through the devmap into the
 * veth and up its peer's stack, as in a real deployment; the peer's
 * received-packet count proves that every run was forwarded. fwctl is
 * loaded from its skeleton with private maps (nothing pinned): a real fwctl
 * may run meanwhile. Rules: "tcp 7070" plus N-1 filler rules (single TCP
 * ports from 10000, then UDP ports from 10000); the allowed packet is TCP to
 * port 7070, the dropped one TCP to port 1234 under policy drop. "ref"
 * instead of a count stands for the reference rules icmp, tcp 7070, udp
 * (issue 11: the small rule set that must stay as fast as the trivial
 * redirect). Each rule count has its own fwctl instance, so all figures
 * share the same rounds.
 *
 * --watcher (live mode) measures fwctl a second time in each round with the
 * transmit watcher (bpf/xmit_watch.bpf.c) attached to the xdp tracepoints,
 * sharing the first instance's maps as under fwctl attach: its cost is the
 * per-round ratio of the two figures, neighbours in time.
 *
 * Usage: unit [options] IFINDEX_IN IFINDEX_OUT   (bench/unit.sh makes them)
 */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "../lib/bench_lib.h"
#include "fwctl.h"
#include "fwctl.skel.h"
#include "trivial_redirect.skel.h"
#include "fwctl_noct.skel.h"
#include "xmit_watch.skel.h"

#define MAX_COUNTS	16
#define MAX_RUNS	101
#define FRAME_LEN	64
#define ALLOWED_PORT	7070
#define DROPPED_PORT	1234
#define COUNT_REF	0	/* --rules ref: the reference rules */

enum { PKT_ALLOWED = 0, PKT_DROPPED, PKT_KINDS };
#define WATCHERS	2	/* BTF-typed, raw tracepoints */
static const char *watcher_names[WATCHERS] = { "tp_btf", "raw_tp" };
enum { MODE_PROGRAM = 0, MODE_LIVE, MODES };
static const char *mode_names[MODES] = { "program", "live" };
static const char *pkt_names[PKT_KINDS] = { "allowed", "dropped" };

struct opts {
	int counts[MAX_COUNTS];
	int ncounts;
	bool pkt[PKT_KINDS];
	bool mode[MODES];
	int runs;
	__u32 repeat;
	bool csv;
	bool verbose;
	bool watcher;
	bool noct;
	int cpu;
	__u32 ifx[2];
};

/* One measured figure: ns/packet of n runs. */
struct series {
	double kern[MAX_RUNS];	/* the kernel's duration: average ns per run (integer) */
	double wall[MAX_RUNS];	/* wall clock of the syscall / repeat */
	int n;
};

static bool verbose;

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level != LIBBPF_WARN && !verbose)
		return 0;
	return vfprintf(stderr, fmt, args);
}

static void usage(FILE *f, const char *prog)
{
	fprintf(f,
		"usage: %s [options] IFINDEX_IN IFINDEX_OUT\n"
		"  -r, --rules LIST     rule counts, comma separated (default 1,10000; max %d);\n"
		"                       ref: the reference rules icmp, tcp 7070, udp\n"
		"  -p, --packet KIND    allowed, dropped or both (default allowed)\n"
		"  -m, --mode MODE      program, live or both (default both)\n"
		"  -n, --runs N         runs per figure, median reported (default 9)\n"
		"  -R, --repeat N       BPF_PROG_TEST_RUN repeat (default 10000000)\n"
		"  -c, --cpu N          pin to CPU N (default: the last online CPU; -1: no pinning)\n"
		"  -w, --watcher        live mode: fwctl also with the transmit watcher attached\n"
		"      --without-ct     also fwctl built without connection-tracking code\n"
		"                       (fwctl_noct.bpf.c) on the same maps: what tracking\n"
		"                       costs sets without stateful rules\n"
		"      --csv            machine-readable output, one line per figure\n"
		"  -v, --verbose        libbpf messages, every run's figures\n",
		prog, FWCTL_SET_MAX_RULES);
}

static int parse_counts(const char *arg, struct opts *o)
{
	char *copy = strdup(arg), *tok, *save = NULL, *end;
	long v;

	if (!copy)
		return -ENOMEM;
	o->ncounts = 0;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		v = strtol(tok, &end, 10);
		if (!strcmp(tok, "ref"))
			v = COUNT_REF, end = "";
		else if (v < 1)
			v = -1;
		if (*end || v < 0 || v > FWCTL_SET_MAX_RULES || o->ncounts == MAX_COUNTS) {
			fprintf(stderr, "unit bench: bad rule count '%s' (1..%d or ref, at most %d counts)\n",
				tok, FWCTL_SET_MAX_RULES, MAX_COUNTS);
			free(copy);
			return -EINVAL;
		}
		o->counts[o->ncounts++] = v;
	}
	free(copy);
	return o->ncounts ? 0 : -EINVAL;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lopts[] = {
		{ "rules", required_argument, NULL, 'r' },
		{ "packet", required_argument, NULL, 'p' },
		{ "mode", required_argument, NULL, 'm' },
		{ "runs", required_argument, NULL, 'n' },
		{ "repeat", required_argument, NULL, 'R' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "csv", no_argument, NULL, 'C' },
		{ "watcher", no_argument, NULL, 'w' },
		{ "without-ct", no_argument, NULL, 'N' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->counts[0] = 1;
	o->counts[1] = 10000;
	o->ncounts = 2;
	o->pkt[PKT_ALLOWED] = true;
	o->mode[MODE_PROGRAM] = o->mode[MODE_LIVE] = true;
	o->runs = 9;
	o->repeat = 10000000;
	o->cpu = -2;	/* last online CPU */

	while ((c = getopt_long(argc, argv, "r:p:m:n:R:c:wvh", lopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			if (parse_counts(optarg, o))
				return -EINVAL;
			break;
		case 'p':
			o->pkt[PKT_ALLOWED] = !strcmp(optarg, "allowed") || !strcmp(optarg, "both");
			o->pkt[PKT_DROPPED] = !strcmp(optarg, "dropped") || !strcmp(optarg, "both");
			if (!o->pkt[PKT_ALLOWED] && !o->pkt[PKT_DROPPED]) {
				fprintf(stderr, "unit bench: --packet is allowed, dropped or both\n");
				return -EINVAL;
			}
			break;
		case 'm':
			o->mode[MODE_PROGRAM] = !strcmp(optarg, "program") || !strcmp(optarg, "both");
			o->mode[MODE_LIVE] = !strcmp(optarg, "live") || !strcmp(optarg, "both");
			if (!o->mode[MODE_PROGRAM] && !o->mode[MODE_LIVE]) {
				fprintf(stderr, "unit bench: --mode is program, live or both\n");
				return -EINVAL;
			}
			break;
		case 'n':
			o->runs = atoi(optarg);
			if (o->runs < 1 || o->runs > MAX_RUNS) {
				fprintf(stderr, "unit bench: --runs is 1..%d\n", MAX_RUNS);
				return -EINVAL;
			}
			break;
		case 'R':
			o->repeat = strtoul(optarg, NULL, 10);
			if (!o->repeat) {
				fprintf(stderr, "unit bench: --repeat must be > 0\n");
				return -EINVAL;
			}
			break;
		case 'c':
			o->cpu = atoi(optarg);
			break;
		case 'C':
			o->csv = true;
			break;
		case 'w':
			o->watcher = true;
			break;
		case 'N':
			o->noct = true;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'h':
			usage(stdout, argv[0]);
			exit(0);
		default:
			usage(stderr, argv[0]);
			return -EINVAL;
		}
	}
	if (argc - optind != 2) {
		usage(stderr, argv[0]);
		return -EINVAL;
	}
	o->ifx[0] = strtoul(argv[optind], NULL, 10);
	o->ifx[1] = strtoul(argv[optind + 1], NULL, 10);
	if (!o->ifx[0] || !o->ifx[1] || o->ifx[0] == o->ifx[1]) {
		fprintf(stderr, "unit bench: two different ifindexes needed\n");
		return -EINVAL;
	}
	return 0;
}

/* A 64-byte Ethernet/IPv4/TCP SYN to dport (10 bytes of payload). */
static void build_frame(__u8 *f, __u16 dport)
{
	static const __u8 hdr[] = {
		0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00,	/* Ethernet */
		0x45, 0, 0, 50, 0x01, 0x01, 0, 0, 64, 6, 0, 0,			/* IPv4 */
		10, 0, 0, 1, 10, 0, 0, 2,
		0x9c, 0x40, 0, 0, 0, 0, 0x12, 0x34, 0, 0, 0, 0,			/* TCP 40000 -> */
		0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0,
	};
	__u32 sum = 0;
	int i;

	memset(f, 0xa5, FRAME_LEN);
	memcpy(f, hdr, sizeof(hdr));
	f[36] = dport >> 8;
	f[37] = dport & 0xff;
	for (i = 14; i < 34; i += 2)
		sum += (f[i] << 8) | f[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	sum = ~sum & 0xffff;
	f[24] = sum >> 8;
	f[25] = sum & 0xff;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* Packets received so far by the interface @ifindex (this netns's /proc/net/dev). */
static long long rx_packets(__u32 ifindex)
{
	char name[IF_NAMESIZE];

	return if_indextoname(ifindex, name) ? bench_rx_packets(name) : -1;
}

/*
 * One BPF_PROG_TEST_RUN of repeat runs of a frame arriving on ifx[0]. In
 * program mode the verdict must be want; in live mode the frames must come
 * out of the veth (they arrive on ifx[0], the peer of the redirect target)
 * when want is XDP_REDIRECT, and not otherwise.
 */
static int measure(int prog_fd, const __u8 *frame, const __u32 ifx[2], __u32 repeat, int want,
		   int mode, double *kern, double *wall)
{
	struct xdp_md ctx = { .data_end = FRAME_LEN, .ingress_ifindex = ifx[0] };
	LIBBPF_OPTS(bpf_test_run_opts, o,
		.data_in = frame,
		.data_size_in = FRAME_LEN,
		.ctx_in = &ctx,
		.ctx_size_in = sizeof(ctx),
		.repeat = repeat,
		.flags = mode == MODE_LIVE ? BPF_F_TEST_XDP_LIVE_FRAMES : 0,
	);
	long long rx0 = mode == MODE_LIVE ? rx_packets(ifx[0]) : 0, got;
	double t0 = now_ns();
	int err = bpf_prog_test_run_opts(prog_fd, &o);

	*wall = (now_ns() - t0) / repeat;
	if (err) {
		fprintf(stderr, "unit bench: BPF_PROG_TEST_RUN: %s\n", strerror(-err));
		return err;
	}
	if (mode == MODE_PROGRAM && (int)o.retval != want) {
		fprintf(stderr, "unit bench: verdict %u, expected %d: not measuring the intended path\n",
			o.retval, want);
		return -EINVAL;
	}
	if (mode == MODE_LIVE) {
		/* A few stray packets (IPv6 ND on the veths) may add to the count. */
		got = rx_packets(ifx[0]) - rx0;
		if (rx0 < 0 || (want == XDP_REDIRECT ? got < repeat : got > repeat / 100)) {
			fprintf(stderr, "unit bench: live mode: %lld of %u frames came out of the veth, "
				"expected %s\n", got, repeat, want == XDP_REDIRECT ? "all" : "none");
			return -EINVAL;
		}
	}
	*kern = o.duration;
	return 0;
}

/* A rule count as printed: the number, or "ref". */
static const char *count_label(int count)
{
	static char buf[4][16];
	static int i;

	i = (i + 1) % 4;
	if (count == COUNT_REF)
		return "ref";
	snprintf(buf[i], sizeof(buf[i]), "%d", count);
	return buf[i];
}

/*
 * Replace the rule set by "tcp 7070" and count - 1 filler rules that the
 * measured packets never match: TCP and UDP ports, then UDP from distinct
 * hosts. COUNT_REF: the reference rules icmp, tcp 7070, udp instead.
 */
static int set_rules(const struct fwctl_maps *m, int count)
{
	static const char *const ref[] = { "icmp", "tcp 7070", "udp" };
	int i, k, err, n = count == COUNT_REF ? 3 : count;
	struct rule *rules = calloc(n, sizeof(*rules));
	struct ruleset_diff diff;
	struct fwctl_err e = {};
	char text[64];

	err = rules ? 0 : -ENOMEM;
	for (i = 0; !err && i < n; i++) {
		k = i - 1;
		if (count == COUNT_REF)
			snprintf(text, sizeof(text), "%s", ref[i]);
		else if (i == 0)
			snprintf(text, sizeof(text), "tcp %d", ALLOWED_PORT);
		else if (k < 40000)
			snprintf(text, sizeof(text), "%s %d", k < 20000 ? "tcp" : "udp",
				 10000 + k % 20000);
		else
			snprintf(text, sizeof(text), "udp src 10.%d.%d.%d", k >> 16, (k >> 8) & 255,
				 k & 255);
		err = rule_from_text(text, NULL, &rules[i], &e);
	}
	if (!err)
		err = ruleset_replace(m, NULL, rules, n, FWCTL_POLICY_DROP, &diff, &e);
	if (err < 0)
		fprintf(stderr, "unit bench: setting %s rules: %s\n", count_label(count), e.msg);
	free(rules);
	return err < 0 ? err : 0;
}

/* fwctl without tracking code, on the maps (rules, config, devmap) of fw. */
static struct fwctl_noct *load_noct(struct fwctl *fw)
{
	struct fwctl_noct *skel = fwctl_noct__open();
	int err;

	if (!skel) {
		fprintf(stderr, "unit bench: cannot open fwctl_noct: %s\n", strerror(errno));
		return NULL;
	}
	skel->rodata->instance_dir = FWCTL_DIR_IN_TO_OUT;	/* as fw */
	err = maps_share_from(skel->obj, fw->obj);
	if (!err)
		err = fwctl_noct__load(skel);
	if (err) {
		fprintf(stderr, "unit bench: cannot load fwctl_noct: %s\n", strerror(-err));
		fwctl_noct__destroy(skel);
		return NULL;
	}
	return skel;
}

/* Per round, fwctl minus fwctl without tracking code: median and range of
 * the paired differences (both measured in the same round). */
static void print_noct(int count, int k, const struct series *a, const struct series *n)
{
	double d[MAX_RUNS], dm, dmin, dmax, am, nm, x, y;
	int r;

	for (r = 0; r < a->n && r < n->n; r++)
		d[r] = a->kern[r] - n->kern[r];
	dm = bench_median(d, r, &dmin, &dmax);
	am = bench_median(a->kern, a->n, &x, &y);
	nm = bench_median(n->kern, n->n, &x, &y);
	printf("%-6s %-8s %-10.1f %-10.1f %+.1f [%+.0f..%+.0f]\n", count_label(count), pkt_names[k],
	       am, nm, dm, dmin, dmax);
}

static struct trivial_redirect *load_trivial(const struct opts *o)
{
	struct trivial_redirect *skel = trivial_redirect__open_and_load();
	int err;

	if (!skel) {
		fprintf(stderr, "unit bench: cannot load the trivial program: %s\n", strerror(errno));
		return NULL;
	}
	err = bpf_map_update_elem(bpf_map__fd(skel->maps.trivial_devmap), &o->ifx[0], &o->ifx[1], 0);
	if (err) {
		fprintf(stderr, "unit bench: trivial devmap: %s\n", strerror(-err));
		trivial_redirect__destroy(skel);
		return NULL;
	}
	return skel;
}

/*
 * The transmit watcher, loaded on the maps of skel (config, devmap, tx
 * counters) as fwctl attach loads it on the pinned ones; not attached yet.
 */
static struct xmit_watch *load_watcher(struct fwctl *fw, bool btf)
{
	struct xmit_watch *skel = xmit_watch__open();
	struct bpf_map *map;
	int err = 0;

	if (!skel) {
		fprintf(stderr, "unit bench: cannot open the watcher: %s\n", strerror(errno));
		return NULL;
	}
	bpf_program__set_autoload(skel->progs.fwctl_devmap_xmit, btf);
	bpf_program__set_autoload(skel->progs.fwctl_redirect_err, btf);
	bpf_program__set_autoload(skel->progs.fwctl_devmap_xmit_raw, !btf);
	bpf_program__set_autoload(skel->progs.fwctl_redirect_err_raw, !btf);
	bpf_object__for_each_map(map, skel->obj)
		bpf_map__set_pin_path(map, NULL);
	err = bpf_map__reuse_fd(skel->maps.FWCTL_MAP_CONFIG, bpf_map__fd(fw->maps.FWCTL_MAP_CONFIG));
	if (!err)
		err = bpf_map__reuse_fd(skel->maps.FWCTL_MAP_DEVMAP,
					bpf_map__fd(fw->maps.FWCTL_MAP_DEVMAP));
	if (!err)
		err = bpf_map__reuse_fd(skel->maps.FWCTL_MAP_TX_STATS,
					bpf_map__fd(fw->maps.FWCTL_MAP_TX_STATS));
	if (!err)
		err = xmit_watch__load(skel);
	if (err) {
		fprintf(stderr, "unit bench: cannot load the %s watcher: %s\n",
			btf ? "BTF-typed" : "raw tracepoint", strerror(-err));
		xmit_watch__destroy(skel);
		return NULL;
	}
	return skel;
}

static int watcher_set(struct xmit_watch *w, bool on)
{
	if (!on) {
		xmit_watch__detach(w);
		return 0;
	}
	return xmit_watch__attach(w);
}

/* Median/min/max line (or CSV row) of one figure. */
static void print_figure(const struct opts *o, int count, int k, int mode,
			 const struct series *a, const struct series *b)
{
	double am, amin, amax, bm, bmin, bmax, aw, bw, x, y;

	am = bench_median(a->kern, a->n, &amin, &amax);
	bm = bench_median(b->kern, b->n, &bmin, &bmax);
	aw = bench_median(a->wall, a->n, &x, &y);
	bw = bench_median(b->wall, b->n, &x, &y);
	if (o->csv) {
		printf("%s,%s,%.1f,%.0f,%.0f,%.1f,%.0f,%.0f,%.3f,%.3f,%.2f,%.2f,%d,%u,%s\n",
		       count_label(count),
		       pkt_names[k], am, amin, amax, bm, bmin, bmax, bm > 0 ? am / bm : 0,
		       bmin > 0 ? amin / bmin : 0, aw, bw, a->n, o->repeat, mode_names[mode]);
	} else {
		char fa[32], fb[32];

		snprintf(fa, sizeof(fa), "%.1f [%.0f-%.0f]", am, amin, amax);
		snprintf(fb, sizeof(fb), "%.1f [%.0f-%.0f]", bm, bmin, bmax);
		printf("%-6s %-8s %-22s %-22s %-7.2f %-7.2f (%.2f / %.2f)\n", count_label(count),
		       pkt_names[k], fa, fb, bm > 0 ? am / bm : 0, bmin > 0 ? amin / bmin : 0, aw, bw);
	}
}

/* Run r of fwctl in live mode with the watcher attached, into *w. */
static int measure_watched(struct xmit_watch *watch, int fw_fd, const __u8 *frame,
			   const struct opts *o, int k, int r, struct series *w)
{
	int err = watcher_set(watch, true);

	if (err) {
		fprintf(stderr, "unit bench: cannot attach the watcher: %s\n", strerror(-err));
		return err;
	}
	err = measure(fw_fd, frame, o->ifx, o->repeat, k == PKT_ALLOWED ? XDP_REDIRECT : XDP_DROP,
		      MODE_LIVE, &w->kern[r], &w->wall[r]);
	watcher_set(watch, false);
	w->n = r + 1;
	return err;
}

static void prog_runs(struct bpf_program *p, __u64 *cnt, __u64 *ns)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (!bpf_obj_get_info_by_fd(bpf_program__fd(p), &info, &len)) {
		*cnt += info.run_cnt;
		*ns += info.run_time_ns;
	}
}

/*
 * The watcher's own time, from the kernel's BPF run-time statistics, in a
 * run of its own: the statistics slow every BPF program down, so they are
 * off while the figures above are taken. The tracepoints' dispatch is not
 * included.
 */
static void watcher_runtime(struct xmit_watch *w, const char *name, int fw_fd,
			    const __u8 *frame, const struct opts *o)
{
	int fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	__u64 cnt0 = 0, ns0 = 0, cnt = 0, ns = 0;
	double kern, wall;

	if (fd < 0 || watcher_set(w, true)) {
		printf("(no BPF run-time statistics: %s)\n", strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	prog_runs(w->progs.fwctl_devmap_xmit, &cnt0, &ns0);
	prog_runs(w->progs.fwctl_redirect_err, &cnt0, &ns0);
	prog_runs(w->progs.fwctl_devmap_xmit_raw, &cnt0, &ns0);
	prog_runs(w->progs.fwctl_redirect_err_raw, &cnt0, &ns0);
	measure(fw_fd, frame, o->ifx, o->repeat, XDP_REDIRECT, MODE_LIVE, &kern, &wall);
	prog_runs(w->progs.fwctl_devmap_xmit, &cnt, &ns);
	prog_runs(w->progs.fwctl_redirect_err, &cnt, &ns);
	prog_runs(w->progs.fwctl_devmap_xmit_raw, &cnt, &ns);
	prog_runs(w->progs.fwctl_redirect_err_raw, &cnt, &ns);
	watcher_set(w, false);
	close(fd);
	cnt -= cnt0;
	ns -= ns0;
	if (cnt)
		printf("%-9s watcher's own time: %llu runs for %u frames (one per %.1f frames), %.1f ns "
		       "per run, %.2f ns per frame\n", name, (unsigned long long)cnt, o->repeat,
		       (double)o->repeat / cnt, (double)ns / cnt, (double)ns / o->repeat);
}

/*
 * The watcher's cost: fwctl live with it against fwctl live without it,
 * the ratio taken per round (the two runs are neighbours in time).
 */
static void print_watcher(const struct opts *o, struct series fw[][PKT_KINDS][MODES],
			  struct series fww[][MAX_COUNTS][PKT_KINDS], const struct fwctl_maps *m)
{
	double ratio[MAX_RUNS], without, with, rm, rmin, rmax, y;
	struct fwctl_tx_stats tx = {};
	int c, k, r, w;

	tx_stats_read(m, FWCTL_DIR_IN_TO_OUT, &tx);
	printf("\ntransmit watcher, live mode (the watchers counted %llu frames sent, %llu "
	       "dropped):\n", (unsigned long long)tx.xmit_sent, (unsigned long long)tx.xmit_drops);
	printf("%-6s %-8s %-9s %-12s %-12s %s\n", "rules", "packet", "watcher", "without", "with",
	       "with/without per round: median [min-max]");
	for (c = 0; c < o->ncounts; c++) {
		for (k = 0; k < PKT_KINDS; k++) {
			for (w = 0; w < WATCHERS; w++) {
				const struct series *a = &fw[c][k][MODE_LIVE], *b = &fww[w][c][k];

				if (!o->pkt[k] || !b->n)
					continue;
				for (r = 0; r < b->n; r++)
					ratio[r] = a->kern[r] > 0 ? b->kern[r] / a->kern[r] : 0;
				without = bench_median(a->kern, a->n, &y, &y);
				with = bench_median(b->kern, b->n, &y, &y);
				rm = bench_median(ratio, b->n, &rmin, &rmax);
				printf("%-6s %-8s %-9s %-12.1f %-12.1f %.3f [%.3f-%.3f]\n",
				       count_label(o->counts[c]),
				       pkt_names[k], watcher_names[w], without, with, rm, rmin, rmax);
			}
		}
	}
}

int main(int argc, char **argv)
{
	static struct series fw[MAX_COUNTS][PKT_KINDS][MODES], tr[MAX_COUNTS][PKT_KINDS][MODES];
	static struct series nc[MAX_COUNTS][PKT_KINDS][MODES];
	struct fwctl_noct *noct[MAX_COUNTS] = {};
	/* live, with the watcher: [0] BTF-typed, [1] raw tracepoints */
	static struct series fww[WATCHERS][MAX_COUNTS][PKT_KINDS];
	struct xmit_watch *watch[WATCHERS] = {};
	struct fwctl *skels[MAX_COUNTS] = {};
	struct fwctl_maps maps[MAX_COUNTS];
	struct trivial_redirect *triv = NULL;
	__u8 frames[PKT_KINDS][FRAME_LEN];
	struct opts o;
	int c, k, r, md, w, err = 1, tr_fd;

	if (parse_opts(argc, argv, &o))
		return 2;
	verbose = o.verbose;
	libbpf_set_print(libbpf_print);
	if (bench_pin_cpu("unit bench", o.cpu))
		return 1;

	build_frame(frames[PKT_ALLOWED], ALLOWED_PORT);
	build_frame(frames[PKT_DROPPED], DROPPED_PORT);
	/*
	 * One fwctl instance (program and private maps) per rule count, so that
	 * every rule count and the trivial program are measured in the same
	 * rounds: machine noise then hits all figures alike.
	 */
	for (c = 0; c < o.ncounts; c++) {
		skels[c] = bench_fwctl_load("unit bench", o.ifx, 0, &maps[c]);
		if (!skels[c] || set_rules(&maps[c], o.counts[c]))
			goto out;
		if (o.noct && !(noct[c] = load_noct(skels[c])))
			goto out;
	}
	triv = load_trivial(&o);
	if (!triv)
		goto out;
	for (w = 0; o.watcher && o.mode[MODE_LIVE] && w < WATCHERS; w++) {
		watch[w] = load_watcher(skels[0], w == 0);
		if (!watch[w])
			goto out;
	}
	tr_fd = bpf_program__fd(triv->progs.trivial_redirect);

	for (r = 0; r < o.runs; r++) {
		for (md = 0; md < MODES; md++) {
			if (!o.mode[md])
				continue;
			for (c = 0; c < o.ncounts; c++) {
				int fw_fd = bpf_program__fd(skels[c]->progs.fwctl_xdp);

				for (k = 0; k < PKT_KINDS; k++) {
					struct series *a = &fw[c][k][md], *b = &tr[c][k][md];

					if (!o.pkt[k])
						continue;
					if (measure(fw_fd, frames[k], o.ifx, o.repeat,
						    k == PKT_ALLOWED ? XDP_REDIRECT : XDP_DROP, md,
						    &a->kern[r], &a->wall[r]) ||
					    measure(tr_fd, frames[k], o.ifx, o.repeat, XDP_REDIRECT, md,
						    &b->kern[r], &b->wall[r]))
						goto out;
					a->n = b->n = r + 1;
					if (noct[c] &&
					    measure(bpf_program__fd(noct[c]->progs.fwctl_xdp),
						    frames[k], o.ifx, o.repeat,
						    k == PKT_ALLOWED ? XDP_REDIRECT : XDP_DROP, md,
						    &nc[c][k][md].kern[r], &nc[c][k][md].wall[r]))
						goto out;
					nc[c][k][md].n = r + 1;
					for (w = 0; md == MODE_LIVE && w < WATCHERS && watch[w]; w++)
						if (measure_watched(watch[w], fw_fd, frames[k], &o, k,
								    r, &fww[w][c][k]))
							goto out;
					if (o.verbose)
						fprintf(stderr, "  run %d, %s, %s rules, %s: fwctl %.0f "
							"(%.2f wall) trivial %.0f (%.2f wall)\n", r,
							mode_names[md], count_label(o.counts[c]),
							pkt_names[k],
							a->kern[r], a->wall[r], b->kern[r], b->wall[r]);
				}
			}
		}
	}

	if (o.csv)
		printf("rules,packet,fwctl_median_ns,fwctl_min_ns,fwctl_max_ns,trivial_median_ns,"
		       "trivial_min_ns,trivial_max_ns,ratio,ratio_of_mins,fwctl_wall_ns,trivial_wall_ns,"
		       "runs,repeat,mode\n");
	for (md = 0; md < MODES; md++) {
		if (!o.mode[md])
			continue;
		if (!o.csv) {
			printf("%sns/packet, %s mode: %s\n", md && o.mode[0] ? "\n" : "", mode_names[md],
			       md == MODE_LIVE ? "every XDP_REDIRECT carried out (BPF_F_TEST_XDP_LIVE_FRAMES), "
						 "frames through the devmap, the veth and up its peer's stack"
					       : "the program alone, its verdict returned but not acted on");
			printf("BPF_PROG_TEST_RUN repeat %u, median [min-max] of %d runs, all figures "
			       "interleaved; %d-byte IPv4 TCP frame, policy drop\n", o.repeat, o.runs,
			       FRAME_LEN);
			printf("%-6s %-8s %-22s %-22s %-7s %-7s %s\n", "rules", "packet", "fwctl",
			       "trivial", "ratio", "(mins)", "(wall clock ns: fwctl / trivial)");
		}
		for (c = 0; c < o.ncounts; c++)
			for (k = 0; k < PKT_KINDS; k++)
				if (o.pkt[k])
					print_figure(&o, o.counts[c], k, md, &fw[c][k][md], &tr[c][k][md]);
		if (o.noct && !o.csv) {
			printf("without connection-tracking code (fwctl_noct.bpf.c, same maps and "
			       "rules, same rounds):\n%-6s %-8s %-10s %-10s %s\n", "rules", "packet",
			       "fwctl", "no ct code", "fwctl - no ct code, per round: median [min..max]");
			for (c = 0; c < o.ncounts; c++)
				for (k = 0; k < PKT_KINDS; k++)
					if (o.pkt[k])
						print_noct(o.counts[c], k, &fw[c][k][md],
							   &nc[c][k][md]);
		}
		if (o.csv || o.ncounts < 2)
			continue;
		for (k = 0; k < PKT_KINDS; k++) {
			double m0, min0, mn, minn, y;

			if (!o.pkt[k])
				continue;
			m0 = bench_median(fw[0][k][md].kern, o.runs, &min0, &y);
			mn = bench_median(fw[o.ncounts - 1][k][md].kern, o.runs, &minn, &y);
			if (m0 <= 0 || min0 <= 0)
				continue;
			printf("rules scaling, %s: %s rules / %s rule%s = %.2f (mins: %.2f)\n",
			       pkt_names[k], count_label(o.counts[o.ncounts - 1]),
			       count_label(o.counts[0]), o.counts[0] != 1 ? "s" : "", mn / m0,
			       minn / min0);
		}
	}
	if (watch[0]) {
		print_watcher(&o, fw, fww, &maps[0]);
		for (w = 0; w < WATCHERS; w++)
			watcher_runtime(watch[w], watcher_names[w],
					bpf_program__fd(skels[0]->progs.fwctl_xdp), frames[PKT_ALLOWED],
					&o);
	}
	err = 0;
out:
	for (w = 0; w < WATCHERS; w++)
		xmit_watch__destroy(watch[w]);
	for (c = 0; c < o.ncounts; c++) {
		fwctl_noct__destroy(noct[c]);
		fwctl__destroy(skels[c]);
	}
	trivial_redirect__destroy(triv);
	return err;
}
