// SPDX-License-Identifier: GPL-2.0
/*
 * prom_test.c - build/tests/metrics: prom_write() on made-up snapshots,
 * for what frames through the program cannot reach: label values with a
 * newline, bytes that are not UTF-8, skb mode's missing transmit counts,
 * and the forward split when ARP/ND is most of it. No root needed.
 * Prints PASS:/FAIL: lines (tests/run.sh); exit 1 if any failed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

static int failed;

/* The output goes to stderr when a check fails: the FAIL line stays one line. */
static void check(bool ok, const char *what, const char *out)
{
	if (ok) {
		printf("PASS: %s\n", what);
		return;
	}
	printf("FAIL: %s: not in the output (on stderr)\n", what);
	fputs(out, stderr);
	failed = 1;
}

/* prom_write() of s into a malloc'ed string. */
static char *render(const struct fwctl_config *cfg, const struct snapshot *s)
{
	char *buf = NULL;
	size_t len;
	FILE *f = open_memstream(&buf, &len);

	if (!f || prom_write(f, cfg, s) || fclose(f)) {
		fprintf(stderr, "prom_write failed\n");
		exit(1);
	}
	return buf;
}

static bool has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	const char *p;

	for (p = text; (p = strstr(p, line)); p += n)
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return true;
	return false;
}

int main(void)
{
	struct fwctl_config cfg = { .mode = FWCTL_MODE_NATIVE };
	struct fwctl_rule_stats counts[3] = { {}, {}, { 7, 420 } };
	struct ruleset_entry rule = { .id = 2, .text = "deny udp comment \"x\\\\y\"" };
	struct snapshot s = { .rules = counts, .n_ids = 3 };
	char *out;

	/* Interface names come from the kernel: any byte but '/', ':' and space. */
	strcpy(cfg.ifname[0], "in\"q\\b\n\xff");
	strcpy(cfg.ifname[1], "out");
	s.rs.v = &rule;
	s.rs.n = 1;
	s.dir[0].fwd_reason_packets[FWCTL_FWD_ARP_ND] = 9;
	s.dir[0].fwd_reason_bytes[FWCTL_FWD_ARP_ND] = 540;
	s.dir[0].fwd_reason_packets[FWCTL_FWD_POLICY] = 1;
	s.dir[0].fwd_reason_bytes[FWCTL_FWD_POLICY] = 460;
	fwctl_dir_stats_totals(&s.dir[0]);
	s.dir[1].drop_packets[FWCTL_DROP_RULE] = 7;
	s.dir[1].drop_bytes[FWCTL_DROP_RULE] = 420;
	s.tx[0] = (struct fwctl_tx_stats){ .xmit_sent = 5, .xmit_drops = 4, .redirect_errors = 3 };

	out = render(&cfg, &s);
	check(has_line(out, "fwctl_packets_total{interface=\"in\\\"q\\\\b\\n\xef\xbf\xbd\","
			    "direction=\"input_to_output\",verdict=\"forward\",reason=\"arp-nd\"} 9"),
	      "label values: \\\" \\\\ \\n escaped, a byte that is not UTF-8 is U+FFFD", out);
	check(has_line(out, "fwctl_packets_total{interface=\"out\",direction=\"output_to_input\","
			    "verdict=\"drop\",reason=\"rule\"} 7") &&
	      has_line(out, "fwctl_bytes_total{interface=\"out\",direction=\"output_to_input\","
			    "verdict=\"drop\",reason=\"rule\"} 420"),
	      "drops by reason, packets and bytes", out);
	check(strstr(out, "verdict=\"forward\",reason=\"policy\"} 1\n") &&
	      strstr(out, "verdict=\"forward\",reason=\"policy\"} 460\n") &&
	      strstr(out, "verdict=\"forward\",reason=\"arp-nd\"} 540\n") &&
	      strstr(out, "verdict=\"forward\",reason=\"rule\"} 0\n"),
	      "forwards by what decided them, packets and bytes", out);
	check(has_line(out, "fwctl_rule_packets_total{rule_id=\"2\",rule=\"deny udp comment "
			    "\\\"x\\\\\\\\y\\\"\"} 7") &&
	      has_line(out, "fwctl_rule_bytes_total{rule_id=\"2\",rule=\"deny udp comment "
			    "\\\"x\\\\\\\\y\\\"\"} 420"),
	      "rule counters labelled with id and canonical text, escaped", out);
	check(strstr(out, "result=\"sent\"} 5\n") && strstr(out, "result=\"dropped\"} 4\n") &&
	      strstr(out, "result=\"redirect_error\"} 3\n"),
	      "native mode: tx sent, dropped and redirect_error", out);
	check(has_line(out, "fwctl_rules 1") && has_line(out, "# TYPE fwctl_rules gauge"),
	      "fwctl_rules gauge", out);
	free(out);

	cfg.mode = FWCTL_MODE_SKB;
	out = render(&cfg, &s);
	check(!strstr(out, "result=\"sent\"") && !strstr(out, "result=\"dropped\"") &&
	      strstr(out, "result=\"redirect_error\"} 3\n") &&
	      has_line(out, "fwctl_info{version=\"" FWCTL_VERSION "\",mode=\"skb\"} 1"),
	      "skb mode: no sent or dropped series (unknown), redirect_error kept", out);
	free(out);
	return failed;
}
