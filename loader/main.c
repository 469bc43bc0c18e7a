// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - fwctl's entry point: global options, command dispatch, help,
 * and the error messages every command prints. Commands may be
 * abbreviated to a unique prefix: "fwctl det" is detach, "fwctl r l" is
 * rules list; "fwctl sta" is ambiguous (status or stats).
 */
#include <langinfo.h>
#include <locale.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include <json-c/json.h>
#include <xdp/libxdp.h>
#include "fwctl.h"
#include "cli.h"
#include "conntrack.h"

bool cli_json;

static int cmd_help(int argc, char **argv);

static const struct command commands[] = {
	{ "attach", cmd_attach, "[-m native|skb] IF_IN IF_OUT",
	  "attach the filter between two interfaces" },
	{ "detach", cmd_detach, "", "detach from both interfaces and remove every pin" },
	{ "status", cmd_status, "[-j]", "interfaces, mode, programs, policy, rules, uptime" },
	{ "rules", cmd_rules, "add|del|list|load|save|check",
	  "the ordered allow/deny rules" },
	{ "policy", cmd_policy, "[-j] [drop|accept]", "show or set the default policy" },
	{ "stats", cmd_stats, "[-j|-p] [-w SECONDS] [-r]", "per-rule and per-direction counters" },
	{ "metrics", cmd_metrics, "-l ADDR:PORT | -t DIR [-i S]",
	  "serve the counters to Prometheus" },
	{ "trace", cmd_trace, "[--level 1|2] [--verdict V] [--reason R] [--rule ID] [--proto P] "
	  "[--in IF] [--rate N] [--count N] [-w FILE] [-j]",
	  "show the frames the filter sees, with verdicts" },
	{ "check", cmd_check, "FILE [--in IF] [--expect forward|drop] [-j]",
	  "run a capture through the live rules" },
	{ "ct", cmd_ct, "list|flush|stats|timeout", "connection tracking: flows, timeouts" },
	{ "help", cmd_help, "[COMMAND [SUBCOMMAND]]", "this help, or a command's" },
	{ NULL, NULL, NULL, NULL },
};

static void print_usage(FILE *f)
{
	const struct command *c;

	fprintf(f, "Usage: fwctl [-v|-vv] [-w SECONDS] COMMAND [ARGS]\n"
		   "       fwctl -h | -V | help [COMMAND] | COMMAND -h\n\n"
		   "An XDP packet filter between two interfaces.\n\nCommands (or a unique prefix):\n");
	for (c = commands; c->name; c++)
		fprintf(f, "  %-7s %-30s %s\n", c->name, c->args, c->summary);
	fprintf(f, "\nOptions (before COMMAND):\n"
		   "  -v, --verbose       info messages: what fwctl did (program ids, libxdp\n"
		   "                      without its dispatcher); -vv also libbpf's and\n"
		   "                      libxdp's own output, debug included (the verifier\n"
		   "                      log on failure)\n"
		   "  -w, --wait SECONDS  wait up to SECONDS (default %d) while another fwctl\n"
		   "                      holds the lock, saying so after 1 s; 0: fail at once\n"
		   "  -h, --help          this help\n"
		   "  -V, --version       print the version\n\n"
		   "Each command's options: 'fwctl help COMMAND'. '--' ends the options.\n"
		   "Exit status: 0 success, 1 runtime failure, 2 usage error.\n"
		   "See fwctl(8) for details.\n", FWCTL_LOCK_WAIT_DEFAULT);
}

/*
 * libbpf's and libxdp's own messages only with -vv: with -v their probes
 * (libxdp tries its dispatcher and falls back) look like failures. fwctl
 * reports real failures itself.
 */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	(void)level;
	if (fwctl_verbose < 2)
		return 0;
	return vfprintf(stderr, fmt, args);
}

