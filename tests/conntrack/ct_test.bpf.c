// SPDX-License-Identifier: GPL-2.0
/*
 * ct_test.bpf.c - a test-only XDP program around conntrack.h and frag.h,
 * run with BPF_PROG_TEST_RUN by tests/conntrack/ct.c. It does what the
 * datapath is meant to do with them, in the order conntrack.h gives:
 * parse (a small parser of its own: Ethernet, IPv4, IPv6 with extension
 * headers, TCP/UDP/ICMP), follow remembered fragments, look the flow up,
 * else classify by a tiny first-match rule list (test_rules) and create
 * a flow for a stateful allow rule; remember first fragments' verdicts.
 * XDP_PASS stands for "forward". What decided is left in `out`.
 *
 * The rule-set generation is mimicked as the real one is made current:
 * an ARRAY_OF_MAPS whose slot 0 holds an array of struct fwctl_cell;
 * its header keeps ct_serial_cell and ct_serial_ids in pad[0] and pad[1]
 * (where fwctl_table_hdr is to get them).
 *
 * ct_base is the benchmark's baseline: the same parse, then one array
 * lookup and a rule counter, as a stateless hit.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "fwctl_common.h"
#include "fwctl_classifier.h"
#include "pkt_meta.h"
#include "net_consts.h"
#include "ct_test.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, TEST_RULES);
	__type(key, __u32);
	__type(value, struct test_rule);
} test_rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, TEST_RULE_IDS);
	__type(key, __u32);
	__type(value, __u64);
} test_rule_pkts SEC(".maps");

struct test_gen {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, TEST_GEN_CELLS);
	__type(key, __u32);
	__type(value, struct fwctl_cell);
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct test_gen);
} test_tables SEC(".maps");

#include "conntrack.h"
#include "frag.h"

/* The inner map's value type reaches BTF only through a pointer of a
 * pointer, which clang emits as a bare declaration: this global gives
 * libbpf its size. */
struct fwctl_cell test_cell_btf;

__u32 test_dir;			/* enum fwctl_dir of the next frame */
struct test_out out;

/* [off, off + len) of the frame, or NULL. */
static __always_inline __u8 *at(struct xdp_md *ctx, __u32 off, __u32 len)
{
	return ct_bytes(ctx, off, len);
}

static __always_inline __u32 word(const __u8 *p)
{
	return (__u32)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

/* TCP/UDP ports or ICMP type/code at l4 (a later fragment has none). */
static __always_inline int parse_l4(struct xdp_md *ctx, struct fwctl_key *k,
				    struct pkt_meta *m, __u32 l4, __u32 proto)
{
	__u32 need = proto == IPPROTO_TCP ? 20 : 8;
	__u8 *p;

	k->w[FWCTL_DIM_PROTO] = proto;
	m->l4_off = l4;
	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP && proto != IPPROTO_ICMP &&
	    proto != IPPROTO_ICMPV6)
		return 0;
	if (l4 + need > m->l3_end)
		return -1;
	p = at(ctx, l4, need);
	if (!p)
		return -1;
	if (proto == IPPROTO_TCP || proto == IPPROTO_UDP) {
		k->w[FWCTL_DIM_SPORT] = (__u32)p[0] << 8 | p[1];
		k->w[FWCTL_DIM_DPORT] = (__u32)p[2] << 8 | p[3];
	} else {
		k->w[FWCTL_DIM_SPORT] = p[0];
		k->w[FWCTL_DIM_DPORT] = p[1];
	}
	return 0;
}

static __always_inline int parse_v4(struct xdp_md *ctx, struct fwctl_key *k, struct pkt_meta *m,
				    __u32 len)
{
	__u8 *p = at(ctx, 14, 20);
	__u32 hlen, tot, fo;

	if (!p || (p[0] >> 4) != 4 || (p[0] & 0xf) < 5)
		return -1;
	hlen = (p[0] & 0xf) * 4;
	tot = (__u32)p[2] << 8 | p[3];
	if (tot < hlen || 14 + tot > len)
		return -1;
	k->w[FWCTL_DIM_FAMILY] = FWCTL_FAMILY_V4;
	k->w[FWCTL_DIM_SRC0] = word(p + 12);
	k->w[FWCTL_DIM_DST0] = word(p + 16);
	m->l3_end = 14 + tot;
	fo = (__u32)p[6] << 8 | p[7];
	m->frag_id = (__u32)p[4] << 8 | p[5];
	if (fo & 0x1fff) {
		m->frag = PKT_FRAG_LATER;
		k->w[FWCTL_DIM_FRAG] = 1;
		k->w[FWCTL_DIM_PROTO] = p[9];
		return 0;
	}
	if (fo & 0x2000)
		m->frag = PKT_FRAG_FIRST;
	return parse_l4(ctx, k, m, 14 + hlen, p[9]);
}

