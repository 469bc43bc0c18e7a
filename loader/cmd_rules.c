// SPDX-License-Identifier: GPL-2.0
/* cmd_rules.c - fwctl rules add|del|flush|list, and fwctl policy. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "cli.h"

static const char rule_syntax[] =
	"A rule is PROTO [PORT|LO-HI]: PROTO is tcp, udp, icmp, icmpv6 or an IP\n"
	"protocol number (0-255); a port (1-65535) or an inclusive range, only for\n"
	"tcp and udp. A port rule matches a packet whose source OR destination port\n"
	"is in range, so 'tcp 7070' passes connections to port 7070 both ways, with\n"
	"their replies. Without ports the rule matches every packet of the protocol,\n"
	"fragments included. Rules apply to IPv4 and IPv6 alike.\n";

/* Read "PROTO [PORT|LO-HI]" lines ('#' comments, blank lines skipped). */
static int read_rules_file(const char *path, struct fwctl_rule **out, int *n_out)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	struct fwctl_rule *rules = NULL, *tmp;
	struct fwctl_err e = {};
	char line[256], *p;
	int n = 0, cap = 0, lineno = 0;

	if (!f)
		return usage_error("rules add", "cannot open '%s': %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		if ((p = strchr(line, '#')))
			*p = '\0';
		for (p = line; *p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'; p++)
			;
		if (!*p)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			tmp = realloc(rules, sizeof(*rules) * cap);
			if (!tmp) {
				free(rules);
				return usage_error("rules add", "out of memory");
			}
			rules = tmp;
		}
		if (rule_parse_line(p, &rules[n], &e)) {
			free(rules);
			if (f != stdin)
				fclose(f);
			return usage_error("rules add", "%s:%d: %s", path, lineno, e.msg);
		}
		n++;
	}
	if (f != stdin)
		fclose(f);
	*out = rules;
	*n_out = n;
	return 0;
}

static const char add_help[] =
	"Add a rule; it takes effect at once, without reload. A file is added\n"
	"all or nothing.\n\n"
	"Options:\n"
	"  -f, --file FILE  one rule per line ('#' comments; '-' for stdin)\n"
	"  -h, --help       this help\n\n";

static int rules_add(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct fwctl_rule one, *rules = &one;
	const char *file = NULL;
	struct fwctl_state s;
	struct fwctl_err e = {};
	char text[64];
	__u32 id;
	int n = 1, opt, err;

	for (optind = 0; (opt = cli_opt("rules add", argc, argv, ":f:h", opts)) != -1;) {
		if (opt == 'h') {
			printf("Usage: fwctl rules add PROTO [PORT|LO-HI]\n"
			       "       fwctl rules add -f|--file FILE\n\n%s%s", add_help, rule_syntax);
			return 0;
		}
		if (opt != 'f')
			return EXIT_USAGE;
		file = optarg;
	}
	if (file) {
		if (optind < argc)
			return usage_error("rules add", "unexpected argument '%s' (a rule and --file "
					   "do not go together)", argv[optind]);
		err = read_rules_file(file, &rules, &n);
		if (err)
			return err;
	} else if (rule_parse(argc - optind, argv + optind, &one, &e)) {
		return usage_error("rules add", "%s", e.msg);
	}

	err = state_open_for_rule_change(&s, &e);
	if (!err) {
		err = ruleset_add(&s.maps, rules, n, n == 1 ? &id : NULL, &e);
		state_close(&s);
	}
	if (rules != &one)
		free(rules);
	if (err)
		return runtime_error("rules add", &e);
	if (file) {
		printf("added %d rule%s from %s\n", n, n == 1 ? "" : "s", file);
	} else {
		rule_format(&one, text, sizeof(text));
		printf("added rule %u: %s\n", id, text);
	}
	return 0;
}

