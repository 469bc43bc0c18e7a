// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_trace.c - fwctl trace: the frames the XDP program sees, with their
 * verdicts, from a trace slot's ring buffer, as text lines, JSON lines or
 * a capture file. Ends at --count, SIGINT or SIGTERM, then says how many
 * records the rate limit and a full ring cost.
 */
#include <errno.h>
#include <limits.h>
#include <getopt.h>
#include <net/if.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "fwctl_classifier.h"
#include "cli.h"
#include "capture.h"
#include "trace.h"

#define TRACE_ARGS "[--level 1|2] [--verdict forward|drop] [--reason R] [--rule ID] " \
		   "[--proto P] [--in IF] [--rate N] [--count N] [-w FILE] [-j|--json]"

static const char trace_help[] =
	"Show the frames the XDP program sees, one line each, with the interface\n"
	"they arrived on, the verdict and what decided it, and every header field\n"
	"by name. The program itself emits them (filtered, then rate limited per\n"
	"CPU) into a ring buffer; up to 4 traces may run at once.\n\n"
	"Options:\n"
	"  --level 1|2        1: the first 128 bytes of each frame, decoded (default);\n"
	"                     2: up to 1500 bytes, with the payload in hex and ASCII\n"
	"  --verdict V        only forward or only drop\n"
	"  --reason R         only this reason (repeatable): rule, policy, arp-nd,\n"
	"                     flow, related, malformed, fragment, unknown_ethertype,\n"
	"                     redirect_error\n"
	"  --rule ID          only frames rule ID decided\n"
	"  --proto P          only IP protocol P (tcp, udp, icmp, icmpv6, 0-255)\n"
	"  --in IF            only frames arriving on the attached interface IF\n"
	"  --rate N           at most N frames per second per CPU (default 1000;\n"
	"                     0: no limit)\n"
	"  --count N          stop after N frames\n"
	"  -w FILE            write FILE.pcapng (comment and XDP verdict per frame)\n"
	"                     or FILE.pcap (classic pcap); '-': pcapng on stdout\n"
	"  -j, --json         one JSON object per line and frame\n\n"
	"At the end (--count, Ctrl-C, SIGTERM) the frames lost to the rate limit and\n"
	"to a full ring buffer are printed on stderr.\n";

struct trace_opts {
	struct trace_filter f;
	const char *in;		/* --in */
	const char *path;	/* -w */
	unsigned long count;	/* 0: no limit */
	bool json;
};

