/* SPDX-License-Identifier: GPL-2.0 */
/*
 * trace.h - `fwctl trace` and `fwctl check` in the datapath. The datapath
 * calls verdict_observe() once per frame, at its verdict:
 *
 *	if (verdict_observe(ctx, FWCTL_DIR_COUNT, action, reason, rule_id, proto))
 *		return action;		(a fwctl check probe: count nothing)
 *	... count the frame ...
 *	return action;
 *
 * and, before creating a flow (connection tracking), skips it for
 * check_probe(ctx). Each costs one load of fwctl_trace_ctl.any_on (a global
 * variable) and a branch while no trace and no check runs. Cheaper still,
 * the datapath's body can be one always-inline function with a constant
 * flag, compiled twice, the entry choosing the copy without these calls:
 *
 *	if (observe_any())
 *		return datapath_observed(ctx);	(__noinline: datapath(ctx, true))
 *	return datapath(ctx, false);
 *
 * (bpf/fwctl.bpf.c, tests/trace/trace_dp.bpf.c). The rest is out of
 * line. A probe is answered (check.h). For each trace slot that is on, in
 * order: its filters, the slot's heartbeat (a dead reader turns the slot
 * off), its per-CPU token bucket, then a fixed-size record in its ring
 * buffer; what the bucket or a full ring refuses is counted in
 * fwctl_trace_lost.
 */
#ifndef FWCTL_TRACE_BPF_H
#define FWCTL_TRACE_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "fwctl_common.h"
#include "fwctl_trace.h"
#include "maps.h"
#include "trace_maps.h"
#include "check.h"

/* The verdict's facts, packed so that the out-of-line part takes 5 arguments. */
#define TRACE_PACK(dir, action, reason)	((dir) | (action) << 8 | (reason) << 16)
#define TRACE_DIR(p)		((p) & 0xff)
#define TRACE_ACTION(p)		(((p) >> 8) & 0xff)
#define TRACE_REASON(p)		(((p) >> 16) & 0xff)

static __always_inline __u32 trace_verdict(__u32 action)
{
	return action == XDP_REDIRECT ? FWCTL_VERDICT_FORWARD : FWCTL_VERDICT_DROP;
}

/* Does the slot want this frame? */
static __always_inline bool trace_wants(const struct fwctl_trace_slot *s, __u32 packed,
					__u32 rule_id, __u32 proto)
{
	__u32 verdict = trace_verdict(TRACE_ACTION(packed));

	if (!((s->reasons[verdict & 1] >> (TRACE_REASON(packed) & 31)) & 1))
		return false;
	if (!((s->dirs >> (TRACE_DIR(packed) & 31)) & 1))
		return false;
	if (s->rule_id != FWCTL_TRACE_ANY && s->rule_id != rule_id)
		return false;
	return s->proto == FWCTL_TRACE_ANY || s->proto == proto;
}

/*
 * Token bucket of this CPU: credit grows with time up to one second's
 * worth, each record takes cost_ns of it. A fresh (zeroed) bucket is full.
 */
static __always_inline bool trace_rate_ok(__u32 slot, __u64 cost_ns, __u64 now)
{
	struct fwctl_trace_bucket *b = bpf_map_lookup_elem(&FWCTL_MAP_TRACE_RATE, &slot);
	__u64 credit;
	__s64 elapsed;

	if (!b)
		return false;
	if (!cost_ns)
		return true;
	elapsed = now - b->last_ns;
	credit = b->credit_ns + (elapsed > 0 ? elapsed : 0);
	if (credit > FWCTL_TRACE_BURST_NS)
		credit = FWCTL_TRACE_BURST_NS;
	b->last_ns = now;
	if (credit < cost_ns) {
		b->credit_ns = credit;
		return false;
	}
	b->credit_ns = credit - cost_ns;
	return true;
}

static __always_inline void trace_lost(__u32 slot, bool ring_full)
{
	struct fwctl_trace_lost *l = bpf_map_lookup_elem(&FWCTL_MAP_TRACE_LOST, &slot);

	if (!l)
		return;
	if (ring_full)
		l->ring_full++;
	else
		l->rate_limit++;
}

/*
 * Reserve a record of rec_size bytes (a constant: level 1 or level 2) in
 * ring and fill it with the header and the first bytes of the frame.
 * Returns false when the ring is full.
 */
static __always_inline bool trace_record(struct xdp_md *ctx, void *ring, __u32 rec_size,
					 __u32 slot, __u32 packed, __u32 rule_id, __u32 proto)
{
	const __u64 snap = rec_size - sizeof(struct fwctl_trace_rec);
	struct fwctl_trace_rec *r;
	__u64 len, n;

	r = bpf_ringbuf_reserve(ring, rec_size, 0);
	if (!r)
		return false;
	len = bpf_xdp_get_buff_len(ctx);
	n = len < snap ? len : snap;
	/* Keep the bound in the register the helper gets (clang may copy it). */
	asm volatile("" : "+r"(n));
	if (n < 1 || n > snap || bpf_xdp_load_bytes(ctx, 0, r->data, n))
		n = 0;
	r->ts_ns = bpf_ktime_get_ns();	/* precise: records are few */
	r->ifindex = ctx->ingress_ifindex;
	r->rule_id = rule_id;
	r->len = len;
	r->caplen = n;
	r->proto = proto;
	r->dir = TRACE_DIR(packed);
	r->verdict = trace_verdict(TRACE_ACTION(packed));
	r->reason = TRACE_REASON(packed);
	r->action = TRACE_ACTION(packed);
	r->slot = slot;
	r->pad = 0;
	bpf_ringbuf_submit(r, 0);
	return true;
}

