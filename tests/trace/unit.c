// SPDX-License-Identifier: GPL-2.0
/*
 * unit.c - in-process tests of tracing and checks: the test datapath
 * (trace_dp.bpf.c) loaded with private maps (nothing pinned: a real fwctl
 * may run meanwhile), crafted frames through BPF_PROG_TEST_RUN, trace
 * sessions through loader/trace.c, probes through loader/check.c.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <json-c/json.h>
#include "fwctl.h"
#include "fwctl_classifier.h"
#include "trace.h"
#include "trace_dp.skel.h"
#include "trace_dp_notrace.skel.h"
#include "tt.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define IFX_LO		1	/* in no devmap entry: a redirect error */

struct env {
	struct trace_dp *skel;
	int prog;
	struct fwctl_maps m;
	struct trace_maps tm;
	int ifx[2];
};

/* A frame and what the test datapath must decide for it. */
struct tcase {
	const char *spec;
	int in;			/* 0, 1: that interface; 2: lo (redirect error) */
	int policy;
	__u32 verdict, reason, rule_id, proto;
};

#define FWD(r)		FWCTL_VERDICT_FORWARD, FWCTL_FWD_##r
#define DROP(r)		FWCTL_VERDICT_DROP, FWCTL_DROP_##r
#define NONE		FWCTL_TRACE_PROTO_NONE
#define P_DROP		FWCTL_POLICY_DROP
#define P_ACC		FWCTL_POLICY_ACCEPT

static const struct tcase cases[] = {
	{ "tcp4,sport=50001,dport=1005", 0, P_DROP, FWD(RULE), 5, 6 },
	{ "udp6,sport=50002,dport=2007", 1, P_DROP, DROP(RULE), 7, 17 },
	{ "tcp4,sport=50003,dport=80", 0, P_DROP, DROP(POLICY), 0, 6 },
	{ "tcp6,sport=50004,dport=80", 1, P_ACC, FWD(POLICY), 0, 6 },
	{ "arp", 1, P_DROP, FWD(ARP_ND), 0, NONE },
	{ "nd6", 0, P_DROP, FWD(ARP_ND), 0, 58 },
	{ "bad4", 0, P_ACC, DROP(MALFORMED), 0, NONE },
	{ "frag4", 0, P_DROP, DROP(FRAGMENT), 0, 17 },
	{ "frag6", 1, P_DROP, DROP(FRAGMENT), 0, FWCTL_PROTO_UNKNOWN },
	{ "ether", 1, P_DROP, DROP(UNKNOWN_ETHERTYPE), 0, NONE },
	{ "tcp4,sport=50005,dport=1005", 2, P_DROP, DROP(REDIRECT_ERROR), 5, 6 },
	{ "icmp4", 0, P_ACC, FWD(POLICY), 0, 1 },
	{ "tcp4,sport=50006,dport=1003,vlan=2", 0, P_DROP, FWD(RULE), 3, 6 },
	{ "udp4,sport=50007,dport=1005", 1, P_DROP, FWD(RULE), 5, 17 },
};

static int case_ifx(const struct env *env, const struct tcase *c)
{
	return c->in == 2 ? IFX_LO : env->ifx[c->in];
}

static __u32 case_dir(const struct tcase *c)
{
	return c->in == 1 ? FWCTL_DIR_OUT_TO_IN : FWCTL_DIR_IN_TO_OUT;
}

static int env_load(struct env *env, int ifx_in, int ifx_out)
{
	struct fwctl_config cfg = {};
	struct fwctl_err e = {};
	struct bpf_map *map;
	int err;

	memset(env, 0, sizeof(*env));
	env->ifx[0] = ifx_in;
	env->ifx[1] = ifx_out;
	env->skel = trace_dp__open();
	if (!env->skel)
		return -errno;
	bpf_object__for_each_map(map, env->skel->obj)
		bpf_map__set_pin_path(map, NULL);	/* private maps */
	err = trace_dp__load(env->skel);
	if (err)
		return err;
	env->prog = bpf_program__fd(env->skel->progs.fwctl_xdp);
	err = maps_from_object(env->skel->obj, &env->m);
	if (!err)
		err = trace_maps_from_object(env->skel->obj, &env->tm, &e);
	cfg.ifindex[0] = ifx_in;
	cfg.ifindex[1] = ifx_out;
	if (!err)
		err = bpf_map_update_elem(env->m.config, &(__u32){ 0 }, &cfg, 0);
	if (!err)
		err = devmap_link(&env->m, ifx_in, ifx_out);
	return err;
}

static void env_free(struct env *env)
{
	trace_maps_close(&env->tm);
	trace_dp__destroy(env->skel);
}