static __always_inline int parse_v6(struct xdp_md *ctx, struct fwctl_key *k, struct pkt_meta *m,
				    __u32 len)
{
	__u8 *p = at(ctx, 14, 40), *x;
	__u32 off = 54, nh, i, fo;

	if (!p || (p[0] >> 4) != 6)
		return -1;
	m->l3_end = 54 + ((__u32)p[4] << 8 | p[5]);
	if (m->l3_end > len)
		return -1;
	k->w[FWCTL_DIM_FAMILY] = FWCTL_FAMILY_V6;
#pragma unroll
	for (i = 0; i < 4; i++) {
		k->w[FWCTL_DIM_SRC0 + i] = word(p + 8 + 4 * i);
		k->w[FWCTL_DIM_DST0 + i] = word(p + 24 + 4 * i);
	}
	nh = p[6];
#pragma unroll
	for (i = 0; i < 4; i++) {
		if (nh != 0 && nh != 43 && nh != 60 && nh != IPPROTO_FRAGMENT)
			break;
		x = at(ctx, off, 8);
		if (!x || off + 8 > m->l3_end)
			return -1;
		if (nh == IPPROTO_FRAGMENT) {
			fo = (__u32)x[2] << 8 | x[3];
			m->frag_id = word(x + 4);
			if (fo & 0xfff8) {
				m->frag = PKT_FRAG_LATER;
				k->w[FWCTL_DIM_FRAG] = 1;
				k->w[FWCTL_DIM_PROTO] = FWCTL_PROTO_UNKNOWN;
				return 0;
			}
			if (fo & 1)
				m->frag = PKT_FRAG_FIRST;
			off += 8;
		} else {
			off += (x[1] + 1) * 8;
		}
		nh = x[0];
	}
	return parse_l4(ctx, k, m, off & CT_OFF_MASK, nh);
}

/* Fill key and meta; -1: not an IP packet the test takes. */
static __always_inline int parse(struct xdp_md *ctx, struct fwctl_key *k, struct pkt_meta *m)
{
	__u32 len = ctx->data_end - ctx->data;
	__u8 *eth = at(ctx, 0, 14);

	__builtin_memset(k, 0, sizeof(*k));
	__builtin_memset(m, 0, sizeof(*m));
	if (!eth)
		return -1;
	k->w[FWCTL_DIM_IN] = test_dir;
	if (eth[12] == 0x08 && eth[13] == 0x00)
		return parse_v4(ctx, k, m, len);
	if (eth[12] == 0x86 && eth[13] == 0xdd)
		return parse_v6(ctx, k, m, len);
	return -1;
}

static __always_inline void count_rule(__u32 rule_id)
{
	__u64 *n = bpf_map_lookup_elem(&test_rule_pkts, &rule_id);

	if (n)
		__sync_fetch_and_add(n, 1);
}

/* The current generation's serials, as the datapath will get them. */
static __always_inline void gen_get(struct ct_gen *g)
{
	struct fwctl_cell *c;
	__u32 zero = 0;
	void *cells;

	g->serial_cell = 0;
	g->serial_ids = 0;
	cells = bpf_map_lookup_elem(&test_tables, &zero);
	if (!cells)
		return;
	c = bpf_map_lookup_elem(cells, &zero);
	if (!c)
		return;
	ct_gen_from(cells, &c->hdr, g);
}

/* The flow lookup on the current test generation, as a global function
 * of its own: the verifier checks it once, not on every path to it. */
__noinline int ct_lookup_current(struct xdp_md *ctx, const struct fwctl_key *k,
				 const struct pkt_meta *m, struct ct_io *io)
{
	struct ct_gen g;

	if (!ctx || !k || !m || !io)
		return CT_MISS;
	gen_get(&g);
	return g.serial_cell ? ct_lookup_gen(ctx, k, m, io, &g) : CT_MISS;
}