/* What the record callback needs. */
struct trace_run {
	const struct trace_opts *o;
	const struct fwctl_config *cfg;
	struct capture_writer *w;
	__s64 mono_to_real;	/* CLOCK_REALTIME - CLOCK_MONOTONIC, ns */
	unsigned long shown;
	int err;		/* a write error ends the trace */
	struct fwctl_err e;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static bool parse_ulong(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	if (!s[0] || s[0] == '-' || s[0] == '+')
		return false;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return !*end && !errno && *out <= max;
}

/* --verdict and --reason combined into the filter's masks. */
static int set_reasons(struct trace_filter *f, const char *verdict, __u32 masks[2], bool any)
{
	int v;

	for (v = 0; v < FWCTL_VERDICT_COUNT; v++) {
		if (verdict && strcmp(verdict, verdict_name(v)))
			f->reasons[v] = 0;
		else
			f->reasons[v] = any ? masks[v] : ~0u;
	}
	if (!f->reasons[FWCTL_VERDICT_FORWARD] && !f->reasons[FWCTL_VERDICT_DROP])
		return usage_error("trace", "--verdict %s and --reason select nothing "
					    "(no %s has such a reason)", verdict, verdict);
	return 0;
}

static int parse_opts(int argc, char **argv, struct trace_opts *o)
{
	static const struct option longopts[] = {
		{ "level", required_argument, NULL, 'l' },
		{ "verdict", required_argument, NULL, 'V' },
		{ "reason", required_argument, NULL, 'r' },
		{ "rule", required_argument, NULL, 'R' },
		{ "proto", required_argument, NULL, 'p' },
		{ "in", required_argument, NULL, 'i' },
		{ "rate", required_argument, NULL, 'x' },
		{ "count", required_argument, NULL, 'c' },
		{ "write", required_argument, NULL, 'w' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	__u32 masks[FWCTL_VERDICT_COUNT] = { 0, 0 };
	const char *verdict = NULL;
	enum capture_format fmt;
	struct fwctl_err e = {};
	bool any_reason = false;
	unsigned long v;
	int c, p;

	memset(o, 0, sizeof(*o));
	trace_filter_init(&o->f);
	for (optind = 0; (c = cli_opt("trace", argc, argv, ":w:jh", longopts)) != -1;) {
		switch (c) {
		case 'l':
			if (strcmp(optarg, "1") && strcmp(optarg, "2"))
				return usage_error("trace", "invalid level '%s' (1 or 2)", optarg);
			o->f.level = optarg[0] - '0';
			break;
		case 'V':
			if (strcmp(optarg, "forward") && strcmp(optarg, "drop"))
				return usage_error("trace", "invalid verdict '%s' (forward or drop)",
						   optarg);
			verdict = optarg;
			break;
		case 'r':
			if (!trace_reason_parse(optarg, masks))
				return usage_error("trace", "unknown reason '%s' (one of: %s)", optarg,
						   trace_reason_list());
			any_reason = true;
			break;
		case 'R':
			if (!parse_ulong(optarg, FWCTL_MAX_RULE_ID, &v) || !v)
				return usage_error("trace", "invalid rule id '%s' (1 to %u)", optarg,
						   FWCTL_MAX_RULE_ID);
			o->f.rule_id = v;
			break;
		case 'p':
			p = trace_proto_parse(optarg);
			if (p < 0)
				return usage_error("trace", "invalid protocol '%s' (tcp, udp, icmp, "
							    "icmpv6 or 0-255)", optarg);
			o->f.proto = p;
			break;
		case 'i':
			o->in = optarg;
			break;
		case 'x':
			if (!parse_ulong(optarg, 1000000000, &v))
				return usage_error("trace", "invalid rate '%s' (packets per second, "
							    "0 to 1000000000; 0: no limit)", optarg);
			o->f.rate = v;
			break;
		case 'c':
			if (!parse_ulong(optarg, ~0ul, &v) || !v)
				return usage_error("trace", "invalid count '%s' (1 or more)", optarg);
			o->count = v;
			break;
		case 'w':
			if (capture_format_of(optarg, &fmt, &e))
				return usage_error("trace", "%s", e.msg);
			o->path = optarg;
			break;
		case 'j':
			o->json = cli_json = true;
			break;
		case 'h':
			return command_help("trace", TRACE_ARGS, trace_help), -1;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return usage_error("trace", "unexpected argument '%s'", argv[optind]);
	if (o->path && !strcmp(o->path, "-") && o->json)
		return usage_error("trace", "-w - and --json both want stdout");
	return set_reasons(&o->f, verdict, masks, any_reason);
}

/* The direction of the attached interface called name, or -1. */
static int dir_of_name(const struct fwctl_config *cfg, const char *name)
{
	int d;

	for (d = 0; d < FWCTL_DIR_COUNT; d++)
		if (!strncmp(cfg->ifname[d], name, sizeof(cfg->ifname[d])) && strlen(name) < 16)
			return d;
	return -1;
}

static const char *ifname_of(const struct fwctl_config *cfg, const struct fwctl_trace_rec *r,
			     char *buf)
{
	if (r->dir < FWCTL_DIR_COUNT && cfg->ifindex[r->dir] == r->ifindex && cfg->ifname[r->dir][0])
		return cfg->ifname[r->dir];
	if (if_indextoname(r->ifindex, buf))
		return buf;
	snprintf(buf, IF_NAMESIZE, "if%u", r->ifindex);
	return buf;
}

static __s64 mono_to_real(void)
{
	struct timespec rt, mo;

	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mo);
	return ((__s64)rt.tv_sec - mo.tv_sec) * 1000000000LL + (rt.tv_nsec - mo.tv_nsec);
}

static int on_record(void *ctx, void *data, size_t size)
{
	struct trace_run *t = ctx;
	const struct fwctl_trace_rec *r = data;
	char ifbuf[IF_NAMESIZE], comment[64];
	struct frame_info fi;

	if (size < sizeof(*r) || r->caplen > size - sizeof(*r))
		return 0;	/* cannot happen: the program writes fixed sizes */
	/* Not on a signal: what the program recorded before the slot went off
	 * is shown (run_trace drains the ring last), never dropped silently. */
	if (t->err || (t->o->count && t->shown >= t->o->count))
		return 0;
	fi = (struct frame_info){
		.ts_ns = r->ts_ns + t->mono_to_real,
		.ifname = ifname_of(t->cfg, r, ifbuf),
		.dir = r->dir,
		.verdict = r->verdict,
		.reason = r->reason,
		.rule_id = r->rule_id,
		.len = r->len,
		.caplen = r->caplen,
		.data = r->data,
	};
	if (t->w) {
		struct capture_pkt p = {
			.iface = r->dir < FWCTL_DIR_COUNT ? r->dir : 0,
			.ts_ns = fi.ts_ns,
			.data = r->data,
			.caplen = r->caplen,
			.len = r->len,
			.comment = comment,
			.xdp_action = r->action,
		};

		trace_comment(comment, sizeof(comment), r->verdict, r->reason, r->rule_id);
		t->err = capture_write(t->w, &p, &t->e);
		if (t->err)
			return 0;
	}
	if (t->o->json)
		json_print(frame_json(&fi, t->o->f.level >= 2));
	else if (!t->w) {
		print_frame_line(stdout, &fi);
		if (t->o->f.level >= 2)
			print_frame_payload(stdout, r->data, r->caplen);
	}
	t->shown++;
	return 0;
}

static void print_lost(const struct trace_run *t, const struct fwctl_trace_lost *lost,
		       const struct trace_session *s)
{
	fprintf(stderr, "fwctl trace: %lu packet%s shown; lost: %llu to the rate limit, "
			"%llu to a full ring buffer\n", t->shown, t->shown == 1 ? "" : "s",
		(unsigned long long)lost->rate_limit, (unsigned long long)lost->ring_full);
	if (s->paused)
		fprintf(stderr, "fwctl trace: warning: this trace was stopped for more than 1 s "
				"%d time%s: frames of that time are not shown nor counted\n",
			s->paused, s->paused == 1 ? "" : "s");
}

/* Are the pins still there (no fwctl detach meanwhile)? */
static bool pins_present(void)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", pin_dir(), FWCTL_STR(FWCTL_MAP_CONFIG));
	return !access(path, F_OK);
}

/* Read records until the count, a signal, a write error or the end of the filter. */
static void trace_loop(struct trace_run *t, struct ring_buffer *rb, struct trace_session *s)
{
	__u64 last_check = trace_mono_ns();

	while (!stop && !t->err && !s->evicted && (!t->o->count || t->shown < t->o->count)) {
		t->mono_to_real = mono_to_real();
		if (ring_buffer__poll(rb, 100) < 0 && errno != EINTR)
			break;
		if (fflush(stdout) || ferror(stdout))
			break;	/* the reader went away (closed pipe) */
		if (trace_mono_ns() - last_check > 1000000000ULL) {
			last_check = trace_mono_ns();
			if (!pins_present()) {
				fprintf(stderr, "fwctl trace: the filter was detached\n");
				break;
			}
		}
	}
}

static int run_trace(const struct trace_opts *o, const struct fwctl_config *cfg,
		     struct fwctl_err *e)
{
	const char *names[FWCTL_DIR_COUNT] = { cfg->ifname[0], cfg->ifname[1] };
	struct trace_run t = { .o = o, .cfg = cfg, .mono_to_real = mono_to_real() };
	struct fwctl_trace_lost lost = {};
	struct ring_buffer *rb = NULL;
	struct trace_session s;
	struct trace_maps tm;
	enum capture_format fmt;
	int err;

	if (o->path) {
		capture_format_of(o->path, &fmt, e);
		t.w = capture_create(o->path, fmt, names, FWCTL_DIR_COUNT,
				     o->f.level >= 2 ? FWCTL_TRACE_SNAP_L2 : FWCTL_TRACE_SNAP_L1, e);
		if (!t.w)
			return -errno;
	}
	err = trace_maps_open_pinned(pin_dir(), &tm, e);
	if (err)
		goto out_writer;
	err = trace_reclaim(&tm, e);
	if (err >= 0)
		err = trace_session_start(&tm, &o->f, true, &s, e);
	if (err)
		goto out_maps;
	rb = ring_buffer__new(s.ring_fd, on_record, &t, NULL);
	if (!rb) {
		err = -errno;
		fwctl_err_set(e, "cannot read the ring buffer: %s", strerror(errno));
	} else {
		trace_loop(&t, rb, &s);
	}
	trace_session_stop(&s, NULL);
	if (rb) {
		t.mono_to_real = mono_to_real();
		ring_buffer__consume(rb);	/* what came before the slot went off */
		ring_buffer__free(rb);
	}
	fflush(stdout);
	trace_session_lost(&s, &lost);
	trace_session_close(&s);
	if (!err && t.err) {
		err = t.err;
		*e = t.e;
	}
	if (s.evicted && !err) {
		err = -EBUSY;
		fwctl_err_set(e, "this trace was stopped for more than 1 s and another trace took "
				 "its slot");
	}
	print_lost(&t, &lost, &s);
out_maps:
	trace_maps_close(&tm);
out_writer:
	if (t.w && capture_close(t.w, err ? NULL : e) && !err)
		err = -EIO;
	return err;
}

int cmd_trace(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };	/* no SA_RESTART */
	struct trace_opts o;
	struct fwctl_state s;
	struct fwctl_err e = {};
	int d, err;

	err = parse_opts(argc, argv, &o);
	if (err)
		return err < 0 ? 0 : err;
	if (state_open(&s, &e))
		return runtime_error("trace", &e);
	/* A trace runs for long: other commands must not wait for it. */
	state_unlock(s.lock_fd);
	s.lock_fd = -1;
	if (o.in) {
		d = dir_of_name(&s.cfg, o.in);
		if (d < 0) {
			state_close(&s);
			return usage_error("trace", "--in %s: not an attached interface (%s or %s)",
					   o.in, s.cfg.ifname[0], s.cfg.ifname[1]);
		}
		o.f.dirs = 1u << d;
	}
	stop = 0;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	err = run_trace(&o, &s.cfg, &e);
	state_close(&s);
	return err ? runtime_error("trace", &e) : 0;
}
