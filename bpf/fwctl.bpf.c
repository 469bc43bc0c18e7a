// SPDX-License-Identifier: GPL-2.0
/*
 * fwctl.bpf.c - the XDP datapath: a transparent filter between two
 * interfaces. Each frame is parsed; valid ARP/ND passes, malformed frames
 * are dropped, every other IP packet is classified against the current
 * rule-set generation (the first rule in list order that matches decides:
 * allow forwards, deny drops) and the policy decides the rest. Forwarded
 * frames are redirected unchanged to the peer interface. Every frame is
 * counted once, under its verdict: forwarded, or dropped by reason
 * (received is their sum); a frame a rule decided counts on that rule too.
 * While a trace or a check runs, each verdict is shown to it first
 * (bpf/trace.h); a `fwctl check` probe counts nothing.
 *
 * Connection and fragment tracking (docs/conntrack.md): a later fragment
 * of a remembered datagram gets its first fragment's verdict; a packet of
 * a live flow (or an ICMP error about one) is forwarded before any rule,
 * looked up only when the generation has stateful rules; a stateful allow
 * rule creates the flow of a packet that can start one; every first
 * fragment's verdict is remembered.
 *
 * Read top to bottom against the numbered spec in README.md ("Datapath").
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "fwctl_common.h"
#include "fwctl_classifier.h"
#include "maps.h"
#include "parse.h"
#include "classify.h"
#include "trace.h"
#include "pkt_meta.h"
/* Flows read a banked generation's serials from its bank, as the walk reads its cells. */
#define CT_SERIAL_BANK			FWCTL_MAP_BANKS
#include "conntrack.h"
#include "frag.h"

char LICENSE[] SEC("license") = "GPL";

/*
 * Direction of every frame this instance sees, set by the loader before
 * load: each interface gets its own instance, so the direction is known at
 * load time and the hot path needs no config lookup for it.
 * FWCTL_DIR_COUNT (the default, as in tests that run one instance for both
 * interfaces) means: compare the ingress ifindex with the config instead.
 */
const volatile __u32 instance_dir = FWCTL_DIR_COUNT;

/* The direction of a frame: fixed per instance, else from the config. */
static __always_inline __u32 frame_dir(struct xdp_md *ctx)
{
	struct fwctl_config *cfg;
	__u64 diff;
	__u32 key = 0;

	if (instance_dir < FWCTL_DIR_COUNT)
		return instance_dir;
	cfg = bpf_map_lookup_elem(&FWCTL_MAP_CONFIG, &key);
	if (!cfg)
		return FWCTL_DIR_IN_TO_OUT;
	/* fwctl_dir_of() without a branch: two constant directions would have
	 * the verifier walk the whole program twice, past its 1M limit. */
	diff = ctx->ingress_ifindex ^ cfg->ifindex[FWCTL_DIR_OUT_TO_IN];
	asm volatile("" : "+r"(diff));
	return (diff - 1) >> 63;	/* 1 when equal: 0 - 1 borrows */
}

static __always_inline int count_drop(struct fwctl_dir_stats *st, __u32 reason, __u32 len)
{
	if (reason < FWCTL_DROP_REASON_COUNT) {
		st->drop_packets[reason]++;
		st->drop_bytes[reason] += len;
	}
	return XDP_DROP;
}

static __always_inline void count_rule(__u32 rule_id, __u32 len)
{
	struct fwctl_rule_stats *rs = fwctl_rule_counters(rule_id);

	if (rs) {
		rs->packets++;
		rs->bytes += len;
	}
}

/*
 * Every verdict ends here or in forward(). obs is a constant: true in the
 * copy of the datapath that runs while a trace or a check does, which
 * shows the frame to them first; a `fwctl check` probe counts nothing.
 * A frame a deny rule dropped counts on its rule too.
 */
