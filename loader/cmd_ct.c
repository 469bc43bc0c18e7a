// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_ct.c - fwctl ct list [-j] | flush | stats [-j] | timeout [-j] [NAME [SECONDS]].
 *
 * Flows whose rule is no longer in the current rule set (its serial gone,
 * see "Rule lifetime" in fwctl_conntrack.h) are dead to the datapath and
 * are not shown; they go at their next packet or by LRU.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "cli.h"
#include "conntrack.h"


/*
 * Options of a subcommand: -h, and -j unless json is NULL. 1 if help was
 * printed, 0 to go on (operands from argv[optind]), -1 on a usage error
 * (printed).
 */
static int ct_opts(const char *cmd, int argc, char **argv, bool *json, const char *help)
{
	static const struct option with_json[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct option *opts = json ? with_json : with_json + 1;
	int opt;

	for (optind = 0; (opt = cli_opt(cmd, argc, argv, json ? ":jh" : ":h", opts)) != -1;) {
		if (opt == 'h') {
			printf("%s", help);
			return 1;
		}
		if (opt != 'j')
			return -1;
		*json = cli_json = true;
	}
	return 0;
}

/* What every ct command holds: the attached fwctl, its flow tables, and
 * which stateful rules are alive (their serials in the current generation). */
struct ct_ctx {
	struct fwctl_state st;
	struct ct_maps m;
	struct ct_serials alive;
};

/* Root, bpffs, lock, an attached fwctl, its flow tables and live rules. */
static int ct_open(struct ct_ctx *c, struct fwctl_err *e)
{
	__u32 *serial = NULL;
	int err;

	memset(&c->m, -1, sizeof(c->m));
	c->alive.serial = NULL;
	err = state_open(&c->st, e);
	if (err)
		return err;
	/* Maps only, as rules and stats: from any network namespace. */
	err = ct_maps_open_pinned(pin_dir(), &c->m, e);
	if (!err)
		err = ruleset_serials(&c->st.maps, &serial, &c->alive.n_ids, e);
	c->alive.serial = serial;
	if (err) {
		ct_maps_close(&c->m);
		state_close(&c->st);
	}
	return err;
}

static void ct_close(struct ct_ctx *c)
{
	ct_maps_close(&c->m);
	state_close(&c->st);
	free((void *)c->alive.serial);
	c->alive.serial = NULL;
}

static bool has_ports(const struct ct_flow *f)
{
	return f->proto == FWCTL_IPPROTO_TCP || f->proto == FWCTL_IPPROTO_UDP;
}

/* "10.0.0.1:40000", "[fd00::1]:53"; ICMP: the address alone. */
static void endpoint(const struct ct_flow *f, bool dst, char *buf, size_t len)
{
	char addr[64];

	ct_flow_addr(f, dst, addr, sizeof(addr));
	if (!has_ports(f))
		snprintf(buf, len, "%s", addr);
	else if (f->family == FWCTL_FAMILY_V6)
		snprintf(buf, len, "[%s]:%u", addr, dst ? f->dport : f->sport);
	else
		snprintf(buf, len, "%s:%u", addr, dst ? f->dport : f->sport);
}

static json_object *json_pair(__u64 orig, __u64 reply)
{
	json_object *o = json_object_new_object();

	json_add(o, "orig", json_u64(orig));
	json_add(o, "reply", json_u64(reply));
	return o;
}

static json_object *json_flow(const struct ct_flow *f, const struct fwctl_config *cfg)
{
	json_object *o = json_object_new_object();
	char addr[64];

	json_add(o, "proto", json_str(ct_proto_name(f->proto)));
	ct_flow_addr(f, false, addr, sizeof(addr));
	json_add(o, "src", json_str(addr));
	ct_flow_addr(f, true, addr, sizeof(addr));
	json_add(o, "dst", json_str(addr));
	json_add(o, "sport", has_ports(f) ? json_u64(f->sport) : NULL);
	json_add(o, "dport", has_ports(f) ? json_u64(f->dport) : NULL);
	json_add(o, "icmp_id", has_ports(f) ? NULL : json_u64(f->icmp_id));
	json_add(o, "state", json_str(ct_state_name(f->state)));
	json_add(o, "age", json_u64(f->age));
	json_add(o, "expires", json_u64(f->expires));
	json_add(o, "packets", json_pair(f->packets[0], f->packets[1]));
	json_add(o, "bytes", json_pair(f->bytes[0], f->bytes[1]));
	json_add(o, "rule_id", json_u64(f->rule_id));
	json_add(o, "in", f->orig_dir < FWCTL_DIR_COUNT && cfg->ifname[f->orig_dir][0] ?
			  json_str(cfg->ifname[f->orig_dir]) : NULL);
	return o;
}

static void print_flow(const struct ct_flow *f)
{
	char src[80], dst[80], id[16] = "-", pk[48], by[48];

	endpoint(f, false, src, sizeof(src));
	endpoint(f, true, dst, sizeof(dst));
	if (!has_ports(f))
		snprintf(id, sizeof(id), "%u", f->icmp_id);
	snprintf(pk, sizeof(pk), "%llu/%llu", (unsigned long long)f->packets[0],
		 (unsigned long long)f->packets[1]);
	snprintf(by, sizeof(by), "%llu/%llu", (unsigned long long)f->bytes[0],
		 (unsigned long long)f->bytes[1]);
	printf("%-6s %-21s %-21s %5s %-11s %7llu %7llu %15s %21s %6u\n", ct_proto_name(f->proto),
	       src, dst, id, ct_state_name(f->state), (unsigned long long)f->age,
	       (unsigned long long)f->expires, pk, by, f->rule_id);
}

static const char list_help[] =
	"Usage: fwctl ct list [-j|--json]\n\n"
	"Every flow: protocol, originator (SOURCE) and other end, ICMP echo id,\n"
	"state (syn, established, closing; new, replied for UDP and ICMP), age and\n"
	"seconds until it expires, packets and bytes each way (orig/reply), and the\n"
	"stateful rule that created it.\n\n"
	"Options:\n"
	"  -j, --json  one JSON object: {\"flows\": [...]} (fields in fwctl(8), JSON)\n"
	"  -h, --help  this help\n";

static int ct_list(int argc, char **argv)
{
	struct fwctl_err e = {};
	struct ct_flow *flows = NULL;
	struct ct_ctx c;
	json_object *o, *a;
	bool json = false;
	size_t n = 0, i;
	int err;

	err = ct_opts("ct list", argc, argv, &json, list_help);
	if (err)
		return err > 0 ? 0 : EXIT_USAGE;
	if (optind < argc)
		return usage_error("ct list", "unexpected argument '%s'", argv[optind]);
	if (ct_open(&c, &e))
		return runtime_error("ct list", &e);
	err = ct_flows_read(&c.m, ct_serials_alive, &c.alive, &flows, &n);
	if (err) {
		ct_close(&c);
		fwctl_err_set(&e, "cannot read the flow tables: %s", strerror(-err));
		return runtime_error("ct list", &e);
	}
	if (json) {
		o = json_object_new_object();
		a = json_object_new_array();
		for (i = 0; i < n; i++)
			json_object_array_add(a, json_flow(&flows[i], &c.st.cfg));
		json_add(o, "flows", a);
		json_print(o);
	} else if (!n) {
		printf("no flows\n");
	} else {
		printf("%-6s %-21s %-21s %5s %-11s %7s %7s %15s %21s %6s\n", "PROTO", "SOURCE",
		       "DESTINATION", "ID", "STATE", "AGE", "EXPIRES", "PACKETS o/r", "BYTES o/r",
		       "RULE");
		for (i = 0; i < n; i++)
			print_flow(&flows[i]);
	}
	ct_close(&c);
	free(flows);
	return 0;
}

static int ct_flush_cmd(int argc, char **argv)
{
	struct fwctl_err e = {};
	struct ct_ctx c;
	size_t n = 0;
	int err;

	err = ct_opts("ct flush", argc, argv, NULL,
		      "Usage: fwctl ct flush\n\nEnd every flow at once.\n");
	if (err)
		return err > 0 ? 0 : EXIT_USAGE;
	if (optind < argc)
		return usage_error("ct flush", "unexpected argument '%s'", argv[optind]);
	if (ct_open(&c, &e))
		return runtime_error("ct flush", &e);
	err = ct_flush(&c.m, &n);
	ct_close(&c);
	if (err) {
		fwctl_err_set(&e, "cannot flush the flow tables: %s", strerror(-err));
		return runtime_error("ct flush", &e);
	}
	printf("flushed %zu flow%s\n", n, n == 1 ? "" : "s");
	return 0;
}

static json_object *json_stats(const struct ct_summary *s)
{
	json_object *o = json_object_new_object(), *st = json_object_new_object(), *sz;
	unsigned int i;

	json_add(o, "flows", json_u64(s->flows));
	for (i = FWCTL_CT_SYN; i < FWCTL_CT_STATES; i++)
		json_add(st, ct_state_name(i), json_u64(s->by_state[i]));
	json_add(o, "by_state", st);
	json_add(o, "created", json_u64(s->c.created));
	json_add(o, "established", json_u64(s->c.established));
	json_add(o, "expired", json_u64(s->c.expired));
	json_add(o, "evicted", json_u64(s->c.evicted));
	json_add(o, "insert_failures", json_u64(s->c.insert_failed));
	json_add(o, "ended_with_rule", json_u64(s->c.rule_gone));
	json_add(o, "related", json_u64(s->c.related));
	json_add(o, "fragments_remembered", json_u64(s->c.frag_remembered));
	json_add(o, "fragments_followed", json_u64(s->c.frag_followed));
	json_add(o, "fragment_insert_failures", json_u64(s->c.frag_insert_failed));
	sz = json_object_new_object();
	json_add(sz, "new", json_u64(s->size[FWCTL_CT_TABLE_NEW]));
	json_add(sz, "established", json_u64(s->size[FWCTL_CT_TABLE_EST]));
	json_add(o, "size", sz);
	return o;
}

static void print_stats(const struct ct_summary *s)
{
	unsigned int st;

	printf("flows                %llu (room for %u new and %u established)\n",
	       (unsigned long long)s->flows, s->size[FWCTL_CT_TABLE_NEW],
	       s->size[FWCTL_CT_TABLE_EST]);
	for (st = FWCTL_CT_SYN; st < FWCTL_CT_STATES; st++)
		printf("  %-18s %llu\n", ct_state_name(st), (unsigned long long)s->by_state[st]);
	printf("created              %llu\n", (unsigned long long)s->c.created);
	printf("established          %llu\n", (unsigned long long)s->c.established);
	printf("expired              %llu\n", (unsigned long long)s->c.expired);
	printf("evicted              %llu\n", (unsigned long long)s->c.evicted);
	printf("insert failures      %llu\n", (unsigned long long)s->c.insert_failed);
	printf("ended with rule      %llu\n", (unsigned long long)s->c.rule_gone);
	printf("related icmp         %llu\n", (unsigned long long)s->c.related);
	printf("fragments            %llu remembered, %llu followed, %llu insert failures\n",
	       (unsigned long long)s->c.frag_remembered, (unsigned long long)s->c.frag_followed,
	       (unsigned long long)s->c.frag_insert_failed);
}

static const char stats_help[] =
	"Usage: fwctl ct stats [-j|--json]\n\n"
	"Flows by state, the table sizes, and since attach: flows created,\n"
	"established, expired, evicted, insert failures, ended with their rule,\n"
	"related ICMP errors, fragments remembered and followed.\n\n"
	"Options:\n"
	"  -j, --json  one JSON object (fields in fwctl(8), JSON)\n"
	"  -h, --help  this help\n";

static int ct_stats_cmd(int argc, char **argv)
{
	struct fwctl_err e = {};
	struct ct_summary s;
	struct ct_ctx c;
	bool json = false;
	int err;

	err = ct_opts("ct stats", argc, argv, &json, stats_help);
	if (err)
		return err > 0 ? 0 : EXIT_USAGE;
	if (optind < argc)
		return usage_error("ct stats", "unexpected argument '%s'", argv[optind]);
	if (ct_open(&c, &e))
		return runtime_error("ct stats", &e);
	err = ct_summary_read(&c.m, ct_serials_alive, &c.alive, &s);
	ct_close(&c);
	if (err) {
		fwctl_err_set(&e, "cannot read the flow tables: %s", strerror(-err));
		return runtime_error("ct stats", &e);
	}
	if (json)
		json_print(json_stats(&s));
	else
		print_stats(&s);
	return 0;
}

static const char timeout_help[] =
	"Usage: fwctl ct timeout [-j|--json] [NAME [SECONDS]]\n\n"
	"Show the timeouts (or NAME's), or set one: seconds without a packet before a flow\n"
	"ends (1-4294967). Names and defaults: tcp-syn 60, tcp-established 7200,\n"
	"tcp-closing 10, udp-new 30 (before a reply), udp-replied 180, icmp 30;\n"
	"udp sets both UDP timeouts. Existing flows get the new value at once.\n\n"
	"Options:\n"
	"  -j, --json  the timeouts as one JSON object {\"timeouts\": {NAME: SECONDS}}\n"
	"  -h, --help  this help\n";

static int ct_timeout_cmd(int argc, char **argv)
{
	__u32 ms[FWCTL_CT_TIMEOUTS], mask = 0, set_ms = 0, i;
	struct fwctl_err e = {};
	struct ct_ctx c;
	bool json = false, set;
	json_object *o, *t;
	int err;

	err = ct_opts("ct timeout", argc, argv, &json, timeout_help);
	if (err)
		return err > 0 ? 0 : EXIT_USAGE;
	argc -= optind;
	argv += optind;
	set = argc == 2;
	if (argc > 2)
		return usage_error("ct timeout", "expected NAME SECONDS, NAME or nothing, got %d "
				   "arguments", argc);
	/* Every word checked before anything is opened. */
	if (set && ct_timeout_parse(argv[0], argv[1], &mask, &set_ms, &e))
		return usage_error("ct timeout", "%s", e.msg);
	if (argc == 1 && ct_timeout_mask(argv[0], &mask, &e))
		return usage_error("ct timeout", "%s", e.msg);
	if (argc == 0)
		mask = (1u << FWCTL_CT_TIMEOUTS) - 1;
	if (ct_open(&c, &e))
		return runtime_error("ct timeout", &e);
	err = set ? ct_timeout_write(&c.m, mask, set_ms, &e) : 0;
	if (!err && ct_timeouts_get_ms(&c.m, ms)) {
		err = -EIO;
		fwctl_err_set(&e, "cannot read the timeouts: %s", strerror(errno));
	}
	ct_close(&c);
	if (err)
		return runtime_error("ct timeout", &e);
	if (json) {
		o = json_object_new_object();
		t = json_object_new_object();
		for (i = 0; i < FWCTL_CT_TIMEOUTS; i++)
			if (mask & 1u << i)
				json_add(t, ct_timeout_name(i), json_u64(ms[i] / 1000));
		json_add(o, "timeouts", t);
		json_print(o);
	} else if (set) {
		printf("timeout %s: %u s\n", argv[0], set_ms / 1000);
	} else {
		for (i = 0; i < FWCTL_CT_TIMEOUTS; i++)
			if (mask & 1u << i)
				printf("%-16s %u\n", ct_timeout_name(i), ms[i] / 1000);
	}
	return 0;
}

static const struct command ct_commands[] = {
	{ "list", ct_list, "[-j]", "every flow with its state, age and counters" },
	{ "flush", ct_flush_cmd, "", "end every flow" },
	{ "stats", ct_stats_cmd, "[-j]", "flows by state; created, expired, evicted, failures" },
	{ "timeout", ct_timeout_cmd, "[-j] [NAME [SECONDS]]", "show or set a timeout" },
	{ NULL, NULL, NULL, NULL },
};

static int ct_help(void)
{
	const struct command *c;

	printf("Usage: fwctl ct COMMAND [OPTIONS] [ARGS]\n\n"
	       "Connection tracking: the flows of stateful rules.\n\n");
	for (c = ct_commands; c->name; c++)
		printf("  ct %-8s %-22s %s\n", c->name, c->args, c->summary);
	printf("\nOptions: -h, --help (here or after COMMAND: its own help).\n");
	return 0;
}

int cmd_ct(int argc, char **argv)
{
	return command_dispatch("ct", ct_commands, argc, argv, ct_help,
				"list, flush, stats or timeout");
}
