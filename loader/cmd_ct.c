// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_ct.c - fwctl ct list [--json] | flush | stats [--json] |
 * timeout [NAME SECONDS]. Ready for main.c's command table:
 *   { "ct", cmd_ct, "list|flush|stats|timeout ...", "connection tracking: flows, timeouts" }
 *
 * Until the rule-set code can say which rules are alive (see "Rule
 * lifetime" in fwctl_conntrack.h), every unexpired flow is listed: flows
 * of a deleted rule are already dead to the datapath and go at their
 * next packet or by LRU.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "conntrack.h"

/* Which flows are still backed by a rule: none known yet (see above). */
static const ct_alive_fn ct_alive = NULL;

/* Root, bpffs, the lock and the pinned tracking maps. */
static int ct_open(struct ct_maps *m, int *lock_fd, struct fwctl_err *e)
{
	int err = state_check_root(e);

	if (!err)
		err = state_check_bpffs(false, e);
	if (err)
		return err;
	*lock_fd = state_lock(e);
	if (*lock_fd < 0)
		return *lock_fd;
	err = ct_maps_open_pinned(pin_dir(), m, e);
	if (err)
		state_unlock(*lock_fd);
	return err;
}

static void ct_close(struct ct_maps *m, int lock_fd)
{
	ct_maps_close(m);
	state_unlock(lock_fd);
}

/* "10.0.0.1:40000", "[fd00::1]:53", "10.0.0.1" (ICMP). */
static void endpoint(const struct ct_flow *f, bool dst, char *buf, size_t len)
{
	char addr[64];
	bool ports = f->proto == FWCTL_IPPROTO_TCP || f->proto == FWCTL_IPPROTO_UDP;

	ct_flow_addr(f, dst, addr, sizeof(addr));
	if (!ports)
		snprintf(buf, len, "%s", addr);
	else if (f->family == FWCTL_FAMILY_V6)
		snprintf(buf, len, "[%s]:%u", addr, dst ? f->dport : f->sport);
	else
		snprintf(buf, len, "%s:%u", addr, dst ? f->dport : f->sport);
}

static void print_flow_json(const struct ct_flow *f)
{
	char src[64], dst[64];

	ct_flow_addr(f, false, src, sizeof(src));
	ct_flow_addr(f, true, dst, sizeof(dst));
	printf("{\"proto\": \"%s\", \"src\": \"%s\", \"dst\": \"%s\", ", ct_proto_name(f->proto),
	       src, dst);
	if (f->proto == FWCTL_IPPROTO_TCP || f->proto == FWCTL_IPPROTO_UDP)
		printf("\"sport\": %u, \"dport\": %u, ", f->sport, f->dport);
	else
		printf("\"icmp_id\": %u, ", f->icmp_id);
	printf("\"state\": \"%s\", \"age\": %llu, \"expires\": %llu, "
	       "\"packets\": {\"orig\": %llu, \"reply\": %llu}, "
	       "\"bytes\": {\"orig\": %llu, \"reply\": %llu}, \"rule_id\": %u, \"in\": \"%s\"}",
	       ct_state_name(f->state), (unsigned long long)f->age, (unsigned long long)f->expires,
	       (unsigned long long)f->packets[0], (unsigned long long)f->packets[1],
	       (unsigned long long)f->bytes[0], (unsigned long long)f->bytes[1], f->rule_id,
	       f->orig_dir == FWCTL_DIR_IN_TO_OUT ? "input" : "output");
}

static void print_flow(const struct ct_flow *f)
{
	char src[80], dst[80], id[16] = "-";

	endpoint(f, false, src, sizeof(src));
	endpoint(f, true, dst, sizeof(dst));
	if (f->proto == FWCTL_IPPROTO_ICMP || f->proto == FWCTL_IPPROTO_ICMPV6)
		snprintf(id, sizeof(id), "%u", f->icmp_id);
	printf("%-6s %-46s %-46s %6s %-11s %7llu %7llu %9llu/%-9llu %11llu/%-11llu %6u\n",
	       ct_proto_name(f->proto), src, dst, id, ct_state_name(f->state),
	       (unsigned long long)f->age, (unsigned long long)f->expires,
	       (unsigned long long)f->packets[0], (unsigned long long)f->packets[1],
	       (unsigned long long)f->bytes[0], (unsigned long long)f->bytes[1], f->rule_id);
}

static int ct_list(int argc, char **argv)
{
	struct fwctl_err e = {};
	struct ct_flow *flows = NULL;
	struct ct_maps m;
	bool json = false;
	size_t n = 0, i;
	int lock_fd, err, a;

	for (a = 1; a < argc; a++) {
		if (is_help(argv[a]))
			return command_help("ct list", "[--json]",
					    "Every flow: protocol, originator (SOURCE) and other end, ICMP echo\n"
					    "id, state, age and seconds until it expires, packets and bytes\n"
					    "each way (orig/reply), and the stateful rule that created it.\n");
		if (strcmp(argv[a], "--json"))
			return usage_error("ct list", "unexpected argument '%s'", argv[a]);
		json = true;
	}
	if (ct_open(&m, &lock_fd, &e))
		return runtime_error("ct list", &e);
	err = ct_flows_read(&m, ct_alive, NULL, &flows, &n);
	ct_close(&m, lock_fd);
	if (err) {
		fwctl_err_set(&e, "cannot read the flow tables: %s", strerror(-err));
		return runtime_error("ct list", &e);
	}
	if (json) {
		printf("[");
		for (i = 0; i < n; i++) {
			printf("%s", i ? ", " : "");
			print_flow_json(&flows[i]);
		}
		printf("]\n");
	} else if (!n) {
		printf("no flows\n");
	} else {
		printf("%-6s %-46s %-46s %6s %-11s %7s %7s %19s %23s %6s\n", "PROTO", "SOURCE",
		       "DESTINATION", "ID", "STATE", "AGE", "EXPIRES", "PACKETS orig/reply",
		       "BYTES orig/reply", "RULE");
		for (i = 0; i < n; i++)
			print_flow(&flows[i]);
	}
	free(flows);
	return 0;
}

static int ct_flush_cmd(int argc, char **argv)
{
	struct fwctl_err e = {};
	struct ct_maps m;
	size_t n = 0;
	int lock_fd, err;

	if (argc > 1 && is_help(argv[1]))
		return command_help("ct flush", "", "End every flow at once.\n");
	if (argc > 1)
		return usage_error("ct flush", "unexpected argument '%s'", argv[1]);
	if (ct_open(&m, &lock_fd, &e))
		return runtime_error("ct flush", &e);
	err = ct_flush(&m, &n);
	ct_close(&m, lock_fd);
	if (err) {
		fwctl_err_set(&e, "cannot flush the flow tables: %s", strerror(-err));
		return runtime_error("ct flush", &e);
	}
	printf("flushed %zu flow%s\n", n, n == 1 ? "" : "s");
	return 0;
}

static void print_stats_json(const struct ct_summary *s)
{
	unsigned int st;

	printf("{\"flows\": %llu, \"by_state\": {", (unsigned long long)s->flows);
	for (st = FWCTL_CT_SYN; st < FWCTL_CT_STATES; st++)
		printf("%s\"%s\": %llu", st == FWCTL_CT_SYN ? "" : ", ", ct_state_name(st),
		       (unsigned long long)s->by_state[st]);
	printf("}, \"created\": %llu, \"established\": %llu, \"expired\": %llu, "
	       "\"evicted\": %llu, \"insert_failures\": %llu, \"rule_gone\": %llu, "
	       "\"related\": %llu, \"fragments_remembered\": %llu, \"fragments_followed\": %llu, "
	       "\"fragment_insert_failures\": %llu, \"size\": {\"new\": %u, \"established\": %u}}\n",
	       (unsigned long long)s->c.created, (unsigned long long)s->c.established,
	       (unsigned long long)s->c.expired, (unsigned long long)s->c.evicted,
	       (unsigned long long)s->c.insert_failed, (unsigned long long)s->c.rule_gone,
	       (unsigned long long)s->c.related, (unsigned long long)s->c.frag_remembered,
	       (unsigned long long)s->c.frag_followed, (unsigned long long)s->c.frag_insert_failed,
	       s->size[FWCTL_CT_TABLE_NEW], s->size[FWCTL_CT_TABLE_EST]);
}

static void print_stats(const struct ct_summary *s)
{
	unsigned int st;

	printf("flows                %llu (tables: %u new, %u established slots)\n",
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
	printf("fragments remembered %llu, followed %llu, insert failures %llu\n",
	       (unsigned long long)s->c.frag_remembered, (unsigned long long)s->c.frag_followed,
	       (unsigned long long)s->c.frag_insert_failed);
}

static int ct_stats_cmd(int argc, char **argv)
{
	struct fwctl_err e = {};
	struct ct_summary s;
	struct ct_maps m;
	bool json = false;
	int lock_fd, err, a;

	for (a = 1; a < argc; a++) {
		if (is_help(argv[a]))
			return command_help("ct stats", "[--json]",
					    "Flows by state, and flows created, established, expired, evicted\n"
					    "and insert failures since attach.\n");
		if (strcmp(argv[a], "--json"))
			return usage_error("ct stats", "unexpected argument '%s'", argv[a]);
		json = true;
	}
	if (ct_open(&m, &lock_fd, &e))
		return runtime_error("ct stats", &e);
	err = ct_summary_read(&m, ct_alive, NULL, &s);
	ct_close(&m, lock_fd);
	if (err) {
		fwctl_err_set(&e, "cannot read the flow tables: %s", strerror(-err));
		return runtime_error("ct stats", &e);
	}
	if (json)
		print_stats_json(&s);
	else
		print_stats(&s);
	return 0;
}

static int ct_timeout_cmd(int argc, char **argv)
{
	__u32 ms[FWCTL_CT_TIMEOUTS], i, mask = 0, set_ms = 0;
	struct fwctl_err e = {};
	struct ct_maps m;
	int lock_fd, err;

	if (argc > 1 && is_help(argv[1]))
		return command_help("ct timeout", "[NAME SECONDS]",
				    "Show the timeouts, or set one (seconds without a packet before a flow\n"
				    "ends). Names: tcp-syn (60), tcp-established (7200), tcp-closing (10),\n"
				    "udp-new (30, before a reply), udp-replied (180), udp (both), icmp (30).\n"
				    "Existing flows get the new value at once.\n");
	if (argc != 1 && argc != 3)
		return usage_error("ct timeout", "expected NAME SECONDS or nothing (got %d argument%s)",
				   argc - 1, argc == 2 ? "" : "s");
	/* Both words checked before anything is opened. */
	if (argc == 3 && ct_timeout_parse(argv[1], argv[2], &mask, &set_ms, &e))
		return usage_error("ct timeout", "%s", e.msg);
	if (ct_open(&m, &lock_fd, &e))
		return runtime_error("ct timeout", &e);
	err = argc == 3 ? ct_timeout_write(&m, mask, set_ms, &e) : ct_timeouts_get_ms(&m, ms);
	ct_close(&m, lock_fd);
	if (err) {
		if (argc == 1)
			fwctl_err_set(&e, "cannot read the timeouts: %s", strerror(-err));
		return runtime_error("ct timeout", &e);
	}
	if (argc == 3)
		printf("timeout %s: %s s\n", argv[1], argv[2]);
	else
		for (i = 0; i < FWCTL_CT_TIMEOUTS; i++)
			printf("%-16s %u\n", ct_timeout_name(i), ms[i] / 1000);
	return 0;
}

static const struct command ct_commands[] = {
	{ "list", ct_list, "[--json]", "every flow with its state, age and counters" },
	{ "flush", ct_flush_cmd, "", "end every flow" },
	{ "stats", ct_stats_cmd, "[--json]", "flows by state, created, expired, evicted, failures" },
	{ "timeout", ct_timeout_cmd, "[NAME SECONDS]", "show or set a timeout" },
	{ NULL, NULL, NULL, NULL },
};

int cmd_ct(int argc, char **argv)
{
	const struct command *c;

	if (argc < 2)
		return usage_error("ct", "missing command (list, flush, stats or timeout)");
	if (is_help(argv[1])) {
		printf("Usage: fwctl ct COMMAND\n\nConnection tracking (flows of stateful rules).\n\n");
		for (c = ct_commands; c->name; c++)
			printf("  %-8s %-16s %s\n", c->name, c->args, c->summary);
		return 0;
	}
	c = command_find(ct_commands, argv[1], "ct command");
	if (!c)
		return EXIT_USAGE;
	return c->run(argc - 1, argv + 1);
}