static __always_inline int drop(struct xdp_md *ctx, struct fwctl_dir_stats *st, __u32 dir,
				__u32 reason, __u32 rule_id, __u32 proto, __u32 len, const bool obs)
{
	if (obs && verdict_observe(ctx, dir, XDP_DROP, reason, rule_id, proto))
		return XDP_DROP;
	if (reason == FWCTL_DROP_RULE)
		count_rule(rule_id, len);
	return count_drop(st, reason, len);
}

/*
 * Redirect to the peer interface; counted as forwarded for the reason
 * given (enum fwctl_fwd_reason), or as a redirect error. Forwarded by an
 * allow rule (or a flow, or a first fragment's verdict), it counts on that
 * rule: a redirect error is not the rule's doing (the trace still names
 * the rule).
 */
static __always_inline int forward(struct xdp_md *ctx, struct fwctl_dir_stats *st, __u32 dir,
				   __u32 reason, __u32 rule_id, __u32 proto, __u32 len,
				   const bool obs)
{
	/* The low bits of flags are the action when the devmap entry is missing. */
	if (bpf_redirect_map(&FWCTL_MAP_DEVMAP, ctx->ingress_ifindex, XDP_ABORTED) != XDP_REDIRECT)
		return drop(ctx, st, dir, FWCTL_DROP_REDIRECT_ERROR, rule_id, proto, len, obs);
	if (obs && verdict_observe(ctx, dir, XDP_REDIRECT, reason, rule_id, proto))
		return XDP_REDIRECT;
	if (reason < FWCTL_FWD_REASON_COUNT) {
		st->fwd_reason_packets[reason]++;
		st->fwd_reason_bytes[reason] += len;
	}
	if (rule_id != FWCTL_NO_RULE)
		count_rule(rule_id, len);
	return XDP_REDIRECT;
}

/* What the first matching rule says: allow forwards, deny drops (reason "rule"). */
static __always_inline int act_on_rule(struct xdp_md *ctx, struct fwctl_dir_stats *st, __u32 dir,
				       const struct fwctl_match *m, __u32 proto, __u32 len,
				       const bool obs)
{
	if (m->action == FWCTL_ACTION_DENY)
		return drop(ctx, st, dir, FWCTL_DROP_RULE, m->rule_id, proto, len, obs);
	return forward(ctx, st, dir, FWCTL_FWD_RULE, m->rule_id, proto, len, obs);
}

/* The current generation's policy: drop when there is none yet. */
static __always_inline __u32 current_policy(void)
{
	const struct fwctl_cell *c;
	void *gen = fwctl_current_generation();

	if (!gen)
		return FWCTL_POLICY_DROP;
	c = fwctl_cell_at(gen, 0);
	return c && c->hdr.kind == FWCTL_CELL_HDR ? c->hdr.policy : FWCTL_POLICY_DROP;
}

/*
 * The protocol a trace's --proto matches: the IP protocol of an IP packet
 * (Neighbor Discovery included), none for ARP, unknown ethertypes and
 * malformed frames.
 */
static __always_inline __u32 trace_proto(__u64 info)
{
	__u8 kind = PKT_KIND(info);

	if (kind == PKT_L4 || kind == PKT_FRAGMENT || (kind == PKT_ARP_ND && PKT_PROTO(info)))
		return PKT_PROTO(info);
	return FWCTL_TRACE_PROTO_NONE;
}

/*
 * Every frame no rule decided: valid ARP/ND passes, malformed never does,
 * the rest goes by the policy (policy < 0: not known yet, read it here).
 */