static void set_policy(struct env *env, int policy)
{
	env->skel->bss->tdp_policy = policy;
}

/* Run case c once; returns the action. */
static int run_case(struct env *env, const struct tcase *c, __u8 *frame, size_t *len)
{
	*len = tt_frame(c->spec, frame);
	set_policy(env, c->policy);
	return tt_run(env->prog, frame, *len, case_ifx(env, c), 1);
}

static struct trace_filter filter_all(int level, __u32 rate)
{
	struct trace_filter f;

	trace_filter_init(&f);
	f.level = level;
	f.rate = rate;
	return f;
}

/* A session that must start; NULL-safe failure reporting. */
static bool start(struct env *env, const struct trace_filter *f, struct trace_session *s,
		  const char *what)
{
	struct fwctl_err e = {};
	int err = trace_session_start(&env->tm, f, false, s, &e);

	if (err)
		tt_check(false, what, "trace_session_start: %s", e.msg);
	return !err;
}

static void stop(struct trace_session *s)
{
	trace_session_stop(s, NULL);
	trace_session_close(s);
}

/* --- 1. records: every field, for every kind of verdict ----------------- */

static void test_records(struct env *env)
{
	static __u8 frame[TT_FRAME_MAX];
	struct tt_recs recs = {};
	struct trace_session s;
	struct trace_filter f = filter_all(1, 0);
	char what[160];
	size_t i, len;
	__u64 t0, t1;
	int action;

	if (!start(env, &f, &s, "records: a session starts"))
		return;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct tcase *c = &cases[i];
		const struct tt_rec *r;
		__u32 caplen;

		recs.n = 0;
		t0 = trace_mono_ns();
		action = run_case(env, c, frame, &len);
		t1 = trace_mono_ns();
		tt_drain(s.ring_fd, &recs);
		snprintf(what, sizeof(what), "records: %s on %s: one record, %s %u rule %u, "
			 "every field right", c->spec, c->in == 2 ? "lo" : c->in ? "output" : "input",
			 verdict_name(c->verdict), c->reason, c->rule_id);
		if (recs.n != 1) {
			tt_check(false, what, "%zu records", recs.n);
			continue;
		}
		r = &recs.r[0];
		caplen = len < FWCTL_TRACE_SNAP_L1 ? len : FWCTL_TRACE_SNAP_L1;
		tt_check(r->h.verdict == c->verdict && r->h.reason == c->reason &&
			 r->h.rule_id == c->rule_id && r->h.proto == c->proto &&
			 r->h.dir == case_dir(c) && r->h.ifindex == (__u32)case_ifx(env, c) &&
			 r->h.action == (__u32)action &&
			 r->h.action == (c->verdict ? XDP_DROP : XDP_REDIRECT) &&
			 r->h.len == len && r->h.caplen == caplen && r->h.slot == s.slot &&
			 r->h.ts_ns >= t0 && r->h.ts_ns <= t1 && !memcmp(r->data, frame, caplen),
			 what, "got verdict %u reason %u rule %u proto %u dir %u ifindex %u action %u "
			 "(returned %d) len %u caplen %u (frame %zu) data %s", r->h.verdict, r->h.reason,
			 r->h.rule_id, r->h.proto, r->h.dir, r->h.ifindex, r->h.action, action,
			 r->h.len, r->h.caplen, len, memcmp(r->data, frame, caplen) ? "differs" : "same");
	}
	stop(&s);
	tt_recs_free(&recs);
}

/* Level 1: 128 bytes; level 2: up to 1500, as far as the frame goes. */
static void test_levels(struct env *env)
{
	static const struct { int level; int len; __u32 caplen; } lv[] = {
		{ 1, 60, 60 }, { 1, 1400, 128 }, { 2, 60, 60 }, { 2, 1400, 1400 },
		{ 2, 1500, 1500 }, { 2, 2000, 1500 }, { 2, 4000, 1500 },
	};
	static __u8 frame[TT_FRAME_MAX];
	struct tt_recs recs = {};
	struct trace_session s;
	char spec[64], what[128];
	size_t i, len;

	set_policy(env, FWCTL_POLICY_DROP);
	for (i = 0; i < ARRAY_SIZE(lv); i++) {
		struct trace_filter f = filter_all(lv[i].level, 0);

		snprintf(what, sizeof(what), "level %d: a %d-byte frame gives %u bytes, len %d",
			 lv[i].level, lv[i].len, lv[i].caplen, lv[i].len);
		if (!start(env, &f, &s, what))
			continue;
		snprintf(spec, sizeof(spec), "long,len=%d", lv[i].len);
		len = tt_frame(spec, frame);
		recs.n = 0;
		tt_run(env->prog, frame, len, env->ifx[0], 1);
		tt_drain(s.ring_fd, &recs);
		tt_check(len == (size_t)lv[i].len && recs.n == 1 && recs.r[0].h.caplen == lv[i].caplen &&
			 recs.r[0].h.len == len && !memcmp(recs.r[0].data, frame, lv[i].caplen),
			 what, "frame %zu, %zu records, caplen %u len %u", len, recs.n,
			 recs.n ? recs.r[0].h.caplen : 0, recs.n ? recs.r[0].h.len : 0);
		stop(&s);
	}
	tt_recs_free(&recs);
}

