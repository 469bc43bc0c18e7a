/* SPDX-License-Identifier: GPL-2.0 */
/*
 * frag.h - fragments follow their first fragment (stateless rules too).
 *
 * A later fragment carries no ports, so rules cannot judge it as they
 * judged its first fragment. The datapath therefore remembers, for 30 s
 * in a bounded LRU table, the datagram of every first fragment (offset 0,
 * more-fragments set) it forwarded or dropped, with the verdict and the
 * rule; a later fragment of that datagram gets the same verdict and
 * counts on the same rule. A later fragment with no remembered first
 * fragment goes through the rules as before.
 *
 * The datapath calls (key and meta from the parser, see pkt_meta.h):
 *   - for a later fragment (meta.frag == PKT_FRAG_LATER), before flows and
 *     rules: fe = frag_lookup(&key, &meta, probe); if fe, apply fe->verdict
 *     (FWCTL_FRAG_FORWARD: forward and count on fe->rule_id if not
 *     FWCTL_NO_RULE; FWCTL_FRAG_DROP: count the drop under fe->reason);
 *   - for a first fragment (meta.frag == PKT_FRAG_FIRST), once its
 *     verdict is known, whatever gave it (flow, rule, policy):
 *     frag_remember(&key, &meta, &(struct frag_verdict){ rule_id,
 *     verdict, reason, how }).
 * Both do nothing for other packets.
 */
#ifndef FWCTL_FRAG_BPF_H
#define FWCTL_FRAG_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "fwctl_common.h"
#include "fwctl_classifier.h"
#include "fwctl_conntrack.h"
#include "pkt_meta.h"
#include "conntrack_maps.h"
#include "ct_clock.h"

/* The datagram a fragment belongs to. */
static __always_inline void frag_key_of(const struct fwctl_key *k, const struct pkt_meta *m,
					struct fwctl_frag_key *fk)
{
	int i;

#pragma unroll
	for (i = 0; i < 4; i++) {
		fk->src[i] = k->w[FWCTL_DIM_SRC0 + i];
		fk->dst[i] = k->w[FWCTL_DIM_DST0 + i];
	}
	fk->id = m->frag_id;
	fk->family = k->w[FWCTL_DIM_FAMILY];
	/* IPv6: a later fragment's Next Header says nothing (RFC 8200). */
	fk->proto = fk->family == FWCTL_FAMILY_V4 ? k->w[FWCTL_DIM_PROTO] : 0;
	fk->pad = 0;
}

/*
 * A later fragment's remembered first fragment, or NULL. probe: a
 * `fwctl check` probe, which only reads (no count, an expired entry left).
 */
static __always_inline struct fwctl_frag_entry *frag_lookup(const struct fwctl_key *k,
							    const struct pkt_meta *m, bool probe)
{
	struct fwctl_frag_entry *fe;
	struct fwctl_frag_key fk;
	__u64 now;

	if (m->frag != PKT_FRAG_LATER)
		return NULL;
	frag_key_of(k, m, &fk);
	fe = bpf_map_lookup_elem(&FWCTL_MAP_FRAG, &fk);
	if (!fe)
		return NULL;
	now = ct_now();
	/* now may lag the stamp by a tick: another instance's clock made it */
	if (now > fe->seen_ns && now - fe->seen_ns > FWCTL_FRAG_TIMEOUT_NS) {
		if (!probe)
			bpf_map_delete_elem(&FWCTL_MAP_FRAG, &fk);
		return NULL;
	}
	if (!probe)
		CT_COUNT(frag_followed);
	return fe;
}

/* What a first fragment got. */
struct frag_verdict {
	__u32 rule_id;		/* the rule it counted on; FWCTL_NO_RULE: none */
	__u8 verdict;		/* enum fwctl_frag_verdict */
	__u8 reason;		/* enum fwctl_drop_reason, for drops */
	__u8 how;		/* a tag of the caller's, given back with the entry */
	__u8 pad;
};

/*
 * Remember a first fragment's verdict; nothing for other packets. A
 * global function, verified once: it runs after the classifier, whose
 * every way out would otherwise verify it again.
 */
__noinline int frag_remember(const struct fwctl_key *k, const struct pkt_meta *m,
			     const struct frag_verdict *v)
{
	struct fwctl_frag_entry fe = {};
	struct fwctl_frag_key fk;

	if (!k || !m || !v || m->frag != PKT_FRAG_FIRST)
		return 0;
	frag_key_of(k, m, &fk);
	fe.seen_ns = ct_now();
	fe.rule_id = v->rule_id;
	fe.verdict = v->verdict;
	fe.reason = v->reason;
	fe.how = v->how;
	if (bpf_map_update_elem(&FWCTL_MAP_FRAG, &fk, &fe, BPF_ANY)) {
		CT_COUNT(frag_insert_failed);
		return -1;
	}
	CT_COUNT(frag_remembered);
	return 0;
}

#endif /* FWCTL_FRAG_BPF_H */