static __always_inline int unmatched(struct xdp_md *ctx, __u32 dir, __u8 kind, int policy,
				     __u32 proto, __u32 len, const bool obs)
{
	struct fwctl_dir_stats *st = bpf_map_lookup_elem(&FWCTL_MAP_DIR_STATS, &dir);

	if (!st)
		return XDP_DROP;	/* cannot happen: dir < FWCTL_DIR_COUNT */
	switch (kind) {
	case PKT_ARP_ND:
		break;
	case PKT_MALFORMED:
		return drop(ctx, st, dir, FWCTL_DROP_MALFORMED, FWCTL_NO_RULE, proto, len, obs);
	default:
		if (policy < 0)
			policy = current_policy();
		if (policy == FWCTL_POLICY_ACCEPT)
			break;
		return drop(ctx, st, dir, kind == PKT_FRAGMENT ? FWCTL_DROP_FRAGMENT :
			    kind == PKT_OTHER_ETHERTYPE ? FWCTL_DROP_UNKNOWN_ETHERTYPE :
			    FWCTL_DROP_POLICY, FWCTL_NO_RULE, proto, len, obs);
	}
	return forward(ctx, st, dir, kind == PKT_ARP_ND ? FWCTL_FWD_ARP_ND : FWCTL_FWD_POLICY,
		       FWCTL_NO_RULE, proto, len, obs);
}

/* Out of line, to keep the hot path's registers: one copy per obs. */
static __noinline int verdict_unmatched(struct xdp_md *ctx, __u32 dir, __u8 kind, int policy,
					__u32 len)
{
	return unmatched(ctx, dir, kind, policy, FWCTL_TRACE_PROTO_NONE, len, false);
}

/* The same, observed; kind_proto: the kind | the trace's protocol << 8. */
static __noinline int verdict_unmatched_observed(struct xdp_md *ctx, __u32 dir, __u32 kind_proto,
						 int policy, __u32 len)
{
	return unmatched(ctx, dir, kind_proto & 0xff, policy, kind_proto >> 8, len, true);
}

static __always_inline int verdict_unmatched_by(struct xdp_md *ctx, __u32 dir, __u64 info,
						int policy, __u32 len, const bool obs)
{
	if (obs)
		return verdict_unmatched_observed(ctx, dir, PKT_KIND(info) | trace_proto(info) << 8,
						  policy, len);
	return verdict_unmatched(ctx, dir, PKT_KIND(info), policy, len);
}

/*
 * The classifier's key of an IP packet the parser accepted (kind PKT_L4 or
 * PKT_FRAGMENT): addresses from the IP header after PKT_VLANS(info) tags,
 * the rest from info. 1 if the headers are not where the parser said
 * (cannot happen; it convinces the verifier).
 */
static __always_inline int build_key(void *data, void *data_end, __u64 info, __u32 dir,
				     struct fwctl_key *k, struct pkt_meta *meta, bool slow)
{
	void *l3 = data + sizeof(struct ethhdr) + (PKT_VLANS(info) & 3) * sizeof(struct vlan_hdr);
	int i;

	__builtin_memset(k, 0, sizeof(*k));
	if (PKT_FAMILY(info) == FWCTL_FAMILY_V4) {
		struct iphdr *ip = l3;

		if (PAST(ip, sizeof(*ip), data_end))
			return 1;
		k->w[FWCTL_DIM_SRC0] = bpf_ntohl(ip->saddr);
		k->w[FWCTL_DIM_DST0] = bpf_ntohl(ip->daddr);
		/* parse_fast() takes first fragments too, and leaves meta to us */
		if (!slow && (ip->frag_off & bpf_htons(IP_MF)))
			meta->frag = PKT_FRAG_FIRST;
	} else {
		struct ipv6hdr *ip6 = l3;

		if (PAST(ip6, sizeof(*ip6), data_end))
			return 1;
#pragma unroll
		for (i = 0; i < 4; i++) {
			k->w[FWCTL_DIM_SRC0 + i] = bpf_ntohl(ip6->saddr.in6_u.u6_addr32[i]);
			k->w[FWCTL_DIM_DST0 + i] = bpf_ntohl(ip6->daddr.in6_u.u6_addr32[i]);
		}
		k->w[FWCTL_DIM_FAMILY] = FWCTL_FAMILY_V6;
	}
	k->w[FWCTL_DIM_SPORT] = PKT_SPORT(info);
	k->w[FWCTL_DIM_DPORT] = PKT_DPORT(info);
	k->w[FWCTL_DIM_PROTO] = PKT_PROTO(info);
	k->w[FWCTL_DIM_IN] = dir;
	k->w[FWCTL_DIM_FRAG] = PKT_KIND(info) == PKT_FRAGMENT;
	return 0;
}

