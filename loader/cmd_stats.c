// SPDX-License-Identifier: GPL-2.0
/* cmd_stats.c - fwctl stats [-j|--json] [-w|--watch SECONDS]. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <json-c/json.h>
#include "cli.h"
#include "trace.h"

/* What one report shows: now, and the snapshot before it (NULL: no rates). */
struct report {
	const struct fwctl_config *cfg;
	const struct snapshot *s, *prev;
	struct rule_row *rows;
	int n_rows;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

void snapshot_free(struct snapshot *s)
{
	ruleset_free(&s->rs);
	free(s->rules);
	free(s->key_by_id);
	s->rules = NULL;
	s->key_by_id = NULL;
	s->n_ids = 0;
}

/*
 * Trace records lost to the rate limit and to a full ring, summed over
 * every trace since attach (stats --json's trace object and the metric
 * fwctl_trace_lost_total both read them from s).
 */
static int snapshot_trace_lost(const struct fwctl_state *st, struct snapshot *s)
{
	struct trace_maps tm = { .ctl = -1, .rings = -1, .rate = -1 };
	struct fwctl_trace_lost lost;
	char path[PATH_MAX];
	int err;

	(void)st;
	s->trace_lost_rate_limit = 0;
	s->trace_lost_ring_full = 0;
	snprintf(path, sizeof(path), "%s/%s", pin_dir(), FWCTL_STR(FWCTL_MAP_TRACE_LOST));
	tm.lost = bpf_obj_get(path);
	if (tm.lost < 0)
		return errno == ENOENT ? 0 : -errno;	/* attached without tracing */
	err = trace_lost_read(&tm, -1, &lost);
	close(tm.lost);
	if (err)
		return err;
	s->trace_lost_rate_limit = lost.rate_limit;
	s->trace_lost_ring_full = lost.ring_full;
	return 0;
}

int snapshot_read(const struct fwctl_state *st, struct snapshot *s, struct fwctl_err *e)
{
	struct rule_ctx ctx;
	struct timespec ts;
	unsigned int i;
	int d, err = 0;

	snapshot_free(s);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	clock_gettime(CLOCK_REALTIME, &s->real);
	s->t = ts.tv_sec + ts.tv_nsec / 1e9;
	for (d = 0; d < FWCTL_DIR_COUNT && !err; d++) {
		err = dir_stats_read(&st->maps, d, &s->dir[d]);
		if (!err)
			err = tx_stats_read(&st->maps, d, &s->tx[d]);
	}
	if (!err)
		err = snapshot_trace_lost(st, s);
	if (err) {
		fwctl_err_set(e, "cannot read the counters: %s", strerror(-err));
		return err;
	}
	ruleset_ctx(&st->cfg, &ctx);
	err = ruleset_read(&st->maps, &ctx, &s->rs, e);
	if (err)
		return err;
	s->n_ids = 1;
	for (i = 0; i < s->rs.n; i++)
		if (s->rs.v[i].id >= s->n_ids)
			s->n_ids = s->rs.v[i].id + 1;
	s->rules = calloc(s->n_ids, sizeof(*s->rules));
	s->key_by_id = calloc(s->n_ids, sizeof(*s->key_by_id));
	err = s->rules && s->key_by_id ? rule_stats_read_first(&st->maps, s->n_ids, s->rules) : -ENOMEM;
	if (err) {
		fwctl_err_set(e, "cannot read the counters: %s", strerror(-err));
		return err;
	}
	for (i = 0; i < s->rs.n; i++)
		s->key_by_id[s->rs.v[i].id] = s->rs.v[i].key;
	return 0;
}

/*
 * Is the filter whose maps we hold still the one attached? After detach
 * its pins are gone; after detach and attach they are other maps. Either
 * way our counters are frozen: say so rather than print them.
 */
int still_attached(const struct fwctl_state *st, struct fwctl_err *e)
{
	struct bpf_map_info ours = {}, pinned = {};
	__u32 len = sizeof(ours);
	struct fwctl_maps m;
	struct fwctl_config cfg;
	char path[512], since[32];
	int fd, err;

	snprintf(path, sizeof(path), "%s/%s", pin_dir(), FWCTL_STR(FWCTL_MAP_CONFIG));
	fd = bpf_obj_get(path);
	if (fd < 0) {
		fwctl_err_set(e, "the filter was detached (%s is gone): stopping", path);
		return -ENOENT;
	}
	err = bpf_obj_get_info_by_fd(st->maps.config, &ours, &len);
	len = sizeof(pinned);
	if (!err)
		err = bpf_obj_get_info_by_fd(fd, &pinned, &len);
	if (err || ours.id == pinned.id) {
		close(fd);
		return 0;	/* same maps (or no way to tell): carry on */
	}
	memset(&m, -1, sizeof(m));
	m.config = fd;
	err = config_read(&m, &cfg);
	close(fd);
	if (err) {
		fwctl_err_set(e, "the filter was detached and attached again: these counters are "
				 "gone: stopping");
		return -ESTALE;
	}
	fmt_time_utc(cfg.attached_at, since, sizeof(since));
	fwctl_err_set(e, "the filter was detached and attached again (to %s and %s, since %s): "
			 "these counters are gone: stopping", cfg.ifname[0], cfg.ifname[1], since);
	return -ESTALE;
}

/* Per-second rate of a counter; 0 when it went down (it restarted). */
static double rate(__u64 cur, __u64 prev, double dt)
{
	return cur >= prev ? (double)(cur - prev) / dt : 0.0;
}

/* Rate of total() over direction d; NAN without a previous snapshot. */
static double dir_rate(const struct report *r, int d, __u64 (*total)(const struct fwctl_dir_stats *))
{
	if (!r->prev)
		return NAN;
	return rate(total(&r->s->dir[d]), total(&r->prev->dir[d]), r->s->t - r->prev->t);
}

static __u64 fwd_packets(const struct fwctl_dir_stats *st)
{
	return st->fwd_packets;
}

static __u64 fwd_bytes(const struct fwctl_dir_stats *st)
{
	return st->fwd_bytes;
}

/* Rules' rates: a rule whose id now holds another rule starts again at 0. */
static void rule_rates(struct report *r)
{
	const struct snapshot *s = r->s, *p = r->prev;
	double dt;
	int i;

	if (!p)
		return;
	dt = s->t - p->t;
	for (i = 0; i < r->n_rows; i++) {
		struct rule_row *row = &r->rows[i];
		bool same = row->id < p->n_ids && p->key_by_id[row->id] &&
			    !strcmp(p->key_by_id[row->id], s->key_by_id[row->id]);

		row->fig.pps = same ? rate(row->fig.packets, p->rules[row->id].packets, dt) : 0;
		row->fig.bps = same ? 8 * rate(row->fig.bytes, p->rules[row->id].bytes, dt) : 0;
	}
}

/* --- JSON --------------------------------------------------------------- */

static json_object *pkts_bytes(__u64 packets, __u64 bytes)
{
	json_object *o = json_object_new_object();

	json_add(o, "packets", json_u64(packets));
	json_add(o, "bytes", json_u64(bytes));
	return o;
}

static json_object *dir_json(const struct report *r, int d)
{
	const struct fwctl_dir_stats *st = &r->s->dir[d];
	const struct fwctl_tx_stats *tx = &r->s->tx[d];
	/* Generic XDP transmits through the stack: only redirect errors are traced. */
	bool skb = r->cfg->mode == FWCTL_MODE_SKB;
	json_object *o = json_object_new_object(), *dr, *t, *rt, *fw;
	int i;

	json_add(o, "from", json_str(r->cfg->ifname[d]));
	json_add(o, "to", json_str(r->cfg->ifname[!d]));
	json_add(o, "received", pkts_bytes(dir_received_packets(st), dir_received_bytes(st)));
	fw = pkts_bytes(st->fwd_packets, st->fwd_bytes);
	for (i = 0; i < FWCTL_FWD_REASON_COUNT; i++)
		json_add(fw, fwd_reason_json(i), json_u64(st->fwd_reason_packets[i]));
	json_add(o, "forwarded", fw);
	json_add(o, "arp_nd", json_u64(st->arp_nd_packets));
	dr = json_object_new_object();
	json_add(dr, "total", json_u64(dir_dropped_packets(st)));
	for (i = 0; i < FWCTL_DROP_REASON_COUNT; i++)
		json_add(dr, drop_reason_key(i), json_u64(st->drop_packets[i]));
	json_add(o, "dropped", dr);
	t = json_object_new_object();
	json_add(t, "sent", skb ? NULL : json_u64(tx->xmit_sent));
	json_add(t, "drops", skb ? NULL : json_u64(tx->xmit_drops));
	json_add(t, "redirect_errors", json_u64(tx->redirect_errors));
	json_add(o, "tx", t);
	rt = json_object_new_object();
	json_add(rt, "received_pps", json_num(dir_rate(r, d, dir_received_packets), 1));
	json_add(rt, "received_bps", json_num(8 * dir_rate(r, d, dir_received_bytes), 1));
	json_add(rt, "forwarded_pps", json_num(dir_rate(r, d, fwd_packets), 1));
	json_add(rt, "forwarded_bps", json_num(8 * dir_rate(r, d, fwd_bytes), 1));
	json_add(rt, "dropped_pps", json_num(dir_rate(r, d, dir_dropped_packets), 1));
	json_add(o, "rates", rt);
	return o;
}

/* Trace records lost, over every trace since attach. */
static json_object *trace_json(const struct snapshot *s)
{
	json_object *o = json_object_new_object();

	json_add(o, "lost_rate_limit", json_u64(s->trace_lost_rate_limit));
	json_add(o, "lost_ring_full", json_u64(s->trace_lost_ring_full));
	return o;
}

static void print_json(const struct report *r)
{
	json_object *o = json_object_new_object(), *dirs = json_object_new_object();
	int d;

	json_timestamp(o, &r->s->real);
	json_add(o, "interval_seconds", r->prev ? json_num(r->s->t - r->prev->t, 3) : NULL);
	json_add(o, "mode", json_object_new_string(mode_name(r->cfg->mode)));
	json_add(o, "policy", json_object_new_string(policy_name(r->s->rs.policy)));
	json_add(o, "rules", json_rules(r->rows, r->n_rows));
	for (d = 0; d < FWCTL_DIR_COUNT; d++)
		json_add(dirs, dir_key(d), dir_json(r, d));
	json_add(o, "directions", dirs);
	json_add(o, "trace", trace_json(r->s));
	json_print(o);
}

/* --- table -------------------------------------------------------------- */

/* Width of the two direction columns: fits the interface names. */
static int colw = 16;

/* One table row: a label and a value per direction, with rates if given. */
static void row(const char *label, __u64 v0, __u64 v1, double r0, double r1, const char *unit,
		bool rates)
{
	char a[32], b[32];

	printf("  %-22s %*llu %*llu", label, colw, (unsigned long long)v0, colw,
	       (unsigned long long)v1);
	if (rates && unit) {
		fmt_si(r0, unit, a, sizeof(a));
		fmt_si(r1, unit, b, sizeof(b));
		printf("   %14s %14s", a, b);
	}
	printf("\n");
}

/* "  LABEL  A  B": text cells right-aligned by display width. */
static void text_row(const char *label, const char *a, const char *b, const char *tail)
{
	printf("  %-22s ", label);
	print_cell(stdout, a, colw, true);
	printf(" ");
	print_cell(stdout, b, colw, true);
	printf("%s\n", tail);
}

static void print_traffic(const struct report *r)
{
	const struct fwctl_dir_stats *a = &r->s->dir[0], *b = &r->s->dir[1];
	const struct fwctl_config *cfg = r->cfg;
	bool rates = r->prev != NULL;
	char head[FWCTL_DIR_COUNT][40], text[64];
	int d, i;

	colw = 16;
	for (d = 0; d < FWCTL_DIR_COUNT; d++) {
		snprintf(head[d], sizeof(head[d]), "%s->%s", cfg->ifname[d], cfg->ifname[!d]);
		if (str_width(head[d]) + 1 > colw)
			colw = str_width(head[d]) + 1;
	}
	printf("\n");
	text_row("Traffic (packets)", "input->output", "output->input",
		 rates ? "   rate in->out   rate out->in" : "");
	text_row("", head[0], head[1], "");
	row("received", dir_received_packets(a), dir_received_packets(b),
	    dir_rate(r, 0, dir_received_packets), dir_rate(r, 1, dir_received_packets), "p/s", rates);
	row("received bytes", dir_received_bytes(a), dir_received_bytes(b),
	    8 * dir_rate(r, 0, dir_received_bytes), 8 * dir_rate(r, 1, dir_received_bytes),
	    "bit/s", rates);
	row("forwarded", a->fwd_packets, b->fwd_packets, dir_rate(r, 0, fwd_packets),
	    dir_rate(r, 1, fwd_packets), "p/s", rates);
	row("forwarded bytes", a->fwd_bytes, b->fwd_bytes, 8 * dir_rate(r, 0, fwd_bytes),
	    8 * dir_rate(r, 1, fwd_bytes), "bit/s", rates);
	for (i = 0; i < FWCTL_FWD_REASON_COUNT; i++) {
		snprintf(text, sizeof(text), "  by %s", fwd_reason_label(i));
		row(text, a->fwd_reason_packets[i], b->fwd_reason_packets[i], 0, 0, NULL, rates);
	}
	row("dropped", dir_dropped_packets(a), dir_dropped_packets(b),
	    dir_rate(r, 0, dir_dropped_packets), dir_rate(r, 1, dir_dropped_packets), "p/s", rates);
	for (i = 0; i < FWCTL_DROP_REASON_COUNT; i++) {
		snprintf(text, sizeof(text), "  %s", drop_reason_name(i));
		row(text, a->drop_packets[i], b->drop_packets[i], 0, 0, NULL, rates);
	}
}

static void print_transmit(const struct report *r)
{
	const struct fwctl_tx_stats *tx = r->s->tx;

	printf("\n  After forwarding (kernel transmit)\n");
	if (r->cfg->mode == FWCTL_MODE_SKB) {
		/* Generic XDP transmits through the stack: only errors are traced. */
		text_row("tx sent", "n/a (skb)", "n/a (skb)", "");
	} else {
		row("tx sent", tx[0].xmit_sent, tx[1].xmit_sent, 0, 0, NULL, false);
		row("tx dropped", tx[0].xmit_drops, tx[1].xmit_drops, 0, 0, NULL, false);
	}
	row("tx redirect errors", tx[0].redirect_errors, tx[1].redirect_errors, 0, 0, NULL, false);
	if (tx[0].xmit_drops || tx[1].xmit_drops || tx[0].redirect_errors || tx[1].redirect_errors)
		printf("  (frames lost after forwarding: a veth peer without GRO or XDP? see README)\n");
}

static void print_table(const struct report *r)
{
	printf("Rules (policy %s)\n", policy_name(r->s->rs.policy));
	print_rules_table(r->rows, r->n_rows, "  ");
	print_traffic(r);
	print_transmit(r);
	printf("\n  Trace records lost: %llu to the rate limit, %llu to a full ring buffer\n",
	       (unsigned long long)r->s->trace_lost_rate_limit,
	       (unsigned long long)r->s->trace_lost_ring_full);
}

/* --- the command ---------------------------------------------------------- */

static const char stats_help[] =
	"Per rule: packets and bytes it decided. Per direction: received, forwarded\n"
	"(of which ARP/ND), dropped by reason (policy, malformed, fragment, unknown\n"
	"ethertype, redirect error, rule), and what the kernel reported after forwarding\n"
	"(tx sent, tx dropped: e.g. a veth peer without GRO or XDP).\n"
	"received = forwarded + dropped.\n\n"
	"Options:\n"
	"  -j, --json             one JSON object (fields in fwctl(8), JSON)\n"
	"  -p, --prometheus       the Prometheus text format (metric names in fwctl(8),\n"
	"                         METRICS); 'fwctl metrics' serves it\n"
	"  -w, --watch SECONDS    redraw every SECONDS (0.1 to 3600) with rates until\n"
	"                         interrupted (with --json: one object per line); stops\n"
	"                         with exit status 1 if the filter is detached\n"
	"  -r, --reset            then zero every counter (as iptables -Z): rules,\n"
	"                         directions, transmit\n"
	"  -h, --help             this help\n";

static int parse_interval(const char *arg, double *interval)
{
	char *end;

	*interval = strtod(arg, &end);
	if (*end || end == arg || !(*interval >= 0.1 && *interval <= 3600))
		return usage_error("stats", "invalid interval '%s' (0.1 to 3600 seconds)", arg);
	return 0;
}

static int report(const struct fwctl_state *st, const struct snapshot *cur,
		  const struct snapshot *prev, bool json, struct fwctl_err *e)
{
	struct report r = { .cfg = &st->cfg, .s = cur, .prev = prev };

	r.n_rows = rule_rows_build(&cur->rs, cur->rules, &r.rows);
	if (r.n_rows < 0) {
		fwctl_err_set(e, "out of memory");
		return r.n_rows;
	}
	rule_rates(&r);
	if (json)
		print_json(&r);
	else
		print_table(&r);
	fflush(stdout);
	rule_rows_free(r.rows, r.n_rows);
	return 0;
}

/* Report every interval (once if 0) until interrupted or detached. */
static int stats_loop(const struct fwctl_state *st, double interval, bool json,
		      struct fwctl_err *e)
{
	struct snapshot *cur = calloc(1, sizeof(*cur)), *prev = calloc(1, sizeof(*prev)), *tmp;
	bool tty = isatty(STDOUT_FILENO), have_prev = false;
	int err = cur && prev ? 0 : -ENOMEM;

