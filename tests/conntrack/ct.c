// SPDX-License-Identifier: GPL-2.0
/*
 * ct.c - tests of connection and fragment tracking (bpf/conntrack.h,
 * bpf/frag.h, loader/conntrack.c, loader/cmd_ct.c).
 *
 * Loads the test program ct_test.bpf.c with private maps (nothing
 * pinned, no interface needed: the direction of each frame is set in
 * the program's globals) and runs crafted frames through it with
 * BPF_PROG_TEST_RUN. Each check prints PASS:/FAIL: and starts from empty
 * tables, the standard rules and generation, and default timeouts.
 * Timeouts are tested both at their defaults, by moving a flow's last
 * packet back in time (tables are writable from here), and shrunk in
 * the config map in real time. Ends with the ns/packet of an
 * established-flow hit next to a plain array lookup (no assert).
 *
 * Usage: conntrack [-k SUBSTRING] [-v]   (root)
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <json-c/json.h>
#include "fwctl.h"
#include "cli.h"
#include "fwctl_classifier.h"
#include "conntrack.h"
#include "ct_test.h"
#include "ct_test.skel.h"
#include "pkt.h"
#include "real.h"

#define WHY_LEN		512
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define NS		1000000000ull

enum { IN = FWCTL_DIR_IN_TO_OUT, OUT = FWCTL_DIR_OUT_TO_IN };
enum { FWD = XDP_PASS, DROP = XDP_DROP };
enum { V4 = 0, V6 = 1 };

/* Hosts: A on the input side, B and a router R on the output side. */
#define A	1
#define B	2
#define R	9

#define TCP(v, s, d, sp, dp, fl) ((struct pk){ .v6 = (v), .src = (s), .dst = (d), .proto = 6, \
					       .sport = (sp), .dport = (dp), .flags = (fl) })
#define UDP(v, s, d, sp, dp) ((struct pk){ .v6 = (v), .src = (s), .dst = (d), .proto = 17,   \
					   .sport = (sp), .dport = (dp), .payload = 20 })
#define ECHO(v, s, d, ty, ident) ((struct pk){ .v6 = (v), .src = (s), .dst = (d),             \
					       .proto = (v) ? 58 : 1, .type = (ty), .id = (ident), \
					       .payload = 16 })
#define REQ(v)	((v) ? 128 : 8)		/* echo request */
#define REP(v)	((v) ? 129 : 0)		/* echo reply */

static struct ct_test *skel;
static struct ct_maps cm;
static int prog_fd, base_fd;
static struct test_out last;
static size_t last_len;		/* length of the last frame sent */
static int failures;
static const char *only;
static bool verbose;

/* The standard rules: what issue 12's tests use, as stateful rules 1-4. */
static const struct test_rule std_rules[] = {
	{ .rule_id = 1, .proto = 6, .dport = 7070, .in = IN, .stateful = 1 },
	{ .rule_id = 2, .proto = 17, .dport = 53, .in = IN, .stateful = 1 },
	{ .rule_id = 3, .proto = 1, .in = IN, .stateful = 1 },
	{ .rule_id = 4, .proto = 58, .in = IN, .stateful = 1 },
};
static const __u32 std_serials[] = { 0, 101, 102, 103, 104 };

static const char *how_name(__u32 how)
{
	static const char *const n[] = { "none", "malformed", "flow", "related", "rule", "policy",
					 "frag" };

	return how < ARRAY_SIZE(n) ? n[how] : "?";
}

/* --- running frames ------------------------------------------------------ */

static int run_raw(int fd, const uint8_t *f, size_t len, int dir, __u32 repeat, __u32 *ns)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f, .data_size_in = len, .repeat = repeat);
	int err;

	skel->bss->test_dir = dir;
	last_len = len;
	err = bpf_prog_test_run_opts(fd, &o);
	last = skel->bss->out;
	if (ns)
		*ns = o.duration;
	return err ? -1 : (int)o.retval;
}

static int tx(const struct pk *p, int dir)
{
	uint8_t f[PKT_MAX];

	return run_raw(prog_fd, f, pk_build(p, f), dir, 1, NULL);
}

static bool send_ok(const struct pk *p, int dir, int want, int line, char *why)
{
	int v = tx(p, dir);

	if (v == want)
		return true;
	snprintf(why, WHY_LEN, "line %d: frame %d->%d proto %d on %s: %s (how %s, rule %u), "
		 "expected %s", line, p->src, p->dst, p->proto, dir == IN ? "input" : "output",
		 v == FWD ? "forwarded" : v == DROP ? "dropped" : "run failed", how_name(last.how),
		 last.rule_id, want == FWD ? "forwarded" : "dropped");
	return false;
}

#define SEND(p, dir, want)                                                      \
	do {                                                                    \
		struct pk __p = (p);                                            \
		if (!send_ok(&__p, dir, want, __LINE__, why))                   \
			return false;                                           \
	} while (0)

#define CHECK(cond, ...)                                                        \
	do {                                                                    \
		if (!(cond)) {                                                  \
			int __n = snprintf(why, WHY_LEN, "line %d: ", __LINE__);  \
			snprintf(why + __n, WHY_LEN - __n, __VA_ARGS__);        \
			return false;                                           \
		}                                                               \
	} while (0)

/* The last frame was decided as how, on rule (0: any). */
#define HOW(h, rule)                                                            \
	do {                                                                    \
		__u32 __r = (rule);                                             \
		CHECK(last.how == (h) && (!__r || last.rule_id == __r),         \
		      "decided by %s on rule %u, expected %s on rule %u",       \
		      how_name(last.how), last.rule_id, how_name(h), __r);      \
	} while (0)

/* --- state ----------------------------------------------------------------- */

static void set_rules(const struct test_rule *r, unsigned int n)
{
	struct test_rule none = {};
	__u32 i;

	for (i = 0; i < TEST_RULES; i++)
		bpf_map_update_elem(bpf_map__fd(skel->maps.test_rules), &i, i < n ? &r[i] : &none,
				    BPF_ANY);
}

/*
 * Make a new generation current: serial[id] for ids < n (none: no
 * stateful rule, ct_serial_cell 0), as the rule-set code is to write it.
 */
static int set_gen(const __u32 *serial, unsigned int n)
{
	struct fwctl_cell c;
	__u32 k = 0, i, outer = bpf_map__fd(skel->maps.test_tables);
	int fd, err;

	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "test_gen", 4, sizeof(c), TEST_GEN_CELLS, NULL);
	if (fd < 0)
		return -errno;
	memset(&c, 0, sizeof(c));
	c.hdr.kind = FWCTL_CELL_HDR;
	c.hdr.magic = FWCTL_TABLE_MAGIC;
	c.hdr.pad[0] = n ? 1 : 0;		/* ct_serial_cell */
	c.hdr.pad[1] = n;			/* ct_serial_ids */
	bpf_map_update_elem(fd, &k, &c, BPF_ANY);
	for (i = 0; i < n; i += FWCTL_CT_SERIALS_PER_CELL) {
		struct fwctl_serial_cell sc = {};
		__u32 j, cell = 1 + i / FWCTL_CT_SERIALS_PER_CELL;

		for (j = 0; j < FWCTL_CT_SERIALS_PER_CELL && i + j < n; j++)
			sc.serial[j] = serial[i + j];
		bpf_map_update_elem(fd, &cell, &sc, BPF_ANY);
	}
	err = bpf_map_update_elem(outer, &k, &fd, BPF_ANY) ? -errno : 0;
	close(fd);
	return err;
}

static void clear_map(int fd, size_t key_size)
{
	char key[64], next[64];

	while (!bpf_map_get_next_key(fd, NULL, next)) {
		memcpy(key, next, key_size);
		if (bpf_map_delete_elem(fd, key))
			break;
	}
}

static void reset(void)
{
	__u64 zero = 0;
	__u32 i;

	ct_flush(&cm, NULL);
	clear_map(cm.frag, sizeof(struct fwctl_frag_key));
	for (i = 0; i < TEST_RULE_IDS; i++)
		bpf_map_update_elem(bpf_map__fd(skel->maps.test_rule_pkts), &i, &zero, BPF_ANY);
	set_rules(std_rules, ARRAY_SIZE(std_rules));
	set_gen(std_serials, ARRAY_SIZE(std_serials));
	ct_config_init(&cm, 1024);
}

static __u64 rule_pkts(__u32 id)
{
	__u64 v = 0;

	bpf_map_lookup_elem(bpf_map__fd(skel->maps.test_rule_pkts), &id, &v);
	return v;
}

/* Entries a table holds, live or not (the established table: its slots
 * of the current epoch, as ct_summary_read counts them). */
static int entries(int fd)
{
	struct fwctl_ct_key k, next;
	struct ct_summary sum;
	int n = 0;
	void *prev = NULL;

	if (fd == cm.est)
		return ct_summary_read(&cm, NULL, NULL, &sum) ? -1 :
		       (int)sum.in_table[FWCTL_CT_TABLE_EST];
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		k = next;
		prev = &k;
		n++;
	}
	return n;
}

static struct fwctl_ct_stats counters(void)
{
	struct ct_summary s;

	ct_summary_read(&cm, NULL, NULL, &s);
	return s.c;
}

/* The only flow there is; false (and why) if there are none or several. */
static bool one_flow(struct ct_flow *f, char *why)
{
	struct ct_flow *fl = NULL;
	size_t n = 0;
	int err = ct_flows_read(&cm, NULL, NULL, &fl, &n);

	if (err || n != 1) {
		snprintf(why, WHY_LEN, "ct_flows_read: %s, %zu flows, expected one",
			 err ? strerror(-err) : "ok", n);
		free(fl);
		return false;
	}
	*f = fl[0];
	free(fl);
	return true;
}

