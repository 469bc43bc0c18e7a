/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cli.h - the command layer: one handler per command (cmd_*.c), each taking
 * its argv (argv[0] is the command's name) and returning the exit status.
 * Options follow getopt_long conventions: "--watch 1", "--watch=1", "-w1",
 * long options abbreviated to a unique prefix, options and operands in any
 * order, "--" ends the options.
 */
#ifndef FWCTL_CLI_H
#define FWCTL_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <time.h>
#include "fwctl.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *args;
	const char *summary;
};

/* --json was given: errors are also printed as {"error": "..."} on stdout. */
extern bool cli_json;

/* Print "fwctl CMD: message" on stderr; return EXIT_USAGE. */
int usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print "fwctl CMD: e->msg" on stderr; return EXIT_RUNTIME. */
int runtime_error(const char *cmd, const struct fwctl_err *e);
/* Print a command's help on stdout; return 0. */
int command_help(const char *cmd, const char *args, const char *text);
/* fwctl --version: fwctl's, libbpf's and libxdp's versions on stdout; 0. */
int print_version(void);
/* Exact name or unique prefix; prints the usage error itself when NULL. */
const struct command *command_find(const struct command *table, const char *name,
				   const char *what);

/*
 * A command of subcommands (rules, ct): -h/--help before the subcommand
 * runs help(); else the subcommand (exact name or unique prefix) of table
 * runs with its own argv ("fwctl CMD SUB: ..." in messages). names lists
 * them for the message when none is given.
 */
int command_dispatch(const char *cmd, const struct command *table, int argc, char **argv,
		     int (*help)(void), const char *names);

/*
 * getopt_long() over a command's argv with fwctl's messages: the option's
 * value, -1 after the last option (operands from argv[optind]), or '?'
 * once the usage error is printed (return EXIT_USAGE). Start each command's
 * parse with optind = 0.
 */
int cli_opt(const char *cmd, int argc, char **argv, const char *shorts,
	    const struct option *longs);

/* --- cmd_stats.c: the counters, read once for stats and metrics ---------- */

/* Everything stats shows, read at one instant. */
struct snapshot {
	struct fwctl_dir_stats dir[FWCTL_DIR_COUNT];
	struct fwctl_tx_stats tx[FWCTL_DIR_COUNT];
	struct ruleset rs;		/* the rule list, policy included */
	struct fwctl_rule_stats *rules;	/* counters by id, [0, n_ids) */
	const char **key_by_id;		/* rule identity by id (NULL: no rule) */
	__u32 n_ids;
	/* Trace records lost, summed over every trace (snapshot_trace_lost). */
	__u64 trace_lost_rate_limit, trace_lost_ring_full;
	double t;		/* CLOCK_MONOTONIC seconds: for rates */
	struct timespec real;	/* CLOCK_REALTIME: the timestamp shown */
};

/* Read every counter and the rule list into s (zeroed or read before). */
int snapshot_read(const struct fwctl_state *st, struct snapshot *s, struct fwctl_err *e);
void snapshot_free(struct snapshot *s);
/*
 * 0 while the maps st holds are still the attached filter's; after a
 * detach (or a detach and attach) a one-line reason to stop, and < 0.
 */
int still_attached(const struct fwctl_state *st, struct fwctl_err *e);

/* --- prom.c: the Prometheus text exposition format (version 0.0.4) ------ */

/* Content-Type of what prom_write() writes, for HTTP. */
#define PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"
/* Every metric family of s; 0, or -EIO if f failed. */
int prom_write(FILE *f, const struct fwctl_config *cfg, const struct snapshot *s);

int cmd_attach(int argc, char **argv);
int cmd_detach(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_rules(int argc, char **argv);
int cmd_policy(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_metrics(int argc, char **argv);
int cmd_trace(int argc, char **argv);	/* cmd_trace.c */
int cmd_check(int argc, char **argv);	/* cmd_check.c */

#endif /* FWCTL_CLI_H */
