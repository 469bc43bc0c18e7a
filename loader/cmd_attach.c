// SPDX-License-Identifier: GPL-2.0
/* cmd_attach.c - fwctl attach, detach and status. */
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>
#include "cli.h"
#include "conntrack.h"

static const char attach_help[] =
	"Attach the filter between IF_IN (the \"input\" side) and IF_OUT (\"output\"):\n"
	"frames allowed on one are forwarded unchanged to the other. Starts with no\n"
	"rules and policy drop: only ARP and IPv6 Neighbor Discovery pass.\n\n"
	"Options:\n"
	"  -m, --mode native|skb  XDP mode (default native; skb works on any driver)\n"
	"      --ct-size N        flows the connection tracking table holds (default\n"
	"                         262144, 256-4194304; a quarter more for unanswered ones)\n"
	"      --bank-cells N     cells a rule set's bank copy may take to be walked from\n"
	"                         the fast bank (default 131072: every ClassBench set;\n"
	"                         a power of two, 64-524288; two banks of N x 128\n"
	"                         bytes)\n"
	"  -h, --help             this help\n";

/*
 * With the lock held: attach unless already attached. What an interrupted
 * attach left is cleaned up first, but only in the namespace it was made
 * in: its interface indexes mean other interfaces anywhere else.
 */
static int attach_locked(const char *ifs[2], enum fwctl_mode mode, __u32 ct_size,
			 __u32 bank_cells, struct fwctl_err *e)
{
	struct fwctl_config cfg;
	char since[32], why[sizeof(e->msg)];
	int pins, err;

	pins = state_inspect(&cfg, e);
	if (pins < 0)
		return pins;
	if (pins != PINS_NONE && state_check_netns(&cfg, "detach", e)) {
		snprintf(why, sizeof(why), "%s", e->msg);
		fwctl_err_set(e, "already %s", why);
		return -EEXIST;
	}
	if (pins == PINS_COMPLETE) {
		fmt_time_utc(cfg.attached_at, since, sizeof(since));
		fwctl_err_set(e, "already attached to %s and %s (%s mode, since %s): run 'fwctl "
				 "detach' first", cfg.ifname[0], cfg.ifname[1], mode_name(cfg.mode),
			      since);
		return -EEXIST;
	}
	if (pins == PINS_PARTIAL) {
		err = fwctl_detach(&cfg, e);
		if (err)
			return err;
		fprintf(stderr, "fwctl attach: note: cleaned up an interrupted attach in %s\n",
			pin_dir());
	}
	return fwctl_attach(ifs[0], ifs[1], mode, ct_size, bank_cells, e);
}

int cmd_attach(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "ct-size", required_argument, NULL, 'C' },
		{ "bank-cells", required_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum fwctl_mode mode = FWCTL_MODE_NATIVE;
	const char *ifs[2] = {}, *mode_arg = NULL, *ct_arg = NULL, *bank_arg = NULL;
	__u32 ct_size = FWCTL_CT_DEFAULT_SIZE, bank_cells = FWCTL_BANK_CELLS_DEFAULT;
	struct fwctl_err e = {};
	int i, opt, n, lock_fd, err;

	for (optind = 0; (opt = cli_opt("attach", argc, argv, ":m:h", opts)) != -1;) {
		if (opt == 'h')
			return command_help("attach", "[-m|--mode native|skb] [--ct-size N] "
					    "[--bank-cells N] IF_IN IF_OUT", attach_help);
		if (opt == 'C')
			ct_arg = optarg;
		else if (opt == 'B')
			bank_arg = optarg;
		else if (opt == 'm')
			mode_arg = optarg;
		else
			return EXIT_USAGE;
	}
	n = argc - optind;
	if (n > 2)
		return usage_error("attach", "unexpected argument '%s': give two interfaces",
				   argv[optind + 2]);
	if (n == 2) {
		ifs[0] = argv[optind];
		ifs[1] = argv[optind + 1];
	}
	if (mode_arg && !strcmp(mode_arg, "skb"))
		mode = FWCTL_MODE_SKB;
	else if (mode_arg && strcmp(mode_arg, "native"))
		return usage_error("attach", "unknown mode '%s' (native or skb)", mode_arg);
	if (ct_arg && ct_parse_size(ct_arg, &ct_size, &e))
		return usage_error("attach", "%s", e.msg);
	if (bank_arg && table_parse_bank_cells(bank_arg, &bank_cells, &e))
		return usage_error("attach", "%s", e.msg);
	if (n < 2)
		return usage_error("attach", "missing interface: usage: fwctl attach "
					     "[--mode native|skb] IF_IN IF_OUT");
	if (!strcmp(ifs[0], ifs[1]))
		return usage_error("attach", "the same interface twice: '%s'", ifs[1]);

	/* Before anything changes: a bad name must not cost a cleanup. */
	for (i = 0; i < 2; i++)
		if (!if_nametoindex(ifs[i])) {
			fwctl_err_set(&e, "no such interface '%s'", ifs[i]);
			return runtime_error("attach", &e);
		}
	lock_fd = state_prepare(true, &e);
	if (lock_fd < 0)
		return runtime_error("attach", &e);
	err = attach_locked(ifs, mode, ct_size, bank_cells, &e);
	state_unlock(lock_fd);
	if (err)
		return runtime_error("attach", &e);
	printf("attached to %s (input) and %s (output) in %s mode; policy drop, no rules "
	       "(ARP and ND pass)\n", ifs[0], ifs[1], mode_name(mode));
	for (n = 0; n < FWCTL_DIR_COUNT; n++)
		fwctl_info("%s %s: program id %u", n ? "output" : "input", ifs[n],
			   xdp_prog_id_on(if_nametoindex(ifs[n])));
	fwctl_info("pins in %s", pin_dir());
	return 0;
}