static __u64 coarse_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (__u64)ts.tv_sec * NS + ts.tv_nsec;
}

/* Every flow's last packet (and creation) ago_s seconds back. */
static void age_flows(__u64 ago_s)
{
	struct fwctl_ct_key k, next;
	struct fwctl_ct_slot slot;
	struct fwctl_ct_entry e;
	void *prev = NULL;
	__u32 i;

	while (!bpf_map_get_next_key(cm.new, prev, &next)) {
		k = next;
		prev = &k;
		if (bpf_map_lookup_elem(cm.new, &k, &e))
			continue;
		e.last_ns = coarse_now() - ago_s * NS;
		e.created_ns = e.last_ns;
		bpf_map_update_elem(cm.new, &k, &e, BPF_EXIST);
	}
	for (i = 0; !bpf_map_lookup_elem(cm.est, &i, &slot); i++) {
		if (!slot.epoch)
			continue;
		slot.e.last_ns = coarse_now() - ago_s * NS;
		slot.e.created_ns = slot.e.last_ns;
		bpf_map_update_elem(cm.est, &i, &slot, BPF_EXIST);
	}
}

static void age_frags(__u64 ago_s)
{
	struct fwctl_frag_key k, next;
	struct fwctl_frag_entry e;
	void *prev = NULL;

	while (!bpf_map_get_next_key(cm.frag, prev, &next)) {
		k = next;
		prev = &k;
		if (bpf_map_lookup_elem(cm.frag, &k, &e))
			continue;
		e.seen_ns = coarse_now() - ago_s * NS;
		bpf_map_update_elem(cm.frag, &k, &e, BPF_EXIST);
	}
}

/* A's TCP connection from port sp to B:7070 through the handshake. */
static bool tcp_connect(int v6, __u16 sp, char *why)
{
	SEND(TCP(v6, A, B, sp, 7070, TCP_SYN), IN, FWD);
	HOW(HOW_RULE, 1);
	CHECK(last.created, "the SYN created no flow");
	SEND(TCP(v6, B, A, 7070, sp, TCP_SYN | TCP_ACK), OUT, FWD);
	HOW(HOW_FLOW, 1);
	SEND(TCP(v6, A, B, sp, 7070, TCP_ACK), IN, FWD);
	HOW(HOW_FLOW, 1);
	return true;
}

/* --- TCP ------------------------------------------------------------------ */

static bool t_syn_creates(char *why)
{
	struct ct_flow f;

	SEND(TCP(V4, A, B, 40000, 7070, TCP_SYN), IN, FWD);
	HOW(HOW_RULE, 1);
	CHECK(last.created, "no flow created");
	CHECK(entries(cm.new) == 1 && entries(cm.est) == 0, "new %d, est %d entries, expected 1, 0",
	      entries(cm.new), entries(cm.est));
	if (!one_flow(&f, why))
		return false;
	CHECK(f.state == FWCTL_CT_SYN, "state %s", ct_state_name(f.state));
	CHECK(f.rule_id == 1 && f.packets[0] == 1 && f.packets[1] == 0, "rule %u packets %llu/%llu",
	      f.rule_id, (unsigned long long)f.packets[0], (unsigned long long)f.packets[1]);
	CHECK(rule_pkts(1) == 1, "rule 1 counted %llu", (unsigned long long)rule_pkts(1));
	return true;
}

/* The datapath's clock is the coarse monotonic clock user space reads. */
static bool t_clock(char *why)
{
	struct fwctl_ct_key k;
	struct fwctl_ct_entry e;
	__s64 d;
	int i;

	for (i = 0; i < 20; i++) {
		__u64 t0 = coarse_now(), t1;

		ct_flush(&cm, NULL);
		SEND(UDP(V4, A, B, 33333, 53), IN, FWD);
		t1 = coarse_now();
		CHECK(!bpf_map_get_next_key(cm.new, NULL, &k) && !bpf_map_lookup_elem(cm.new, &k, &e),
		      "no flow");
		d = e.created_ns < t0 ? (__s64)(t0 - e.created_ns) : e.created_ns > t1 ?
		    (__s64)(e.created_ns - t1) : 0;
		CHECK(d <= 5000000, "created %llu, user space's clock %llu..%llu: %lld ns apart",
		      (unsigned long long)e.created_ns, (unsigned long long)t0,
		      (unsigned long long)t1, (long long)d);
		usleep(7000);
	}
	return true;
}

static bool t_one_entry_both_ways(char *why)
{
	struct ct_flow f;

	SEND(TCP(V4, A, B, 40000, 7070, TCP_SYN), IN, FWD);
	SEND(TCP(V4, B, A, 7070, 40000, TCP_SYN | TCP_ACK), OUT, FWD);
	HOW(HOW_FLOW, 1);
	CHECK(last.reply == 1 && last.state == FWCTL_CT_ESTABLISHED, "reply %u state %s", last.reply,
	      ct_state_name(last.state));
	/* The server retransmits its SYN-ACK, the client its SYN: still a handshake. */
	SEND(TCP(V4, B, A, 7070, 40000, TCP_SYN | TCP_ACK), OUT, FWD);
	SEND(TCP(V4, A, B, 40000, 7070, TCP_SYN), IN, FWD);
	HOW(HOW_FLOW, 1);
	CHECK(entries(cm.new) == 1 && entries(cm.est) == 0,
	      "new %d, est %d entries: the answered handshake must stay in the new table",
	      entries(cm.new), entries(cm.est));
	if (!one_flow(&f, why))
		return false;
	CHECK(f.state == FWCTL_CT_ESTABLISHED && f.packets[0] == 2 && f.packets[1] == 2,
	      "state %s packets %llu/%llu", ct_state_name(f.state),
	      (unsigned long long)f.packets[0], (unsigned long long)f.packets[1]);
	CHECK(f.expires <= 60, "expires in %llu s: tcp-syn (60) until the handshake completes",
	      (unsigned long long)f.expires);
	return true;
}

static bool t_handshake_moves(char *why)
{
	struct fwctl_ct_stats s0 = counters(), s1;
	struct ct_flow f;

	if (!tcp_connect(V4, 40000, why))
		return false;
	s1 = counters();
	CHECK(entries(cm.new) == 0 && entries(cm.est) == 1, "new %d, est %d entries",
	      entries(cm.new), entries(cm.est));
	CHECK(s1.created - s0.created == 1 && s1.established - s0.established == 1,
	      "created +%llu established +%llu", (unsigned long long)(s1.created - s0.created),
	      (unsigned long long)(s1.established - s0.established));
	if (!one_flow(&f, why))
		return false;
	CHECK(f.state == FWCTL_CT_ESTABLISHED && f.expires > 7000, "state %s expires %llu",
	      ct_state_name(f.state), (unsigned long long)f.expires);
	return true;
}

static bool t_data_counted(char *why)
{
	struct pk a = TCP(V4, A, B, 40000, 7070, TCP_ACK | TCP_PSH);
	struct pk b = TCP(V4, B, A, 7070, 40000, TCP_ACK | TCP_PSH);
	struct ct_flow f;
	int i;

	a.payload = 100;
	b.payload = 300;
	if (!tcp_connect(V4, 40000, why))
		return false;
	for (i = 0; i < 3; i++) {
		SEND(a, IN, FWD);
		HOW(HOW_FLOW, 1);
		CHECK(!last.reply, "orig packet seen as reply");
		SEND(b, OUT, FWD);
		HOW(HOW_FLOW, 1);
		CHECK(last.reply, "reply packet seen as orig");
	}
	if (!one_flow(&f, why))
		return false;
	/* handshake: SYN, ACK orig (54 bytes each), SYN-ACK reply (54) */
	CHECK(f.packets[0] == 5 && f.packets[1] == 4, "packets %llu/%llu, expected 5/4",
	      (unsigned long long)f.packets[0], (unsigned long long)f.packets[1]);
	CHECK(f.bytes[0] == 2 * 54 + 3 * 154 && f.bytes[1] == 54 + 3 * 354,
	      "bytes %llu/%llu, expected %d/%d", (unsigned long long)f.bytes[0],
	      (unsigned long long)f.bytes[1], 2 * 54 + 3 * 154, 54 + 3 * 354);
	CHECK(rule_pkts(1) == 9, "rule 1 counted %llu, expected 9", (unsigned long long)rule_pkts(1));
	return true;
}

static bool t_v6_connection(char *why)
{
	struct ct_flow f;

	if (!tcp_connect(V6, 40001, why))
		return false;
	SEND(TCP(V6, B, A, 7070, 40001, TCP_ACK), OUT, FWD);
	HOW(HOW_FLOW, 1);
	if (!one_flow(&f, why))
		return false;
	CHECK(f.family == FWCTL_FAMILY_V6 && f.state == FWCTL_CT_ESTABLISHED, "family %u state %s",
	      f.family, ct_state_name(f.state));
	return true;
}

static bool t_outside_blocked(char *why)
{
	if (!tcp_connect(V4, 40000, why))
		return false;
	/* A connection from the output side, even to the allowed port. */
	SEND(TCP(V4, B, A, 50000, 7070, TCP_SYN), OUT, DROP);
	HOW(HOW_POLICY, 0);
	/* From source port 7070 on the output side to other ports. */
	SEND(TCP(V4, B, A, 7070, 22, TCP_SYN), OUT, DROP);
	SEND(TCP(V4, B, A, 7070, 40001, TCP_ACK), OUT, DROP);
	SEND(TCP(V4, B, 3, 7070, 40000, TCP_ACK), OUT, DROP);
	HOW(HOW_POLICY, 0);
	CHECK(entries(cm.new) + entries(cm.est) == 1, "%d flows", entries(cm.new) + entries(cm.est));
	return true;
}