/*
 * FWCTL_NO_CT (bench/unit/fwctl_noct.bpf.c): the datapath without its
 * connection-tracking code (lookups, creation, moves), to measure what
 * tracking costs a rule set without `stateful` rules (issue 12: nothing).
 * Loaded only with such sets.
 */
#ifdef FWCTL_NO_CT
#define CT_CODE	0
#else
#define CT_CODE	1
#endif

/* What classify_pkt() decided: enum fwctl_classify_status, or a flow. */
#define DEC_FLOW	(FWCTL_CLASSIFY_NO_TABLE + 1)	/* a packet of a live flow */
#define DEC_RELATED	(FWCTL_CLASSIFY_NO_TABLE + 2)	/* an ICMP error about one */

/* In and out of classify_pkt(). */
struct classify_io {
	struct fwctl_match m;	/* out: the rule (flows: m.rule_id, the flow's) */
	__u32 dir;		/* in: enum fwctl_dir */
	__u32 len;		/* in: frame bytes */
	__u32 serial;		/* out: a stateful rule's serial (0: none), set
				 * only when m.action is FWCTL_ACTION_ALLOW_STATEFUL */
	__u16 fast;		/* in: parse_fast()'s packet, meta left to pkt_meta_fast() */
	__u16 probe;		/* in: a `fwctl check` probe: flows are only read */
	__u32 promote;		/* out: DEC_FLOW of a flow to move (ct_promote()) */
	__u64 info;		/* in: the parser's result */
	union {			/* here, off the frames (512 bytes for all) */
#ifndef FWCTL_NO_CT
		struct ct_io ct;	/* classify_pkt()'s own */
		struct ct_new new;	/* then ct_create()'s */
#endif
		struct frag_verdict fv;	/* then frag_remember()'s */
	};
};

/*
 * The datapath's biggest locals. The plain copy keeps them on its stack;
 * the observed one in a per-CPU slot: its frame sits on top of the plain
 * copy's (inline in fwctl_xdp, off a call on the hot path) in the 512
 * bytes BPF allows. XDP runs with bottom halves off (BPF_PROG_TEST_RUN
 * too): one frame at a time per CPU.
 */
struct dp_locals {
	struct fwctl_key key;
	struct classify_io io;
	struct pkt_meta meta;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct dp_locals);
} fwctl_dp_locals SEC(".maps");

/*
 * Flows, then the walk over the current generation, as a global function:
 * the verifier checks it once, on its own, rather than at every call site
 * (inlined twice it exceeds the verifier's budget). A generation without
 * stateful rules cannot have a live flow: for it, tracking costs the one
 * compare of its serial cell. The flow look-up is inline here, against
 * the generation the walk uses (a call fewer on an established flow's
 * path; the verifier walks it with this function, once). Returns an enum
 * fwctl_classify_status, or DEC_FLOW / DEC_RELATED; io->m.policy is the
 * generation's policy when no rule matched. Small sets have their header from their bank (no
 * lookup in the generation unless the policy is needed).
 */
__noinline int classify_pkt(struct xdp_md *ctx, struct fwctl_key *key,
			    struct pkt_meta *meta, struct classify_io *io)
{
#ifndef FWCTL_NO_CT
	struct ct_io *cio = &io->ct;
#endif
	const struct fwctl_table_hdr *h;
	struct ct_gen g;
	bool banked;
	void *gen;
	int r;