static int rules_del(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct fwctl_rule rule;
	struct fwctl_state s;
	struct fwctl_err e = {};
	char text[64];
	__u32 id;
	int opt, err;

	for (optind = 0; (opt = cli_opt("rules del", argc, argv, ":h", opts)) != -1;) {
		if (opt != 'h')
			return EXIT_USAGE;
		printf("Usage: fwctl rules del PROTO [PORT|LO-HI]\n\n"
		       "Delete the rule written exactly so (as 'fwctl rules list' shows it).\n\n"
		       "Options:\n  -h, --help  this help\n");
		return 0;
	}
	if (rule_parse(argc - optind, argv + optind, &rule, &e))
		return usage_error("rules del", "%s", e.msg);
	err = state_open_for_rule_change(&s, &e);
	if (!err) {
		err = ruleset_del(&s.maps, &rule, &id, &e);
		state_close(&s);
	}
	if (err)
		return runtime_error("rules del", &e);
	rule_format(&rule, text, sizeof(text));
	printf("deleted rule %u: %s\n", id, text);
	return 0;
}

static int rules_flush(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct fwctl_state s;
	struct fwctl_err e = {};
	int n, opt;

	for (optind = 0; (opt = cli_opt("rules flush", argc, argv, ":h", opts)) != -1;) {
		if (opt != 'h')
			return EXIT_USAGE;
		printf("Usage: fwctl rules flush\n\nDelete every rule (the policy stays).\n\n"
		       "Options:\n  -h, --help  this help\n");
		return 0;
	}
	if (optind < argc)
		return usage_error("rules flush", "unexpected argument '%s'", argv[optind]);
	n = state_open_for_rule_change(&s, &e);
	if (!n) {
		n = ruleset_flush(&s.maps, &e);
		state_close(&s);
	}
	if (n < 0)
		return runtime_error("rules flush", &e);
	printf("deleted %d rule%s\n", n, n == 1 ? "" : "s");
	return 0;
}

/* The rules with their counters: rule_rows_build() on the maps' contents. */
static int rules_read(const struct fwctl_maps *m, struct rule_row **rows, struct fwctl_err *e)
{
	struct fwctl_rule_stats *st;
	struct ruleset *rs;
	int n;

	rs = malloc(sizeof(*rs));
	st = malloc(sizeof(*st) * FWCTL_RULE_SLOTS);
	n = rs && st ? 0 : -ENOMEM;
	if (!n)
		n = ruleset_read(m, rs);
	if (!n)
		n = rule_stats_read_all(m, st);
	if (!n)
		n = rule_rows_build(rs, st, rows);
	if (n < 0)
		fwctl_err_set(e, "cannot read the rules: %s", strerror(-n));
	free(rs);
	free(st);
	return n;
}

static int rules_list(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct rule_row *rows = NULL;
	struct fwctl_state s;
	struct fwctl_err e = {};
	bool json = false;
	json_object *o;
	int opt, n;

	for (optind = 0; (opt = cli_opt("rules list", argc, argv, ":jh", opts)) != -1;) {
		if (opt == 'h') {
			printf("Usage: fwctl rules list [-j|--json]\n\n"
			       "Each rule with its id and the packets and bytes it matched.\n\n"
			       "Options:\n"
			       "  -j, --json  one JSON object (fields in fwctl(8), JSON)\n"
			       "  -h, --help  this help\n");
			return 0;
		}
		if (opt != 'j')
			return EXIT_USAGE;
		json = cli_json = true;
	}
	if (optind < argc)
		return usage_error("rules list", "unexpected argument '%s'", argv[optind]);
	if (state_open(&s, &e))
		return runtime_error("rules list", &e);
	n = rules_read(&s.maps, &rows, &e);
	state_close(&s);
	if (n < 0)
		return runtime_error("rules list", &e);
	if (json) {
		o = json_object_new_object();
		json_add(o, "policy", json_object_new_string(policy_name(s.cfg.policy)));
		json_add(o, "rules", json_rules(rows, n));
		json_print(o);
	} else {
		print_rules_table(rows, n, "");
		printf("policy: %s\n", policy_name(s.cfg.policy));
	}
	rule_rows_free(rows, n);
	return 0;
}