static bool t_only_syn_starts(char *why)
{
	SEND(TCP(V4, A, B, 40000, 7070, TCP_ACK), IN, DROP);
	HOW(HOW_POLICY, 0);
	SEND(TCP(V4, A, B, 40000, 7070, TCP_SYN | TCP_ACK), IN, DROP);
	SEND(TCP(V4, A, B, 40000, 7070, TCP_RST), IN, DROP);
	SEND(TCP(V4, A, B, 40000, 7070, TCP_FIN | TCP_ACK), IN, DROP);
	CHECK(entries(cm.new) + entries(cm.est) == 0, "%d flows created",
	      entries(cm.new) + entries(cm.est));
	return true;
}

static bool t_stateless_after_stateful(char *why)
{
	/* A stateful rule that cannot match passes the packet on to the next. */
	struct test_rule r[] = {
		std_rules[0],
		{ .rule_id = 5, .proto = 6, .dport = 7070, .in = TEST_IN_ANY },
	};

	set_rules(r, 2);
	SEND(TCP(V4, A, B, 40000, 7070, TCP_ACK), IN, FWD);
	HOW(HOW_RULE, 5);
	CHECK(!last.created && entries(cm.new) == 0, "a flow was created");
	SEND(TCP(V4, A, B, 40000, 7070, TCP_SYN), IN, FWD);
	HOW(HOW_RULE, 1);
	CHECK(last.created, "the SYN created no flow");
	return true;
}

static bool t_wrong_interface(char *why)
{
	if (!tcp_connect(V4, 40000, why))
		return false;
	/* The flow's own packets, but arriving on the other interface. */
	SEND(TCP(V4, A, B, 40000, 7070, TCP_ACK), OUT, DROP);
	HOW(HOW_POLICY, 0);
	SEND(TCP(V4, B, A, 7070, 40000, TCP_ACK), IN, DROP);
	SEND(TCP(V4, B, A, 7070, 40000, TCP_ACK), OUT, FWD);
	return true;
}

static bool closes(int flags, int from_reply, char *why)
{
	struct ct_flow f;

	if (!tcp_connect(V4, 40000, why))
		return false;
	if (from_reply)
		SEND(TCP(V4, B, A, 7070, 40000, flags), OUT, FWD);
	else
		SEND(TCP(V4, A, B, 40000, 7070, flags), IN, FWD);
	HOW(HOW_FLOW, 1);
	CHECK(last.state == FWCTL_CT_CLOSING, "state %s", ct_state_name(last.state));
	if (!one_flow(&f, why))
		return false;
	CHECK(f.state == FWCTL_CT_CLOSING && f.expires <= 10, "state %s expires %llu",
	      ct_state_name(f.state), (unsigned long long)f.expires);
	/* The rest of the close still passes, both ways. */
	SEND(TCP(V4, B, A, 7070, 40000, TCP_ACK), OUT, FWD);
	SEND(TCP(V4, A, B, 40000, 7070, TCP_ACK), IN, FWD);
	return true;
}

static bool t_fin_orig(char *why) { return closes(TCP_FIN | TCP_ACK, 0, why); }
static bool t_fin_reply(char *why) { return closes(TCP_FIN | TCP_ACK, 1, why); }
static bool t_rst_orig(char *why) { return closes(TCP_RST, 0, why); }
static bool t_rst_reply(char *why) { return closes(TCP_RST | TCP_ACK, 1, why); }

static bool t_rst_to_syn(char *why)
{
	SEND(TCP(V4, A, B, 40000, 7070, TCP_SYN), IN, FWD);
	SEND(TCP(V4, B, A, 7070, 40000, TCP_RST | TCP_ACK), OUT, FWD);
	HOW(HOW_FLOW, 1);
	CHECK(last.state == FWCTL_CT_CLOSING, "state %s", ct_state_name(last.state));
	CHECK(entries(cm.est) == 0, "a refused connection reached the established table");
	return true;
}

static bool t_reuse_after_close(char *why)
{
	struct ct_flow f;

	if (!closes(TCP_FIN | TCP_ACK, 0, why))
		return false;
	/* The same port pair again: the SYN restarts the flow. */
	SEND(TCP(V4, A, B, 40000, 7070, TCP_SYN), IN, FWD);
	HOW(HOW_FLOW, 1);
	CHECK(last.state == FWCTL_CT_SYN, "state %s", ct_state_name(last.state));
	SEND(TCP(V4, B, A, 7070, 40000, TCP_SYN | TCP_ACK), OUT, FWD);
	CHECK(last.state == FWCTL_CT_ESTABLISHED, "state %s", ct_state_name(last.state));
	if (!one_flow(&f, why))
		return false;
	CHECK(f.expires > 7000, "expires %llu: not tcp-established", (unsigned long long)f.expires);
	return true;
}

/* --- timeouts ---------------------------------------------------------------- */

struct to_case {
	const char *name;
	__u32 seconds;
	bool (*setup)(char *why);
	struct pk probe;
	int probe_dir;
};

static bool setup_syn(char *why)
{
	SEND(TCP(V4, A, B, 40000, 7070, TCP_SYN), IN, FWD);
	return true;
}

static bool setup_est(char *why)
{
	return tcp_connect(V4, 40000, why);
}

static bool setup_closing(char *why)
{
	if (!tcp_connect(V4, 40000, why))
		return false;
	SEND(TCP(V4, A, B, 40000, 7070, TCP_FIN | TCP_ACK), IN, FWD);
	return true;
}

static bool setup_udp_new(char *why)
{
	SEND(UDP(V4, A, B, 33333, 53), IN, FWD);
	return true;
}

static bool setup_udp_replied(char *why)
{
	SEND(UDP(V4, A, B, 33333, 53), IN, FWD);
	SEND(UDP(V4, B, A, 53, 33333), OUT, FWD);
	return true;
}

static bool setup_icmp(char *why)
{
	SEND(ECHO(V4, A, B, REQ(V4), 77), IN, FWD);
	return true;
}

static const struct to_case to_cases[] = {
	{ "tcp-syn", 60, setup_syn, TCP(V4, B, A, 7070, 40000, TCP_SYN | TCP_ACK), OUT },
	{ "tcp-established", 7200, setup_est, TCP(V4, B, A, 7070, 40000, TCP_ACK), OUT },
	{ "tcp-closing", 10, setup_closing, TCP(V4, B, A, 7070, 40000, TCP_ACK), OUT },
	{ "udp-new", 30, setup_udp_new, UDP(V4, B, A, 53, 33333), OUT },
	{ "udp-replied", 180, setup_udp_replied, UDP(V4, B, A, 53, 33333), OUT },
	{ "icmp", 30, setup_icmp, ECHO(V4, B, A, REP(V4), 77), OUT },
};

/* Clear the config map (timeouts and hash keys): the datapath falls back
 * on its own defaults. The flush epoch stays: it only ever grows, or
 * flushed flows would come back. */
static void config_zero(void)
{
	struct fwctl_ct_config cfg = {}, old = {};
	__u32 key = 0;

	bpf_map_lookup_elem(cm.config, &key, &old);
	cfg.epoch = old.epoch;
	bpf_map_update_elem(cm.config, &key, &cfg, BPF_ANY);
}

/*
 * Default timeouts: a flow idle 2 s less passes, 2 s more is gone. Both
 * as the loader writes them and with a config map nobody wrote. The flow
 * clock starts at boot: on a machine up for less than a timeout + 2 s, no
 * flow can have been idle that long, and its case is skipped (said on a
 * SKIP line) rather than aged into the future.
 */
static bool t_default_timeouts(char *why)
{
	__u64 up_s = coarse_now() / NS;
	struct fwctl_ct_stats s0, s1;
	unsigned int i, zero, ago;
	bool skipped[ARRAY_SIZE(to_cases)] = { false };

	for (zero = 0; zero < 2; zero++) {
		for (i = 0; i < 2 * ARRAY_SIZE(to_cases); i++) {
			const struct to_case *c = &to_cases[i / 2];
			bool late = i & 1;

			if (c->seconds + 2 > up_s) {
				skipped[i / 2] = true;
				continue;
			}
			reset();
			if (zero)
				config_zero();
			if (!c->setup(why))
				return false;
			ago = late ? c->seconds + 2 : c->seconds - 2;
			age_flows(ago);
			s0 = counters();
			if (!send_ok(&c->probe, c->probe_dir, late ? DROP : FWD, __LINE__, why)) {
				snprintf(why + strlen(why), WHY_LEN - strlen(why), " (%s idle %u s%s)",
					 c->name, ago, zero ? ", config map zero" : "");
				return false;
			}
			s1 = counters();
			CHECK(s1.expired - s0.expired == late, "%s idle %u s: expired +%llu", c->name,
			      ago, (unsigned long long)(s1.expired - s0.expired));
			CHECK(!late || entries(cm.new) + entries(cm.est) == 0,
			      "%s: expired entry still there", c->name);
		}
	}
	for (i = 0; i < ARRAY_SIZE(to_cases); i++)
		if (skipped[i])
			printf("SKIP: timeouts: default %s %u s: this machine has been up %llu s, "
			       "less than a flow idle %u s needs\n", to_cases[i].name,
			       to_cases[i].seconds, (unsigned long long)up_s, to_cases[i].seconds + 2);
	return true;
}

