// SPDX-License-Identifier: GPL-2.0
/* cmd_rules.c - fwctl rules add|del|flush|list|load|save|check, and fwctl policy. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>
#include "cli.h"
#include "classifier.h"

static const char rule_syntax[] =
	"RULE := [allow|deny] PROTO [PORTS] [MATCH]... [stateful] [comment TEXT]\n"
	"  PROTO  tcp | udp | icmp | icmpv6 | any | 0-255 (icmp: IPv4 only,\n"
	"         icmpv6: IPv6 only; the others both families)\n"
	"  PORTS  PORT or LO-HI (tcp/udp): the source OR the destination port\n"
	"  MATCH  in IF                  frames arriving on attached interface IF\n"
	"         src|dst PREFIX[,...]   IPv4 a.b.c.d[/0-32], IPv6 [/0-128]\n"
	"         sport|dport PORTLIST   PORT|LO-HI[,...] (tcp/udp; 0-65535)\n"
	"         type T[/CODE]          icmp/icmpv6: a number or a name\n"
	"  Every field given must match (AND); any element of a list may (OR).\n"
	"  stateful (allow tcp/udp, icmp/icmpv6 echo-request): a matching packet\n"
	"         that can start a flow (TCP SYN, UDP, echo request) creates one,\n"
	"         whose packets then pass both ways before any rule; one that\n"
	"         cannot start a flow does not match the rule\n"
	"The rules form one ordered list: the first rule that matches a packet\n"
	"decides (allow forwards it, deny drops it) and counts it; a packet no\n"
	"rule matches goes by the policy. ARP and Neighbor Discovery that pass\n"
	"their checks always pass; malformed frames never do. Examples:\n"
	"  tcp 7070      deny tcp dport 22 src 10.9.0.0/16\n"
	"  allow icmp type echo-request in input\n"
	"  allow tcp dport 7070 in input stateful\n"
	"  allow any src 192.168.7.0/24 comment \"backup host\"\n";

/* Open the state and the names 'in IF' refers to. */
static int open_with_ctx(struct fwctl_state *s, struct rule_ctx *ctx, struct fwctl_err *e)
{
	int err = state_open(s, e);

	if (!err)
		ruleset_ctx(&s->cfg, ctx);
	return err;
}

/* The attached interfaces' names, copied out of a state opened and closed. */
struct attached_names {
	char ifname[FWCTL_DIR_COUNT][16];
};

/*
 * The names 'in IF' may use, read under the lock and released again: a
 * rules file is read without holding the lock, since standard input may
 * be 'fwctl rules save' in a pipe, waiting for that very lock.
 */
static int names_read(struct attached_names *an, struct rule_ctx *ctx, struct fwctl_err *e)
{
	struct fwctl_state s;
	int err = state_open(&s, e);

	if (err)
		return err;
	memcpy(an->ifname, s.cfg.ifname, sizeof(an->ifname));
	state_close(&s);
	ruleset_ctx_names(an->ifname, ctx);
	return 0;
}

/* Open the state again to apply a file read with names an: still the same? */
static int reopen_same(struct fwctl_state *s, const struct attached_names *an, const char *file,
		       struct fwctl_err *e)
{
	int err = state_open(s, e);

	if (!err && memcmp(an->ifname, s->cfg.ifname, sizeof(an->ifname))) {
		state_close(s);
		fwctl_err_set(e, "the attached interfaces changed while %s was read: nothing "
				 "changed, run the command again", file);
		err = -EAGAIN;
	}
	return err;
}

/* Parse a rules file; every error found on stderr; EXIT_USAGE on errors. */
static int read_file(const char *cmd, const char *path, const struct rule_ctx *ctx,
		     struct rules_file *f)
{
	struct fwctl_err e = {};
	unsigned int i;
	int err;