/*
 * First match in test_rules; a stateful rule only if the packet can start
 * a flow (start: ct_can_start(), computed once, not in the loop).
 */
static __always_inline __u32 classify(const struct fwctl_key *k, bool start,
				      struct test_rule *hit)
{
	struct test_rule *r;
	__u32 i;

	for (i = 0; i < TEST_RULES; i++) {
		r = bpf_map_lookup_elem(&test_rules, &i);
		if (!r || !r->rule_id)
			break;
		if (r->proto != TEST_ANY && r->proto != k->w[FWCTL_DIM_PROTO])
			continue;
		if (r->dport && (k->w[FWCTL_DIM_FRAG] || r->dport != k->w[FWCTL_DIM_DPORT]))
			continue;
		if (r->in != TEST_IN_ANY && r->in != k->w[FWCTL_DIM_IN])
			continue;
		if (r->stateful && !start)
			continue;
		*hit = *r;
		return r->rule_id;
	}
	return FWCTL_NO_RULE;
}

static __always_inline int decide(__u32 how, __u32 rule_id, bool fwd,
				  const struct fwctl_key *k, const struct pkt_meta *m)
{
	struct frag_verdict v = {
		.rule_id = rule_id,
		.verdict = fwd ? FWCTL_FRAG_FORWARD : FWCTL_FRAG_DROP,
		.reason = fwd ? 0 : FWCTL_DROP_POLICY,
		.how = how,
	};

	out.how = how;
	out.rule_id = rule_id;
	if (rule_id)
		count_rule(rule_id);
	if (m->frag == PKT_FRAG_FIRST)
		frag_remember(k, m, &v);
	return fwd ? XDP_PASS : XDP_DROP;
}

SEC("xdp")
int ct_test(struct xdp_md *ctx)
{
	__u32 len = ctx->data_end - ctx->data, dir = test_dir & 1, rule_id;
	struct fwctl_frag_entry *fe;
	struct test_rule rule = {};
	struct ct_io io = { .dir = dir, .len = len };
	struct pkt_meta m;
	struct fwctl_key k;
	struct ct_gen g;
	int r;

	__builtin_memset(&out, 0, sizeof(out));
	if (parse(ctx, &k, &m)) {
		out.how = HOW_MALFORMED;
		return XDP_DROP;
	}
	fe = frag_lookup(&k, &m, false);
	if (fe) {
		out.how = HOW_FRAG;
		out.rule_id = fe->rule_id;
		out.frag_how = fe->how;
		if (fe->rule_id)
			count_rule(fe->rule_id);
		return fe->verdict == FWCTL_FRAG_FORWARD ? XDP_PASS : XDP_DROP;
	}
	gen_get(&g);
	r = g.serial_cell ? ct_lookup_current(ctx, &k, &m, &io) : CT_MISS;
	if (r != CT_MISS) {
		out.state = io.state;
		out.reply = io.reply;
		if (r == CT_HIT && io.promote)
			ct_promote(ctx, &k, &m);
		return decide(r == CT_HIT ? HOW_FLOW : HOW_RELATED, io.rule_id, true, &k, &m);
	}
	rule_id = classify(&k, ct_can_start(ctx, &k, &m), &rule);
	if (rule_id == FWCTL_NO_RULE)
		return decide(HOW_POLICY, 0, false, &k, &m);
	if (rule.action == FWCTL_ACTION_ALLOW && rule.stateful) {
		struct ct_new a = { dir, len, rule_id, ct_rule_serial(&g, rule_id) };

		out.created = !ct_create(ctx, &k, &m, &a);
	}
	return decide(HOW_RULE, rule_id, rule.action == FWCTL_ACTION_ALLOW, &k, &m);
}

SEC("xdp")
int ct_base(struct xdp_md *ctx)
{
	struct test_rule *r;
	struct pkt_meta m;
	struct fwctl_key k;
	__u32 zero = 0;

	if (parse(ctx, &k, &m))
		return XDP_DROP;
	r = bpf_map_lookup_elem(&test_rules, &zero);
	if (!r || r->proto != k.w[FWCTL_DIM_PROTO])
		return XDP_DROP;
	count_rule(r->rule_id);
	return XDP_PASS;
}