/* A timeout shrunk in the config map applies at once, to existing flows. */
static bool t_config_timeouts(char *why)
{
	struct fwctl_ct_config cfg = {};
	struct ct_flow *fl = NULL;
	size_t n = 0;
	__u32 key = 0;

	SEND(UDP(V4, A, B, 33333, 53), IN, FWD);
	SEND(UDP(V4, A, B, 33334, 53), IN, FWD);
	SEND(UDP(V4, B, A, 53, 33334), OUT, FWD);	/* the second one replied */
	bpf_map_lookup_elem(cm.config, &key, &cfg);
	cfg.timeout_ms[FWCTL_CT_TO_UDP_NEW] = 200;
	bpf_map_update_elem(cm.config, &key, &cfg, BPF_EXIST);
	usleep(450 * 1000);
	ct_flows_read(&cm, NULL, NULL, &fl, &n);
	free(fl);
	CHECK(n == 1, "%zu flows listed after the new one's 200 ms, expected 1", n);
	SEND(UDP(V4, B, A, 53, 33333), OUT, DROP);
	SEND(UDP(V4, B, A, 53, 33334), OUT, FWD);
	return true;
}

/* --- UDP and ICMP ------------------------------------------------------------- */

static bool t_udp_replied(char *why)
{
	struct ct_flow f;

	SEND(UDP(V4, A, B, 33333, 53), IN, FWD);
	HOW(HOW_RULE, 2);
	CHECK(last.created && entries(cm.new) == 1, "no flow in the new table");
	SEND(UDP(V4, A, B, 33333, 53), IN, FWD);	/* a retry: same flow */
	HOW(HOW_FLOW, 2);
	CHECK(last.state == FWCTL_CT_NEW, "state %s", ct_state_name(last.state));
	SEND(UDP(V4, B, A, 53, 33333), OUT, FWD);
	HOW(HOW_FLOW, 2);
	CHECK(last.state == FWCTL_CT_REPLIED && last.reply, "state %s reply %u",
	      ct_state_name(last.state), last.reply);
	CHECK(entries(cm.new) == 0 && entries(cm.est) == 1, "new %d est %d", entries(cm.new),
	      entries(cm.est));
	if (!one_flow(&f, why))
		return false;
	CHECK(f.state == FWCTL_CT_REPLIED && f.expires > 170 && f.expires <= 180,
	      "state %s expires %llu", ct_state_name(f.state), (unsigned long long)f.expires);
	return true;
}

static bool t_udp_unsolicited(char *why)
{
	SEND(UDP(V4, A, B, 33333, 53), IN, FWD);
	SEND(UDP(V4, B, A, 53, 33334), OUT, DROP);	/* not the flow's port */
	SEND(UDP(V4, B, A, 53, 5353), OUT, DROP);
	SEND(UDP(V4, B, A, 53, 33333), OUT, FWD);
	SEND(UDP(V6, B, A, 53, 33333), OUT, DROP);	/* same ports, the other family */
	return true;
}

static bool echo(int v6, char *why)
{
	struct ct_flow f;

	SEND(ECHO(v6, A, B, REQ(v6), 0x1234), IN, FWD);
	HOW(HOW_RULE, v6 ? 4 : 3);
	CHECK(last.created, "no flow created");
	SEND(ECHO(v6, B, A, REP(v6), 0x1235), OUT, DROP);	/* another id */
	SEND(ECHO(v6, B, A, REQ(v6), 0x1234), OUT, DROP);	/* a request the other way */
	SEND(ECHO(v6, B, A, REP(v6), 0x1234), OUT, FWD);
	HOW(HOW_FLOW, v6 ? 4 : 3);
	CHECK(last.state == FWCTL_CT_REPLIED, "state %s", ct_state_name(last.state));
	SEND(ECHO(v6, A, B, REQ(v6), 0x1234), IN, FWD);		/* the next ping */
	HOW(HOW_FLOW, v6 ? 4 : 3);
	if (!one_flow(&f, why))
		return false;
	CHECK(f.icmp_id == 0x1234 && f.proto == (v6 ? 58 : 1) && f.packets[0] == 2 &&
	      f.packets[1] == 1, "id %u proto %u packets %llu/%llu", f.icmp_id, f.proto,
	      (unsigned long long)f.packets[0], (unsigned long long)f.packets[1]);
	/* From the output side, a ping does not start anything. */
	SEND(ECHO(v6, B, A, REQ(v6), 0x4321), OUT, DROP);
	return true;
}

static bool t_echo4(char *why) { return echo(V4, why); }
static bool t_echo6(char *why) { return echo(V6, why); }

static bool t_icmp_family(char *why)
{
	struct pk v6_in_v4 = ECHO(V4, A, B, 128, 5), v4_in_v6 = ECHO(V6, A, B, 8, 5);

	v6_in_v4.proto = 58;
	v4_in_v6.proto = 1;
	SEND(v6_in_v4, IN, DROP);
	HOW(HOW_POLICY, 0);
	SEND(v4_in_v6, IN, DROP);
	HOW(HOW_POLICY, 0);
	CHECK(entries(cm.new) == 0, "a flow was created");
	return true;
}

/* --- related ICMP ------------------------------------------------------------- */

/* An ICMP error from host `from` to `to` about packet `about`. */
static struct pk icmp_error(int v6, int from, int to, int type, int code, const struct pk *about,
			    uint8_t *buf)
{
	size_t len = pk_build_l3(about, buf);
	struct pk e = { .v6 = v6, .src = from, .dst = to, .proto = v6 ? 58 : 1, .type = type,
			.code = code, .embed = buf };

	e.embed_len = v6 ? (len < 1232 ? (int)len : 1232) : 20 + 8;
	return e;
}

static bool t_related_frag_needed(char *why)
{
	struct pk big = TCP(V4, A, B, 40000, 7070, TCP_ACK | TCP_PSH);
	struct fwctl_ct_stats s0, s1;
	struct ct_flow f;
	uint8_t buf[PKT_MAX];
	__u64 r0;

	big.payload = 1460;
	if (!tcp_connect(V4, 40000, why))
		return false;
	r0 = rule_pkts(1);
	s0 = counters();
	SEND(icmp_error(V4, R, A, 3, 4, &big, buf), OUT, FWD);
	HOW(HOW_RELATED, 1);
	s1 = counters();
	CHECK(s1.related - s0.related == 1, "related +%llu",
	      (unsigned long long)(s1.related - s0.related));
	CHECK(rule_pkts(1) == r0 + 1, "not counted on the flow's rule");
	if (!one_flow(&f, why))
		return false;
	CHECK(f.packets[1] == 2 && f.bytes[1] == 54 + last_len,
	      "the error is not counted on the flow's reply side: %llu packets %llu bytes",
	      (unsigned long long)f.packets[1], (unsigned long long)f.bytes[1]);
	/* Not about this flow: another port, or sent to someone else. */
	big.sport = 40001;
	SEND(icmp_error(V4, R, A, 3, 4, &big, buf), OUT, DROP);
	big.sport = 40000;
	SEND(icmp_error(V4, R, 7, 3, 4, &big, buf), OUT, DROP);
	return true;
}

static bool t_related_too_big6(char *why)
{
	struct pk big = UDP(V6, A, B, 33333, 53);
	uint8_t buf[PKT_MAX];

	big.payload = 1400;
	SEND(UDP(V6, A, B, 33333, 53), IN, FWD);
	SEND(icmp_error(V6, R, A, 2, 0, &big, buf), OUT, FWD);
	HOW(HOW_RELATED, 2);
	/* Packet too big for a flow that does not exist. */
	big.dport = 54;
	SEND(icmp_error(V6, R, A, 2, 0, &big, buf), OUT, DROP);
	HOW(HOW_POLICY, 0);
	return true;
}

static bool t_related_reply_way(char *why)
{
	struct pk reply = UDP(V4, B, A, 53, 33333);
	uint8_t buf[PKT_MAX];

	SEND(UDP(V4, A, B, 33333, 53), IN, FWD);
	SEND(reply, OUT, FWD);
	/* A answers B's reply with port unreachable (A closed its socket). */
	SEND(icmp_error(V4, A, B, 3, 3, &reply, buf), IN, FWD);
	HOW(HOW_RELATED, 2);
	return true;
}

static bool t_related_time_exceeded_echo(char *why)
{
	struct pk ping = ECHO(V4, A, B, REQ(V4), 99);
	uint8_t buf[PKT_MAX];

	SEND(ping, IN, FWD);
	SEND(icmp_error(V4, R, A, 11, 0, &ping, buf), OUT, FWD);
	HOW(HOW_RELATED, 3);
	SEND(ECHO(V6, A, B, REQ(V6), 99), IN, FWD);
	ping.v6 = 1;
	ping.type = REQ(V6);
	ping.proto = 58;
	SEND(icmp_error(V6, R, A, 3, 0, &ping, buf), OUT, FWD);
	HOW(HOW_RELATED, 4);
	return true;
}

/* --- flood, eviction, insert failures ------------------------------------------ */

