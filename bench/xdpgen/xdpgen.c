// SPDX-License-Identifier: GPL-2.0
/*
 * xdpgen - the benchmark's packet generator and counter.
 *
 *   xdpgen rate  --gen NS:IF --count NS:IF [--kind udp|blocked] [--seconds S]
 *                [--warmup S] [--threads N] [--cpu C] [--size BYTES]
 *       Attach the counter (bench_count.bpf.c) to the "count" interface, inject
 *       frames out of the "gen" interface for S seconds with BPF_PROG_TEST_RUN
 *       and BPF_F_TEST_XDP_LIVE_FRAMES (XDP_TX on a veth: its peer receives
 *       them), then print what the counter saw:
 *         mpps=<counted Mpps> injected_mpps=<generated Mpps> blocked_mpps=<...>
 *   xdpgen flood --gen NS:IF [--kind blocked|udp] [--seconds S] [--threads N] [--cpu C]
 *                [--pps RATE]
 *       Only inject (until S seconds or SIGINT/SIGTERM); prints injected_mpps.
 *       --pps paces the generator to RATE frames per second (all threads);
 *       without it, as fast as it goes.
 *   xdpgen pass NS:IF
 *       Attach the counter in pass-through mode (counts, drops nothing) and
 *       exit, leaving it attached: makes a veth accept XDP frames without GRO.
 *       Remove with `ip link set dev IF xdp off`.
 *
 * --anchor IF: attach the generator program (native XDP) to IF, an idle veth
 * in the generator's namespace, for the duration of the run. A program that is
 * attached somewhere stays in the kernel's XDP dispatcher, which spares each
 * BPF_PROG_TEST_RUN call the dispatcher update (tens of milliseconds).
 *
 * NS is a name under /run/netns, or "-" for the current namespace.
 * Frames: Ethernet from the gen interface's MAC to the count interface's MAC,
 * IPv4 10.10.0.100 -> 10.10.0.200, UDP 10000 -> 9 or TCP SYN 10000 -> 1234.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bench_xdpgen.h"
#include "bench_gen.skel.h"
#include "bench_count.skel.h"

#define MAX_THREADS 16
#define MAX_FRAME 1514
#define PACE_SLICE 0.005	/* seconds of frames per call when paced */

static volatile sig_atomic_t stop_flag;
static atomic_ullong injected;

struct endpoint {
	char ns[64];
	char ifname[IF_NAMESIZE];
	int ifindex;
	unsigned char mac[6];
};

struct gen_thread {
	pthread_t tid;
	int prog_fd;
	int ifindex;
	int cpu;
	const unsigned char *frame;
	int len;
	double pps;	/* 0: as fast as possible */
	int err;
};

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_WARN)
		return vfprintf(stderr, fmt, ap);
	return 0;
}

static int parse_endpoint(const char *arg, struct endpoint *ep)
{
	const char *colon = strchr(arg, ':');

	if (!colon || colon == arg || !colon[1] || (size_t)(colon - arg) >= sizeof(ep->ns) ||
	    strlen(colon + 1) >= IF_NAMESIZE) {
		fprintf(stderr, "xdpgen: bad endpoint '%s': expected NS:IF (NS '-' = current)\n", arg);
		return -EINVAL;
	}
	memset(ep, 0, sizeof(*ep));
	memcpy(ep->ns, arg, colon - arg);
	strcpy(ep->ifname, colon + 1);
	return 0;
}

/* Move the calling thread into @ns ("-": the namespace we started in). */
static int enter_ns(const char *ns, int home_fd)
{
	char path[128];
	int fd, err = 0;

	if (!strcmp(ns, "-"))
		return setns(home_fd, CLONE_NEWNET) ? -errno : 0;
	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "xdpgen: netns %s: %s\n", ns, strerror(errno));
		return -errno;
	}
	if (setns(fd, CLONE_NEWNET)) {
		err = -errno;
		fprintf(stderr, "xdpgen: setns %s: %s\n", ns, strerror(errno));
	}
	close(fd);
	return err;
}

/* Resolve ifindex and MAC of @ep; the caller is in its namespace. */
static int resolve(struct endpoint *ep)
{
	struct ifreq ifr = {};
	int s, err = 0;

	ep->ifindex = if_nametoindex(ep->ifname);
	if (!ep->ifindex) {
		fprintf(stderr, "xdpgen: interface %s (netns %s): %s\n", ep->ifname, ep->ns,
			strerror(errno));
		return -ENODEV;
	}
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	strcpy(ifr.ifr_name, ep->ifname);
	if (ioctl(s, SIOCGIFHWADDR, &ifr))
		err = -errno;
	else
		memcpy(ep->mac, ifr.ifr_hwaddr.sa_data, 6);
	close(s);
	return err;
}