	err = rules_file_read(path, ctx, f, &e);
	if (!err)
		return 0;
	if (cli_json || f->n_errors <= 1) {
		usage_error(cmd, "%s", e.msg);
	} else {
		for (i = 0; i < f->n_errors; i++)
			usage_error(cmd, "%s", f->errors[i]);
		if (f->more_errors)
			usage_error(cmd, "%s: %u more errors", path, f->more_errors);
	}
	rules_file_free(f);
	/* A bad, missing or unreadable file is bad input; only a lack of
	 * memory is the machine's. */
	return err == -ENOMEM ? EXIT_RUNTIME : EXIT_USAGE;
}

/* A 1-based position: 1 .. 2^31. */
static int parse_pos(const char *cmd, const char *s, unsigned int *pos)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || v < 1 || v > 0x7fffffff)
		return usage_error(cmd, "invalid position '%s' (1 or more)", s);
	*pos = v;
	return 0;
}

static const char add_help[] =
	"Add a rule at the end of the list, or at position POS (the rules from\n"
	"POS on move down one place). It takes effect at once, for every packet\n"
	"at the same instant. A file is added all or nothing.\n\n"
	"Options:\n"
	"  -a, --at POS     insert at 1-based position POS\n"
	"  -f, --file FILE  one rule per line ('#' comments; '-' for stdin)\n"
	"  -h, --help       this help\n\n";

static int rules_add(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "at", required_argument, NULL, 'a' },
		{ "file", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct attached_names names;
	struct rules_file f = {};
	struct rule one, *rules = &one;
	const char *file = NULL;
	unsigned int pos = 0, n = 1, line = 0;
	struct fwctl_state s;
	struct rule_ctx ctx;
	struct fwctl_err e = {};
	char *text = NULL;
	__u32 id = 0;
	int opt, err;

	for (optind = 0; (opt = cli_opt("rules add", argc, argv, ":a:f:h", opts)) != -1;) {
		if (opt == 'h') {
			printf("Usage: fwctl rules add [-a|--at POS] RULE\n"
			       "       fwctl rules add [-a|--at POS] -f|--file FILE\n\n%s%s",
			       add_help, rule_syntax);
			return 0;
		}
		if (opt == 'a' && parse_pos("rules add", optarg, &pos))
			return EXIT_USAGE;
		else if (opt == 'f')
			file = optarg;
		else if (opt != 'a')
			return EXIT_USAGE;
	}
	if (file && optind < argc)
		return usage_error("rules add", "unexpected argument '%s' (a rule and --file "
				   "do not go together)", argv[optind]);
	if (file) {
		if (names_read(&names, &ctx, &e))
			return runtime_error("rules add", &e);
		err = read_file("rules add", file, &ctx, &f);
		if (err)
			return err;
		rules = f.rules;
		n = f.n;
		if (f.has_policy) {
			line = f.policy_line;
			rules_file_free(&f);
			return usage_error("rules add", "%s:%u: a 'policy' line belongs in a file for "
					   "'fwctl rules load', which replaces the rule set", file, line);
		}
		if (reopen_same(&s, &names, file, &e)) {
			rules_file_free(&f);
			return runtime_error("rules add", &e);
		}
	} else {
		if (state_open(&s, &e))
			return runtime_error("rules add", &e);
		ruleset_ctx(&s.cfg, &ctx);
		if (rule_from_args(argc - optind, argv + optind, &ctx, &one, &e)) {
			state_close(&s);
			return usage_error("rules add", "%s", e.msg);
		}
	}
	if (!file)
		text = rule_to_text(&one);
	err = ruleset_add(&s.maps, &ctx, rules, n, pos, file, file ? f.line : &line,
			  file ? NULL : &id, &pos, &e);
	state_close(&s);
	if (file)
		rules_file_free(&f);
	if (err) {
		free(text);
		return runtime_error("rules add", &e);
	}
	if (file)
		printf("added %u rule%s from %s\n", n, n == 1 ? "" : "s", file);
	else
		printf("added rule %u at position %u: %s\n", id, pos, text ? text : "");
	free(text);
	return 0;
}