static bool t_syn_flood(char *why)
{
	struct fwctl_ct_stats s0, s1;
	struct ct_summary sum;
	int i, n = 2000;

	if (!tcp_connect(V4, 40000, why))
		return false;
	ct_summary_read(&cm, NULL, NULL, &sum);
	s0 = sum.c;
	for (i = 0; i < n; i++) {
		int host = 1000 + i / 100;
		__u16 port = 20000 + i;

		SEND(TCP(V4, host, B, port, 7070, TCP_SYN), IN, FWD);
		/* the server answers half of them, as syncookies do, and
		 * retransmits its SYN-ACK */
		if (i & 1) {
			SEND(TCP(V4, B, host, 7070, port, TCP_SYN | TCP_ACK), OUT, FWD);
			SEND(TCP(V4, B, host, 7070, port, TCP_SYN | TCP_ACK), OUT, FWD);
		}
		if (i % 500 == 0) {	/* the connection keeps passing, both ways */
			SEND(TCP(V4, A, B, 40000, 7070, TCP_ACK), IN, FWD);
			HOW(HOW_FLOW, 1);
			SEND(TCP(V4, B, A, 7070, 40000, TCP_ACK), OUT, FWD);
			HOW(HOW_FLOW, 1);
		}
	}
	SEND(TCP(V4, A, B, 40000, 7070, TCP_ACK), IN, FWD);
	HOW(HOW_FLOW, 1);
	SEND(TCP(V4, B, A, 7070, 40000, TCP_ACK), OUT, FWD);
	HOW(HOW_FLOW, 1);
	ct_summary_read(&cm, NULL, NULL, &sum);
	s1 = sum.c;
	CHECK(sum.in_table[FWCTL_CT_TABLE_EST] == 1, "%llu established entries, expected 1",
	      (unsigned long long)sum.in_table[FWCTL_CT_TABLE_EST]);
	CHECK(sum.in_table[FWCTL_CT_TABLE_NEW] <= sum.size[FWCTL_CT_TABLE_NEW],
	      "%llu new entries in %u slots", (unsigned long long)sum.in_table[FWCTL_CT_TABLE_NEW],
	      sum.size[FWCTL_CT_TABLE_NEW]);
	CHECK(s1.created - s0.created == (__u64)n, "created +%llu",
	      (unsigned long long)(s1.created - s0.created));
	/* All but the table's worth pushed out another flow. */
	CHECK(s1.evicted - s0.evicted >= (__u64)n - sum.size[FWCTL_CT_TABLE_NEW] &&
	      s1.evicted - s0.evicted <= (__u64)n,
	      "evicted +%llu for %d inserts into %u slots",
	      (unsigned long long)(s1.evicted - s0.evicted), n, sum.size[FWCTL_CT_TABLE_NEW]);
	return true;
}

/* --- rule lifetime ---------------------------------------------------------------- */

static bool t_rule_deleted(char *why)
{
	__u32 serials[] = { 0, 0, 102, 103, 104 };	/* rule 1 gone */
	struct fwctl_ct_stats s0, s1;

	if (!tcp_connect(V4, 40000, why))
		return false;
	SEND(UDP(V4, A, B, 33333, 53), IN, FWD);
	s0 = counters();
	set_gen(serials, ARRAY_SIZE(serials));
	SEND(TCP(V4, B, A, 7070, 40000, TCP_ACK), OUT, DROP);
	HOW(HOW_POLICY, 0);
	s1 = counters();
	CHECK(s1.rule_gone - s0.rule_gone == 1, "rule_gone +%llu",
	      (unsigned long long)(s1.rule_gone - s0.rule_gone));
	CHECK(entries(cm.est) == 0, "the dead flow is still in the table");
	SEND(UDP(V4, B, A, 53, 33333), OUT, FWD);	/* rule 2's flow lives on */
	HOW(HOW_FLOW, 2);
	return true;
}

static bool t_rule_id_reused(char *why)
{
	__u32 reused[] = { 0, 105, 102, 103, 104 };	/* id 1: another rule now */

	if (!tcp_connect(V4, 40000, why))
		return false;
	set_gen(reused, ARRAY_SIZE(reused));
	SEND(TCP(V4, B, A, 7070, 40000, TCP_ACK), OUT, DROP);
	SEND(TCP(V4, A, B, 40000, 7070, TCP_ACK), IN, DROP);
	/* The new rule 1 makes its own flows. */
	SEND(TCP(V4, A, B, 40002, 7070, TCP_SYN), IN, FWD);
	SEND(TCP(V4, B, A, 7070, 40002, TCP_SYN | TCP_ACK), OUT, FWD);
	HOW(HOW_FLOW, 1);
	return true;
}

static bool t_rule_kept(char *why)
{
	if (!tcp_connect(V4, 40000, why))
		return false;
	/* A new generation with the same serials, as after an unchanged rules load. */
	set_gen(std_serials, ARRAY_SIZE(std_serials));
	SEND(TCP(V4, B, A, 7070, 40000, TCP_ACK), OUT, FWD);
	HOW(HOW_FLOW, 1);
	return true;
}

static bool t_no_stateful_rules(char *why)
{
	if (!tcp_connect(V4, 40000, why))
		return false;
	set_gen(NULL, 0);
	SEND(TCP(V4, B, A, 7070, 40000, TCP_ACK), OUT, DROP);
	/* And back: still the same serials, so the flow had never ended. */
	set_gen(std_serials, ARRAY_SIZE(std_serials));
	SEND(TCP(V4, B, A, 7070, 40000, TCP_ACK), OUT, FWD);
	return true;
}

static bool t_list_hides_gone(char *why)
{
	__u32 serials[] = { 0, 0, 102 };
	struct ct_serials cs = { serials, ARRAY_SIZE(serials) };
	struct ct_flow *fl = NULL;
	size_t n = 0;

	if (!tcp_connect(V4, 40000, why))
		return false;
	SEND(UDP(V4, A, B, 33333, 53), IN, FWD);
	CHECK(!ct_flows_read(&cm, ct_serials_alive, &cs, &fl, &n), "ct_flows_read failed");
	CHECK(n == 1 && fl[0].rule_id == 2, "%zu flows listed (first rule %u), expected rule 2's",
	      n, n ? fl[0].rule_id : 0);
	free(fl);
	return true;
}

/* --- fragments ------------------------------------------------------------------------ */

/*
 * A 4,000-byte UDP datagram (header + 3,992 bytes) from A to B:dport in
 * fragments of at most 1,480 (IPv4) or 1,448 (IPv6) bytes; the verdict of
 * every fragment into v[], how many there were returned.
 */
static int send_datagram(int v6, int from, int to, __u16 sport, __u16 dport, int dir, __u32 id,
			 int later_nh, int *v, __u32 *how)
{
	int total = 4000, step = v6 ? 1448 : 1480, off, n = 0;

	for (off = 0; off < total; off += step, n++) {
		int chunk = total - off < step ? total - off : step;
		struct pk p = UDP(v6, from, to, sport, dport);

		p.frag = 1;
		p.frag_id = id;
		p.frag_off = off / 8;
		p.mf = off + chunk < total;
		p.later_nh = later_nh;
		p.payload = off ? chunk : chunk - 8;
		v[n] = tx(&p, dir);
		how[n] = last.how;
	}
	return n;
}

static bool datagram(int v6, const struct test_rule *rules, int nrules, __u16 dport, int want,
		     __u32 rule, int later_nh, char *why)
{
	int v[8], n, i;
	__u32 how[8];
	__u64 r0 = rule ? rule_pkts(rule) : 0;

	set_rules(rules, nrules);
	n = send_datagram(v6, A, B, 40000, dport, IN, 0x4242 + v6, later_nh, v, how);
	CHECK(n == 3, "%d fragments", n);
	for (i = 0; i < n; i++)
		CHECK(v[i] == want && how[i] == (i ? HOW_FRAG : how[0]),
		      "fragment %d: %s by %s, expected %s", i, v[i] == FWD ? "forwarded" : "dropped",
		      how_name(how[i]), want == FWD ? "forwarded" : "dropped");
	if (rule)
		CHECK(rule_pkts(rule) == r0 + 3, "rule %u counted +%llu, expected +3", rule,
		      (unsigned long long)(rule_pkts(rule) - r0));
	return true;
}

static const struct test_rule allow_udp_5000[] = {
	{ .rule_id = 7, .proto = 17, .dport = 5000, .in = TEST_IN_ANY },
};
/* deny udp dport 9, then allow any: later fragments alone would pass. */
static const struct test_rule deny_9_allow_any[] = {
	{ .rule_id = 8, .proto = 17, .dport = 9, .in = TEST_IN_ANY,
	  .action = FWCTL_ACTION_DENY },
	{ .rule_id = 9, .proto = TEST_ANY, .in = TEST_IN_ANY },
};

static bool t_frag_pass4(char *why)
{
	return datagram(V4, allow_udp_5000, 1, 5000, FWD, 7, 0, why);
}

static bool t_frag_pass6(char *why)
{
	return datagram(V6, allow_udp_5000, 1, 5000, FWD, 7, 0, why);
}

static bool t_frag_block4(char *why)
{
	if (!datagram(V4, allow_udp_5000, 1, 5001, DROP, 0, 0, why))
		return false;
	return datagram(V4, deny_9_allow_any, 2, 9, DROP, 8, 0, why);
}

static bool t_frag_block6(char *why)
{
	if (!datagram(V6, allow_udp_5000, 1, 5001, DROP, 0, 0, why))
		return false;
	return datagram(V6, deny_9_allow_any, 2, 9, DROP, 8, 0, why);
}

static bool t_frag_relabel6(char *why)
{
	/* Later fragments claiming TCP (6) or ICMPv6 (58) follow the first. */
	if (!datagram(V6, allow_udp_5000, 1, 5000, FWD, 7, 6, why))
		return false;
	return datagram(V6, deny_9_allow_any, 2, 9, DROP, 8, 58, why);
}