int cmd_detach(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct fwctl_config cfg;
	struct fwctl_err e = {};
	int opt, lock_fd, pins, err;

	for (optind = 0; (opt = cli_opt("detach", argc, argv, ":h", opts)) != -1;) {
		if (opt != 'h')
			return EXIT_USAGE;
		return command_help("detach", "", "Detach the filter from both interfaces and "
				    "remove every pin (under " FWCTL_PIN_DIR " by default).\n"
				    "Also cleans up what an interrupted attach left. Refuses when run\n"
				    "from another network namespace than attach was.\n\n"
				    "Options:\n  -h, --help  this help\n");
	}
	if (optind < argc)
		return usage_error("detach", "unexpected argument '%s'", argv[optind]);
	lock_fd = state_prepare(false, &e);
	if (lock_fd < 0)
		return runtime_error("detach", &e);
	pins = state_inspect(&cfg, &e);
	if (pins == PINS_NONE) {
		fwctl_err_set(&e, "not attached: run 'fwctl attach IF_IN IF_OUT' first");
		err = -ENOENT;
	} else if (pins < 0) {
		err = pins;
	} else {
		/* A partial config names interfaces too: the same check applies. */
		err = state_check_netns(&cfg, "detach", &e);
		if (!err)
			err = fwctl_detach(&cfg, &e);
	}
	state_unlock(lock_fd);
	if (err)
		return runtime_error("detach", &e);
	if (pins == PINS_PARTIAL)
		printf("detached (cleaned up an interrupted attach in %s)\n", pin_dir());
	else
		printf("detached from %s and %s\n", cfg.ifname[0], cfg.ifname[1]);
	return 0;
}

/* What status knows about one of the two interfaces. */
struct iface_status {
	const char *role;
	const char *name;	/* as given at attach */
	__u32 ifindex;
	bool present;		/* ifindex still names an interface */
	__u32 prog_id;		/* our program on it, 0 if none */
	struct fwctl_peer peer;	/* its veth peer, if it is a veth */
	unsigned int peer_problems;
};

static void iface_probe(const struct fwctl_config *cfg, int i, struct iface_status *st)
{
	char name[IF_NAMESIZE];

	st->role = i == 0 ? "input" : "output";
	st->name = cfg->ifname[i];
	st->ifindex = cfg->ifindex[i];
	st->present = if_indextoname(st->ifindex, name) != NULL;
	st->prog_id = st->present ? xdp_prog_id_on(st->ifindex) : 0;
	if (!st->present || peer_probe(st->ifindex, &st->peer))
		memset(&st->peer, 0, sizeof(st->peer));	/* not a veth, as far as we know */
	st->peer_problems = peer_problems(&st->peer, cfg->mode);
}

/* The peer's line of the table: where it is, what is wrong, the fix. */
static void peer_line(const struct iface_status *st)
{
	char where[512], what[256], fix[512] = "";

	if (!st->peer.veth)
		return;
	peer_where(&st->peer, where, sizeof(where));
	peer_summary(&st->peer, st->peer_problems, what, sizeof(what));
	if (st->peer_problems)
		peer_fix(&st->peer, st->peer_problems, fix, sizeof(fix));
	printf("  peer     %s: %s%s%s%s\n", where, what, fix[0] ? " (fix: " : "", fix,
	       fix[0] ? ")" : "");
}