	if (!ctx || !key || !meta || !io)	/* ctx: used, even built without tracking */
		return FWCTL_CLASSIFY_NO_TABLE;
	io->m.policy = FWCTL_POLICY_DROP;
	gen = fwctl_current_generation();
	if (!gen)
		return FWCTL_CLASSIFY_NO_TABLE;
	h = fwctl_gen_hdr(gen, &banked);
#ifndef FWCTL_NO_CT
	if (h && FWCTL_CT_SERIAL_CELL(h)) {
		if (io->fast && !meta->l3_end)	/* parse_fast() left it to us */
			pkt_meta_fast((void *)(long)ctx->data, (void *)(long)ctx->data_end,
				      io->info, meta);
		cio->dir = io->dir;
		cio->len = io->len;
		cio->probe = io->probe;
		ct_gen_from_bank(gen, h, banked, &g);
		r = ct_lookup_gen(ctx, key, meta, cio, &g);
		if (r != CT_MISS) {
			io->m.rule_id = cio->rule_id;
			io->promote = cio->promote;
			return r == CT_HIT ? DEC_FLOW : DEC_RELATED;
		}
		/* Stateful boxes hold only keys with this set. */
		key->w[FWCTL_DIM_START] = ct_can_start(ctx, key, meta);
	}
#endif
	r = fwctl_classify_walk(gen, h, banked, key, &io->m);
	if (CT_CODE && r == FWCTL_CLASSIFY_MATCH && io->m.action == FWCTL_ACTION_ALLOW_STATEFUL &&
	    h) {
		ct_gen_from_bank(gen, h, banked, &g);
		io->serial = ct_rule_serial(&g, io->m.rule_id);
	}
	return r;
}

/*
 * classify_pkt()'s common case, inline in the plain fast path: a banked
 * generation without stateful rules (the reference rules) needs no flow
 * lookup, and the call costs a return (a mispredicted one under this
 * CPU's Safe RET mitigation). FWCTL_CLASSIFY_OTHER: any other set, for
 * classify_pkt().
 */
static __always_inline int classify_banked(const struct fwctl_key *key, struct classify_io *io)
{
	void *gen = fwctl_current_generation();

	if (!gen)
		return FWCTL_CLASSIFY_OTHER;
	io->serial = 0;	/* read after a stateful match only, which the full walk fills */
	return fwctl_classify_inline(gen, key, &io->m);
}

/*
 * A later fragment whose first fragment was remembered: the same verdict,
 * counted on the same rule and under the same reason; -1 for any other
 * packet. A global function: its key copies stay out of the hot path's
 * registers. obs: as datapath()'s, at run time (this is off the hot path).
 */
__noinline int follow_first(struct xdp_md *ctx, const struct fwctl_key *key,
			    const struct pkt_meta *meta, __u32 dir, __u32 obs)
{
	struct fwctl_frag_entry *fe;
	struct fwctl_dir_stats *st;
	__u32 proto, len;

	if (!ctx || !key || !meta)
		return -1;
	len = ctx->data_end - ctx->data;
	fe = frag_lookup(key, meta, obs && check_probe(ctx));
	if (!fe)
		return -1;
	st = bpf_map_lookup_elem(&FWCTL_MAP_DIR_STATS, &dir);
	if (!st)
		return XDP_DROP;	/* cannot happen: dir < FWCTL_DIR_COUNT */
	proto = key->w[FWCTL_DIM_PROTO];
	if (fe->verdict == FWCTL_FRAG_FORWARD)
		return forward(ctx, st, dir, fe->how, fe->rule_id, proto, len, obs);
	return drop(ctx, st, dir, fe->reason, fe->rule_id, proto, len, obs);
}

/* Remember what a first fragment got (r: classify_pkt()'s answer). */
static __always_inline void remember_first(const struct fwctl_key *key,
					   const struct pkt_meta *meta, int r,
					   struct classify_io *io)
{
	struct frag_verdict *v = &io->fv;
	const struct fwctl_match *m = &io->m;