static bool t_frag_stateful(char *why)
{
	int v[8], n, i;
	__u32 how[8];
	int fam;

	for (fam = V4; fam <= V6; fam++) {
		reset();
		n = send_datagram(fam, A, B, 33333, 53, IN, 0x100, 0, v, how);
		for (i = 0; i < n; i++)
			CHECK(v[i] == FWD, "%s query fragment %d dropped (%s)", fam ? "v6" : "v4", i,
			      how_name(how[i]));
		CHECK(how[0] == HOW_RULE && how[1] == HOW_FRAG, "query decided by %s, %s",
		      how_name(how[0]), how_name(how[1]));
		n = send_datagram(fam, B, A, 53, 33333, OUT, 0x200, 0, v, how);
		for (i = 0; i < n; i++)
			CHECK(v[i] == FWD, "%s reply fragment %d dropped (%s)", fam ? "v6" : "v4", i,
			      how_name(how[i]));
		CHECK(how[0] == HOW_FLOW && how[2] == HOW_FRAG && last.frag_how == HOW_FLOW,
		      "reply decided by %s, %s (first: %s)", how_name(how[0]), how_name(how[2]),
		      how_name(last.frag_how));
		CHECK(rule_pkts(2) == 6, "rule 2 counted %llu, expected 6",
		      (unsigned long long)rule_pkts(2));
		/* An unsolicited fragmented datagram from port 53 loses every fragment. */
		n = send_datagram(fam, B, A, 53, 44444, OUT, 0x300, 0, v, how);
		for (i = 0; i < n; i++)
			CHECK(v[i] == DROP, "unsolicited fragment %d forwarded", i);
	}
	return true;
}

static bool t_frag_unknown(char *why)
{
	struct pk later = UDP(V4, A, B, 40000, 5000);

	set_rules(allow_udp_5000, 1);
	later.frag = 1;
	later.frag_off = 185;
	later.frag_id = 0x777;
	later.payload = 100;
	SEND(later, IN, DROP);
	HOW(HOW_POLICY, 0);
	/* IPv4: another protocol or id is another datagram. */
	later.frag_off = 0;
	later.mf = 1;
	SEND(later, IN, FWD);		/* the first fragment of 0x777 */
	later.frag_off = 185;
	later.mf = 0;
	SEND(later, IN, FWD);
	HOW(HOW_FRAG, 7);
	later.frag_id = 0x778;
	SEND(later, IN, DROP);
	later.frag_id = 0x777;
	later.proto = 6;
	SEND(later, IN, DROP);
	later.proto = 17;
	later.src = 3;
	SEND(later, IN, DROP);
	return true;
}

static bool t_frag_expires(char *why)
{
	struct pk p = UDP(V4, A, B, 40000, 5000);

	set_rules(allow_udp_5000, 1);
	p.frag = 1;
	p.mf = 1;
	p.frag_id = 0x999;
	SEND(p, IN, FWD);
	p.mf = 0;
	p.frag_off = 185;
	age_frags(28);
	SEND(p, IN, FWD);
	HOW(HOW_FRAG, 7);
	age_frags(32);
	SEND(p, IN, DROP);
	HOW(HOW_POLICY, 0);
	return true;
}

/* --- loader ---------------------------------------------------------------------- */

static bool t_loader_list(char *why)
{
	struct ct_flow *fl = NULL;
	size_t n = 0, i;
	char src[64], dst[64];
	bool tcp = false, udp = false, icmp = false;

	if (!tcp_connect(V4, 40000, why))
		return false;
	SEND(UDP(V6, A, B, 33333, 53), IN, FWD);
	SEND(ECHO(V4, A, B, REQ(V4), 4660), IN, FWD);
	SEND(ECHO(V4, B, A, REP(V4), 4660), OUT, FWD);
	CHECK(!ct_flows_read(&cm, NULL, NULL, &fl, &n) && n == 3, "%zu flows", n);
	for (i = 0; i < n; i++) {
		struct ct_flow *f = &fl[i];

		ct_flow_addr(f, false, src, sizeof(src));
		ct_flow_addr(f, true, dst, sizeof(dst));
		if (f->proto == 6)
			tcp = !strcmp(src, "10.0.0.1") && !strcmp(dst, "10.0.0.2") &&
			      f->sport == 40000 && f->dport == 7070 &&
			      !strcmp(ct_state_name(f->state), "established") && f->rule_id == 1 &&
			      f->packets[0] == 2 && f->packets[1] == 1 && f->bytes[0] == 108 &&
			      f->age <= 1 && f->expires > 7190 && f->orig_dir == IN;
		if (f->proto == 17)
			udp = !strcmp(src, "fd00::1") && !strcmp(dst, "fd00::2") &&
			      f->sport == 33333 && f->dport == 53 &&
			      !strcmp(ct_state_name(f->state), "new") && f->rule_id == 2 &&
			      f->expires > 28 && f->expires <= 30;
		if (f->proto == 1)
			icmp = f->icmp_id == 4660 && !strcmp(ct_state_name(f->state), "replied") &&
			       f->rule_id == 3 && f->packets[1] == 1 && !strcmp(src, "10.0.0.1");
	}
	free(fl);
	CHECK(tcp && udp && icmp, "fields wrong: tcp %d udp %d icmp %d", tcp, udp, icmp);
	return true;
}

static bool t_loader_stats(char *why)
{
	struct ct_summary s;

	if (!tcp_connect(V4, 40000, why))
		return false;
	SEND(TCP(V4, A, B, 40001, 7070, TCP_SYN), IN, FWD);
	SEND(UDP(V4, A, B, 33333, 53), IN, FWD);
	SEND(UDP(V4, A, B, 33334, 53), IN, FWD);
	SEND(UDP(V4, B, A, 53, 33334), OUT, FWD);
	CHECK(!ct_summary_read(&cm, NULL, NULL, &s), "ct_summary_read failed");
	CHECK(s.flows == 4 && s.by_state[FWCTL_CT_ESTABLISHED] == 1 &&
	      s.by_state[FWCTL_CT_SYN] == 1 && s.by_state[FWCTL_CT_NEW] == 1 &&
	      s.by_state[FWCTL_CT_REPLIED] == 1 && s.by_state[FWCTL_CT_CLOSING] == 0,
	      "flows %llu: syn %llu established %llu new %llu replied %llu",
	      (unsigned long long)s.flows, (unsigned long long)s.by_state[FWCTL_CT_SYN],
	      (unsigned long long)s.by_state[FWCTL_CT_ESTABLISHED],
	      (unsigned long long)s.by_state[FWCTL_CT_NEW],
	      (unsigned long long)s.by_state[FWCTL_CT_REPLIED]);
	CHECK(s.size[FWCTL_CT_TABLE_EST] == 1024 && s.size[FWCTL_CT_TABLE_NEW] == 256,
	      "sizes %u/%u, expected 256 new, 1024 established (--ct-size 1024)",
	      s.size[FWCTL_CT_TABLE_NEW], s.size[FWCTL_CT_TABLE_EST]);
	return true;
}

static bool t_loader_flush(char *why)
{
	size_t n = 0;

	if (!tcp_connect(V4, 40000, why))
		return false;
	SEND(UDP(V4, A, B, 33333, 53), IN, FWD);
	CHECK(!ct_flush(&cm, &n) && n == 2, "flushed %zu", n);
	CHECK(entries(cm.new) + entries(cm.est) == 0, "entries left");
	SEND(TCP(V4, B, A, 7070, 40000, TCP_ACK), OUT, DROP);
	SEND(UDP(V4, B, A, 53, 33333), OUT, DROP);
	return true;
}

static bool t_loader_timeouts(char *why)
{
	__u32 ms[FWCTL_CT_TIMEOUTS], before[FWCTL_CT_TIMEOUTS];
	struct fwctl_err e = {};
	const char *bad[][2] = { { "tcp", "5" }, { "tcp-syn", "0" }, { "tcp-syn", "-1" },
				 { "tcp-syn", "5s" }, { "tcp-syn", "" }, { "udp", "4294968" },
				 { "TCP-SYN", "5" } };
	unsigned int i;

	CHECK(!ct_timeouts_get_ms(&cm, ms), "get failed");
	CHECK(ms[FWCTL_CT_TO_TCP_SYN] == 60000 && ms[FWCTL_CT_TO_TCP_EST] == 7200000 &&
	      ms[FWCTL_CT_TO_TCP_CLOSING] == 10000 && ms[FWCTL_CT_TO_UDP_NEW] == 30000 &&
	      ms[FWCTL_CT_TO_UDP_REPLIED] == 180000 && ms[FWCTL_CT_TO_ICMP] == 30000,
	      "defaults wrong");
	CHECK(!ct_timeout_set(&cm, "tcp-established", "100", &e), "%s", e.msg);
	CHECK(!ct_timeout_set(&cm, "udp", "45", &e), "%s", e.msg);
	ct_timeouts_get_ms(&cm, ms);
	CHECK(ms[FWCTL_CT_TO_TCP_EST] == 100000 && ms[FWCTL_CT_TO_UDP_NEW] == 45000 &&
	      ms[FWCTL_CT_TO_UDP_REPLIED] == 45000 && ms[FWCTL_CT_TO_TCP_SYN] == 60000,
	      "after set: est %u udp %u/%u", ms[FWCTL_CT_TO_TCP_EST], ms[FWCTL_CT_TO_UDP_NEW],
	      ms[FWCTL_CT_TO_UDP_REPLIED]);
	memcpy(before, ms, sizeof(ms));
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		e.msg[0] = 0;
		CHECK(ct_timeout_set(&cm, bad[i][0], bad[i][1], &e) == -EINVAL && e.msg[0],
		      "'%s %s' accepted", bad[i][0], bad[i][1]);
		ct_timeouts_get_ms(&cm, ms);
		CHECK(!memcmp(ms, before, sizeof(ms)), "'%s %s' changed something", bad[i][0],
		      bad[i][1]);
	}
	/* The established flow now expires after 100 s. */
	if (!tcp_connect(V4, 40000, why))
		return false;
	age_flows(102);
	SEND(TCP(V4, B, A, 7070, 40000, TCP_ACK), OUT, DROP);
	return true;
}

