// SPDX-License-Identifier: GPL-2.0
/*
 * prom.c - one snapshot of the counters (cmd_stats.c) in the Prometheus
 * text exposition format, version 0.0.4: what `stats --prometheus` prints,
 * `metrics --listen` serves and `metrics --textfile` writes. Names, labels
 * and units follow the Prometheus conventions: fwctl_ prefix, counters end
 * in _total, one HELP and one TYPE line per family, no timestamps.
 */
#include <errno.h>
#include <stdio.h>
#include "cli.h"

/* Label values of reason, for drops: the reason names of `stats`. */
static const char *const drop_reasons[FWCTL_DROP_REASON_COUNT] = {
	[FWCTL_DROP_POLICY] = "policy",
	[FWCTL_DROP_MALFORMED] = "malformed",
	[FWCTL_DROP_FRAGMENT] = "fragment",
	[FWCTL_DROP_UNKNOWN_ETHERTYPE] = "unknown_ethertype",
	[FWCTL_DROP_REDIRECT_ERROR] = "redirect_error",
	[FWCTL_DROP_RULE] = "rule",
};

/* "# HELP" and "# TYPE" of a family. help has no backslash or newline. */
static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* name="value" after sep ("{" or ","). */
static void label(FILE *f, char sep, const char *name, const char *value)
{
	fprintf(f, "%c%s=\"", sep, name);
	prom_label_value(f, value);
	fputc('"', f);
}

static void sample_end(FILE *f, __u64 v)
{
	fprintf(f, "} %llu\n", (unsigned long long)v);
}

/* The labels every per-direction sample starts with. */
static void dir_labels(FILE *f, const char *name, const struct fwctl_config *cfg, int d)
{
	fputs(name, f);
	label(f, '{', "interface", cfg->ifname[d]);
	label(f, ',', "direction", dir_key(d));
}

/* fwctl_packets_total or fwctl_bytes_total: every frame once, by verdict. */
static void traffic(FILE *f, const struct fwctl_config *cfg, const struct snapshot *s, bool bytes)
{
	const char *name = bytes ? "fwctl_bytes_total" : "fwctl_packets_total";
	int d, i;

	if (bytes)
		family(f, name, "counter", "Bytes of the frames the XDP program received (their "
		       "length at the driver), by the interface they arrived on, direction, "
		       "verdict and reason (forward: what decided it; drop: the reason of "
		       "fwctl stats).");
	else
		family(f, name, "counter", "Frames the XDP program received, by the interface "
		       "they arrived on, direction, verdict and reason (forward: what decided it; "
		       "drop: the reason of fwctl stats).");
	for (d = 0; d < FWCTL_DIR_COUNT; d++) {
		const struct fwctl_dir_stats *st = &s->dir[d];

		for (i = 0; i < FWCTL_FWD_REASON_COUNT; i++) {
			dir_labels(f, name, cfg, d);
			label(f, ',', "verdict", "forward");
			label(f, ',', "reason", fwd_reason_key(i));
			sample_end(f, bytes ? st->fwd_reason_bytes[i] : st->fwd_reason_packets[i]);
		}
		for (i = 0; i < FWCTL_DROP_REASON_COUNT; i++) {
			dir_labels(f, name, cfg, d);
			label(f, ',', "verdict", "drop");
			label(f, ',', "reason", drop_reasons[i]);
			sample_end(f, bytes ? st->drop_bytes[i] : st->drop_packets[i]);
		}
	}
}

/* fwctl_rule_packets_total or fwctl_rule_bytes_total, in list order. */
static void rules(FILE *f, const struct snapshot *s, bool bytes)
{
	const char *name = bytes ? "fwctl_rule_bytes_total" : "fwctl_rule_packets_total";
	char id[16];
	unsigned int i;

	family(f, name, "counter", bytes ?
	       "Bytes of the frames each rule decided (allow: forwarded, deny: dropped), "
	       "both directions; rule is its canonical text." :
	       "Frames each rule decided (allow: forwarded, deny: dropped), both "
	       "directions; rule is its canonical text.");
	for (i = 0; i < s->rs.n; i++) {
		const struct ruleset_entry *en = &s->rs.v[i];
		const struct fwctl_rule_stats *c = &s->rules[en->id];

		snprintf(id, sizeof(id), "%u", en->id);
		fputs(name, f);
		label(f, '{', "rule_id", id);
		label(f, ',', "rule", en->text);
		sample_end(f, bytes ? c->bytes : c->packets);
	}
}

/*
 * fwctl_tx_total: what the kernel did with forwarded frames. In skb mode
 * it transmits them through the stack and reports only redirect errors:
 * sent and dropped are absent there (unknown, which is not 0; a NaN
 * counter would break rate()).
 */
static void tx(FILE *f, const struct fwctl_config *cfg, const struct snapshot *s)
{
	bool skb = cfg->mode == FWCTL_MODE_SKB;
	int d;

	family(f, "fwctl_tx_total", "counter", "Forwarded frames after the program, as the "
	       "kernel reports them, by the interface they arrived on and direction: sent "
	       "(handed to the driver), dropped (refused by it), redirect_error. sent and "
	       "dropped are absent in skb mode, where the kernel does not report them.");
	for (d = 0; d < FWCTL_DIR_COUNT; d++) {
		if (!skb) {
			dir_labels(f, "fwctl_tx_total", cfg, d);
			label(f, ',', "result", "sent");
			sample_end(f, s->tx[d].xmit_sent);
			dir_labels(f, "fwctl_tx_total", cfg, d);
			label(f, ',', "result", "dropped");
			sample_end(f, s->tx[d].xmit_drops);
		}
		dir_labels(f, "fwctl_tx_total", cfg, d);
		label(f, ',', "result", "redirect_error");
		sample_end(f, s->tx[d].redirect_errors);
	}
}

int prom_write(FILE *f, const struct fwctl_config *cfg, const struct snapshot *s)
{
	family(f, "fwctl_info", "gauge", "Always 1: the version of fwctl and the attach mode.");
	fputs("fwctl_info", f);
	label(f, '{', "version", FWCTL_VERSION);
	label(f, ',', "mode", mode_name(cfg->mode));
	fputs("} 1\n", f);
	family(f, "fwctl_rules", "gauge", "Rules in the rule set.");
	fprintf(f, "fwctl_rules %u\n", s->rs.n);
	traffic(f, cfg, s, false);
	traffic(f, cfg, s, true);
	rules(f, s, false);
	rules(f, s, true);
	tx(f, cfg, s);
	family(f, "fwctl_trace_lost_total", "counter", "Trace records lost, summed over every "
	       "trace, by cause: rate_limit (over the trace's --rate), ring_full (no room in "
	       "its ring buffer).");
	fprintf(f, "fwctl_trace_lost_total{cause=\"rate_limit\"} %llu\n",
		(unsigned long long)s->trace_lost_rate_limit);
	fprintf(f, "fwctl_trace_lost_total{cause=\"ring_full\"} %llu\n",
		(unsigned long long)s->trace_lost_ring_full);
	return ferror(f) ? -EIO : 0;
}