/*
 * A slot whose filter does not want a frame is still checked for a dead
 * reader by the frames of one jiffy in 64 (64 to 640 ms apart): so that a
 * dead trace with a narrow filter goes off too, without reading a clock for
 * every frame (jiffies are a load; the coarse clock ~15 ns, random ~15 ns).
 */
#define TRACE_STALE_SAMPLE_MASK	63

/*
 * One slot's work for a frame. *now: the coarse monotonic clock (enough
 * for heartbeats and the rate limit, and half the price of the precise
 * one), read at most once per frame, 0 until then.
 */
static __always_inline void trace_slot(struct xdp_md *ctx, struct fwctl_trace_ctl *c, __u32 i,
				       __u64 *now, __u32 packed, __u32 rule_id, __u32 proto)
{
	struct fwctl_trace_slot *s = &c->slot[i];
	bool wants = trace_wants(s, packed, rule_id, proto), ok;
	void *ring;

	if (!wants && (bpf_jiffies64() & TRACE_STALE_SAMPLE_MASK))
		return;
	if (!*now)
		*now = bpf_ktime_get_coarse_ns();
	/* The reader stopped refreshing its heartbeat (killed): off for good. */
	if ((__s64)(*now - s->heartbeat_ns) > (__s64)FWCTL_TRACE_STALE_NS) {
		c->on[i] = 0;
		return;
	}
	if (!wants)
		return;
	if (!trace_rate_ok(i, s->cost_ns, *now)) {
		trace_lost(i, false);
		return;
	}
	ring = bpf_map_lookup_elem(&FWCTL_MAP_TRACE_RINGS, &i);
	if (!ring)
		ok = false;	/* only while the slot is being set up or torn down */
	else if (s->snaplen > FWCTL_TRACE_SNAP_L1)
		ok = trace_record(ctx, ring, FWCTL_TRACE_REC_L2, i, packed, rule_id, proto);
	else
		ok = trace_record(ctx, ring, FWCTL_TRACE_REC_L1, i, packed, rule_id, proto);
	if (!ok)
		trace_lost(i, true);
}

/*
 * Out of line: the hot path keeps its registers while nothing runs. A
 * global function: the verifier checks it once, not at each of the
 * datapath's verdicts. Returns 1 for a probe (answered), 0 for a real
 * frame (traced if wanted).
 */
__noinline int observe_slow(struct xdp_md *ctx, __u32 packed, __u32 rule_id, __u32 proto)
{
	struct fwctl_trace_ctl *c = &FWCTL_MAP_TRACE_CTL;
	struct fwctl_check_meta *m;
	struct fwctl_config *cfg;
	__u64 now = 0;
	__u32 i, key = 0;

	if (!ctx)
		return 0;
	m = check_meta(ctx);

	/* The caller left the direction to us: from the arriving interface. */
	if (TRACE_DIR(packed) >= FWCTL_DIR_COUNT) {
		cfg = bpf_map_lookup_elem(&FWCTL_MAP_CONFIG, &key);
		packed = (packed & ~0xffu) |
			 (cfg ? fwctl_dir_of(cfg, ctx->ingress_ifindex) : FWCTL_DIR_IN_TO_OUT);
	}
	if (m) {
		check_answer(m, ctx, TRACE_DIR(packed), TRACE_ACTION(packed), TRACE_REASON(packed),
			     rule_id);
		return 1;
	}
	for (i = 0; i < FWCTL_TRACE_SLOTS; i++)
		if (c->on[i])
			trace_slot(ctx, c, i, &now, packed, rule_id, proto);
	return 0;
}

/* Is anything running (a trace, a check)? The hot path's one load. */
static __always_inline bool observe_any(void)
{
	return *(volatile __u64 *)&FWCTL_MAP_TRACE_CTL.any_on != 0;
}

/*
 * The one call at each verdict. dir: enum fwctl_dir of the arriving
 * interface, or FWCTL_DIR_COUNT to have it looked up (from the config, by
 * ingress interface) only when something runs: nothing to compute on the
 * hot path; action: the XDP action about to be returned (XDP_REDIRECT is
 * a forward, anything else a drop); reason: the drop's enum
 * fwctl_drop_reason, or the forward's enum fwctl_fwd_reason; rule_id: the
 * rule that decided or FWCTL_NO_RULE; proto: the IP protocol (what --proto
 * matches: pass IPPROTO_ICMPV6 for Neighbor Discovery if it is known), or
 * FWCTL_TRACE_PROTO_NONE for a frame that is not IP.
 *
 * Returns true for a `fwctl check` probe, whose answer it has written: the
 * caller then returns action without counting anything. Otherwise the frame
 * is traced if a trace wants it, and the caller counts it.
 */
static __always_inline bool verdict_observe(struct xdp_md *ctx, __u32 dir, __u32 action,
					    __u32 reason, __u32 rule_id, __u32 proto)
{
	if (!observe_any())
		return false;
	return observe_slow(ctx, TRACE_PACK(dir, action, reason), rule_id, proto);
}

/*
 * Is this frame a `fwctl check` probe? For what happens before the verdict
 * and must not for a probe (creating a flow). One load while nothing runs.
 */
static __always_inline bool check_probe(struct xdp_md *ctx)
{
	return observe_any() && check_meta(ctx);
}

#endif /* FWCTL_TRACE_BPF_H */
