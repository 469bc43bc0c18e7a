// SPDX-License-Identifier: GPL-2.0
/* cmd_rules.c - fwctl rules add|del|flush|list, and fwctl policy. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
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

static int rules_add(int argc, char **argv)
{
	struct fwctl_rule one, *rules = &one;
	const char *file = NULL;
	struct fwctl_state s;
	struct fwctl_err e = {};
	char text[64];
	__u32 id;
	int n = 1, err;

	if (argc > 1 && is_help(argv[1])) {
		printf("Usage: fwctl rules add PROTO [PORT|LO-HI]\n"
		       "       fwctl rules add --file FILE   (one rule per line, '-' for stdin)\n\n"
		       "Add a rule; it takes effect at once, without reload. A file is added\n"
		       "all or nothing.\n\n%s", rule_syntax);
		return 0;
	}
	if (argc > 1 && (!strcmp(argv[1], "--file") || !strcmp(argv[1], "-f"))) {
		if (argc != 3)
			return usage_error("rules add", argc < 3 ? "missing FILE after '%s'"
							       : "unexpected argument '%s'",
					   argv[argc < 3 ? 1 : 3]);
		file = argv[2];
		err = read_rules_file(file, &rules, &n);
		if (err)
			return err;
	} else if (argc > 1 && argv[1][0] == '-' && argv[1][1]) {
		return usage_error("rules add", "unknown option '%s'", argv[1]);
	} else if (rule_parse(argc - 1, argv + 1, &one, &e)) {
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
	struct fwctl_rule rule;
	struct fwctl_state s;
	struct fwctl_err e = {};
	char text[64];
	__u32 id;
	int err;

	if (argc > 1 && is_help(argv[1])) {
		printf("Usage: fwctl rules del PROTO [PORT|LO-HI]\n\n"
		       "Delete the rule written exactly so (as 'fwctl rules list' shows it).\n");
		return 0;
	}
	if (argc > 1 && argv[1][0] == '-')
		return usage_error("rules del", "unknown option '%s'", argv[1]);
	if (rule_parse(argc - 1, argv + 1, &rule, &e))
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
	struct fwctl_state s;
	struct fwctl_err e = {};
	int n;

	if (argc > 1 && is_help(argv[1])) {
		printf("Usage: fwctl rules flush\n\nDelete every rule (the policy stays).\n");
		return 0;
	}
	if (argc > 1)
		return usage_error("rules flush", "unexpected argument '%s'", argv[1]);
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

static void print_rule_json(__u32 id, const struct fwctl_rule *r, const struct fwctl_rule_stats *st)
{
	const char *name = proto_name(r->proto);
	char text[64];

	rule_format(r, text, sizeof(text));
	printf("{\"id\": %u, \"rule\": \"%s\", \"proto\": %u, \"proto_name\": %s%s%s, "
	       "\"port_lo\": %u, \"port_hi\": %u, \"packets\": %llu, \"bytes\": %llu}",
	       id, text, r->proto, name ? "\"" : "", name ? name : "null", name ? "\"" : "",
	       r->has_ports ? r->port_lo : 0, r->has_ports ? r->port_hi : 0,
	       (unsigned long long)st->packets, (unsigned long long)st->bytes);
}

static int rules_print(const struct fwctl_maps *m, bool json, struct fwctl_err *e)
{
	struct fwctl_rule_stats *st;
	struct ruleset *rs;
	char text[64];
	int err, first = 1;
	__u32 id;

	rs = malloc(sizeof(*rs));
	st = malloc(sizeof(*st) * FWCTL_RULE_SLOTS);
	err = rs && st ? 0 : -ENOMEM;
	if (!err)
		err = ruleset_read(m, rs);
	if (!err)
		err = rule_stats_read_all(m, st);
	if (err) {
		fwctl_err_set(e, "cannot read the rules: %s", strerror(-err));
		goto out;
	}
	if (json)
		printf("[");
	else if (rs->active)
		printf("%6s  %-18s %14s %16s\n", "ID", "RULE", "PACKETS", "BYTES");
	else
		printf("no rules\n");
	for (id = 1; id < FWCTL_RULE_SLOTS; id++) {
		if (rs->rules[id].state != FWCTL_RULE_ACTIVE)
			continue;
		if (json) {
			printf("%s", first ? "" : ", ");
			print_rule_json(id, &rs->rules[id], &st[id]);
		} else {
			rule_format(&rs->rules[id], text, sizeof(text));
			printf("%6u  %-18s %14llu %16llu\n", id, text,
			       (unsigned long long)st[id].packets, (unsigned long long)st[id].bytes);
		}
		first = 0;
	}
	if (json)
		printf("]");
out:
	free(rs);
	free(st);
	return err;
}

static int rules_list(int argc, char **argv)
{
	struct fwctl_state s;
	struct fwctl_err e = {};
	bool json = false;
	int i, err;

	for (i = 1; i < argc; i++) {
		if (is_help(argv[i])) {
			printf("Usage: fwctl rules list [--json]\n\n"
			       "Each rule with its id and the packets and bytes it matched.\n");
			return 0;
		}
		if (!strcmp(argv[i], "--json"))
			json = true;
		else
			return usage_error("rules list", "unexpected argument '%s'", argv[i]);
	}
	if (state_open(&s, &e))
		return runtime_error("rules list", &e);
	if (json)
		printf("{\"policy\": \"%s\", \"rules\": ", policy_name(s.cfg.policy));
	err = rules_print(&s.maps, json, &e);
	if (json)
		printf("}\n");
	else if (!err)
		printf("policy: %s\n", policy_name(s.cfg.policy));
	state_close(&s);
	return err ? runtime_error("rules list", &e) : 0;
}

static const struct command rules_commands[] = {
	{ "add", rules_add, "PROTO [PORT|LO-HI] | --file FILE", "add a rule (or a file of rules)" },
	{ "del", rules_del, "PROTO [PORT|LO-HI]", "delete a rule" },
	{ "flush", rules_flush, "", "delete every rule" },
	{ "list", rules_list, "[--json]", "list rules with their counters" },
	{ NULL, NULL, NULL, NULL },
};

int cmd_rules(int argc, char **argv)
{
	const struct command *c;

	if (argc < 2)
		return usage_error("rules", "missing command: add, del, flush or list "
				   "(see 'fwctl rules --help')");
	if (is_help(argv[1])) {
		printf("Usage: fwctl rules COMMAND\n\n");
		for (c = rules_commands; c->name; c++)
			printf("  rules %-6s %-34s %s\n", c->name, c->args, c->summary);
		printf("\n%s", rule_syntax);
		return 0;
	}
	c = command_find(rules_commands, argv[1], "rules command");
	if (!c)
		return EXIT_USAGE;
	return c->run(argc - 1, argv + 1);
}

int cmd_policy(int argc, char **argv)
{
	enum fwctl_policy policy;
	struct fwctl_state s;
	struct fwctl_err e = {};
	int err;

	if (argc > 1 && is_help(argv[1]))
		return command_help("policy", "[drop|accept]",
				    "Without argument, show the default policy; with one, set it at once.\n"
				    "It decides well-formed packets that match no rule (drop is the\n"
				    "default). Malformed frames are dropped under both; ARP and Neighbor\n"
				    "Discovery pass under both.\n");
	if (argc > 2)
		return usage_error("policy", "unexpected argument '%s'", argv[2]);
	if (argc == 2 && !strcmp(argv[1], "drop"))
		policy = FWCTL_POLICY_DROP;
	else if (argc == 2 && !strcmp(argv[1], "accept"))
		policy = FWCTL_POLICY_ACCEPT;
	else if (argc == 2)
		return usage_error("policy", "unknown policy '%s' (drop or accept)", argv[1]);

	if (state_open(&s, &e))
		return runtime_error("policy", &e);
	err = argc == 2 ? policy_set(&s.maps, policy, &e) : 0;
	if (!err)
		printf("policy %s\n", policy_name(argc == 2 ? policy : s.cfg.policy));
	state_close(&s);
	return err ? runtime_error("policy", &e) : 0;
}