/* --- 2. filters: exactly what they name --------------------------------- */

struct fcase {
	const char *name;
	const char *verdict;		/* NULL: both */
	const char *reasons[3];
	__u32 rule_id, proto, dirs;	/* 0: any */
};

#define F(n, ...)	{ .name = n, __VA_ARGS__ }
static const struct fcase fcases[] = {
	F("everything"),
	F("--verdict forward", .verdict = "forward"),
	F("--verdict drop", .verdict = "drop"),
	F("--reason policy (forwards and drops)", .reasons = { "policy" }),
	F("--reason rule", .reasons = { "rule" }),
	F("--reason arp-nd", .reasons = { "arp-nd" }),
	F("--reason malformed --reason fragment", .reasons = { "malformed", "fragment" }),
	F("--reason redirect_error", .reasons = { "redirect_error" }),
	F("--verdict drop --reason policy", .verdict = "drop", .reasons = { "policy" }),
	F("--verdict forward --reason policy", .verdict = "forward", .reasons = { "policy" }),
	F("--rule 5", .rule_id = 5),
	F("--rule 7", .rule_id = 7),
	F("--proto udp", .proto = 17),
	F("--proto icmp", .proto = 1),
	F("--in output", .dirs = 1 << FWCTL_DIR_OUT_TO_IN),
	F("--verdict forward --proto tcp --in input", .verdict = "forward", .proto = 6,
	  .dirs = 1 << FWCTL_DIR_IN_TO_OUT),
};

/* What cmd_trace builds from the options: the filter under test. */
static struct trace_filter fcase_filter(const struct fcase *fc)
{
	struct trace_filter f = filter_all(1, 0);
	__u32 masks[2] = { 0, 0 };
	int i, v;

	for (i = 0; i < 3 && fc->reasons[i]; i++)
		trace_reason_parse(fc->reasons[i], masks);
	for (v = 0; v < 2; v++) {
		if (fc->verdict && strcmp(fc->verdict, verdict_name(v)))
			f.reasons[v] = 0;
		else if (fc->reasons[0])
			f.reasons[v] = masks[v];
	}
	if (fc->rule_id)
		f.rule_id = fc->rule_id;
	if (fc->proto)
		f.proto = fc->proto;
	if (fc->dirs)
		f.dirs = fc->dirs;
	return f;
}

/* The reference: does fc select case c? Written from the option's meaning. */
static bool fcase_wants(const struct fcase *fc, const struct tcase *c)
{
	const char *reason = trace_reason_name(c->verdict, c->reason);
	bool named = !fc->reasons[0];
	int i;

	for (i = 0; i < 3 && fc->reasons[i]; i++)
		named |= !strcmp(fc->reasons[i], reason);
	return named && (!fc->verdict || !strcmp(fc->verdict, verdict_name(c->verdict))) &&
	       (!fc->rule_id || fc->rule_id == c->rule_id) &&
	       (!fc->proto || fc->proto == c->proto) &&
	       (!fc->dirs || (fc->dirs >> case_dir(c) & 1));
}

/* Which cases' records are in recs, as a bit mask (by their frames' bytes). */
static __u32 cases_seen(struct env *env, const struct tt_recs *recs)
{
	static __u8 frame[TT_FRAME_MAX];
	__u32 seen = 0;
	size_t i, k, len;

	for (k = 0; k < recs->n; k++)
		for (i = 0; i < ARRAY_SIZE(cases); i++) {
			len = tt_frame(cases[i].spec, frame);
			if (recs->r[k].h.len == len && recs->r[k].h.dir == case_dir(&cases[i]) &&
			    recs->r[k].h.ifindex == (__u32)case_ifx(env, &cases[i]) &&
			    !memcmp(recs->r[k].data, frame, recs->r[k].h.caplen))
				seen |= 1u << i;
		}
	return seen;
}