/* A peer setting: true, false, or null when it could not be read. */
static json_object *json_setting(int v)
{
	return v < 0 ? NULL : json_object_new_boolean(v);
}

/*
 * "peer": where the peer of a veth is, its settings and their problems;
 * the same keys for every interface, null where not known (st NULL: not
 * attached; not a veth: veth false and the rest null).
 */
static json_object *peer_json(const struct iface_status *st)
{
	const struct fwctl_peer *p = st ? &st->peer : NULL;
	json_object *o = json_object_new_object(), *problems = NULL;
	bool known = p && p->veth;
	char fix[512];
	unsigned int bit;

	json_add(o, "veth", p ? json_object_new_boolean(p->veth) : NULL);
	json_add(o, "found", known ? json_object_new_boolean(p->found) : NULL);
	json_add(o, "ifindex", known && p->found ? json_object_new_int(p->ifindex) : NULL);
	json_add(o, "name", known && p->found ? json_str(p->name) : NULL);
	json_add(o, "netns", known && p->netns[0] ? json_str(p->netns) : NULL);
	json_add(o, "netns_pid", known && p->pid ? json_object_new_int(p->pid) : NULL);
	json_add(o, "gro", known ? json_setting(p->gro) : NULL);
	json_add(o, "xdp", known ? json_setting(p->xdp) : NULL);
	json_add(o, "tx_checksum", known ? json_setting(p->tx_csum) : NULL);
	json_add(o, "tx_vlan_offload", known ? json_setting(p->tx_vlan) : NULL);
	if (known) {
		problems = json_object_new_array();
		for (bit = 1; bit <= PEER_TX_VLAN; bit <<= 1)
			if (st->peer_problems & bit)
				json_object_array_add(problems,
						      json_object_new_string(peer_problem_key(bit)));
	}
	json_add(o, "problems", problems);
	if (known && st->peer_problems)
		peer_fix(p, st->peer_problems, fix, sizeof(fix));
	json_add(o, "fix", known && st->peer_problems ? json_str(fix) : NULL);
	return o;
}

static const char *iface_state(const struct iface_status *st)
{
	if (!st->present)
		return "interface gone";
	return st->prog_id ? "filtering" : "program missing";
}

/* Fields of an interface; all null when not attached. */
static json_object *iface_json(const struct iface_status *st)
{
	json_object *o = json_object_new_object();

	json_add(o, "name", st ? json_str(st->name) : NULL);
	json_add(o, "ifindex", st ? json_u64(st->ifindex) : NULL);
	json_add(o, "present", st ? json_object_new_boolean(st->present) : NULL);
	json_add(o, "prog_id", st && st->prog_id ? json_u64(st->prog_id) : NULL);
	json_add(o, "state", st ? json_object_new_string(iface_state(st)) : NULL);
	json_add(o, "peer", peer_json(st));
	return o;
}

/*
 * status --json: the same keys whatever happens; null where not known
 * (cfg NULL: not attached, or unreadable; attached says which).
 */
static void status_json(const struct fwctl_config *cfg, int attached, unsigned int n_rules,
			__u32 policy, const struct iface_status *ifs, const char *error)
{
	json_object *o = json_object_new_object(), *io = json_object_new_object();
	char since[32];
	int i;

	json_add(o, "attached", attached < 0 ? NULL : json_object_new_boolean(attached));
	json_add(o, "mode", cfg ? json_object_new_string(mode_name(cfg->mode)) : NULL);
	json_add(o, "policy", cfg ? json_object_new_string(policy_name(policy)) : NULL);
	json_add(o, "rule_count", cfg ? json_u64(n_rules) : NULL);
	json_add(o, "max_rules", json_u64(FWCTL_SET_MAX_RULES));
	json_add(o, "ct_size", cfg ? json_u64(cfg->ct_size) : NULL);
	json_add(o, "bank_cells", cfg && cfg->bank_cells ? json_u64(cfg->bank_cells) : NULL);
	if (cfg)
		fmt_time_utc(cfg->attached_at, since, sizeof(since));
	json_add(o, "attached_at", cfg ? json_object_new_string(since) : NULL);
	json_add(o, "attached_at_unix", cfg ? json_u64(cfg->attached_at) : NULL);
	json_add(o, "uptime_seconds", cfg ? json_u64(time(NULL) - cfg->attached_at) : NULL);
	for (i = 0; i < FWCTL_DIR_COUNT; i++)
		json_add(io, i ? "output" : "input", iface_json(cfg ? &ifs[i] : NULL));
	json_add(o, "interfaces", io);
	if (error)
		json_add(o, "error", json_str(error));
	json_print(o);
}