static __u16 csum_fold(__u32 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

static __u32 csum_add(__u32 sum, const void *buf, int len)
{
	const unsigned char *p = buf;
	int i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (p[i] << 8) | p[i + 1];
	if (len & 1)
		sum += p[len - 1] << 8;
	return sum;
}

/* Build one frame of @size bytes (>= 60); returns its length. */
static int build_frame(unsigned char *f, int size, const unsigned char *src_mac,
		       const unsigned char *dst_mac, int blocked)
{
	unsigned char *ip = f + 14, *l4 = ip + 20;
	int ip_len = size - 14, l4_len = ip_len - 20;
	__u32 sum;
	__u16 c;

	memset(f, 0, size);
	memcpy(f, dst_mac, 6);
	memcpy(f + 6, src_mac, 6);
	f[12] = 0x08;
	f[13] = 0x00;
	ip[0] = 0x45;
	ip[2] = ip_len >> 8;
	ip[3] = ip_len & 0xff;
	ip[6] = 0x40;			/* DF */
	ip[8] = 64;			/* TTL */
	ip[9] = blocked ? 6 : 17;
	ip[12] = 10; ip[13] = 10; ip[14] = 0; ip[15] = 100;
	ip[16] = 10; ip[17] = 10; ip[18] = 0; ip[19] = 200;
	c = csum_fold(csum_add(0, ip, 20));
	ip[10] = c >> 8;
	ip[11] = c & 0xff;

	l4[0] = 10000 >> 8;
	l4[1] = 10000 & 0xff;
	if (blocked) {
		l4[2] = BENCH_BLOCKED_PORT >> 8;
		l4[3] = BENCH_BLOCKED_PORT & 0xff;
		l4[12] = 5 << 4;	/* data offset */
		l4[13] = 0x02;		/* SYN */
		l4[14] = 0xff;		/* window */
		l4[15] = 0xff;
	} else {
		l4[2] = BENCH_UDP_PORT >> 8;
		l4[3] = BENCH_UDP_PORT & 0xff;
		l4[4] = l4_len >> 8;
		l4[5] = l4_len & 0xff;
	}
	/* L4 checksum over the pseudo-header. */
	sum = csum_add(0, ip + 12, 8);
	sum += ip[9];
	sum += l4_len;
	sum = csum_add(sum, l4, l4_len);
	c = csum_fold(sum);
	if (!blocked && c == 0)
		c = 0xffff;
	if (blocked) {
		l4[16] = c >> 8;
		l4[17] = c & 0xff;
	} else {
		l4[6] = c >> 8;
		l4[7] = c & 0xff;
	}
	return size;
}

static void *gen_main(void *arg)
{
	struct gen_thread *t = arg;
	struct xdp_md ctx = {
		.data_end = t->len,
		.ingress_ifindex = t->ifindex,
	};
	/* Big batches: each call has a fixed cost (page pool set-up). Paced:
	 * one slice of PACE_SLICE seconds' worth of frames, then sleep. */
	__u32 repeat = t->pps > 0 ? (__u32)(t->pps * PACE_SLICE) + 1 : 1 << 20;
	double next = now_s();
	cpu_set_t set;

	if (t->cpu >= 0) {
		CPU_ZERO(&set);
		CPU_SET(t->cpu, &set);
		pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	}
	while (!stop_flag) {
		LIBBPF_OPTS(bpf_test_run_opts, opts,
			    .data_in = t->frame,
			    .data_size_in = t->len,
			    .ctx_in = &ctx,
			    .ctx_size_in = sizeof(ctx),
			    .repeat = repeat,
			    .flags = BPF_F_TEST_XDP_LIVE_FRAMES);

		if (bpf_prog_test_run_opts(t->prog_fd, &opts)) {
			t->err = -errno;
			fprintf(stderr, "xdpgen: BPF_PROG_TEST_RUN (live frames): %s\n",
				strerror(errno));
			stop_flag = 1;
			break;
		}
		atomic_fetch_add(&injected, repeat);
		if (t->pps > 0) {
			double wait;

			next += PACE_SLICE;
			wait = next - now_s();
			if (wait > 0)
				usleep(wait * 1e6);
		}
	}
	return NULL;
}

static int read_counts(int map_fd, __u64 out[BENCH_SLOT_COUNT])
{
	int ncpu = libbpf_num_possible_cpus();
	__u64 vals[ncpu];
	__u32 slot;
	int i;

	for (slot = 0; slot < BENCH_SLOT_COUNT; slot++) {
		if (bpf_map_lookup_elem(map_fd, &slot, vals))
			return -errno;
		out[slot] = 0;
		for (i = 0; i < ncpu; i++)
			out[slot] += vals[i];
	}
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: xdpgen rate  --gen NS:IF --count NS:IF [--kind udp|blocked] [--seconds S]\n"
		"                    [--warmup S] [--threads N] [--cpu C] [--size BYTES] [--anchor IF]\n"
		"       xdpgen flood --gen NS:IF [--kind blocked|udp] [--seconds S] [--threads N] [--cpu C]\n"
		"                    [--anchor IF] [--pps RATE]\n"
		"       xdpgen pass NS:IF\n"
		"NS is a name under /run/netns or '-' for the current one.\n");
}

