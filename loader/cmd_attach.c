// SPDX-License-Identifier: GPL-2.0
/* cmd_attach.c - fwctl attach, detach and status. */
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cli.h"

static const char attach_help[] =
	"Attach the filter between IF_IN (the \"input\" side) and IF_OUT (\"output\"):\n"
	"frames allowed on one are forwarded unchanged to the other. Starts with no\n"
	"rules and policy drop: only ARP and IPv6 Neighbor Discovery pass.\n\n"
	"Options:\n"
	"  -m, --mode native|skb  XDP mode (default native; skb works on any driver)\n";

/*
 * With the lock held: attach unless already attached. What an interrupted
 * attach left is cleaned up first, but only in the namespace it was made
 * in: its interface indexes mean other interfaces anywhere else.
 */
static int attach_locked(const char *ifs[2], enum fwctl_mode mode, struct fwctl_err *e)
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
	return fwctl_attach(ifs[0], ifs[1], mode, e);
}

int cmd_attach(int argc, char **argv)
{
	enum fwctl_mode mode = FWCTL_MODE_NATIVE;
	const char *ifs[2], *mode_arg = NULL;
	struct fwctl_err e = {};
	int i, n = 0, lock_fd, err;

	for (i = 1; i < argc; i++) {
		if (is_help(argv[i]))
			return command_help("attach", "[--mode native|skb] IF_IN IF_OUT", attach_help);
		if (!strcmp(argv[i], "--mode") || !strcmp(argv[i], "-m")) {
			if (++i == argc)
				return usage_error("attach", "missing value after '%s'", argv[i - 1]);
			mode_arg = argv[i];
		} else if (!strncmp(argv[i], "--mode=", 7)) {
			mode_arg = argv[i] + 7;
		} else if (argv[i][0] == '-') {
			return usage_error("attach", "unknown option '%s'", argv[i]);
		} else if (n == 2) {
			return usage_error("attach", "unexpected argument '%s': give two interfaces",
					   argv[i]);
		} else {
			ifs[n++] = argv[i];
		}
	}
	if (mode_arg && !strcmp(mode_arg, "skb"))
		mode = FWCTL_MODE_SKB;
	else if (mode_arg && strcmp(mode_arg, "native"))
		return usage_error("attach", "unknown mode '%s' (native or skb)", mode_arg);
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
	err = attach_locked(ifs, mode, &e);
	state_unlock(lock_fd);
	if (err)
		return runtime_error("attach", &e);
	printf("attached to %s (input) and %s (output) in %s mode; policy drop, no rules "
	       "(ARP and ND pass)\n", ifs[0], ifs[1], mode_name(mode));
	return 0;
}

int cmd_detach(int argc, char **argv)
{
	struct fwctl_config cfg;
	struct fwctl_err e = {};
	int lock_fd, pins, err;

	if (argc > 1 && is_help(argv[1]))
		return command_help("detach", "", "Detach the filter from both interfaces and "
				    "remove every pin (under " FWCTL_PIN_DIR " by default).\n"
				    "Also cleans up what an interrupted attach left. Refuses when run\n"
				    "from another network namespace than attach was.\n");
	if (argc > 1)
		return usage_error("detach", "unexpected argument '%s'", argv[1]);
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
};

static void iface_probe(const struct fwctl_config *cfg, int i, struct iface_status *st)
{
	char name[IF_NAMESIZE];

	st->role = i == 0 ? "input" : "output";
	st->name = cfg->ifname[i];
	st->ifindex = cfg->ifindex[i];
	st->present = if_indextoname(st->ifindex, name) != NULL;
	st->prog_id = st->present ? xdp_prog_id_on(st->ifindex) : 0;
}

static const char *iface_state(const struct iface_status *st)
{
	if (!st->present)
		return "interface gone";
	return st->prog_id ? "filtering" : "program missing";
}

int cmd_status(int argc, char **argv)
{
	struct iface_status ifs[FWCTL_DIR_COUNT];
	struct fwctl_state s;
	struct fwctl_err e = {};
	struct ruleset *rs;
	bool json = false;
	char since[32];
	long age;
	int i, err;

	for (i = 1; i < argc; i++) {
		if (is_help(argv[i]))
			return command_help("status", "[--json]",
					    "Show where the filter is attached, in which mode, its programs,\n"
					    "policy, rule count and since when. Exit status 1 when not attached.\n");
		if (!strcmp(argv[i], "--json"))
			json = true;
		else
			return usage_error("status", "unexpected argument '%s'", argv[i]);
	}
	err = state_open(&s, &e);
	if (err) {
		if (err == -ENOENT && json)
			printf("{\"attached\": false}\n");
		return runtime_error("status", &e);
	}
	/* Its ifindexes would describe unrelated interfaces here. */
	if (state_check_netns(&s.cfg, "status", &e)) {
		state_close(&s);
		return runtime_error("status", &e);
	}
	rs = malloc(sizeof(*rs));
	err = rs ? ruleset_read(&s.maps, rs) : -ENOMEM;
	state_close(&s);
	if (err) {
		free(rs);
		fwctl_err_set(&e, "cannot read the rule table: %s", strerror(-err));
		return runtime_error("status", &e);
	}
	for (i = 0; i < FWCTL_DIR_COUNT; i++)
		iface_probe(&s.cfg, i, &ifs[i]);
	fmt_time_utc(s.cfg.attached_at, since, sizeof(since));
	age = (long)(time(NULL) - s.cfg.attached_at);

	if (json) {
		printf("{\"attached\": true, \"mode\": \"%s\", \"policy\": \"%s\", \"rules\": %u, "
		       "\"attached_at\": \"%s\", \"attached_at_unix\": %llu, \"uptime_seconds\": %ld, "
		       "\"interfaces\": {", mode_name(s.cfg.mode), policy_name(s.cfg.policy),
		       rs->active, since, (unsigned long long)s.cfg.attached_at, age);
		for (i = 0; i < FWCTL_DIR_COUNT; i++) {
			printf("%s\"%s\": {\"name\": ", i ? ", " : "", ifs[i].role);
			json_str(stdout, ifs[i].name);
			printf(", \"ifindex\": %u, \"present\": %s, \"prog_id\": %u, \"state\": \"%s\"}",
			       ifs[i].ifindex, ifs[i].present ? "true" : "false", ifs[i].prog_id,
			       iface_state(&ifs[i]));
		}
		printf("}}\n");
	} else {
		printf("attached   %s mode, since %s (%ldd %02ld:%02ld:%02ld ago)\n",
		       mode_name(s.cfg.mode), since, age / 86400, age / 3600 % 24, age / 60 % 60,
		       age % 60);
		for (i = 0; i < FWCTL_DIR_COUNT; i++)
			printf("%-10s %s (ifindex %u), program id %u, %s\n", ifs[i].role, ifs[i].name,
			       ifs[i].ifindex, ifs[i].prog_id, iface_state(&ifs[i]));
		printf("policy     %s\nrules      %u of %d\n", policy_name(s.cfg.policy), rs->active,
		       FWCTL_MAX_RULES);
	}
	free(rs);
	/* An interface that lost the filter is a problem worth an exit status. */
	for (i = 0; i < FWCTL_DIR_COUNT; i++)
		if (!ifs[i].present || !ifs[i].prog_id) {
			fprintf(stderr, "fwctl status: %s %s: %s\n", ifs[i].role, ifs[i].name,
				iface_state(&ifs[i]));
			return EXIT_RUNTIME;
		}
	return 0;
}
