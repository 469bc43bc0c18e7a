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
/* Exact name or unique prefix; prints the usage error itself when NULL. */
const struct command *command_find(const struct command *table, const char *name,
				   const char *what);

/*
 * getopt_long() over a command's argv with fwctl's messages: the option's
 * value, -1 after the last option (operands from argv[optind]), or '?'
 * once the usage error is printed (return EXIT_USAGE). Start each command's
 * parse with optind = 0.
 */
int cli_opt(const char *cmd, int argc, char **argv, const char *shorts,
	    const struct option *longs);

int cmd_attach(int argc, char **argv);
int cmd_detach(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_rules(int argc, char **argv);
int cmd_policy(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_trace(int argc, char **argv);	/* cmd_trace.c */
int cmd_check(int argc, char **argv);	/* cmd_check.c */

#endif /* FWCTL_CLI_H */