static void run_all_cases(struct env *env)
{
	static __u8 frame[TT_FRAME_MAX];
	size_t i, len;

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		run_case(env, &cases[i], frame, &len);
}

static __u32 fcase_expect(const struct fcase *fc)
{
	__u32 want = 0;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		if (fcase_wants(fc, &cases[i]))
			want |= 1u << i;
	return want;
}

static void test_filters(struct env *env)
{
	struct tt_recs recs = {};
	struct trace_session s;
	char what[160];
	size_t k;

	for (k = 0; k < ARRAY_SIZE(fcases); k++) {
		struct trace_filter f = fcase_filter(&fcases[k]);
		__u32 want = fcase_expect(&fcases[k]), got;

		snprintf(what, sizeof(what), "filter %s: the records are exactly the frames it names",
			 fcases[k].name);
		if (!start(env, &f, &s, what))
			continue;
		recs.n = 0;
		run_all_cases(env);
		tt_drain(s.ring_fd, &recs);
		got = cases_seen(env, &recs);
		tt_check(got == want && recs.n == (size_t)__builtin_popcount(want) && want, what,
			 "cases seen 0x%x, expected 0x%x, %zu records", got, want, recs.n);
		stop(&s);
	}
	tt_recs_free(&recs);
}

/* --- 3. several sessions at once ----------------------------------------- */

static void test_concurrent(struct env *env)
{
	static const int pick[FWCTL_TRACE_SLOTS] = { 1, 2, 12, 14 };
	struct trace_session s[FWCTL_TRACE_SLOTS], extra;
	struct tt_recs recs[FWCTL_TRACE_SLOTS] = {};
	struct trace_filter f;
	struct fwctl_err e = {};
	bool ok = true, distinct = true;
	char why[256] = "";
	int i, j, n = 0, err;

	for (i = 0; i < FWCTL_TRACE_SLOTS; i++) {
		f = fcase_filter(&fcases[pick[i]]);
		if (!start(env, &f, &s[i], "concurrent: four sessions start"))
			break;
		n++;
	}
	if (n < FWCTL_TRACE_SLOTS)
		goto out;
	for (i = 0; i < n; i++)
		for (j = 0; j < i; j++)
			distinct &= s[i].slot != s[j].slot;
	tt_check(distinct, "concurrent: four sessions hold four slots", "slots not distinct");
	f = filter_all(1, 0);
	err = trace_session_start(&env->tm, &f, false, &extra, &e);
	tt_check(err == -EBUSY && strstr(e.msg, "running already"),
		 "concurrent: a fifth session is refused while four run (-EBUSY, says why)",
		 "returned %d: %s", err, e.msg);
	if (!err)
		stop(&extra);
	run_all_cases(env);
	for (i = 0; i < n; i++) {
		__u32 want = fcase_expect(&fcases[pick[i]]), got;

		tt_drain(s[i].ring_fd, &recs[i]);
		got = cases_seen(env, &recs[i]);
		if (got != want || recs[i].n != (size_t)__builtin_popcount(want)) {
			ok = false;
			snprintf(why + strlen(why), sizeof(why) - strlen(why),
				 "[%s: seen 0x%x want 0x%x] ", fcases[pick[i]].name, got, want);
		}
	}
	tt_check(ok, "concurrent: four sessions with different filters, each gets exactly its "
		     "frames", "%s", why);
out:
	for (i = 0; i < n; i++) {
		stop(&s[i]);
		tt_recs_free(&recs[i]);
	}
}

/* --- 4. rate limit and full ring ----------------------------------------- */

/*
 * n runs of one frame, in bursts with a heartbeat between them, as a live
 * reader gives: one long run on a loaded machine can outlast the staleness
 * timeout (1 s), and the program then turns the session off mid-run.
 */
static void run_beating(struct env *env, struct trace_session *s, const void *frame,
			size_t len, __u32 n)
{
	const __u32 burst = 500;
	__u32 done, k;

	for (done = 0; done < n; done += k) {
		k = n - done < burst ? n - done : burst;
		trace_session_heartbeat(s);
		tt_run(env->prog, frame, len, env->ifx[0], k);
	}
}