static const struct command rules_commands[] = {
	{ "add", rules_add, "PROTO [PORT|LO-HI] | -f FILE", "add a rule (or a file of rules)" },
	{ "del", rules_del, "PROTO [PORT|LO-HI]", "delete a rule" },
	{ "flush", rules_flush, "", "delete every rule" },
	{ "list", rules_list, "[-j]", "list rules with their counters" },
	{ NULL, NULL, NULL, NULL },
};

static int rules_help(void)
{
	const struct command *c;

	printf("Usage: fwctl rules COMMAND [OPTIONS] [ARGS]\n\n");
	for (c = rules_commands; c->name; c++)
		printf("  rules %-6s %-30s %s\n", c->name, c->args, c->summary);
	printf("\nOptions: -h, --help (here or after COMMAND: its own help).\n\n%s", rule_syntax);
	return 0;
}

int cmd_rules(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct command *c;
	char name[32];
	int opt;

	/* '+': options before the subcommand are the dispatcher's. */
	for (optind = 0; (opt = cli_opt("rules", argc, argv, "+:h", opts)) != -1;) {
		if (opt != 'h')
			return EXIT_USAGE;
		return rules_help();
	}
	if (optind == argc)
		return usage_error("rules", "missing command: add, del, flush or list "
				   "(see 'fwctl rules --help')");
	c = command_find(rules_commands, argv[optind], "rules command");
	if (!c)
		return EXIT_USAGE;
	snprintf(name, sizeof(name), "rules %s", c->name);
	argv[optind] = name;	/* messages say "fwctl rules add: ..." */
	argc -= optind;
	argv += optind;
	optind = 0;
	return c->run(argc, argv);
}

static const char policy_help[] =
	"Without argument, show the default policy; with one, set it at once.\n"
	"It decides well-formed packets that match no rule (drop is the\n"
	"default). Malformed frames are dropped under both; ARP and Neighbor\n"
	"Discovery pass under both.\n\n"
	"Options:\n"
	"  -j, --json  print {\"policy\": \"drop\"} (the policy in force afterwards)\n"
	"  -h, --help  this help\n";

int cmd_policy(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum fwctl_policy policy = FWCTL_POLICY_DROP;
	const char *arg = NULL;
	struct fwctl_state s;
	struct fwctl_err e = {};
	bool json = false;
	json_object *o;
	int opt, err;

	for (optind = 0; (opt = cli_opt("policy", argc, argv, ":jh", opts)) != -1;) {
		if (opt == 'h')
			return command_help("policy", "[-j|--json] [drop|accept]", policy_help);
		if (opt != 'j')
			return EXIT_USAGE;
		json = cli_json = true;
	}
	if (argc - optind > 1)
		return usage_error("policy", "unexpected argument '%s'", argv[optind + 1]);
	arg = optind < argc ? argv[optind] : NULL;
	if (arg && !strcmp(arg, "drop"))
		policy = FWCTL_POLICY_DROP;
	else if (arg && !strcmp(arg, "accept"))
		policy = FWCTL_POLICY_ACCEPT;
	else if (arg)
		return usage_error("policy", "unknown policy '%s' (drop or accept)", arg);

	if (state_open(&s, &e))
		return runtime_error("policy", &e);
	err = arg ? policy_set(&s.maps, policy, &e) : 0;
	state_close(&s);
	if (err)
		return runtime_error("policy", &e);
	if (!arg)
		policy = s.cfg.policy;
	if (json) {
		o = json_object_new_object();
		json_add(o, "policy", json_object_new_string(policy_name(policy)));
		json_print(o);
	} else {
		printf("policy %s\n", policy_name(policy));
	}
	return 0;
}
