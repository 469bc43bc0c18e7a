// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_check.c - fwctl check CAPTURE: every frame of a capture through the
 * live program and rules as a check probe (check.c), which the program
 * classifies like any frame but counts nowhere, traces nowhere and creates
 * no flow for. Prints each frame's verdict, rule and reason; --expect makes
 * it a regression test of a rule set.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>
#include "cli.h"
#include "capture.h"
#include "trace.h"

#define CHECK_ARGS	"FILE.pcap|FILE.pcapng [--in IF] [--expect forward|drop] [-j|--json]"
#define ETH_HLEN_MIN	14

static const char check_help[] =
	"Run every frame of a capture through the live XDP program and rules, as\n"
	"if it arrived on IF, and print its verdict, the rule or the reason that\n"
	"decided it. Nothing is counted, traced or remembered: live counters stay\n"
	"as they are. Frames shorter than 14 bytes, cut short in the capture or\n"
	"longer than BPF_PROG_TEST_RUN takes are reported by number, not checked.\n\n"
	"Options:\n"
	"  --in IF                  the attached interface the frames arrive on\n"
	"                           (default: the input interface)\n"
	"  --expect forward|drop    exit 1 at the first frame with another verdict\n"
	"  -j, --json               one JSON object per line and frame\n\n"
	"Exit status: 0 all checked frames as expected, 1 a frame was not (or an\n"
	"error), 2 usage error.\n";

struct check_opts {
	const char *path;
	const char *in;
	int expect;		/* enum fwctl_verdict, or -1 */
	bool json;
};

/* Ctrl-C or SIGTERM: stop after the frame in flight, and give the slot back. */
static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

struct check_counts {
	unsigned long verdict[FWCTL_VERDICT_COUNT];
	unsigned long unchecked;
};