	*v = (struct frag_verdict){ .rule_id = m->rule_id, .verdict = FWCTL_FRAG_FORWARD };
	if (r == DEC_FLOW || r == DEC_RELATED) {
		v->how = r == DEC_FLOW ? FWCTL_FWD_FLOW : FWCTL_FWD_RELATED;
	} else if (r == FWCTL_CLASSIFY_MATCH) {
		v->how = FWCTL_FWD_RULE;
		if (m->action == FWCTL_ACTION_DENY) {
			v->verdict = FWCTL_FRAG_DROP;
			v->reason = FWCTL_DROP_RULE;
		}
	} else {
		v->rule_id = FWCTL_NO_RULE;
		v->how = FWCTL_FWD_POLICY;
		if (m->policy != FWCTL_POLICY_ACCEPT) {
			v->verdict = FWCTL_FRAG_DROP;
			v->reason = FWCTL_DROP_POLICY;
		}
	}
	frag_remember(key, meta, v);
}

/*
 * An IP packet: its first fragment's verdict if it is a later fragment of
 * a remembered one, else its flow's, else the first rule that matches it,
 * else the policy. slow: it came through parse_slow() (constant).
 */
static __always_inline int classify_ip(struct xdp_md *ctx, void *data, void *data_end,
				       __u64 info, __u32 dir, __u32 len, struct dp_locals *l,
				       const bool slow, const bool obs)
{
	struct fwctl_key *key = &l->key;
	struct pkt_meta *meta = &l->meta;
	struct classify_io *io = &l->io;
	struct fwctl_dir_stats *st;
	int r, verdict;

	if (build_key(data, data_end, info, dir, key, meta, slow))
		return verdict_unmatched_by(ctx, dir, info, FWCTL_POLICY_DROP, len, obs);
	if (slow && meta->frag == PKT_FRAG_LATER) {
		verdict = follow_first(ctx, key, meta, dir, obs);
		if (verdict >= 0)
			return verdict;
	}
	io->dir = dir;
	io->len = len;
	io->info = info;
	r = FWCTL_CLASSIFY_OTHER;
	if (!slow && !obs) {
		r = classify_banked(key, io);
		/* Read these back from io rather than keep them in registers
		 * over the inline walk: their spills would take stack the
		 * observed copy's calls need. */
		asm volatile("" ::: "memory");
		dir = io->dir;
		len = io->len;
		info = io->info;
	}
	if (r == FWCTL_CLASSIFY_OTHER) {
		io->fast = !slow;
		io->probe = obs && check_probe(ctx);
		r = classify_pkt(ctx, key, meta, io);
	}
	if (r == FWCTL_CLASSIFY_MATCH) {
		st = bpf_map_lookup_elem(&FWCTL_MAP_DIR_STATS, &dir);
		if (!st)
			return XDP_DROP;	/* cannot happen: dir < FWCTL_DIR_COUNT */
		verdict = act_on_rule(ctx, st, dir, &io->m, PKT_PROTO(info), len, obs);
		/* A probe of `fwctl check` creates nothing. */
#ifndef FWCTL_NO_CT
		if (verdict == XDP_REDIRECT && io->m.action == FWCTL_ACTION_ALLOW_STATEFUL &&
		    !(obs && check_probe(ctx))) {
			io->new = (struct ct_new){ dir, len, io->m.rule_id, io->serial };
			ct_create(ctx, key, meta, &io->new);
		}
#endif
	} else if (r == DEC_FLOW || r == DEC_RELATED) {
		st = bpf_map_lookup_elem(&FWCTL_MAP_DIR_STATS, &dir);
		if (!st)
			return XDP_DROP;	/* cannot happen: dir < FWCTL_DIR_COUNT */
		if (CT_CODE && r == DEC_FLOW && io->promote)
			ct_promote(ctx, key, meta);	/* established for good: move it */
		verdict = forward(ctx, st, dir, r == DEC_FLOW ? FWCTL_FWD_FLOW : FWCTL_FWD_RELATED,
				  io->m.rule_id, PKT_PROTO(info), len, obs);
	} else {
		verdict = verdict_unmatched_by(ctx, dir, info, io->m.policy, len, obs);
	}
	if (meta->frag == PKT_FRAG_FIRST && !(obs && check_probe(ctx))) {
		if (!slow && !meta->l3_end)
			pkt_meta_fast((void *)(long)ctx->data, (void *)(long)ctx->data_end, info,
				      meta);
		remember_first(key, meta, r, io);
	}
	return verdict;
}