	if (err)
		fwctl_err_set(e, "out of memory");
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	while (!err && !stop) {
		err = still_attached(st, e);
		if (!err)
			err = snapshot_read(st, cur, e);
		if (err)
			break;
		if (interval && tty && !json)
			printf("\033[H\033[2J");	/* redraw in place */
		else if (interval && have_prev && !json)
			printf("\n");
		err = report(st, cur, have_prev ? prev : NULL, json, e);
		if (!interval)
			break;
		tmp = prev;
		prev = cur;
		cur = tmp;
		have_prev = true;
		usleep((useconds_t)(interval * 1e6));
	}
	if (cur)
		snapshot_free(cur);
	if (prev)
		snapshot_free(prev);
	free(cur);
	free(prev);
	return err;
}

/* One snapshot in the Prometheus text format, on stdout. */
static int print_prometheus(const struct fwctl_state *st, struct fwctl_err *e)
{
	struct snapshot s = {};
	int err = snapshot_read(st, &s, e);

	if (!err && (prom_write(stdout, &st->cfg, &s) || fflush(stdout))) {
		fwctl_err_set(e, "cannot write to standard output: %s", strerror(errno));
		err = -EIO;
	}
	snapshot_free(&s);
	return err;
}

/* Zero every counter: rules (every id), directions, transmit. */
static int counters_reset(const struct fwctl_maps *m, struct fwctl_err *e)
{
	__u32 *ids = malloc(sizeof(*ids) * FWCTL_RULE_ID_SLOTS), i;
	int err = ids ? 0 : -ENOMEM;

	for (i = 0; ids && i < FWCTL_RULE_ID_SLOTS; i++)
		ids[i] = i;
	if (!err)
		err = rule_stats_reset(m, ids, FWCTL_RULE_ID_SLOTS);
	if (!err)
		err = dir_stats_reset(m);
	free(ids);
	if (err)
		fwctl_err_set(e, "cannot reset the counters: %s", strerror(-err));
	return err;
}

int cmd_stats(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "prometheus", no_argument, NULL, 'p' },
		{ "watch", required_argument, NULL, 'w' },
		{ "reset", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct fwctl_state s;
	struct fwctl_err e = {};
	double interval = 0;
	bool json = false, prom = false, reset = false;
	int opt, err;

	for (optind = 0; (opt = cli_opt("stats", argc, argv, ":jpw:rh", opts)) != -1;) {
		switch (opt) {
		case 'h':
			return command_help("stats", "[-j|--json|-p|--prometheus] [-w|--watch SECONDS] "
					    "[-r|--reset]",
					    stats_help);
		case 'j':
			json = cli_json = true;
			break;
		case 'p':
			prom = true;
			break;
		case 'w':
			if (parse_interval(optarg, &interval))
				return EXIT_USAGE;
			break;
		case 'r':
			reset = true;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return usage_error("stats", "unexpected argument '%s'", argv[optind]);
	if (reset && interval)
		return usage_error("stats", "--reset and --watch do not go together");
	if (prom && json)
		return usage_error("stats", "--prometheus and --json do not go together");
	if (prom && interval)
		return usage_error("stats", "--prometheus and --watch do not go together "
				   "(to serve metrics: fwctl metrics)");
	if (state_open(&s, &e))
		return runtime_error("stats", &e);
	/* Counters need no lock: readers must not stall a rule change. A reset
	 * keeps it, so that no rule change runs meanwhile. */
	if (!reset) {
		state_unlock(s.lock_fd);
		s.lock_fd = -1;
	}
	if (prom)
		err = print_prometheus(&s, &e);
	else
		err = stats_loop(&s, interval, json, &e);
	if (!err && reset)
		err = counters_reset(&s.maps, &e);
	state_close(&s);
	return err ? runtime_error("stats", &e) : 0;
}
