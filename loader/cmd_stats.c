// SPDX-License-Identifier: GPL-2.0
/* cmd_stats.c - fwctl stats [--json] [--watch SECONDS]. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cli.h"

/* Everything stats shows, read at one instant. */
struct snapshot {
	struct fwctl_dir_stats dir[FWCTL_DIR_COUNT];
	struct fwctl_tx_stats tx[FWCTL_DIR_COUNT];
	struct fwctl_rule_stats rules[FWCTL_RULE_SLOTS];
	struct ruleset rs;
	double t;	/* CLOCK_MONOTONIC seconds */
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int snapshot_read(const struct fwctl_maps *m, struct snapshot *s, struct fwctl_err *e)
{
	int d, err = 0;

	s->t = now();
	for (d = 0; d < FWCTL_DIR_COUNT && !err; d++) {
		err = dir_stats_read(m, d, &s->dir[d]);
		if (!err)
			err = tx_stats_read(m, d, &s->tx[d]);
	}
	if (!err)
		err = ruleset_read(m, &s->rs);
	if (!err)
		err = rule_stats_read_all(m, s->rules);
	if (err)
		fwctl_err_set(e, "cannot read the counters: %s", strerror(-err));
	return err;
}

/* Per-second rate of a counter between two snapshots. */
#define RATE(cur, prev, field) \
	((prev) ? ((double)((cur)->field - (prev)->field) / ((cur)->t - (prev)->t)) : 0.0)

/* The same for a total derived from direction d's counters (dir_received_*). */
static double dir_rate(const struct snapshot *s, const struct snapshot *prev, int d,
		       __u64 (*total)(const struct fwctl_dir_stats *))
{
	return prev ? (double)(total(&s->dir[d]) - total(&prev->dir[d])) / (s->t - prev->t) : 0.0;
}

static void print_json(const struct fwctl_config *cfg, const struct snapshot *s,
		       const struct snapshot *prev)
{
	int d, r, first = 1;
	__u32 id;
	char text[64];

	printf("{\"policy\": \"%s\", \"rules\": [", policy_name(cfg->policy));
	for (id = 1; id < FWCTL_RULE_SLOTS; id++) {
		if (s->rs.rules[id].state != FWCTL_RULE_ACTIVE)
			continue;
		rule_format(&s->rs.rules[id], text, sizeof(text));
		printf("%s{\"id\": %u, \"rule\": \"%s\", \"packets\": %llu, \"bytes\": %llu", first ? "" : ", ",
		       id, text, (unsigned long long)s->rules[id].packets,
		       (unsigned long long)s->rules[id].bytes);
		if (prev)
			printf(", \"packets_per_sec\": %.1f, \"bits_per_sec\": %.1f",
			       RATE(s, prev, rules[id].packets), 8 * RATE(s, prev, rules[id].bytes));
		printf("}");
		first = 0;
	}
	printf("], \"directions\": {");
	for (d = 0; d < FWCTL_DIR_COUNT; d++) {
		const struct fwctl_dir_stats *st = &s->dir[d];

		printf("%s\"%s\": {\"from\": ", d ? ", " : "", dir_key(d));
		json_str(stdout, cfg->ifname[d]);
		printf(", \"to\": ");
		json_str(stdout, cfg->ifname[!d]);
		printf(", \"received\": {\"packets\": %llu, \"bytes\": %llu}, "
		       "\"forwarded\": {\"packets\": %llu, \"bytes\": %llu}, \"arp_nd\": %llu, "
		       "\"dropped\": {\"total\": %llu",
		       (unsigned long long)dir_received_packets(st),
		       (unsigned long long)dir_received_bytes(st),
		       (unsigned long long)st->fwd_packets, (unsigned long long)st->fwd_bytes,
		       (unsigned long long)st->arp_nd_packets,
		       (unsigned long long)dir_dropped_packets(st));
		for (r = 0; r < FWCTL_DROP_REASON_COUNT; r++)
			printf(", \"%s\": %llu", drop_reason_key(r), (unsigned long long)st->drop_packets[r]);
		printf("}, \"tx\": {\"sent\": %llu, \"dropped\": %llu, \"redirect_errors\": %llu}",
		       (unsigned long long)s->tx[d].xmit_sent, (unsigned long long)s->tx[d].xmit_drops,
		       (unsigned long long)s->tx[d].redirect_errors);
		if (prev)
			printf(", \"rates\": {\"received_pps\": %.1f, \"received_bps\": %.1f, "
			       "\"forwarded_pps\": %.1f, \"forwarded_bps\": %.1f, \"dropped_pps\": %.1f}",
			       dir_rate(s, prev, d, dir_received_packets),
			       8 * dir_rate(s, prev, d, dir_received_bytes),
			       RATE(s, prev, dir[d].fwd_packets), 8 * RATE(s, prev, dir[d].fwd_bytes),
			       dir_rate(s, prev, d, dir_dropped_packets));
		printf("}");
	}
	printf("}}\n");
}

/* Width of the two direction columns: fits the interface names. */
static int colw = 16;

/* One table row: a label and a value per direction, with rates if watching. */
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

static void print_table(const struct fwctl_config *cfg, const struct snapshot *s,
			const struct snapshot *prev)
{
	const struct fwctl_dir_stats *a = &s->dir[0], *b = &s->dir[1];
	bool rates = prev != NULL;
	char head[2][40], text[64], pr[32], br[32];
	int r, any = 0;
	__u32 id;

	printf("Rules (policy %s)\n", policy_name(cfg->policy));
	for (id = 1; id < FWCTL_RULE_SLOTS; id++) {
		if (s->rs.rules[id].state != FWCTL_RULE_ACTIVE)
			continue;
		if (!any++)
			printf("  %6s  %-18s %14s %16s%s\n", "ID", "RULE", "PACKETS", "BYTES",
			       rates ? "          PKT/S          BIT/S" : "");
		rule_format(&s->rs.rules[id], text, sizeof(text));
		printf("  %6u  %-18s %14llu %16llu", id, text, (unsigned long long)s->rules[id].packets,
		       (unsigned long long)s->rules[id].bytes);
		if (rates) {
			fmt_si(RATE(s, prev, rules[id].packets), "p/s", pr, sizeof(pr));
			fmt_si(8 * RATE(s, prev, rules[id].bytes), "bit/s", br, sizeof(br));
			printf("   %12s %14s", pr, br);
		}
		printf("\n");
	}
	if (!any)
		printf("  no rules\n");

	snprintf(head[0], sizeof(head[0]), "%s->%s", cfg->ifname[0], cfg->ifname[1]);
	snprintf(head[1], sizeof(head[1]), "%s->%s", cfg->ifname[1], cfg->ifname[0]);
	colw = strlen(head[0]) + 1 > 16 ? (int)strlen(head[0]) + 1 : 16;
	printf("\n  %-22s %*s %*s%s\n", "Traffic (packets)", colw, "input->output", colw,
	       "output->input", rates ? "   rate in->out   rate out->in" : "");
	printf("  %-22s %*s %*s\n", "", colw, head[0], colw, head[1]);
	row("received", dir_received_packets(a), dir_received_packets(b),
	    dir_rate(s, prev, 0, dir_received_packets), dir_rate(s, prev, 1, dir_received_packets),
	    "p/s", rates);
	row("received bytes", dir_received_bytes(a), dir_received_bytes(b),
	    8 * dir_rate(s, prev, 0, dir_received_bytes), 8 * dir_rate(s, prev, 1, dir_received_bytes),
	    "bit/s", rates);
	row("forwarded", a->fwd_packets, b->fwd_packets, RATE(s, prev, dir[0].fwd_packets),
	    RATE(s, prev, dir[1].fwd_packets), "p/s", rates);
	row("forwarded bytes", a->fwd_bytes, b->fwd_bytes, 8 * RATE(s, prev, dir[0].fwd_bytes),
	    8 * RATE(s, prev, dir[1].fwd_bytes), "bit/s", rates);
	row("  of which ARP/ND", a->arp_nd_packets, b->arp_nd_packets, 0, 0, NULL, rates);
	row("dropped", dir_dropped_packets(a), dir_dropped_packets(b),
	    dir_rate(s, prev, 0, dir_dropped_packets), dir_rate(s, prev, 1, dir_dropped_packets),
	    "p/s", rates);
	for (r = 0; r < FWCTL_DROP_REASON_COUNT; r++) {
		snprintf(text, sizeof(text), "  %s", drop_reason_name(r));
		row(text, a->drop_packets[r], b->drop_packets[r], 0, 0, NULL, rates);
	}
	printf("\n  After forwarding (kernel transmit)\n");
	if (cfg->mode == FWCTL_MODE_SKB) {
		/* Generic XDP transmits through the stack: only errors are traced. */
		printf("  %-22s %*s %*s\n", "tx sent", colw, "n/a (skb)", colw, "n/a (skb)");
	} else {
		row("tx sent", s->tx[0].xmit_sent, s->tx[1].xmit_sent, 0, 0, NULL, rates);
		row("tx dropped", s->tx[0].xmit_drops, s->tx[1].xmit_drops, 0, 0, NULL, rates);
	}
	row("tx redirect errors", s->tx[0].redirect_errors, s->tx[1].redirect_errors, 0, 0, NULL, rates);
	if (s->tx[0].xmit_drops || s->tx[1].xmit_drops || s->tx[0].redirect_errors ||
	    s->tx[1].redirect_errors)
		printf("  (frames lost after forwarding: a veth peer without GRO or XDP? see README)\n");
}

static const char stats_help[] =
	"Per rule: packets and bytes matched. Per direction: received, forwarded\n"
	"(of which ARP/ND), dropped by reason (policy, malformed, fragment, unknown\n"
	"ethertype, redirect error), and what the kernel reported after forwarding\n"
	"(tx sent, tx dropped: e.g. a veth peer without GRO or XDP).\n"
	"received = forwarded + dropped.\n\n"
	"Options:\n"
	"  --json             one JSON object (keys documented in fwctl(8))\n"
	"  --watch SECONDS    redraw every SECONDS with rates until interrupted\n"
	"                     (with --json: one object per line)\n";

int cmd_stats(int argc, char **argv)
{
	struct snapshot *cur = NULL, *prev = NULL, *tmp;
	struct fwctl_state s;
	struct fwctl_err e = {};
	double interval = 0;
	bool json = false, tty = isatty(STDOUT_FILENO);
	char *end;
	int i, err;

	for (i = 1; i < argc; i++) {
		if (is_help(argv[i]))
			return command_help("stats", "[--json] [--watch SECONDS]", stats_help);
		if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "--watch") || !strcmp(argv[i], "-w")) {
			if (++i == argc)
				return usage_error("stats", "missing SECONDS after '%s'", argv[i - 1]);
			interval = strtod(argv[i], &end);
			if (*end || end == argv[i] || !(interval >= 0.1 && interval <= 3600))
				return usage_error("stats", "invalid interval '%s' (0.1 to 3600 seconds)",
						   argv[i]);
		} else {
			return usage_error("stats", "unexpected argument '%s'", argv[i]);
		}
	}
	if (state_open(&s, &e))
		return runtime_error("stats", &e);
	/* Counters need no lock: readers must not stall a rule change. */
	state_unlock(s.lock_fd);
	s.lock_fd = -1;

	cur = malloc(sizeof(*cur));
	prev = interval ? malloc(sizeof(*prev)) : NULL;
	err = cur && (prev || !interval) ? 0 : -ENOMEM;
	if (err) {
		fwctl_err_set(&e, "out of memory");
		goto out;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	for (i = 0; !stop; i++) {
		err = snapshot_read(&s.maps, cur, &e);
		if (err)
			break;
		if (interval && tty && !json)
			printf("\033[H\033[2J");	/* redraw in place */
		if (json)
			print_json(&s.cfg, cur, i ? prev : NULL);
		else
			print_table(&s.cfg, cur, i ? prev : NULL);
		fflush(stdout);
		if (!interval)
			break;
		if (!tty && !json)
			printf("\n");
		tmp = prev;
		prev = cur;
		cur = tmp;
		usleep((useconds_t)(interval * 1e6));
	}
out:
	free(cur);
	free(prev);
	state_close(&s);
	return err ? runtime_error("stats", &e) : 0;
}