static int libxdp_print(enum libxdp_print_level level, const char *fmt, va_list args)
{
	static bool said;

	/* What the fallback means for the user, once (-v), in fwctl's words. */
	if (level == LIBXDP_INFO && strstr(fmt, "Falling back to loading single prog") && !said) {
		fwctl_info("libxdp cannot use its dispatcher on this kernel: fwctl's program is "
			   "attached alone, and no other XDP program can share its interfaces");
		said = true;
	}
	if (fwctl_verbose < 2)
		return 0;
	return vfprintf(stderr, fmt, args);
}

static void json_error(const char *msg)
{
	json_object *o = json_object_new_object();

	json_add(o, "error", json_str(msg));
	json_print(o);
}

static int print_error(const char *cmd, const char *msg, int status)
{
	fprintf(stderr, "fwctl%s%s: %s\n", cmd ? " " : "", cmd ? cmd : "", msg);
	if (cli_json)
		json_error(msg);
	return status;
}

int usage_error(const char *cmd, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return print_error(cmd, msg, EXIT_USAGE);
}

int runtime_error(const char *cmd, const struct fwctl_err *e)
{
	return print_error(cmd, e->msg[0] ? e->msg : "failed", EXIT_RUNTIME);
}

int command_help(const char *cmd, const char *args, const char *text)
{
	printf("Usage: fwctl %s %s\n\n%s", cmd, args, text);
	return 0;
}

/* "add, del, flush or list" */
static void list_names(const struct command *table, char *buf, size_t len)
{
	const struct command *c;
	size_t n = 0;

	buf[0] = '\0';
	for (c = table; c->name && n < len; c++)
		n += snprintf(buf + n, len - n, "%s%s", c == table ? "" : c[1].name ? ", " : " or ",
			      c->name);
}

const struct command *command_find(const struct command *table, const char *name,
				   const char *what)
{
	const struct command *c, *found = NULL;
	size_t len = strlen(name);
	char names[160];

	for (c = table; c->name; c++) {
		if (!strcmp(c->name, name))
			return c;
		if (len && !strncmp(c->name, name, len)) {
			if (found) {
				usage_error(NULL, "ambiguous %s '%s': %s or %s?", what, name,
					    found->name, c->name);
				return NULL;
			}
			found = c;
		}
	}
	if (!found) {
		list_names(table, names, sizeof(names));
		usage_error(NULL, "unknown %s '%s': %s", what, name, names);
	}
	return found;
}

int command_dispatch(const char *cmd, const struct command *table, int argc, char **argv,
		     int (*help)(void), const char *names)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct command *c;
	char name[32], what[32];
	int opt;

	/* '+': options before the subcommand are the dispatcher's. */
	for (optind = 0; (opt = cli_opt(cmd, argc, argv, "+:h", opts)) != -1;) {
		if (opt != 'h')
			return EXIT_USAGE;
		return help();
	}
	if (optind == argc)
		return usage_error(cmd, "missing command: %s (see 'fwctl %s --help')", names, cmd);
	snprintf(what, sizeof(what), "%s command", cmd);
	c = command_find(table, argv[optind], what);
	if (!c)
		return EXIT_USAGE;
	snprintf(name, sizeof(name), "%s %s", cmd, c->name);
	argv[optind] = name;	/* messages say "fwctl rules add: ..." */
	argc -= optind;
	argv += optind;
	optind = 0;
	return c->run(argc, argv);
}

/* Is c one of the short options in shorts (not an argument marker)? */
static bool is_short(const char *shorts, int c)
{
	const char *p = c > 0 && c < 256 && c != ':' && c != '+' ? strchr(shorts, c) : NULL;

	return p != NULL;
}