static int cmd_pass(const char *arg, int home_fd)
{
	struct bench_count *skel = NULL;
	struct endpoint ep;
	int err;

	err = parse_endpoint(arg, &ep);
	if (err)
		return err;
	err = enter_ns(ep.ns, home_fd);
	if (!err)
		err = resolve(&ep);
	if (err)
		goto out;
	skel = bench_count__open();
	if (!skel) {
		err = -errno;
		goto out;
	}
	skel->rodata->drop_bench = 0;
	err = bench_count__load(skel);
	if (!err)
		err = bpf_xdp_attach(ep.ifindex, bpf_program__fd(skel->progs.bench_count),
				     XDP_FLAGS_DRV_MODE, NULL);
	if (err)
		fprintf(stderr, "xdpgen: attach pass-through to %s: %s\n", ep.ifname, strerror(-err));
out:
	bench_count__destroy(skel);
	enter_ns("-", home_fd);
	return err;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "gen", required_argument, NULL, 'g' },
		{ "count", required_argument, NULL, 'c' },
		{ "kind", required_argument, NULL, 'k' },
		{ "seconds", required_argument, NULL, 's' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "threads", required_argument, NULL, 't' },
		{ "cpu", required_argument, NULL, 'C' },
		{ "size", required_argument, NULL, 'z' },
		{ "anchor", required_argument, NULL, 'a' },
		{ "pps", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct endpoint gen = {}, cnt = {};
	int have_gen = 0, have_cnt = 0, blocked = 0, nthreads = 1, cpu = -1, size = 64;
	double seconds = 3, warmup = 0.5, pps = 0;
	struct gen_thread threads[MAX_THREADS] = {};
	struct bench_gen *gskel = NULL;
	struct bench_count *cskel = NULL;
	unsigned char frame[MAX_FRAME];
	int home_fd, err = 0, i, opt, started = 0, attached = 0, rate;
	__u64 c0[BENCH_SLOT_COUNT], c1[BENCH_SLOT_COUNT];
	unsigned long long i0, i1;
	double t0, t1;
	const char *cmd, *anchor = NULL;
	int anchor_ifindex = 0;

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	libbpf_set_print(libbpf_quiet);
	home_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (home_fd < 0) {
		perror("xdpgen: /proc/self/ns/net");
		return 1;
	}
	cmd = argv[1];
	if (!strcmp(cmd, "pass")) {
		if (argc != 3) {
			usage(stderr);
			return 2;
		}
		return cmd_pass(argv[2], home_fd) ? 1 : 0;
	}
	if (strcmp(cmd, "rate") && strcmp(cmd, "flood")) {
		fprintf(stderr, "xdpgen: unknown command '%s'\n", cmd);
		usage(stderr);
		return 2;
	}
	rate = !strcmp(cmd, "rate");
	blocked = !rate;
	optind = 2;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'g':
			if (parse_endpoint(optarg, &gen))
				return 2;
			have_gen = 1;
			break;
		case 'c':
			if (parse_endpoint(optarg, &cnt))
				return 2;
			have_cnt = 1;
			break;
		case 'k':
			if (!strcmp(optarg, "udp"))
				blocked = 0;
			else if (!strcmp(optarg, "blocked"))
				blocked = 1;
			else {
				fprintf(stderr, "xdpgen: --kind must be udp or blocked\n");
				return 2;
			}
			break;
		case 's':
			seconds = atof(optarg);
			break;
		case 'w':
			warmup = atof(optarg);
			break;
		case 't':
			nthreads = atoi(optarg);
			break;
		case 'C':
			cpu = atoi(optarg);
			break;
		case 'z':
			size = atoi(optarg);
			break;
		case 'a':
			anchor = optarg;
			break;
		case 'p':
			pps = atof(optarg);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!have_gen || (rate && !have_cnt) || nthreads < 1 || nthreads > MAX_THREADS ||
	    size < 60 || size > MAX_FRAME || seconds <= 0 || warmup < 0) {
		usage(stderr);
		return 2;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	if (rate) {
		err = enter_ns(cnt.ns, home_fd);
		if (!err)
			err = resolve(&cnt);
		if (err)
			goto out;
		cskel = bench_count__open_and_load();
		if (!cskel) {
			err = -errno;
			fprintf(stderr, "xdpgen: load counter: %s\n", strerror(errno));
			goto out;
		}
		err = bpf_xdp_attach(cnt.ifindex, bpf_program__fd(cskel->progs.bench_count),
				     XDP_FLAGS_DRV_MODE, NULL);
		if (err) {
			fprintf(stderr, "xdpgen: attach counter to %s: %s\n", cnt.ifname,
				strerror(-err));
			goto out;
		}
		attached = 1;
	}
	err = enter_ns(gen.ns, home_fd);
	if (!err)
		err = resolve(&gen);
	if (err)
		goto out;
	if (!rate)
		memset(cnt.mac, 0xff, 6);	/* no counter: broadcast */
	build_frame(frame, size, gen.mac, cnt.mac, blocked);

	gskel = bench_gen__open_and_load();
	if (!gskel) {
		err = -errno;
		fprintf(stderr, "xdpgen: load generator: %s\n", strerror(errno));
		goto out;
	}
	if (anchor) {
		anchor_ifindex = if_nametoindex(anchor);
		err = anchor_ifindex ? bpf_xdp_attach(anchor_ifindex,
						      bpf_program__fd(gskel->progs.bench_gen),
						      XDP_FLAGS_DRV_MODE, NULL) : -errno;
		if (err) {
			fprintf(stderr, "xdpgen: attach to anchor %s: %s\n", anchor, strerror(-err));
			anchor_ifindex = 0;
			goto out;
		}
	}
	for (i = 0; i < nthreads; i++) {
		threads[i].prog_fd = bpf_program__fd(gskel->progs.bench_gen);
		threads[i].ifindex = gen.ifindex;
		threads[i].cpu = cpu < 0 ? -1 : (cpu + i) % (int)sysconf(_SC_NPROCESSORS_ONLN);
		threads[i].frame = frame;
		threads[i].len = size;
		threads[i].pps = pps / nthreads;
		if (pthread_create(&threads[i].tid, NULL, gen_main, &threads[i])) {
			stop_flag = 1;
			err = -EAGAIN;
			break;
		}
		started++;
	}
	if (err)
		goto join;

	usleep(warmup * 1e6);
	t0 = now_s();
	i0 = atomic_load(&injected);
	if (rate && read_counts(bpf_map__fd(cskel->maps.bench_counts), c0))
		goto join;
	while (!stop_flag && now_s() - t0 < seconds)
		usleep(10000);
	t1 = now_s();
	i1 = atomic_load(&injected);
	if (rate && read_counts(bpf_map__fd(cskel->maps.bench_counts), c1))
		goto join;
	if (rate)
		printf("mpps=%.4f injected_mpps=%.4f blocked_mpps=%.4f seconds=%.2f\n",
		       (c1[BENCH_SLOT_UDP] - c0[BENCH_SLOT_UDP]) / (t1 - t0) / 1e6,
		       (i1 - i0) / (t1 - t0) / 1e6,
		       (c1[BENCH_SLOT_BLOCKED] - c0[BENCH_SLOT_BLOCKED]) / (t1 - t0) / 1e6,
		       t1 - t0);
	else
		printf("injected_mpps=%.4f seconds=%.2f\n", (i1 - i0) / (t1 - t0) / 1e6, t1 - t0);
	fflush(stdout);
join:
	stop_flag = 1;
	for (i = 0; i < started; i++) {
		pthread_join(threads[i].tid, NULL);
		if (threads[i].err && !err)
			err = threads[i].err;
	}
out:
	if (anchor_ifindex)
		bpf_xdp_detach(anchor_ifindex, XDP_FLAGS_DRV_MODE, NULL);
	if (attached && !enter_ns(cnt.ns, home_fd))
		bpf_xdp_detach(cnt.ifindex, XDP_FLAGS_DRV_MODE, NULL);
	enter_ns("-", home_fd);
	bench_gen__destroy(gskel);
	bench_count__destroy(cskel);
	close(home_fd);
	return err ? 1 : 0;
}