static void test_rate(struct env *env)
{
	static __u8 frame[TT_FRAME_MAX];
	const __u32 rate = 100, n = 20000;
	struct tt_recs recs = {};
	struct fwctl_trace_lost lost;
	struct trace_session s;
	struct trace_filter f = filter_all(1, rate);
	__u64 t0, t1, t2, t3;
	size_t len = tt_frame("tcp4,dport=80", frame);
	double slack;

	trace_filter_init(&f);
	tt_check(f.rate == 1000, "rate: the default is 1000 per second", "%u", f.rate);
	f.rate = rate;
	set_policy(env, FWCTL_POLICY_DROP);
	if (!start(env, &f, &s, "rate: a session with --rate 100 starts"))
		return;
	t0 = trace_mono_ns();
	run_beating(env, &s, frame, len, n);	/* one CPU: one bucket */
	t1 = trace_mono_ns();
	tt_drain(s.ring_fd, &recs);
	trace_session_lost(&s, &lost);
	slack = (t1 - t0) / 1e9 * rate + 1;
	tt_check(recs.n >= rate && recs.n <= rate + slack,
		 "rate: 20000 frames at once under --rate 100: a full bucket's 100 shown (plus what "
		 "time refilled)", "%zu shown in %.3f s", recs.n, (t1 - t0) / 1e9);
	tt_check(recs.n + lost.rate_limit == n && !lost.ring_full,
		 "rate: every frame not shown is counted as lost to the rate limit",
		 "shown %zu + lost %llu != %u (ring full %llu)", recs.n,
		 (unsigned long long)lost.rate_limit, n, (unsigned long long)lost.ring_full);
	usleep(300000);
	recs.n = 0;
	t2 = trace_mono_ns();
	run_beating(env, &s, frame, len, n);
	t3 = trace_mono_ns();
	tt_drain(s.ring_fd, &recs);
	/* + 3: a fraction of a token left from the first burst, rounding, and
	 * the program's coarse clock (one jiffy, up to 10 ms, behind ours). */
	slack = (t3 - t1) / 1e9 * rate + 3;
	tt_check(recs.n >= (size_t)((t2 - t1) / 1e9 * rate) - 1 && recs.n <= slack,
		 "rate: 300 ms later the bucket has refilled at 100 per second, no more",
		 "%zu shown after %.3f s", recs.n, (t3 - t1) / 1e9);
	stop(&s);
	tt_recs_free(&recs);
}

static void test_ring_full(struct env *env)
{
	static __u8 frame[TT_FRAME_MAX];
	const __u32 n = 20000;
	struct tt_recs recs = {};
	struct fwctl_trace_lost lost;
	struct trace_session s;
	struct trace_filter f = filter_all(2, 0);
	size_t len = tt_frame("long,len=1500", frame);

	set_policy(env, FWCTL_POLICY_DROP);
	if (!start(env, &f, &s, "ring full: a level 2 session starts"))
		return;
	run_beating(env, &s, frame, len, n);	/* nobody reads meanwhile */
	tt_drain(s.ring_fd, &recs);
	trace_session_lost(&s, &lost);
	tt_check(lost.ring_full > 0 && recs.n > 1000 && recs.n + lost.ring_full == n &&
		 !lost.rate_limit,
		 "ring full: 20000 level-2 records unread: what did not fit is counted as ring full",
		 "shown %zu, ring full %llu, rate limit %llu", recs.n,
		 (unsigned long long)lost.ring_full, (unsigned long long)lost.rate_limit);
	stop(&s);
	tt_recs_free(&recs);
}

/* --- 5. dead readers ----------------------------------------------------- */

static void make_stale(struct env *env, const struct trace_session *s)
{
	env->tm.ctl_mem->slot[s->slot].heartbeat_ns = trace_mono_ns() - 2 * FWCTL_TRACE_STALE_NS;
}