static int rules_del(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "id", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct fwctl_state s;
	struct rule_ctx ctx;
	struct fwctl_err e = {};
	struct rule r;
	char *text = NULL, *end;
	unsigned long by_id = 0;
	__u32 id;
	int opt, err;

	for (optind = 0; (opt = cli_opt("rules del", argc, argv, ":i:h", opts)) != -1;) {
		if (opt == 'h') {
			printf("Usage: fwctl rules del RULE\n"
			       "       fwctl rules del -i|--id ID\n\n"
			       "Delete a rule: the one with the same canonical text (as 'fwctl rules\n"
			       "list' shows it; the comment aside), or the one with id ID.\n\n"
			       "Options:\n"
			       "  -i, --id ID  the rule with this id\n"
			       "  -h, --help   this help\n");
			return 0;
		}
		if (opt != 'i')
			return EXIT_USAGE;
		errno = 0;
		by_id = strtoul(optarg, &end, 10);
		if (errno || end == optarg || *end || *optarg == '-' || by_id < 1 ||
		    by_id > FWCTL_MAX_RULE_ID)
			return usage_error("rules del", "invalid id '%s' (1-%d)", optarg,
					   FWCTL_MAX_RULE_ID);
	}
	if (by_id && optind < argc)
		return usage_error("rules del", "unexpected argument '%s' (a rule and --id do "
				   "not go together)", argv[optind]);
	if (open_with_ctx(&s, &ctx, &e))
		return runtime_error("rules del", &e);
	if (by_id) {
		id = by_id;
		err = ruleset_del_id(&s.maps, &ctx, id, &text, &e);
	} else if (rule_from_args(argc - optind, argv + optind, &ctx, &r, &e)) {
		state_close(&s);
		return usage_error("rules del", "%s", e.msg);
	} else {
		err = ruleset_del(&s.maps, &ctx, &r, &id, &text, &e);
		rule_free(&r);
	}
	state_close(&s);
	if (err)
		return runtime_error("rules del", &e);
	printf("deleted rule %u: %s\n", id, text ? text : "");
	free(text);
	return 0;
}

static int rules_flush(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct fwctl_state s;
	struct rule_ctx ctx;
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
	n = open_with_ctx(&s, &ctx, &e);
	if (!n) {
		n = ruleset_flush(&s.maps, &ctx, &e);
		state_close(&s);
	}
	if (n < 0)
		return runtime_error("rules flush", &e);
	printf("deleted %d rule%s\n", n, n == 1 ? "" : "s");
	return 0;
}

static const char load_help[] =
	"Replace the whole rule set with the rules of FILE ('-': standard input),\n"
	"and the policy too when FILE has a 'policy drop|accept' line: at one\n"
	"instant for every packet, all or nothing. Rules whose canonical text is\n"
	"unchanged keep their ids and counters. FILE: one rule per line, blank\n"
	"lines, '#' comments (outside a quoted string); 'rules save' writes one.\n\n"
	"Options:\n  -h, --help  this help\n";

static int rules_load(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct attached_names names;
	struct ruleset_diff diff;
	struct rules_file f = {};
	struct fwctl_state s;
	struct rule_ctx ctx;
	struct fwctl_err e = {};
	unsigned int n;
	int opt, err, policy;

	for (optind = 0; (opt = cli_opt("rules load", argc, argv, ":h", opts)) != -1;) {
		if (opt != 'h')
			return EXIT_USAGE;
		return command_help("rules load", "FILE|-", load_help);
	}
	if (optind == argc)
		return usage_error("rules load", "missing FILE ('-' for standard input)");
	if (argc - optind > 1)
		return usage_error("rules load", "unexpected argument '%s'", argv[optind + 1]);
	if (names_read(&names, &ctx, &e))
		return runtime_error("rules load", &e);
	err = read_file("rules load", argv[optind], &ctx, &f);
	if (err)
		return err;
	n = f.n;
	policy = f.has_policy ? (int)f.policy : -1;
	err = reopen_same(&s, &names, argv[optind], &e);
	if (!err) {
		err = ruleset_replace(&s.maps, &ctx, f.rules, f.n, policy, &diff, &e);
		state_close(&s);
	}
	rules_file_free(&f);
	if (err)
		return runtime_error("rules load", &e);
	printf("loaded %u rule%s from %s: %u kept, %u added, %u removed%s%s\n", n,
	       n == 1 ? "" : "s", argv[optind], diff.kept, diff.added, diff.removed,
	       policy >= 0 ? "; policy " : "", policy >= 0 ? policy_name(policy) : "");
	return 0;
}