static bool t_loader_size(char *why)
{
	struct fwctl_err e = {};
	const char *bad[] = { "0", "255", "4194305", "-5", "12k", "" };
	__u32 n = 0;
	unsigned int i;

	CHECK(!ct_parse_size("262144", &n, &e) && n == 262144, "262144 refused");
	CHECK(!ct_parse_size("256", &n, &e) && n == 256, "256 refused");
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		CHECK(ct_parse_size(bad[i], &n, &e) == -EINVAL && strstr(e.msg, "size"),
		      "'%s' accepted", bad[i]);
	return true;
}

/*
 * Pins of an older fwctl (its established table an LRU hash of keys and
 * entries): refused with a message, not read as slots (which would
 * overrun the read buffers).
 */
static bool t_loader_old_layout(char *why)
{
	struct { const char *name; __u32 type, key, value, n; } maps[] = {
		{ "fwctl_ct_new", BPF_MAP_TYPE_LRU_HASH, sizeof(struct fwctl_ct_key),
		  sizeof(struct fwctl_ct_entry), 256 },
		{ "fwctl_ct_est", BPF_MAP_TYPE_LRU_HASH, sizeof(struct fwctl_ct_key),
		  sizeof(struct fwctl_ct_entry), 1024 },
		{ "fwctl_ct_tags", BPF_MAP_TYPE_ARRAY, 4, sizeof(struct fwctl_ct_tags), 256 },
		{ "fwctl_ct_count", BPF_MAP_TYPE_ARRAY, 4, 8, FWCTL_CT_TABLES },
		{ "fwctl_ct_config", BPF_MAP_TYPE_ARRAY, 4, sizeof(struct fwctl_ct_config), 1 },
		{ "fwctl_ct_stats", BPF_MAP_TYPE_PERCPU_ARRAY, 4, sizeof(struct fwctl_ct_stats), 1 },
		{ "fwctl_frag", BPF_MAP_TYPE_LRU_HASH, sizeof(struct fwctl_frag_key),
		  sizeof(struct fwctl_frag_entry), 256 },
	};
	char dir[64], path[128];
	struct fwctl_err e = {};
	struct ct_maps m;
	unsigned int i;
	int fd, err;

	snprintf(dir, sizeof(dir), "/sys/fs/bpf/fwctl-ctold-%d", getpid());
	CHECK(!mkdir(dir, 0700), "mkdir %s: %s", dir, strerror(errno));
	for (i = 0; i < ARRAY_SIZE(maps); i++) {
		fd = bpf_map_create(maps[i].type, NULL, maps[i].key, maps[i].value, maps[i].n, NULL);
		snprintf(path, sizeof(path), "%s/%s", dir, maps[i].name);
		if (fd >= 0) {
			bpf_obj_pin(fd, path);
			close(fd);
		}
	}
	err = ct_maps_open_pinned(dir, &m, &e);
	ct_maps_unpin(dir);
	rmdir(dir);
	CHECK(err == -EPROTO && strstr(e.msg, "not of this fwctl version"), "%d: %s", err, e.msg);
	return true;
}

/* --- insert failures: an established table that refuses inserts ------------------ */

/* Every slot of the established table marked as being rewritten (busy)
 * or not: what a CPU in the middle of a store looks like to the others. */
static void est_busy(bool busy)
{
	struct fwctl_ct_slot slot;
	__u32 i;

	for (i = 0; !bpf_map_lookup_elem(cm.est, &i, &slot); i++) {
		slot.seq = busy ? slot.seq | 1 : slot.seq & ~1u;
		bpf_map_update_elem(cm.est, &i, &slot, BPF_EXIST);
	}
}

/* With one bucket (FWCTL_CT_WAYS slots) in the established table. */
static bool t_est_evict(char *why)
{
	struct fwctl_ct_stats s0, s1;
	struct ct_flow *fl = NULL;
	size_t n = 0, i, seen = 0;
	int p;

	for (p = 0; p < FWCTL_CT_WAYS; p++) {
		SEND(UDP(V4, A, B, 30000 + p, 53), IN, FWD);
		SEND(UDP(V4, B, A, 53, 30000 + p), OUT, FWD);
		HOW(HOW_FLOW, 2);
	}
	CHECK(entries(cm.est) == FWCTL_CT_WAYS, "est %d", entries(cm.est));
	usleep(30000);	/* past a tick of the coarse clock: flow 0 is the oldest */
	for (p = 1; p < FWCTL_CT_WAYS; p++) {
		SEND(UDP(V4, A, B, 30000 + p, 53), IN, FWD);
		HOW(HOW_FLOW, 2);
	}
	s0 = counters();
	SEND(UDP(V4, A, B, 30009, 53), IN, FWD);
	SEND(UDP(V4, B, A, 53, 30009), OUT, FWD);
	HOW(HOW_FLOW, 2);
	s1 = counters();
	CHECK(s1.evicted - s0.evicted == 1 && s1.established - s0.established == 1 &&
	      s1.insert_failed == s0.insert_failed,
	      "evicted +%llu established +%llu insert_failed +%llu, expected 1, 1, 0",
	      (unsigned long long)(s1.evicted - s0.evicted),
	      (unsigned long long)(s1.established - s0.established),
	      (unsigned long long)(s1.insert_failed - s0.insert_failed));
	CHECK(entries(cm.est) == FWCTL_CT_WAYS && entries(cm.new) == 0, "est %d new %d",
	      entries(cm.est), entries(cm.new));
	/* The least recently used flow went; the others stay. */
	SEND(UDP(V4, B, A, 53, 30000), OUT, DROP);
	for (p = 1; p < FWCTL_CT_WAYS; p++) {
		SEND(UDP(V4, B, A, 53, 30000 + p), OUT, FWD);
		HOW(HOW_FLOW, 2);
	}
	CHECK(!ct_flows_read(&cm, NULL, NULL, &fl, &n) && n == FWCTL_CT_WAYS, "%zu flows listed",
	      n);
	for (i = 0; i < n; i++)
		seen |= fl[i].sport == 30000 ? 0x100 : 1u << (fl[i].sport - 30000) % 10;
	free(fl);
	CHECK(seen == (1u << 1 | 1u << 2 | 1u << 3 | 1u << 9), "flows listed: mask %#zx", seen);
	return true;
}

static bool t_insert_failed(char *why)
{
	struct fwctl_ct_stats s0, s1, s2;
	struct ct_flow *fl = NULL;
	size_t n = 0;

	est_busy(true);
	s0 = counters();
	SEND(UDP(V4, A, B, 30000, 53), IN, FWD);
	SEND(UDP(V4, B, A, 53, 30000), OUT, FWD);
	HOW(HOW_FLOW, 2);
	s1 = counters();
	CHECK(s1.insert_failed - s0.insert_failed == 1 && s1.established == s0.established,
	      "insert_failed +%llu established +%llu, expected 1, 0",
	      (unsigned long long)(s1.insert_failed - s0.insert_failed),
	      (unsigned long long)(s1.established - s0.established));
	CHECK(entries(cm.est) == 0 && entries(cm.new) == 1, "est %d new %d", entries(cm.est),
	      entries(cm.new));
	/* The flow that could not move still passes, and tries again. */
	SEND(UDP(V4, B, A, 53, 30000), OUT, FWD);
	HOW(HOW_FLOW, 2);
	s2 = counters();
	CHECK(s2.insert_failed - s1.insert_failed == 1, "no second attempt");
	est_busy(false);
	SEND(UDP(V4, B, A, 53, 30000), OUT, FWD);
	HOW(HOW_FLOW, 2);
	s1 = counters();
	CHECK(s1.established - s2.established == 1 && entries(cm.est) == 1 &&
	      entries(cm.new) == 0, "established +%llu, est %d new %d once the slots are free",
	      (unsigned long long)(s1.established - s2.established), entries(cm.est),
	      entries(cm.new));
	CHECK(!ct_flows_read(&cm, NULL, NULL, &fl, &n) && n == 1, "%zu flows listed", n);
	free(fl);
	return true;
}

/* --- setup and main ------------------------------------------------------------------ */

static char verifier_log[4096];

/*
 * The global functions keep the verifier's work flat: the test program
 * (parser, fragments, flow lookup, an 8-rule loop, flow creation) must
 * stay far below the 1,000,000-instruction limit, as the datapath with
 * its classifier will need the room.
 */
static void test_verifier(void)
{
	const char *p = strstr(verifier_log, "processed ");
	unsigned long n = p ? strtoul(p + 10, NULL, 10) : 0;

	if (only && !strstr("verifier", only))
		return;
	if (n && n < 250000)
		printf("PASS: verifier: the test program takes %lu instructions (under 250,000)\n", n);
	else
		printf("FAIL: verifier: the test program takes %lu instructions (limit here 250,000)%s\n",
		       n, n ? "" : ": no statistics in the log");
	failures += !(n && n < 250000);
}