static void test_stale(struct env *env)
{
	static __u8 frame[TT_FRAME_MAX];
	struct trace_session s[FWCTL_TRACE_SLOTS], late;
	struct trace_filter f = filter_all(1, 0);
	struct tt_recs recs = {};
	size_t len = tt_frame("tcp4,dport=1005", frame);
	int i, n = 0;

	set_policy(env, FWCTL_POLICY_DROP);
	if (!start(env, &f, &s[0], "stale: a session starts"))
		return;
	n = 1;
	make_stale(env, &s[0]);
	tt_run(env->prog, frame, len, env->ifx[0], 1);
	tt_drain(s[0].ring_fd, &recs);
	tt_check(!recs.n && !env->tm.ctl_mem->on[s[0].slot] && !env->tm.ctl_mem->any_on,
		 "stale: a reader silent for over 1 s gets nothing, and the program turns its "
		 "slot (and tracing) off", "%zu records, on %u, any_on 0x%llx", recs.n,
		 env->tm.ctl_mem->on[s[0].slot], (unsigned long long)env->tm.ctl_mem->any_on);
	trace_session_heartbeat(&s[0]);
	tt_run(env->prog, frame, len, env->ifx[0], 1);
	tt_drain(s[0].ring_fd, &recs);
	tt_check(recs.n == 1 && s[0].paused == 1 && !s[0].evicted,
		 "stale: the same reader's next heartbeat turns its slot on again (and says so)",
		 "%zu records, paused %d, evicted %d", recs.n, s[0].paused, s[0].evicted);
	for (i = 1; i < FWCTL_TRACE_SLOTS; i++) {
		if (!start(env, &f, &s[i], "stale: four sessions start"))
			goto out;
		n++;
	}
	make_stale(env, &s[2]);
	if (!start(env, &f, &late, "stale: a new session takes a dead reader's slot when all "
				   "are taken"))
		goto out;
	tt_check(late.slot == s[2].slot,
		 "stale: a new session takes a dead reader's slot when all are taken",
		 "got slot %d, the dead one is %d", late.slot, s[2].slot);
	trace_session_heartbeat(&s[2]);
	tt_check(s[2].evicted, "stale: the old reader, back, finds its slot taken (evicted)",
		 "evicted %d", s[2].evicted);
	stop(&s[2]);	/* must not turn the new owner's slot off */
	recs.n = 0;
	tt_run(env->prog, frame, len, env->ifx[0], 1);
	tt_drain(late.ring_fd, &recs);
	tt_check(recs.n == 1 && env->tm.ctl_mem->on[late.slot],
		 "stale: the evicted reader's stop leaves the new owner tracing",
		 "%zu records, on %u", recs.n, env->tm.ctl_mem->on[late.slot]);
	stop(&late);
	make_stale(env, &s[3]);
	tt_check(trace_reclaim(&env->tm, NULL) == 1 && !env->tm.ctl_mem->slot[s[3].slot].token,
		 "stale: trace_reclaim frees exactly the dead slots", "slot %d token %u", s[3].slot,
		 env->tm.ctl_mem->slot[s[3].slot].token);
out:
	for (i = 0; i < n; i++)
		if (i != 2)
			stop(&s[i]);
	tt_check(!env->tm.ctl_mem->any_on, "stale: all sessions stopped, tracing is off",
		 "any_on 0x%llx", (unsigned long long)env->tm.ctl_mem->any_on);
	tt_recs_free(&recs);
}

/* --- 6. checks ----------------------------------------------------------- */

struct snapshot {
	struct fwctl_dir_stats dir[FWCTL_DIR_COUNT];
	struct fwctl_rule_stats rule[10];
	struct fwctl_trace_lost lost;
};

static void snap(struct env *env, struct snapshot *sn)
{
	int i;

	memset(sn, 0, sizeof(*sn));
	for (i = 0; i < FWCTL_DIR_COUNT; i++)
		dir_stats_read(&env->m, i, &sn->dir[i]);
	for (i = 0; i < 10; i++)
		rule_stats_read(&env->m, i, &sn->rule[i]);
	trace_lost_read(&env->tm, -1, &sn->lost);
}

static void test_check(struct env *env)
{
	static __u8 frame[TT_FRAME_MAX];
	struct trace_filter f = filter_all(1, 1);
	struct snapshot before, after;
	struct tt_recs recs = {};
	struct trace_session s;
	struct check_result r;
	char what[160];
	size_t i, len;
	int err, bad = 0;

	struct check_session cs;
	struct fwctl_err e = {};

	if (!start(env, &f, &s, "check: a trace runs meanwhile (--rate 1)"))
		return;
	err = check_session_start(&env->tm, &cs, &e);
	tt_check(!err && env->tm.ctl_mem->checking[cs.slot], "check: a check slot is claimed",
		 "%s", e.msg);
	if (err)
		return stop(&s);
	/* Spend the bucket: a probe that took a token would show as a lost record. */
	tt_run(env->prog, frame, tt_frame("tcp4", frame), env->ifx[0], 1);
	tt_drain(s.ring_fd, &recs);
	recs.n = 0;
	snap(env, &before);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct tcase *c = &cases[i];

		len = tt_frame(c->spec, frame);
		set_policy(env, c->policy);
		err = check_frame(env->prog, case_ifx(env, c), frame, len, &r);
		snprintf(what, sizeof(what), "check: %s answers %s %u rule %u, as the datapath "
			 "decides", c->spec, verdict_name(c->verdict), c->reason, c->rule_id);
		tt_check(!err && r.verdict == c->verdict && r.reason == c->reason &&
			 r.rule_id == c->rule_id && r.dir == case_dir(c) && r.seen_len == len &&
			 r.action == (c->verdict ? XDP_DROP : XDP_REDIRECT), what,
			 "err %d verdict %u reason %u rule %u dir %u seen %u/%zu action %u", err,
			 r.verdict, r.reason, r.rule_id, r.dir, r.seen_len, len, r.action);
		bad += !!err;
	}
	len = tt_frame("long,len=4000", frame);
	err = check_frame(env->prog, env->ifx[0], frame, len, &r);
	tt_check(!err && r.seen_len < len && r.seen_len >= 3000,
		 "check: a 4000-byte frame is seen only in part (the test-run limit), detectably",
		 "err %d seen %u", err, r.seen_len);
	snap(env, &after);
	tt_drain(s.ring_fd, &recs);
	tt_check(!memcmp(&before, &after, sizeof(before)) && !recs.n,
		 "check: probes leave every counter (directions, rules, trace lost) as it was and "
		 "emit no trace record", "counters %s, %zu records",
		 memcmp(&before, &after, sizeof(before)) ? "changed" : "same", recs.n);
	check_session_stop(&cs);
	stop(&s);
	tt_check(!env->tm.ctl_mem->any_on, "check: once the check and the trace end, the "
		 "program's flag word is 0 (nothing runs)", "any_on 0x%llx",
		 (unsigned long long)env->tm.ctl_mem->any_on);
	/* Without a check slot the program does not look for probes at all. */
	len = tt_frame("tcp4,dport=1005", frame);
	err = check_frame(env->prog, env->ifx[0], frame, len, &r);
	tt_check(err == -EOPNOTSUPP, "check: no probe is answered unless a check slot is in use "
		 "(the hot path tests one flag word)", "check_frame %d", err);
	tt_recs_free(&recs);
	tt_check(check_prog_supported(env->prog), "check: the program answers probes (it uses "
		 "the trace control block)", "check_prog_supported false");
}