int cli_opt(const char *cmd, int argc, char **argv, const char *shorts,
	    const struct option *longs)
{
	char one[3] = { '-', 0, 0 };
	const char *tok;
	int c;

	opterr = 0;
	c = getopt_long(argc, argv, shorts, longs, NULL);
	if (c != '?' && c != ':')
		return c;
	/*
	 * Name the option as written. A long option always ends its argv
	 * element; a short one may sit in a cluster ("-jx"), named alone.
	 * optopt: 0 for an unknown long option, the bad character for an
	 * unknown short one, else the option's value.
	 */
	tok = argv[optind - 1];
	one[1] = (char)optopt;
	if (c == ':') {
		if (strncmp(tok, "--", 2))
			tok = one;
		usage_error(cmd, "missing value after '%s'", tok);
	} else if (optopt && (is_short(shorts, optopt) || optopt >= 256)) {
		usage_error(cmd, "option '%s' takes no value", tok);
	} else {
		usage_error(cmd, "unknown option '%s' (see 'fwctl %s%s--help')", optopt ? one : tok,
			    cmd ? cmd : "", cmd ? " " : "");
	}
	return '?';
}

/* Errors before the command has parsed --json are JSON too when it is there. */
static void scan_for_json(int argc, char **argv)
{
	size_t len;
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		len = strlen(argv[i]);
		if (!strcmp(argv[i], "-j") || (len >= 3 && !strncmp(argv[i], "--json", len)))
			cli_json = true;
	}
}

/* fwctl help [COMMAND [SUBCOMMAND]]: that command's --help. */
static int cmd_help(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct command *c;
	char *args[4] = {};
	int opt, n;

	for (optind = 0; (opt = cli_opt("help", argc, argv, ":h", opts)) != -1;) {
		if (opt != 'h')
			return EXIT_USAGE;
		print_usage(stdout);
		return 0;
	}
	n = argc - optind;
	if (n == 0) {
		print_usage(stdout);
		return 0;
	}
	if (n > 2)
		return usage_error("help", "unexpected argument '%s'", argv[optind + 2]);
	c = command_find(commands, argv[optind], "command");
	if (!c)
		return EXIT_USAGE;
	if (c->run == cmd_help) {
		print_usage(stdout);
		return 0;
	}
	args[0] = (char *)c->name;
	args[1] = n == 2 ? argv[optind + 1] : "--help";
	args[2] = n == 2 ? "--help" : NULL;
	optind = 0;
	return c->run(n + 1, args);
}

/* Tables are aligned by display width: that needs a UTF-8 locale for wcwidth(). */
static void set_locale(void)
{
	if (!setlocale(LC_CTYPE, "") || strcmp(nl_langinfo(CODESET), "UTF-8"))
		setlocale(LC_CTYPE, "C.UTF-8");
}

/* -w SECONDS, --wait SECONDS, --wait=SECONDS: how long to wait for the lock. */
static int parse_wait(const char *v)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || end == v || *end || n < 0 || n > 86400)
		return usage_error(NULL, "invalid --wait '%s' (whole seconds, 0 to 86400)", v);
	fwctl_lock_wait = (int)n;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "wait", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 },
	};
	const struct command *c;
	int opt;

	set_locale();
	/* '+': the first operand is the command; its options are its own. */
	while ((opt = cli_opt(NULL, argc, argv, "+:hvVw:", opts)) != -1) {
		switch (opt) {
		case 'v':
			fwctl_verbose++;
			break;
		case 'h':
			print_usage(stdout);
			return 0;
		case 'w':
			if (parse_wait(optarg))
				return EXIT_USAGE;
			break;
		case 'V':
			return print_version();
		default:
			return EXIT_USAGE;
		}
	}
	if (optind == argc) {
		print_usage(stderr);
		return EXIT_USAGE;
	}
	libbpf_set_print(libbpf_print);
	libxdp_set_print(libxdp_print);

	argc -= optind;
	argv += optind;
	scan_for_json(argc, argv);
	c = command_find(commands, argv[0], "command");
	if (!c)
		return EXIT_USAGE;
	optind = 0;
	return c->run(argc, argv);
}