static void status_table(const struct fwctl_config *cfg, unsigned int n_rules, __u32 policy,
			 const struct iface_status *ifs)
{
	long age = (long)(time(NULL) - cfg->attached_at);
	char since[32];
	int i;

	fmt_time_utc(cfg->attached_at, since, sizeof(since));
	printf("attached   %s mode, since %s (%ldd %02ld:%02ld:%02ld ago)\n", mode_name(cfg->mode),
	       since, age / 86400, age / 3600 % 24, age / 60 % 60, age % 60);
	for (i = 0; i < FWCTL_DIR_COUNT; i++) {
		printf("%-10s %s (ifindex %u), program id %u, %s\n", ifs[i].role, ifs[i].name,
		       ifs[i].ifindex, ifs[i].prog_id, iface_state(&ifs[i]));
		peer_line(&ifs[i]);
	}
	printf("policy     %s\nrules      %u of %d\n", policy_name(policy), n_rules,
	       FWCTL_SET_MAX_RULES);
	printf("ct-size    %u flows\n", cfg->ct_size);
	if (cfg->bank_cells)
		printf("bank-cells %u cells per bank (2 banks, %.1f MiB)\n", cfg->bank_cells,
		       (double)FWCTL_BANKS * cfg->bank_cells * FWCTL_CELL_SIZE / (1 << 20));
}

static const char status_help[] =
	"Show where the filter is attached, in which mode, its programs,\n"
	"policy, rule count and since when, and for a veth the peer (the\n"
	"sender's end) with any setting that loses or damages frames in\n"
	"native mode and the command that fixes it. Exit status 1 when not\n"
	"attached, or when an interface is gone or has lost its program.\n\n"
	"Options:\n"
	"  -j, --json  one JSON object (fields in fwctl(8), JSON)\n"
	"  -h, --help  this help\n";

int cmd_status(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct iface_status ifs[FWCTL_DIR_COUNT];
	struct fwctl_state s;
	struct fwctl_err e = {};
	unsigned int n_rules;
	__u32 policy;
	bool json = false;
	int i, opt, err;

	for (optind = 0; (opt = cli_opt("status", argc, argv, ":jh", opts)) != -1;) {
		if (opt == 'h')
			return command_help("status", "[-j|--json]", status_help);
		if (opt != 'j')
			return EXIT_USAGE;
		json = cli_json = true;
	}
	if (optind < argc)
		return usage_error("status", "unexpected argument '%s'", argv[optind]);
	err = state_open(&s, &e);
	if (err) {
		if (json)	/* the object, then the one-line error on stderr */
			status_json(NULL, err == -ENOENT ? 0 : -1, 0, 0, NULL, e.msg);
		cli_json = false;
		return runtime_error("status", &e);
	}
	/* Its ifindexes would describe unrelated interfaces here. */
	if (state_check_netns(&s.cfg, "status", &e)) {
		state_close(&s);
		return runtime_error("status", &e);
	}
	err = ruleset_summary(&s.maps, &n_rules, &policy, &e);
	state_close(&s);
	if (err)
		return runtime_error("status", &e);
	for (i = 0; i < FWCTL_DIR_COUNT; i++)
		iface_probe(&s.cfg, i, &ifs[i]);

	/* An interface that lost the filter is a problem worth an exit status. */
	for (i = 0; i < FWCTL_DIR_COUNT; i++)
		if (!ifs[i].present || !ifs[i].prog_id)
			break;
	if (i < FWCTL_DIR_COUNT)
		fwctl_err_set(&e, "%s %s: %s", ifs[i].role, ifs[i].name, iface_state(&ifs[i]));
	if (json)
		status_json(&s.cfg, 1, n_rules, policy, ifs, e.msg[0] ? e.msg : NULL);
	else
		status_table(&s.cfg, n_rules, policy, ifs);
	cli_json = false;	/* the error is in the object already */
	return e.msg[0] ? runtime_error("status", &e) : 0;
}