/* A checker killed without giving its slot back: the next one reclaims it. */
static void test_check_dead(struct env *env)
{
	struct check_session cs;
	struct fwctl_err e = {};
	pid_t pid;
	int status, n;

	pid = fork();
	if (pid == 0)
		_exit(check_session_start(&env->tm, &cs, &e) ? 1 : 0);	/* never stops it */
	waitpid(pid, &status, 0);
	tt_check(WIFEXITED(status) && !WEXITSTATUS(status) && env->tm.ctl_mem->any_on,
		 "check: a checker that dies leaves its slot in use", "status %d any_on 0x%llx",
		 status, (unsigned long long)env->tm.ctl_mem->any_on);
	n = trace_reclaim(&env->tm, &e);
	tt_check(n == 1 && !env->tm.ctl_mem->any_on,
		 "check: trace_reclaim (every fwctl check and trace) frees a dead checker's slot",
		 "reclaimed %d, any_on 0x%llx", n, (unsigned long long)env->tm.ctl_mem->any_on);
}

static void test_check_unsupported(int ifx)
{
	static __u8 frame[TT_FRAME_MAX];
	struct trace_dp_notrace *nt = trace_dp_notrace__open();
	struct check_result r;
	struct bpf_map *map;
	int err = -1, prog;

	if (!nt)
		return tt_check(false, "check: a program without trace.h", "cannot open");
	bpf_object__for_each_map(map, nt->obj)
		bpf_map__set_pin_path(map, NULL);
	if (!trace_dp_notrace__load(nt)) {
		prog = bpf_program__fd(nt->progs.fwctl_xdp);
		err = check_frame(prog, ifx, frame, tt_frame("tcp4", frame), &r);
		tt_check(err == -EOPNOTSUPP && !check_prog_supported(prog),
			 "check: a program without check support is detected, before and after a run",
			 "check_frame %d", err);
	}
	trace_dp_notrace__destroy(nt);
}

/* --- 7. decoding --------------------------------------------------------- */

/* The member at "a.b" or "a[0].b" as a string, or "" */
static const char *jget(struct json_object *o, const char *path)
{
	char copy[64], *tok, *save, *br;
	struct json_object *v = o;

	snprintf(copy, sizeof(copy), "%s", path);
	for (tok = strtok_r(copy, ".", &save); tok && v; tok = strtok_r(NULL, ".", &save)) {
		br = strchr(tok, '[');
		if (br)
			*br = '\0';
		if (!json_object_object_get_ex(v, tok, &v))
			return "";
		if (br)
			v = json_object_array_get_idx(v, atoi(br + 1));
	}
	return v ? json_object_get_string(v) : "";
}