/*
 * The full header walk, as a global function: the verifier checks it once,
 * on its own (inline, its VLAN and extension-header paths times the rest of
 * the program took 761,000 of the 1,000,000 instructions it allows; out of
 * line the whole program takes 382,000, leaving room for tracing and flows).
 */
__noinline __u64 parse_slow(struct xdp_md *ctx, struct pkt_meta *meta)
{
	if (!ctx || !meta)
		return PKT_MALFORMED;
	return parse_frame((void *)(long)ctx->data, (void *)(long)ctx->data_end, meta);
}

/*
 * The datapath, compiled twice: obs is a constant (see drop()). The copy
 * without it has no trace code at all.
 */
static __always_inline int datapath(struct xdp_md *ctx, const bool obs)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 len = data_end - data, dir = frame_dir(ctx);
	struct dp_locals stack_locals, *l = &stack_locals;
	__u32 zero = 0;
	__u64 info;
	__u8 kind;

	if (obs) {
		l = bpf_map_lookup_elem(&fwctl_dp_locals, &zero);
		if (!l)
			return XDP_DROP;	/* cannot happen: a one-slot array */
	}

	/* 1. The common case: TCP or UDP with plain headers, straight to the
	 * rules (meta: l3_end 0 until pkt_meta_fast() fills it, if needed).
	 * 2. Every other frame: the full header walk; the rules for IP packets
	 * that passed every header check. */
	info = parse_fast(data, data_end);
	if (info != PKT_SLOW_PATH) {
		*(__u64 *)&l->meta = 0;
		return classify_ip(ctx, data, data_end, info, dir, len, l, false, obs);
	}
	info = parse_slow(ctx, &l->meta);
	kind = PKT_KIND(info);
	if (kind != PKT_L4 && kind != PKT_FRAGMENT)
		return verdict_unmatched_by(ctx, dir, info, -1, len, obs);
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	return classify_ip(ctx, data, data_end, info, dir, len, l, true, obs);
}

#ifndef FWCTL_NO_TRACE	/* tests/trace/fwctl_notrace.bpf.c: the cost of tracing off */
/* The datapath while a trace or a check runs. */
static __noinline int datapath_observed(struct xdp_md *ctx)
{
	return datapath(ctx, true);
}
#endif

/*
 * The datapath without tracing, inline in fwctl_xdp: out of line, the call
 * cost 7 ns a packet here (bench/unit, program mode). The observed copy's
 * frame sits on top of this one's; its big locals are per CPU (struct
 * dp_locals) to keep the two, with the flow calls under them, within the
 * 512 bytes of stack BPF allows.
 */
static __always_inline int datapath_plain(struct xdp_md *ctx)
{
	return datapath(ctx, false);
}

/*
 * The one test tracing adds to the hot path: one load of a global
 * variable and a branch (bpf/trace.h). Checks (BPF_PROG_TEST_RUN with
 * probe metadata) take the observed copy too.
 */
SEC("xdp")
int fwctl_xdp(struct xdp_md *ctx)
{
#ifndef FWCTL_NO_TRACE
	if (observe_any())
		return datapath_observed(ctx);
#endif
	return datapath_plain(ctx);
}