static int rules_save(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct fwctl_state s;
	struct rule_ctx ctx;
	struct ruleset rs;
	struct fwctl_err e = {};
	unsigned int i;
	int opt, err;

	for (optind = 0; (opt = cli_opt("rules save", argc, argv, ":h", opts)) != -1;) {
		if (opt != 'h')
			return EXIT_USAGE;
		return command_help("rules save", "",
				    "Print the rule set and the policy as a rules file: 'fwctl rules\n"
				    "save > F' then 'fwctl rules load F' changes nothing.\n\n"
				    "Options:\n  -h, --help  this help\n");
	}
	if (optind < argc)
		return usage_error("rules save", "unexpected argument '%s'", argv[optind]);
	if (open_with_ctx(&s, &ctx, &e))
		return runtime_error("rules save", &e);
	err = ruleset_read(&s.maps, &ctx, &rs, &e);
	state_close(&s);
	if (err)
		return runtime_error("rules save", &e);
	printf("# fwctl rules save: %u rule%s, first match wins\npolicy %s\n", rs.n,
	       rs.n == 1 ? "" : "s", policy_name(rs.policy));
	for (i = 0; i < rs.n; i++)
		printf("%s\n", rs.v[i].text);
	ruleset_free(&rs);
	return fflush(stdout) ? EXIT_RUNTIME : 0;
}

static int rules_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct classifier_stats st = {};
	struct attached_names names;
	struct rules_file f = {};
	struct rule_ctx ctx = {};
	struct fwctl_err e = {};
	bool attached;
	unsigned int n;
	int opt, err;

	for (optind = 0; (opt = cli_opt("rules check", argc, argv, ":h", opts)) != -1;) {
		if (opt != 'h')
			return EXIT_USAGE;
		return command_help("rules check", "FILE|-",
				    "Read and compile FILE as 'rules load' would, changing nothing\n"
				    "(as 'nft -c'): exit 0, or every error as FILE:LINE: message. When\n"
				    "fwctl is attached (and run as root), 'in IF' must name one of its\n"
				    "interfaces; otherwise any name is taken.\n\n"
				    "Options:\n  -h, --help  this help\n");
	}
	if (optind == argc)
		return usage_error("rules check", "missing FILE ('-' for standard input)");
	if (argc - optind > 1)
		return usage_error("rules check", "unexpected argument '%s'", argv[optind + 1]);
	/* Only to know the interfaces: checking needs neither root nor an attach. */
	attached = geteuid() == 0 && !names_read(&names, &ctx, &e);
	err = read_file("rules check", argv[optind], attached ? &ctx : NULL, &f);
	if (err)
		return err;
	n = f.n;
	err = ruleset_compile_check(f.rules, f.n, &st, &e);
	rules_file_free(&f);	/* the rules themselves were consumed */
	if (err)
		return runtime_error("rules check", &e);
	printf("%s: %u rule%s, ok (%llu boxes, %u cells, %.1f KiB, depth %u, compiled in %.3f s)\n",
	       argv[optind], n, n == 1 ? "" : "s", (unsigned long long)st.boxes, st.n_cells,
	       st.bytes / 1024.0, st.max_depth, st.compile_seconds);
	return 0;
}

/* The rules with their counters, in list order. */
static int rules_read(const struct fwctl_maps *m, const struct rule_ctx *ctx, __u32 *policy,
		      struct rule_row **rows, struct fwctl_err *e)
{
	struct fwctl_rule_stats *st = NULL;
	struct ruleset rs;
	__u32 max_id = 0;
	unsigned int i;
	int n;