static int parse_opts(int argc, char **argv, struct check_opts *o)
{
	static const struct option longopts[] = {
		{ "in", required_argument, NULL, 'i' },
		{ "expect", required_argument, NULL, 'e' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->expect = -1;
	for (optind = 0; (c = cli_opt("check", argc, argv, ":jh", longopts)) != -1;) {
		switch (c) {
		case 'i':
			o->in = optarg;
			break;
		case 'e':
			if (!strcmp(optarg, "forward"))
				o->expect = FWCTL_VERDICT_FORWARD;
			else if (!strcmp(optarg, "drop"))
				o->expect = FWCTL_VERDICT_DROP;
			else
				return usage_error("check", "invalid verdict '%s' (forward or drop)",
						   optarg);
			break;
		case 'j':
			o->json = cli_json = true;
			break;
		case 'h':
			return command_help("check", CHECK_ARGS, check_help), -1;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind == argc)
		return usage_error("check", "missing FILE (a .pcap or .pcapng capture)");
	if (argc - optind > 1)
		return usage_error("check", "unexpected argument '%s'", argv[optind + 1]);
	o->path = argv[optind];
	return 0;
}

/* A frame that was not checked, and why. */
static void not_checked(const struct check_opts *o, const struct capture_frame *f,
			const char *why, struct check_counts *n)
{
	struct json_object *obj;

	n->unchecked++;
	if (!o->json) {
		printf("packet %lu: %s, not checked\n", f->number, why);
		return;
	}
	obj = json_object_new_object();
	json_object_object_add(obj, "packet", json_object_new_int64(f->number));
	json_object_object_add(obj, "checked", json_object_new_boolean(0));
	json_object_object_add(obj, "len", json_object_new_int64(f->len));
	json_object_object_add(obj, "error", json_object_new_string(why));
	json_print(obj);
}

static void print_checked(const struct check_opts *o, const struct capture_frame *f,
			  const struct frame_info *fi)
{
	struct json_object *obj;
	char verdict[64], summary[160];

	if (!o->json) {
		trace_comment(verdict, sizeof(verdict), fi->verdict, fi->reason, fi->rule_id);
		frame_summary(f->data, f->caplen, summary, sizeof(summary));
		printf("packet %lu: %s  %s\n", f->number, verdict, summary);
		return;
	}
	obj = json_object_new_object();
	json_object_object_add(obj, "packet", json_object_new_int64(f->number));
	json_object_object_add(obj, "checked", json_object_new_boolean(1));
	frame_json_add(obj, fi, false);
	json_print(obj);
}

/*
 * Check one frame. Returns 0, 1 when it disagrees with --expect, or a
 * negative errno with e filled.
 */
static int check_one(const struct check_opts *o, int prog_fd, int ifindex, const char *ifname,
		     const struct capture_frame *f, struct check_counts *n, struct fwctl_err *e)
{
	struct check_result r;
	struct frame_info fi;
	char why[96], verdict[64];
	int err;

	if (f->caplen < ETH_HLEN_MIN) {
		snprintf(why, sizeof(why), "too short (%u bytes)", f->caplen);
		not_checked(o, f, why, n);
		return 0;
	}
	if (f->truncated) {
		snprintf(why, sizeof(why), "cut short in the capture (%u of %u bytes)", f->caplen,
			 f->len);
		not_checked(o, f, why, n);
		return 0;
	}
	err = check_frame(prog_fd, ifindex, f->data, f->caplen, &r);
	if (err == -EINVAL || err == -ENOMEM || err == -E2BIG) {
		snprintf(why, sizeof(why), "too long (%u bytes, more than the test run takes)",
			 f->caplen);
		not_checked(o, f, why, n);
		return 0;
	}
	if (!err && r.seen_len < f->caplen) {
		/* The rest went into fragments: the program saw part of it only. */
		snprintf(why, sizeof(why), "too long (%u bytes, the test-run limit is %u)",
			 f->caplen, r.seen_len);
		not_checked(o, f, why, n);
		return 0;
	}
	if (err == -EOPNOTSUPP) {
		fwctl_err_set(e, "the program on %s does not answer checks (attached by an older "
				 "fwctl? detach and attach again)", ifname);
		return err;
	}
	if (err) {
		fwctl_err_set(e, "packet %lu: BPF_PROG_TEST_RUN failed: %s", f->number,
			      strerror(-err));
		return err;
	}
	fi = (struct frame_info){
		.ts_ns = f->ts_ns, .ifname = ifname, .dir = r.dir, .verdict = r.verdict,
		.reason = r.reason, .rule_id = r.rule_id, .len = f->len, .caplen = f->caplen,
		.data = f->data,
	};
	print_checked(o, f, &fi);
	n->verdict[r.verdict & 1]++;
	if (o->expect < 0 || (__u32)o->expect == r.verdict)
		return 0;
	fflush(stdout);
	trace_comment(verdict, sizeof(verdict), r.verdict, r.reason, r.rule_id);
	fprintf(stderr, "fwctl check: packet %lu: %s, expected %s\n", f->number, verdict,
		verdict_name(o->expect));
	return 1;
}

static int run_check(const struct check_opts *o, struct capture_reader *rd, int prog_fd,
		     int ifindex, const char *ifname, struct fwctl_err *e)
{
	struct check_counts n = {};
	struct capture_frame f = {};
	int more = 0, ret = 0;

	while (!ret && !stop && (more = capture_next(rd, &f, e)) > 0) {
		ret = check_one(o, prog_fd, ifindex, ifname, &f, &n, e);
		if (!ret && (fflush(stdout) || ferror(stdout)))
			break;	/* the reader went away (closed pipe) */
	}
	if (!ret && more < 0)
		ret = more;
	if (!ret && stop) {
		fwctl_err_set(e, "interrupted after packet %lu", f.number);
		ret = -EINTR;
	}
	fflush(stdout);
	if (!ret && !o->json)
		fprintf(stderr, "fwctl check: %lu forwarded, %lu dropped, %lu not checked\n",
			n.verdict[FWCTL_VERDICT_FORWARD], n.verdict[FWCTL_VERDICT_DROP], n.unchecked);
	return ret;
}

int cmd_check(int argc, char **argv)
{
	struct capture_reader *rd = NULL;
	struct check_session cs = { .slot = -1 };
	struct trace_maps tm = { .ctl = -1, .rings = -1, .rate = -1, .lost = -1 };
	struct check_opts o;
	struct fwctl_state s;
	struct fwctl_err e = {};
	int d = FWCTL_DIR_IN_TO_OUT, prog_fd = -1, ret;

	ret = parse_opts(argc, argv, &o);
	if (ret)
		return ret < 0 ? 0 : ret;
	if (state_open(&s, &e))
		return runtime_error("check", &e);
	state_unlock(s.lock_fd);	/* read-only: no lock held while running */
	s.lock_fd = -1;
	if (o.in) {
		for (d = 0; d < FWCTL_DIR_COUNT; d++)
			if (strlen(o.in) < sizeof(s.cfg.ifname[d]) && !strcmp(s.cfg.ifname[d], o.in))
				break;
		if (d == FWCTL_DIR_COUNT) {
			state_close(&s);
			return usage_error("check", "--in %s: not an attached interface (%s or %s)",
					   o.in, s.cfg.ifname[0], s.cfg.ifname[1]);
		}
	}
	rd = capture_open(o.path, &e);
	if (!rd) {
		ret = -1;
		goto out;
	}
	prog_fd = check_prog_fd(s.cfg.ifindex[d], &e);
	if (prog_fd < 0) {
		fwctl_err_set(&e, "no fwctl program on %s (was it detached?)", s.cfg.ifname[d]);
		ret = -1;
		goto out;
	}
	if (!check_prog_supported(prog_fd)) {
		fwctl_err_set(&e, "the program on %s does not answer checks (attached by an older "
				  "fwctl? detach and attach again)", s.cfg.ifname[d]);
		ret = -1;
		goto out;
	}
	/* Until the slot is given back, the program looks for probes: a signal
	 * must not end the process before that. */
	stop = 0;
	sigaction(SIGINT, &(struct sigaction){ .sa_handler = on_signal }, NULL);
	sigaction(SIGTERM, &(struct sigaction){ .sa_handler = on_signal }, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (trace_maps_open_pinned(pin_dir(), &tm, &e) || trace_reclaim(&tm, &e) < 0 ||
	    check_session_start(&tm, &cs, &e)) {
		ret = -1;
		goto out;
	}
	ret = run_check(&o, rd, prog_fd, s.cfg.ifindex[d], s.cfg.ifname[d], &e);
out:
	check_session_stop(&cs);
	trace_maps_close(&tm);
	if (prog_fd >= 0)
		close(prog_fd);
	capture_reader_close(rd);
	state_close(&s);
	if (ret < 0)
		return runtime_error("check", &e);
	return ret;
}
