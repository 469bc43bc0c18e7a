// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - fwctl's entry point: global options and command dispatch.
 * Commands may be abbreviated to any unique prefix ("fwctl st" is
 * ambiguous, "fwctl sta" is status).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
#include "fwctl.h"
#include "cli.h"

int fwctl_verbose;

static const struct command commands[] = {
	{ "attach", cmd_attach, "[--mode native|skb] IF_IN IF_OUT",
	  "attach the filter between two interfaces" },
	{ "detach", cmd_detach, "", "detach from both interfaces and remove every pin" },
	{ "status", cmd_status, "[--json]", "interfaces, mode, programs, policy, rules, uptime" },
	{ "rules", cmd_rules, "add|del|flush|list ...", "manage the allow rules" },
	{ "policy", cmd_policy, "[drop|accept]", "show or set the default policy" },
	{ "stats", cmd_stats, "[--json] [--watch SECONDS]", "per-rule and per-direction counters" },
	{ NULL, NULL, NULL, NULL },
};

static void print_usage(FILE *f)
{
	const struct command *c;

	fprintf(f, "Usage: fwctl [-v] [-w SECONDS] COMMAND [ARGS]\n"
		   "       fwctl --help | --version | COMMAND --help\n\n"
		   "An XDP packet filter between two interfaces.\n\nCommands:\n");
	for (c = commands; c->name; c++)
		fprintf(f, "  %-8s %-34s %s\n", c->name, c->args, c->summary);
	fprintf(f, "\nOptions:\n"
		   "  -v, --verbose       show libbpf and libxdp messages (verifier log on failure)\n"
		   "  -w, --wait SECONDS  wait up to SECONDS (default %d) while another fwctl holds\n"
		   "                      the lock, saying so after 1 s; 0: fail at once\n"
		   "  -h, --help          this help\n"
		   "  -V, --version       print the version\n\n"
		   "Exit status: 0 success, 1 runtime failure, 2 usage error.\n"
		   "See fwctl(8) for details.\n", FWCTL_LOCK_WAIT_DEFAULT);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	(void)level;	/* warnings too: fwctl reports failures itself */
	if (!fwctl_verbose)
		return 0;
	return vfprintf(stderr, fmt, args);
}

static int libxdp_print(enum libxdp_print_level level, const char *fmt, va_list args)
{
	(void)level;
	if (!fwctl_verbose)
		return 0;
	return vfprintf(stderr, fmt, args);
}

int usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fwctl%s%s: ", cmd ? " " : "", cmd ? cmd : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_USAGE;
}

int runtime_error(const char *cmd, const struct fwctl_err *e)
{
	fprintf(stderr, "fwctl %s: %s\n", cmd, e->msg[0] ? e->msg : "failed");
	return EXIT_RUNTIME;
}

int command_help(const char *cmd, const char *args, const char *text)
{
	printf("Usage: fwctl %s %s\n\n%s", cmd, args, text);
	return 0;
}

bool is_help(const char *arg)
{
	return !strcmp(arg, "-h") || !strcmp(arg, "--help");
}

const struct command *command_find(const struct command *table, const char *name,
				   const char *what)
{
	const struct command *c, *found = NULL;
	size_t len = strlen(name);

	for (c = table; c->name; c++) {
		if (!strcmp(c->name, name))
			return c;
		if (len && !strncmp(c->name, name, len)) {
			if (found) {
				usage_error(NULL, "ambiguous %s '%s' (%s or %s?)", what, name,
					    found->name, c->name);
				return NULL;
			}
			found = c;
		}
	}
	if (!found)
		usage_error(NULL, "unknown %s '%s' (see 'fwctl --help')", what, name);
	return found;
}

/* -w SECONDS, --wait SECONDS, --wait=SECONDS: how long to wait for the lock. */
static int parse_wait(int argc, char **argv, int *i)
{
	const char *v = !strncmp(argv[*i], "--wait=", 7) ? argv[*i] + 7 : NULL;
	char *end;
	long n;

	if (!v && ++*i == argc)
		return usage_error(NULL, "missing SECONDS after '%s'", argv[*i - 1]);
	if (!v)
		v = argv[*i];
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || end == v || *end || n < 0 || n > 86400)
		return usage_error(NULL, "invalid --wait '%s' (whole seconds, 0 to 86400)", v);
	fwctl_lock_wait = (int)n;
	return 0;
}

int main(int argc, char **argv)
{
	const struct command *c;
	int i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose")) {
			fwctl_verbose = 1;
		} else if (is_help(argv[i])) {
			print_usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "-w") || !strcmp(argv[i], "--wait") ||
			   !strncmp(argv[i], "--wait=", 7)) {
			if (parse_wait(argc, argv, &i))
				return EXIT_USAGE;
		} else if (!strcmp(argv[i], "-V") || !strcmp(argv[i], "--version")) {
			printf("fwctl %s (libbpf %s, libxdp)\n", FWCTL_VERSION, libbpf_version_string());
			return 0;
		} else {
			return usage_error(NULL, "unknown option '%s' (see 'fwctl --help')", argv[i]);
		}
	}
	if (i == argc) {
		print_usage(stderr);
		return EXIT_USAGE;
	}
	libbpf_set_print(libbpf_print);
	libxdp_set_print(libxdp_print);

	c = command_find(commands, argv[i], "command");
	if (!c)
		return EXIT_USAGE;
	return c->run(argc - i, argv + i);
}