	n = ruleset_read(m, ctx, &rs, e);
	if (n)
		return n;
	for (i = 0; i < rs.n; i++)
		max_id = rs.v[i].id > max_id ? rs.v[i].id : max_id;
	st = calloc(max_id + 1, sizeof(*st));
	n = st ? rule_stats_read_first(m, max_id + 1, st) : -ENOMEM;
	if (!n)
		n = rule_rows_build(&rs, st, rows);
	if (n < 0)
		fwctl_err_set(e, "cannot read the rules' counters: %s", strerror(-n));
	*policy = rs.policy;
	ruleset_free(&rs);
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
	struct rule_ctx ctx;
	struct fwctl_err e = {};
	bool json = false;
	json_object *o;
	__u32 policy = FWCTL_POLICY_DROP;
	int opt, n;

	for (optind = 0; (opt = cli_opt("rules list", argc, argv, ":jh", opts)) != -1;) {
		if (opt == 'h') {
			printf("Usage: fwctl rules list [-j|--json]\n\n"
			       "The rules in list order: position, id, canonical text and the\n"
			       "packets and bytes each decided.\n\n"
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
	if (open_with_ctx(&s, &ctx, &e))
		return runtime_error("rules list", &e);
	n = rules_read(&s.maps, &ctx, &policy, &rows, &e);
	state_close(&s);
	if (n < 0)
		return runtime_error("rules list", &e);
	if (json) {
		o = json_object_new_object();
		json_add(o, "policy", json_object_new_string(policy_name(policy)));
		json_add(o, "rules", json_rules(rows, n));
		json_print(o);
	} else {
		print_rules_table(rows, n, "");
		printf("policy: %s\n", policy_name(policy));
	}
	rule_rows_free(rows, n);
	return 0;
}

static const struct command rules_commands[] = {
	{ "add", rules_add, "[-a POS] RULE | [-a POS] -f FILE", "add a rule (or a file of rules)" },
	{ "del", rules_del, "RULE | -i ID", "delete a rule" },
	{ "flush", rules_flush, "", "delete every rule" },
	{ "list", rules_list, "[-j]", "list rules with their counters" },
	{ "load", rules_load, "FILE|-", "replace the rule set (and policy) atomically" },
	{ "save", rules_save, "", "print the rule set as a rules file" },
	{ "check", rules_check, "FILE|-", "validate and compile a rules file" },
	{ NULL, NULL, NULL, NULL },
};

static int rules_help(void)
{
	const struct command *c;

	printf("Usage: fwctl rules COMMAND [OPTIONS] [ARGS]\n\n");
	for (c = rules_commands; c->name; c++)
		printf("  rules %-6s %-34s %s\n", c->name, c->args, c->summary);
	printf("\nOptions: -h, --help (here or after COMMAND: its own help).\n\n%s", rule_syntax);
	return 0;
}

int cmd_rules(int argc, char **argv)
{
	return command_dispatch("rules", rules_commands, argc, argv, rules_help,
				"add, del, flush, list, load, save or check");
}

static const char policy_help[] =
	"Without argument, show the default policy; with one, set it at once.\n"
	"It decides well-formed packets that match no rule (drop is the\n"
	"default). Malformed frames are dropped under both; ARP and Neighbor\n"
	"Discovery that pass their checks pass under both.\n\n"
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
	__u32 policy = FWCTL_POLICY_DROP;
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
	err = arg ? ruleset_policy_set(&s.maps, policy, &e) : ruleset_policy_get(&s.maps, &policy, &e);
	state_close(&s);
	if (err)
		return runtime_error("policy", &e);
	if (json) {
		o = json_object_new_object();
		json_add(o, "policy", json_object_new_string(policy_name(policy)));
		json_print(o);
	} else {
		printf("policy %s\n", policy_name(policy));
	}
	return 0;
}