static void test_decode(void)
{
	static const struct {
		const char *spec;
		const char *checks;	/* "path=value;..." */
	} d[] = {
		{ "tcp4,sport=40000,dport=7070,flags=0x12,vlan=1",
		  "eth.src=02:00:00:00:00:01;eth.dst=02:00:00:00:00:02;eth.type=0x8100;"
		  "vlan[0].id=100;vlan[0].tpid=0x8100;vlan[0].type=0x0800;ipv4.src=10.0.0.1;"
		  "ipv4.dst=10.0.0.2;ipv4.ttl=64;ipv4.proto=6;ipv4.id=257;tcp.sport=40000;"
		  "tcp.dport=7070;tcp.flags=SYN|ACK;tcp.seq=305397760;tcp.ack=0;tcp.window=65535" },
		{ "udp6,sport=5353,dport=53",
		  "ipv6.src=fd00::1;ipv6.dst=fd00::2;ipv6.hop_limit=64;ipv6.next_header=17;"
		  "udp.sport=5353;udp.dport=53;udp.len=8" },
		{ "icmp4,type=8", "icmp.type=8;icmp.code=0;icmp.id=16962" },
		{ "nd6", "ipv6.hop_limit=255;icmpv6.type=135;icmpv6.code=0" },
		{ "arp", "arp.op=request;arp.sender_ip=10.0.0.1;arp.target_ip=10.0.0.2;"
			 "arp.sender_mac=02:00:00:00:00:01" },
		{ "frag6", "ipv6_ext[0].type=fragment;ipv6_ext[0].frag_offset=800;udp.sport=" },
		{ "ether", "eth.type=0x88b5;ipv4.src=" },
		{ "bad4", "ipv4.ihl=4;undecoded=not a valid IPv4 header (version or IHL)" },
	};
	static __u8 frame[TT_FRAME_MAX];
	char copy[512], *tok, *save, *eq, what[160], line[2048];
	const char *bad = "", *want = "";
	struct json_object *o;
	size_t i, len;
	bool ok;

	for (i = 0; i < ARRAY_SIZE(d); i++) {
		len = tt_frame(d[i].spec, frame);
		o = json_object_new_object();
		decode_json(o, frame, len, false);
		snprintf(copy, sizeof(copy), "%s", d[i].checks);
		ok = true;
		for (tok = strtok_r(copy, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
			eq = strchr(tok, '=');
			if (eq)
				*eq = '\0';
			if (!eq || strcmp(jget(o, tok), eq + 1)) {
				ok = false;
				bad = tok;
				want = eq ? eq + 1 : "?";
				break;
			}
		}
		snprintf(what, sizeof(what), "decode: %s: every header field by name", d[i].spec);
		tt_check(ok, what, "%s is '%s', expected '%s'", bad, jget(o, bad), want);
		json_object_put(o);
	}

	/* The text line names the same fields. */
	len = tt_frame("tcp4,sport=40000,dport=7070,flags=0x12,vlan=1", frame);
	struct frame_info fi = { .ts_ns = 1700000000123456789ULL, .ifname = "veth9",
				 .verdict = FWCTL_VERDICT_FORWARD, .reason = FWCTL_FWD_RULE,
				 .rule_id = 3, .len = len, .caplen = len, .data = frame };
	FILE *f = fmemopen(line, sizeof(line), "w");

	print_frame_line(f, &fi);
	fclose(f);
	tt_check(strstr(line, "2023-11-14T22:13:20.123456789Z in=veth9 FORWARD rule=3 len=") == line &&
		 strstr(line, " vlan tpid=0x8100 id=100") && strstr(line, " ipv4 src=10.0.0.1 dst=10.0.0.2 ttl=64") &&
		 strstr(line, " tcp sport=40000 dport=7070 flags=SYN|ACK seq=305397760 ack=0 window=65535") &&
		 strstr(line, " eth src=02:00:00:00:00:01 dst=02:00:00:00:00:02"),
		 "decode: the text line: time, interface, verdict, then every field by name",
		 "%s", line);
}

int tt_unit(int ifx_in, int ifx_out)
{
	struct env env;
	cpu_set_t cpus;
	int err;

	/* One CPU: one token bucket for the rate test. */
	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	sched_setaffinity(0, sizeof(cpus), &cpus);
	err = env_load(&env, ifx_in, ifx_out);
	if (err) {
		tt_check(false, "unit: load the test datapath with private maps", "%s",
			 strerror(-err));
		return 1;
	}
	test_decode();
	test_records(&env);
	test_levels(&env);
	test_filters(&env);
	test_concurrent(&env);
	test_rate(&env);
	test_ring_full(&env);
	test_stale(&env);
	test_check(&env);
	test_check_dead(&env);
	test_check_unsupported(ifx_in);
	env_free(&env);
	return tt_failed ? 1 : 0;
}