/* est_size > 0: the established table has that many slots. */
static int setup(__u32 est_size)
{
	struct bpf_map *map;
	int err;

	skel = ct_test__open();
	if (!skel)
		return -errno;
	bpf_object__for_each_map(map, skel->obj)
		bpf_map__set_pin_path(map, NULL);
	ct_maps_set_size(skel->obj, 1024);
	bpf_map__set_max_entries(skel->maps.fwctl_frag, 1024);
	if (est_size) {
		bpf_map__set_max_entries(skel->maps.fwctl_ct_est, est_size);
		bpf_map__set_max_entries(skel->maps.fwctl_ct_tags, est_size / FWCTL_CT_WAYS);
	}
	bpf_program__set_log_level(skel->progs.ct_test, 4);	/* statistics only */
	bpf_program__set_log_buf(skel->progs.ct_test, verifier_log, sizeof(verifier_log));
	err = ct_test__load(skel);
	if (err)
		return err;
	prog_fd = bpf_program__fd(skel->progs.ct_test);
	base_fd = bpf_program__fd(skel->progs.ct_base);
	err = ct_maps_from_object(skel->obj, &cm);
	if (!err)
		reset();
	return err;
}

static void test(const char *name, bool (*fn)(char *why))
{
	char why[WHY_LEN] = "", *p;

	if (only && !strstr(name, only))
		return;
	reset();
	if (fn(why)) {
		printf("PASS: %s\n", name);
		fflush(stdout);
		return;
	}
	for (p = why; *p; p++)		/* one line per check */
		if (*p == '\n')
			*p = '|';
	printf("FAIL: %s: %s\n", name, why);
	failures++;
	fflush(stdout);
}

/* ns/packet of an established-flow hit next to a plain array lookup. */
static void bench(void)
{
	struct pk est = TCP(V4, A, B, 40000, 7070, TCP_ACK);
	struct test_rule tcp_rule[] = { { .rule_id = 5, .proto = 6, .in = TEST_IN_ANY } };
	__u32 repeat = 2000000, hit = 0, base = 0, stateless = 0;
	uint8_t f[PKT_MAX];
	size_t len = pk_build(&est, f);
	char why[WHY_LEN];
	int v1, v2, v3;

	if (only && !strstr("bench", only))
		return;
	reset();
	if (!tcp_connect(V4, 40000, why)) {
		printf("FAIL: bench: setup: %s\n", why);
		failures++;
		return;
	}
	v1 = run_raw(prog_fd, f, len, IN, repeat, &hit);
	v1 = v1 == FWD && last.how == HOW_FLOW;
	set_rules(tcp_rule, 1);
	v2 = run_raw(base_fd, f, len, IN, repeat, &base) == FWD;
	ct_flush(&cm, NULL);
	v3 = run_raw(prog_fd, f, len, IN, repeat, &stateless);
	v3 = v3 == FWD && last.how == HOW_RULE;
	if (!v1 || !v2 || !v3) {
		printf("FAIL: bench: the benchmark frames were not forwarded as expected (%d %d %d)\n",
		       v1, v2, v3);
		failures++;
		return;
	}
	printf("bench: program mode, %zu-byte TCP frame, %u runs each:\n"
	       "bench:   established-flow hit (flow lookup, state, counters)  %3u ns/packet\n"
	       "bench:   array-lookup baseline (same parse, one array lookup)  %3u ns/packet\n"
	       "bench:   stateless rule behind the flow lookup (miss + rules)  %3u ns/packet\n",
	       len, repeat, hit, base, stateless);
}

int main(int argc, char **argv)
{
	char **real_if = NULL;
	int i, err;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-k") && i + 1 < argc)
			only = argv[++i];
		else if (!strcmp(argv[i], "-v"))
			verbose = true;
		else if (!strcmp(argv[i], "--real") && i + 2 < argc)
			real_if = argv + ++i, i++;
	}
	if (geteuid()) {
		printf("SKIP: conntrack tests: need root\n");
		return 0;
	}
	if (!verbose)
		libbpf_set_print(NULL);
	if (real_if)
		return real_main(real_if[0], real_if[1], only);
	err = setup(0);
	if (err) {
		printf("FAIL: conntrack: cannot load the test program: %s (run with -v)\n",
		       strerror(-err));
		return 1;
	}

	test("tcp: SYN from input through a stateful rule creates a flow (new table, syn, its rule)",
	     t_syn_creates);
	test_verifier();
	test("clock: flow times are on user space's coarse monotonic clock (within 5 ms)", t_clock);
	test("tcp: the SYN-ACK finds the same entry from the other side (one entry, established)",
	     t_one_entry_both_ways);
	test("tcp: the originator's ACK completes the handshake and moves the flow to the established table",
	     t_handshake_moves);
	test("tcp: data both ways passes as the flow, counted per direction and on its rule",
	     t_data_counted);
	test("tcp: an IPv6 connection is tracked the same way", t_v6_connection);
	test("tcp: from the output side, a SYN to 7070 and segments from source port 7070 are dropped",
	     t_outside_blocked);
	test("tcp: only SYN without ACK starts a flow (ACK, SYN-ACK, RST, FIN through the rule: policy)",
	     t_only_syn_starts);
	test("tcp: a stateful rule that cannot start a flow does not match, the next rule does",
	     t_stateless_after_stateful);
	test("tcp: the flow's packets arriving on the wrong interface are not part of it",
	     t_wrong_interface);
	test("tcp: FIN from the originator -> closing (tcp-closing), the close still passes", t_fin_orig);
	test("tcp: FIN from the other side -> closing", t_fin_reply);
	test("tcp: RST from the originator -> closing", t_rst_orig);
	test("tcp: RST from the other side -> closing", t_rst_reply);
	test("tcp: a refused connection (RST to the SYN) closes without reaching the established table",
	     t_rst_to_syn);
	test("tcp: a SYN on a closing flow's port pair restarts it", t_reuse_after_close);
	test("timeouts: defaults tcp-syn 60, tcp-established 7200, tcp-closing 10, udp 30/180, icmp 30 "
	     "(idle 2 s less passes, 2 s more expired and removed)", t_default_timeouts);
	test("timeouts: udp-new shrunk to 200 ms in the config map ends an unreplied flow, not a replied one",
	     t_config_timeouts);
	test("udp: query from input creates the flow, its reply makes it replied in the established table",
	     t_udp_replied);
	test("udp: datagrams from port 53 on the output side to other ports are dropped",
	     t_udp_unsolicited);
	test("icmp: echo request creates a flow by id; the reply with that id passes, not another id "
	     "nor a request the other way", t_echo4);
	test("icmpv6: the same for ICMPv6 echo", t_echo6);
	test("icmp: echo of the other family's ICMP (ICMPv6 in IPv4, ICMP in IPv6) starts no flow",
	     t_icmp_family);
	test("related: fragmentation needed about a TCP flow is forwarded on its rule; about another flow "
	     "or to another host it is not", t_related_frag_needed);
	test("related: ICMPv6 packet too big about a UDP flow is forwarded; about no flow dropped",
	     t_related_too_big6);
	test("related: port unreachable from the originator about a reply is forwarded",
	     t_related_reply_way);
	test("related: time exceeded / unreachable about ICMP and ICMPv6 echo flows are forwarded",
	     t_related_time_exceeded_echo);
	test("flood: 2000 SYNs (half answered) through the stateful rule fill the new table; the "
	     "established connection keeps passing; evictions counted", t_syn_flood);
	test("rule lifetime: a generation without the rule ends its flows at once (rule_gone counted)",
	     t_rule_deleted);
	test("rule lifetime: the id reused by another rule (new serial) does not revive old flows",
	     t_rule_id_reused);
	test("rule lifetime: a generation keeping the serial keeps the flows", t_rule_kept);
	test("rule lifetime: a generation with no stateful rule passes no flow", t_no_stateful_rules);
	test("rule lifetime: ct_flows_read leaves out flows whose rule is gone", t_list_hides_gone);
	test("frag: a 4000-byte IPv4 UDP datagram to an allowed port passes whole, every fragment on the rule",
	     t_frag_pass4);
	test("frag: the same in IPv6", t_frag_pass6);
	test("frag: IPv4 datagram to a blocked port loses every fragment (also where an any-rule would "
	     "pass later fragments)", t_frag_block4);
	test("frag: the same in IPv6", t_frag_block6);
	test("frag: IPv6 later fragments relabelled with another Next Header follow the first fragment",
	     t_frag_relabel6);
	test("frag: fragmented UDP query and reply through a stateful rule pass whole (v4, v6); "
	     "unsolicited fragmented datagrams do not", t_frag_stateful);
	test("frag: a later fragment with no remembered first fragment goes by the rules; IPv4 id, "
	     "protocol and addresses tell datagrams apart", t_frag_unknown);
	test("frag: a remembered first fragment is forgotten after 30 s", t_frag_expires);
	test("loader: ct_flows_read gives proto, originator as src, ports or id, state, age, expires, "
	     "counters each way, rule", t_loader_list);
	test("loader: ct_summary_read counts flows by state and reads the table sizes", t_loader_stats);
	test("loader: ct_flush ends every flow", t_loader_flush);
	test("loader: timeouts by name (udp sets both); bad names and values refused, nothing changed",
	     t_loader_timeouts);
	test("loader: --ct-size bounds", t_loader_size);
	test("loader: flow tables pinned by an older fwctl (an LRU established table) are refused",
	     t_loader_old_layout);
	bench();
	ct_test__destroy(skel);

	err = setup(FWCTL_CT_WAYS);
	if (err) {
		printf("FAIL: conntrack: cannot load the test program with one bucket: %s\n",
		       strerror(-err));
		return 1;
	}
	test("established table, one bucket: a move into a full bucket evicts its least recently "
	     "used flow (counted); the others keep passing", t_est_evict);
	test("insert failures: slots being rewritten by another CPU refuse the move; counted; the "
	     "flow still passes from the new table and moves once a slot is free", t_insert_failed);
	ct_test__destroy(skel);
	return failures ? 1 : 0;
}
