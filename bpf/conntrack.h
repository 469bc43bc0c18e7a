/* SPDX-License-Identifier: GPL-2.0 */
/*
 * conntrack.h - connection tracking for the datapath (layouts and the
 * model in fwctl_conntrack.h).
 *
 * The datapath calls, for every IPv4/IPv6 packet that passed the header
 * checks (key and meta filled by the parser, see pkt_meta.h), with its
 * current generation gen and header hdr (cell 0) at hand:
 *
 *   1. before any rule, if FWCTL_CT_SERIAL_CELL(hdr) (the generation has
 *      stateful rules; else skip: no flow can be alive):
 *      io = { .dir = dir, .len = len };
 *      ct_gen_from_bank(gen, hdr, banked, &g);
 *      r = ct_lookup_gen(ctx, &key, &meta, &io, &g);
 *      CT_HIT: part of a flow; CT_RELATED: an ICMP error about a flow.
 *      Either way forward it and count it on io.rule_id (the flow's own
 *      counters are already updated). CT_MISS: go on.
 *   2. once, before classifying: start = ct_can_start(ctx, &key, &meta)
 *      (TCP SYN without ACK, UDP, ICMP or ICMPv6 echo request); a
 *      stateful box matches only if start.
 *   3. when a stateful allow rule decided:
 *      ct_gen_from(gen, hdr, &g);
 *      a = { dir, len, rule_id, ct_rule_serial(&g, rule_id) };
 *      ct_create(ctx, &key, &meta, &a).
 *   4. after a CT_HIT with io.promote set (the flow got established for
 *      good): ct_promote(ctx, &key, &meta).
 *
 * ct_create and ct_promote are global functions (verified once); the rest
 * is inline, so ct_lookup_gen() belongs in a caller that is a global
 * function itself.
 *
 * Timeouts are checked on lookup: an expired or orphaned entry met by a
 * packet is deleted there; the ones no packet meets are recycled when
 * their table needs room (by the LRU in the new-flow table; in the
 * established table, a move takes an expired slot of its buckets before
 * a live one). No timer walks the tables: a sweep
 * over 262,144 entries in one callback would hold a CPU for milliseconds,
 * and user space hides expired entries from `fwctl ct list` anyway.
 */
#ifndef FWCTL_CONNTRACK_BPF_H
#define FWCTL_CONNTRACK_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "fwctl_common.h"
#include "fwctl_classifier.h"
#include "fwctl_conntrack.h"
#include "net_consts.h"
#include "pkt_meta.h"
#include "conntrack_maps.h"
#include "ct_clock.h"

/* Packet offsets are masked to this: the verifier wants bounded offsets. */
#define CT_OFF_MASK	0x3fff

#define CT_TCP_FIN	0x01
#define CT_TCP_SYN	0x02
#define CT_TCP_RST	0x04
#define CT_TCP_ACK	0x10

#define CT_ICMP_ECHO_REPLY	0
#define CT_ICMP_ECHO_REQUEST	8
#define CT_ICMPV6_ECHO_REQUEST	128
#define CT_ICMPV6_ECHO_REPLY	129

/*
 * CT_SERIAL_BANK, if defined, is the map of banks (fwctl_classifier.h,
 * "Small sets"): a banked generation's serial cells are read from there
 * too, an inlined lookup instead of a helper call into the generation (an
 * inner map).
 */

/* A generation, as far as flows care (fwctl_conntrack.h, "Rule lifetime"). */
struct ct_gen {
	void *cells;		/* the generation: an array map of struct fwctl_cell */
	__u32 serial_cell;	/* FWCTL_CT_SERIAL_CELL(hdr); 0: no stateful rule */
	/* 16 bytes: the stack of global functions is shared with their callers */
	__u32 serial_ids : 24;	/* FWCTL_CT_SERIAL_IDS(hdr), <= FWCTL_RULE_ID_SLOTS */
	__u32 bank : 8;		/* 1 + the bank of CT_SERIAL_BANK the serial cells
				 * are read from; 0: from cells */
};

enum ct_verdict {
	CT_MISS = 0,		/* no flow: classify */
	CT_HIT,			/* a packet of a flow: forward */
	CT_RELATED,		/* an ICMP error about a flow: forward */
};

/* In and out of ct_lookup_gen(). */
struct ct_io {
	__u32 dir;		/* in: enum fwctl_dir the packet arrived in */
	__u32 len;		/* in: frame bytes */
	__u32 rule_id;		/* out: the flow's rule: count the packet on it */
	__u8 state;		/* out: enum fwctl_ct_state after this packet */
	__u8 reply;		/* out: 1 if the packet went the reply way */
	__u8 probe;		/* in: a `fwctl check` probe: find, change nothing */
	__u8 promote;		/* out: the flow is now established for good: the
				 * caller moves it with ct_promote() */
};

/* g from a generation and its header (cell 0), as the caller has them. */
static __always_inline void ct_gen_from(void *cells, const struct fwctl_table_hdr *h,
					struct ct_gen *g)
{
	g->cells = cells;
	g->serial_cell = FWCTL_CT_SERIAL_CELL(h);
	g->serial_ids = FWCTL_CT_SERIAL_IDS(h);
	g->bank = 0;
}

/* The same, for a generation whose header came from its bank copy. */
static __always_inline void ct_gen_from_bank(void *cells, const struct fwctl_table_hdr *h,
					     bool banked, struct ct_gen *g)
{
	ct_gen_from(cells, h, g);
#ifdef CT_SERIAL_BANK
	if (banked)
		g->bank = 1 + (FWCTL_GEN_BANK(((struct bpf_map *)cells)->max_entries) & 1);
#else
	(void)banked;
#endif
}


/* What a packet is to the flow table. */
enum ct_echo {
	CT_ECHO_NONE = 0,
	CT_ECHO_REQUEST,
	CT_ECHO_REPLY,
};

struct ct_tuple {
	struct fwctl_ct_key key __attribute__((aligned(8)));	/* compared as u64 */
	__u8 side;		/* the key endpoint the packet comes from */
	__u8 same;		/* both endpoints equal: side tells nothing */
	__u8 echo;		/* enum ct_echo */
	__u8 tcp_flags;
};

enum ct_kind {
	CT_NONE = 0,		/* cannot belong to a flow */
	CT_FLOW,		/* tuple filled */
	CT_ICMP_ERROR,		/* an ICMP error: look at what it embeds */
};

/* [off, off + len) of the frame, or NULL past its end. */
static __always_inline __u8 *ct_bytes(struct xdp_md *ctx, __u32 off, __u32 len)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u8 *p = data + (off & CT_OFF_MASK);

	if ((void *)(p + len) > end)
		return NULL;
	return p;
}

/* Is src (with sport) the higher endpoint, in (words, port) order? */
static __always_inline int ct_src_higher(const __u32 *src, const __u32 *dst, __u16 sport,
					 __u16 dport, __u8 *same)
{
	int i;

	*same = 0;
#pragma unroll
	for (i = 0; i < 4; i++)
		if (src[i] != dst[i])
			return src[i] > dst[i];
	*same = sport == dport;
	return sport > dport;
}

/* The canonical key of a packet from (src, sport) to (dst, dport). */
static __always_inline void ct_tuple_set(struct ct_tuple *t, const __u32 *src, const __u32 *dst,
					 __u16 sport, __u16 dport, __u8 proto, __u8 family)
{
	int hi = ct_src_higher(src, dst, sport, dport, &t->same), i;

	t->side = hi;
#pragma unroll
	for (i = 0; i < 4; i++) {
		t->key.addr[0][i] = hi ? dst[i] : src[i];
		t->key.addr[1][i] = hi ? src[i] : dst[i];
	}
	t->key.port[0] = hi ? dport : sport;
	t->key.port[1] = hi ? sport : dport;
	t->key.proto = proto;
	t->key.family = family;
	t->key.pad = 0;
}

/* Echo request, reply or neither, by family and type. */
static __always_inline __u8 ct_echo_kind(__u32 family, __u32 type)
{
	if (family == FWCTL_FAMILY_V4)
		return type == CT_ICMP_ECHO_REQUEST ? CT_ECHO_REQUEST :
		       type == CT_ICMP_ECHO_REPLY ? CT_ECHO_REPLY : CT_ECHO_NONE;
	return type == CT_ICMPV6_ECHO_REQUEST ? CT_ECHO_REQUEST :
	       type == CT_ICMPV6_ECHO_REPLY ? CT_ECHO_REPLY : CT_ECHO_NONE;
}

/* The ICMP errors that carry the header of the packet they are about. */
static __always_inline bool ct_icmp_error(__u32 family, __u32 type)
{
	if (family == FWCTL_FAMILY_V4)
		return type == 3 || type == 11 || type == 12;	/* unreach, time, param */
	return type >= 1 && type <= 4;	/* unreach, too big, time, param */
}

/* ICMP (IPv4) and ICMPv6 (IPv6) only; ICMP carried by the other family is not. */
static __always_inline bool ct_is_icmp(__u32 family, __u32 proto)
{
	return family == FWCTL_FAMILY_V4 ? proto == IPPROTO_ICMP : proto == IPPROTO_ICMPV6;
}

/* The tuple of a packet, or why it has none. */
static __always_inline int ct_tuple_of(struct xdp_md *ctx, const struct fwctl_key *k,
				       const struct pkt_meta *m, struct ct_tuple *t)
{
	__u32 proto = k->w[FWCTL_DIM_PROTO], family = k->w[FWCTL_DIM_FAMILY];
	const __u32 *src = &k->w[FWCTL_DIM_SRC0], *dst = &k->w[FWCTL_DIM_DST0];
	__u16 sport = k->w[FWCTL_DIM_SPORT], dport = k->w[FWCTL_DIM_DPORT];
	__u8 *l4;

	if (k->w[FWCTL_DIM_FRAG])
		return CT_NONE;		/* no ports: frag.h follows the first fragment */
	t->echo = CT_ECHO_NONE;
	t->tcp_flags = 0;
	if (proto == IPPROTO_TCP) {
		l4 = ct_bytes(ctx, m->l4_off, 20);
		if (!l4)
			return CT_NONE;
		t->tcp_flags = l4[13];
	} else if (ct_is_icmp(family, proto)) {
		/* ICMP type in the sport word (fwctl_classifier.h) */
		t->echo = ct_echo_kind(family, sport);
		if (t->echo == CT_ECHO_NONE)
			return ct_icmp_error(family, sport) ? CT_ICMP_ERROR : CT_NONE;
		l4 = ct_bytes(ctx, m->l4_off, 8);
		if (!l4)
			return CT_NONE;
		sport = dport = (__u16)l4[4] << 8 | l4[5];	/* the identifier */
	} else if (proto != IPPROTO_UDP) {
		return CT_NONE;
	}
	ct_tuple_set(t, src, dst, sport, dport, proto, family);
	return CT_FLOW;
}

/*
 * The tuple of the packet an ICMP error embeds (its IP header and first
 * 8 bytes of L4, right after the 8-byte ICMP header). The error goes to
 * that packet's source: a different destination is no relation. IPv6
 * packets with extension headers are not followed.
 */
static __always_inline bool ct_embedded_tuple(struct xdp_md *ctx, const struct fwctl_key *k,
					      const struct pkt_meta *m, struct ct_tuple *t)
{
	__u32 off = m->l4_off + 8, l4_off, src[4] = {}, dst[4] = {}, proto, i;
	__u32 family = k->w[FWCTL_DIM_FAMILY];
	__u16 sport, dport;
	__u8 *p, *l4;

	if (family == FWCTL_FAMILY_V4) {
		p = ct_bytes(ctx, off, 20);
		if (!p || (p[0] & 0xf0) != 0x40 || (p[0] & 0x0f) < 5)
			return false;
		if (((p[6] & 0x1f) | p[7]) != 0)
			return false;	/* a non-first fragment: no ports */
		l4_off = off + (p[0] & 0x0f) * 4;
		proto = p[9];
		src[0] = (__u32)p[12] << 24 | p[13] << 16 | p[14] << 8 | p[15];
		dst[0] = (__u32)p[16] << 24 | p[17] << 16 | p[18] << 8 | p[19];
	} else {
		p = ct_bytes(ctx, off, 40);
		if (!p || (p[0] & 0xf0) != 0x60)
			return false;
		l4_off = off + 40;
		proto = p[6];
#pragma unroll
		for (i = 0; i < 4; i++) {
			src[i] = (__u32)p[8 + 4 * i] << 24 | p[9 + 4 * i] << 16 |
				 p[10 + 4 * i] << 8 | p[11 + 4 * i];
			dst[i] = (__u32)p[24 + 4 * i] << 24 | p[25 + 4 * i] << 16 |
				 p[26 + 4 * i] << 8 | p[27 + 4 * i];
		}
	}
	if (l4_off + 8 > m->l3_end)
		return false;
	l4 = ct_bytes(ctx, l4_off, 8);
	if (!l4)
		return false;
#pragma unroll
	for (i = 0; i < 4; i++)
		if (src[i] != k->w[FWCTL_DIM_DST0 + i])
			return false;
	t->tcp_flags = 0;
	t->echo = CT_ECHO_NONE;
	if (proto == IPPROTO_TCP || proto == IPPROTO_UDP) {
		sport = (__u16)l4[0] << 8 | l4[1];
		dport = (__u16)l4[2] << 8 | l4[3];
	} else if (ct_is_icmp(family, proto)) {
		t->echo = ct_echo_kind(family, l4[0]);
		if (t->echo == CT_ECHO_NONE)
			return false;
		sport = dport = (__u16)l4[4] << 8 | l4[5];
	} else {
		return false;
	}
	ct_tuple_set(t, src, dst, sport, dport, proto, family);
	return true;
}

/* Serial of rule_id in the current generation; 0: not a stateful rule of it. */
static __always_inline __u32 ct_rule_serial(const struct ct_gen *g, __u32 rule_id)
{
	struct fwctl_serial_cell *c;
	__u32 idx;

	if (!g->serial_cell || rule_id >= g->serial_ids)
		return 0;
	idx = g->serial_cell + rule_id / FWCTL_CT_SERIALS_PER_CELL;
#ifdef CT_SERIAL_BANK
	if (g->bank) {
		/* The bank holds every cell before the text, serials included;
		 * its size (attach --bank-cells, a power of two) is the map's. */
		__u32 n = ((struct bpf_map *)&CT_SERIAL_BANK)->max_entries / FWCTL_BANKS;

		idx = (g->bank - 1) * n + (idx & (n - 1));
		c = bpf_map_lookup_elem(&CT_SERIAL_BANK, &idx);
		return c ? c->serial[rule_id & (FWCTL_CT_SERIALS_PER_CELL - 1)] : 0;
	}
#endif
	c = bpf_map_lookup_elem(g->cells, &idx);
	if (!c)
		return 0;
	return c->serial[rule_id & (FWCTL_CT_SERIALS_PER_CELL - 1)];
}

static __always_inline __u32 ct_default_timeout_s(__u32 idx)
{
	switch (idx) {
	case FWCTL_CT_TO_TCP_SYN: return 60;
	case FWCTL_CT_TO_TCP_EST: return 7200;
	case FWCTL_CT_TO_TCP_CLOSING: return 10;
	case FWCTL_CT_TO_UDP_NEW: return 30;
	case FWCTL_CT_TO_UDP_REPLIED: return 180;
	default: return 30;	/* FWCTL_CT_TO_ICMP */
	}
}

static __always_inline __u64 ct_timeout_ns(__u32 idx)
{
	struct fwctl_ct_config *cfg;
	__u32 key = 0, ms = 0;

	cfg = bpf_map_lookup_elem(&FWCTL_MAP_CT_CONFIG, &key);
	if (cfg && idx < FWCTL_CT_TIMEOUTS)
		ms = cfg->timeout_ms[idx];
	if (!ms)
		return ct_default_timeout_s(idx) * 1000000000ull;
	return ms * 1000000ull;
}

/* The timeout a state has; an answered TCP handshake keeps tcp-syn until
 * it completes (and the flow leaves the new table). */
static __always_inline __u8 ct_timeout_of(__u8 proto, __u8 state, bool in_new)
{
	switch (state) {
	case FWCTL_CT_SYN:
		return FWCTL_CT_TO_TCP_SYN;
	case FWCTL_CT_ESTABLISHED:
		return in_new ? FWCTL_CT_TO_TCP_SYN : FWCTL_CT_TO_TCP_EST;
	case FWCTL_CT_CLOSING:
		return FWCTL_CT_TO_TCP_CLOSING;
	case FWCTL_CT_NEW:
		return proto == IPPROTO_UDP ? FWCTL_CT_TO_UDP_NEW : FWCTL_CT_TO_ICMP;
	default:
		return proto == IPPROTO_UDP ? FWCTL_CT_TO_UDP_REPLIED : FWCTL_CT_TO_ICMP;
	}
}

/*
 * Book an insert into the new-flow table: if it already holds max_entries
 * live entries, the LRU pushed one out to make room (counted as evicted,
 * and the live count stays).
 */
static __always_inline void ct_new_inserted(void)
{
	__u32 table = FWCTL_CT_TABLE_NEW;
	__s64 *n = bpf_map_lookup_elem(&FWCTL_MAP_CT_COUNT, &table);

	if (!n)
		return;
	if (*n >= (__s64)((struct bpf_map *)&FWCTL_MAP_CT_NEW)->max_entries)
		CT_COUNT(evicted);
	else
		__sync_fetch_and_add(n, 1);
}

/* Delete a flow from the new-flow table; booked only if it was there. */
static __always_inline bool ct_new_delete(const struct fwctl_ct_key *key)
{
	__u32 table = FWCTL_CT_TABLE_NEW;
	__s64 *n;

	if (bpf_map_delete_elem(&FWCTL_MAP_CT_NEW, key))
		return false;
	n = bpf_map_lookup_elem(&FWCTL_MAP_CT_COUNT, &table);
	if (n && *n > 0)
		__sync_fetch_and_sub(n, 1);
	return true;
}

/* --- the established table (struct fwctl_ct_slot, fwctl_conntrack.h) --- */

#define CT_READ_ONCE(x)		(*(volatile typeof(x) *)&(x))
#define CT_WRITE_ONCE(x, v)	(*(volatile typeof(x) *)&(x) = (v))
#define ct_barrier()		asm volatile("" ::: "memory")

/*
 * *p == old ? (*p = new, true) : false, atomically: BPF_CMPXCHG on a u32.
 * Spelled as bytes because clang 14 emits atomics only with -mcpu=v3,
 * which the rest of the datapath does not verify under; the kernel runs
 * the instruction whatever the object was compiled for.
 */
static __always_inline bool ct_cas32(__u32 *p, __u32 old, __u32 new)
{
	register __u64 r0 asm("r0") = old;
	register __u32 *r1 asm("r1") = p;
	register __u64 r2 asm("r2") = new;

	/* r0 = cmpxchg32(r1 + 0, r0, r2) */
	asm volatile(".byte 0xc3, 0x21, 0x00, 0x00, 0xf1, 0x00, 0x00, 0x00"
		     : "+r"(r0) : "r"(r1), "r"(r2) : "memory");
	return (__u32)r0 == old;
}

/* Mixed into the keys of fwctl_ct_config.hash_key (a map nobody wrote
 * still spreads flows): odd 64-bit constants. */
#define CT_HASH_C(i)	(0x9e3779b97f4a7c15ull * (2 * (i) + 1))

/* Where a flow goes in the established table. */
struct ct_place {
	__u32 bucket[2];	/* its two buckets (indexes of fwctl_ct_tags) */
	__u32 tag;		/* its tag there (struct fwctl_ct_tags) */
};

/*
 * The place of key: a multiply-add hash of its ten words (strongly
 * universal over the random keys), mixed so that every bit depends on
 * every word; its high half scaled to the buckets picks the first, its
 * low half the second, a third product the tag. A flow may sit in either
 * bucket: with the emptier one taken, a table of 4-slot buckets 80% full
 * pushes out ~1% of its flows, where one bucket per flow would push out
 * a tenth.
 */
static __always_inline void ct_est_place(const struct fwctl_ct_config *cfg,
					 const struct fwctl_ct_key *key, struct ct_place *p)
{
	__u32 nb = ((struct bpf_map *)&FWCTL_MAP_CT_TAGS)->max_entries;
	const __u32 *w = (const __u32 *)key;
	__u64 h = cfg->hash_key[FWCTL_CT_KEY_WORDS] ^ CT_HASH_C(FWCTL_CT_KEY_WORDS);
	int i;

#pragma unroll
	for (i = 0; i < FWCTL_CT_KEY_WORDS; i++)
		h += (__u64)w[i] * (cfg->hash_key[i] ^ CT_HASH_C(i));
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	p->bucket[0] = ((h >> 32) * nb) >> 32;
	p->bucket[1] = ((h & 0xffffffff) * nb) >> 32;
	p->tag = ((__u32)((h * 0xc4ceb9fe1a85ec53ull) >> 32) ^ (cfg->epoch * 0x9e3779b9u)) | 1;
}

static __always_inline bool ct_key_eq(const struct fwctl_ct_key *a, const struct fwctl_ct_key *b)
{
	const __u64 *x = (const __u64 *)a, *y = (const __u64 *)b;

	return !((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) | (x[3] ^ y[3]) | (x[4] ^ y[4]));
}

static __always_inline struct fwctl_ct_config *ct_config(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&FWCTL_MAP_CT_CONFIG, &zero);
}

/* The slot holding key's flow (in the current flush epoch), or NULL;
 * *idx: its index. */
static __always_inline struct fwctl_ct_slot *ct_est_find(const struct fwctl_ct_key *key,
							 __u32 *idx)
{
	struct fwctl_ct_config *cfg = ct_config();
	struct fwctl_ct_tags *tags;
	struct fwctl_ct_slot *s;
	struct ct_place p;
	__u32 epoch, seq, i;
	int b, w;

	if (!cfg)
		return NULL;
	ct_est_place(cfg, key, &p);
	epoch = cfg->epoch + 1;
#pragma unroll
	for (b = 0; b < 2; b++) {
		tags = bpf_map_lookup_elem(&FWCTL_MAP_CT_TAGS, &p.bucket[b]);
		if (!tags)
			return NULL;
#pragma unroll
		for (w = 0; w < FWCTL_CT_WAYS; w++) {
			if (tags->tag[w] != p.tag)
				continue;
			i = p.bucket[b] * FWCTL_CT_WAYS + w;
			s = bpf_map_lookup_elem(&FWCTL_MAP_CT_EST, &i);
			if (!s)
				return NULL;
			seq = CT_READ_ONCE(s->seq);
			if ((seq & 1) || s->epoch != epoch || !ct_key_eq(&s->key, key))
				continue;
			ct_barrier();
			*idx = i;
			return CT_READ_ONCE(s->seq) == seq ? s : NULL;	/* rewritten meanwhile */
		}
	}
	return NULL;
}

/* Empty slot s (index idx) if it still holds key's flow; false if it did
 * not (or another CPU is rewriting it). Its tag goes too: the bucket's
 * load (ct_bucket_load()) counts tags. */
static __always_inline bool ct_est_delete(struct fwctl_ct_slot *s, __u32 idx,
					  const struct fwctl_ct_key *key)
{
	__u32 seq = CT_READ_ONCE(s->seq), b = idx / FWCTL_CT_WAYS;
	struct fwctl_ct_tags *tags;
	bool ours;

	if ((seq & 1) || !ct_cas32(&s->seq, seq, seq + 1))
		return false;
	ours = s->epoch && ct_key_eq(&s->key, key);
	if (ours) {
		s->epoch = 0;
		tags = bpf_map_lookup_elem(&FWCTL_MAP_CT_TAGS, &b);
		if (tags)
			tags->tag[idx % FWCTL_CT_WAYS] = 0;
	}
	ct_barrier();
	CT_WRITE_ONCE(s->seq, seq + 2);
	return ours;
}

static __always_inline bool ct_delete(struct fwctl_ct_slot *s, __u32 idx,
				      const struct fwctl_ct_key *key)
{
	return s ? ct_est_delete(s, idx, key) : ct_new_delete(key);
}

/* Is flow e past its timeout at now? */
static __always_inline bool ct_expired(const struct fwctl_ct_entry *e, __u64 now)
{
	/* Each program instance keeps its own clock (ct_clock.h): the other
	 * one may have stamped the entry a tick ahead of ours. */
	return now > e->last_ns && now - e->last_ns > ct_timeout_ns(e->timeout);
}

/* s: e's slot in the established table (index idx); NULL: e is in the
 * new-flow table. */
static __always_inline bool ct_usable(struct fwctl_ct_slot *s, __u32 idx,
				      struct fwctl_ct_entry *e, const struct ct_tuple *t, __u32 dir,
				      const struct ct_gen *g, __u64 now, bool probe)
{
	bool is_orig = dir == e->orig_dir;

	if (ct_rule_serial(g, e->rule_id) != e->rule_serial) {
		if (!probe && ct_delete(s, idx, &t->key))
			CT_COUNT(rule_gone);
		return false;
	}
	if (ct_expired(e, now)) {
		if (!probe && ct_delete(s, idx, &t->key))
			CT_COUNT(expired);
		return false;
	}
	if (!t->same && (t->side == e->orig_side) != is_orig)
		return false;
	if (t->echo != CT_ECHO_NONE && t->echo != (is_orig ? CT_ECHO_REQUEST : CT_ECHO_REPLY))
		return false;
	return true;
}

/* The flow of tuple t for a packet in direction dir; *table says where.
 * probe: leave a dead or expired entry where it is. */
static __always_inline struct fwctl_ct_entry *ct_find(const struct ct_tuple *t, __u32 dir,
						      const struct ct_gen *g, __u64 now,
						      __u32 *table, bool probe)
{
	struct fwctl_ct_slot *s;
	struct fwctl_ct_entry *e;
	__u32 idx = 0;

	*table = FWCTL_CT_TABLE_EST;
	s = ct_est_find(&t->key, &idx);
	if (s && ct_usable(s, idx, &s->e, t, dir, g, now, probe))
		return &s->e;
	*table = FWCTL_CT_TABLE_NEW;
	e = bpf_map_lookup_elem(&FWCTL_MAP_CT_NEW, &t->key);
	if (e && ct_usable(NULL, 0, e, t, dir, g, now, probe))
		return e;
	return NULL;
}

/* The state after a packet; *move: the flow is now established for good. */
static __always_inline __u8 ct_next_state(const struct fwctl_ct_entry *e, const struct ct_tuple *t,
					  bool is_orig, bool in_new, bool *move)
{
	__u8 s = e->state, f = t->tcp_flags;

	*move = false;
	if (t->key.proto != IPPROTO_TCP) {
		if (!is_orig)
			s = FWCTL_CT_REPLIED;
		*move = in_new && s == FWCTL_CT_REPLIED;
		return s;
	}
	if (f & (CT_TCP_FIN | CT_TCP_RST))
		return FWCTL_CT_CLOSING;
	if (s == FWCTL_CT_SYN && !is_orig)
		return FWCTL_CT_ESTABLISHED;
	if (s == FWCTL_CT_CLOSING && is_orig && (f & (CT_TCP_SYN | CT_TCP_ACK)) == CT_TCP_SYN)
		return FWCTL_CT_SYN;	/* the port pair reused: a new handshake */
	/* The originator's first segment after the reply completes the handshake. */
	*move = in_new && s == FWCTL_CT_ESTABLISHED && is_orig && !(f & CT_TCP_SYN);
	return s;
}

/* Slots of bucket b with a tag (0-4; 5 if it cannot be read). */
static __always_inline __u32 ct_bucket_load(__u32 b)
{
	struct fwctl_ct_tags *tags = bpf_map_lookup_elem(&FWCTL_MAP_CT_TAGS, &b);
	__u32 n = 0;
	int w;

	if (!tags)
		return FWCTL_CT_WAYS + 1;
#pragma unroll
	for (w = 0; w < FWCTL_CT_WAYS; w++)	/* (x | -x) >> 31: x != 0, without a branch */
		n += (tags->tag[w] | -tags->tag[w]) >> 31;
	return n;
}

/* What a slot is worth keeping, for the choice of a victim. */
enum ct_slot_rank {
	CT_SLOT_FREE = 0,	/* empty, or from before the last flush */
	CT_SLOT_EXPIRED,	/* a flow past its timeout */
	CT_SLOT_LIVE,		/* a flow: taking it is an eviction (one whose rule
				 * is gone passes nothing, so it is idle: the
				 * least recently used goes first) */
	CT_SLOT_BUSY,		/* being rewritten by another CPU: not usable */
};

/*
 * Store flow (key, e) in one of its buckets of the established table: in
 * a free slot of the emptier one, else one holding an expired flow, else
 * the least recently used live one of the two (an eviction). 0, or -1 if
 * no slot could be taken (every one being rewritten, or a race lost): the
 * flow stays in the new-flow table and its next packet tries again.
 */
static __always_inline int ct_est_store(const struct fwctl_ct_key *key,
					const struct fwctl_ct_entry *e, __u64 now)
{
	struct fwctl_ct_config *cfg = ct_config();
	struct fwctl_ct_slot *s, *victim = NULL;
	__u32 epoch, seq, vseq = 0, vidx = 0, rank, vrank = CT_SLOT_BUSY, i;
	struct fwctl_ct_tags *tags;
	__u64 vlast = ~0ull;
	struct ct_place p;
	int w;

	if (!cfg || !key || !e)
		return -1;
	ct_est_place(cfg, key, &p);
	epoch = cfg->epoch + 1;
	/* The emptier bucket first (by its tags: a slot emptied since the
	 * last flush has none), so that its free slot wins: two choices
	 * balanced keep nearly every flow at 80% full. */
	if (ct_bucket_load(p.bucket[1]) < ct_bucket_load(p.bucket[0])) {
		i = p.bucket[0];
		p.bucket[0] = p.bucket[1];
		p.bucket[1] = i;
	}
	for (w = 0; w < 2 * FWCTL_CT_WAYS; w++) {
		i = p.bucket[w / FWCTL_CT_WAYS] * FWCTL_CT_WAYS + w % FWCTL_CT_WAYS;
		s = bpf_map_lookup_elem(&FWCTL_MAP_CT_EST, &i);
		if (!s)
			return -1;
		seq = CT_READ_ONCE(s->seq);
		if (seq & 1)
			continue;
		if (s->epoch != epoch)
			rank = CT_SLOT_FREE;
		else if (ct_key_eq(&s->key, key))
			return 0;	/* another CPU moved it first */
		else if (ct_expired(&s->e, now))
			rank = CT_SLOT_EXPIRED;
		else
			rank = CT_SLOT_LIVE;
		if (rank < vrank || (rank == vrank && rank == CT_SLOT_LIVE && s->e.last_ns < vlast)) {
			victim = s;
			vidx = i;
			vseq = seq;
			vrank = rank;
			vlast = s->e.last_ns;
		}
	}
	if (!victim || !ct_cas32(&victim->seq, vseq, vseq + 1))
		return -1;
	victim->e = *e;
	victim->key = *key;
	victim->epoch = epoch;
	ct_barrier();
	CT_WRITE_ONCE(victim->seq, vseq + 2);
	/* The tag last: a reader that finds it finds the slot whole. Until
	 * then the flow is still in the new-flow table (the caller deletes
	 * it there after this). */
	i = vidx / FWCTL_CT_WAYS;
	tags = bpf_map_lookup_elem(&FWCTL_MAP_CT_TAGS, &i);
	if (tags)
		CT_WRITE_ONCE(tags->tag[vidx % FWCTL_CT_WAYS], p.tag);
	if (vrank == CT_SLOT_LIVE)
		CT_COUNT(evicted);
	else if (vrank == CT_SLOT_EXPIRED)
		CT_COUNT(expired);
	return 0;
}

/* A packet of flow e: count it, advance the state. */
static __always_inline int ct_track(const struct ct_tuple *t, const struct ct_gen *g,
				    struct ct_io *io)
{
	__u32 dir = io->dir, len = io->len;
	__u64 now = ct_now();
	struct fwctl_ct_entry *e;
	__u32 table, d;
	bool is_orig, in_new, move;
	__u8 state;

	e = ct_find(t, dir, g, now, &table, io->probe);
	if (!e)
		return CT_MISS;
	is_orig = dir == e->orig_dir;
	in_new = table == FWCTL_CT_TABLE_NEW;
	d = is_orig ? FWCTL_CT_ORIG : FWCTL_CT_REPLY;
	if (io->probe) {	/* the verdict only: no counter, time or state */
		io->rule_id = e->rule_id;
		io->state = e->state;
		io->reply = !is_orig;
		return CT_HIT;
	}
	__sync_fetch_and_add(&e->packets[d], 1);
	__sync_fetch_and_add(&e->bytes[d], len);
	if (e->last_ns != now)
		e->last_ns = now;	/* coarse time: written once a tick at most */
	state = ct_next_state(e, t, is_orig, in_new, &move);
	io->rule_id = e->rule_id;
	io->state = state;
	io->reply = !is_orig;
	io->promote = move;
	if (state != e->state) {
		e->state = state;
		e->timeout = ct_timeout_of(t->key.proto, state, in_new);
	}
	return CT_HIT;
}

/* An ICMP error about flow t (whose embedded packet went the other way). */
static __always_inline int ct_related(const struct ct_tuple *t, const struct ct_gen *g,
				      struct ct_io *io)
{
	__u32 dir = io->dir, len = io->len;
	struct fwctl_ct_entry *e;
	__u32 table, d;

	e = ct_find(t, dir ^ 1, g, ct_now(), &table, io->probe);
	if (!e)
		return CT_MISS;
	d = dir == e->orig_dir ? FWCTL_CT_ORIG : FWCTL_CT_REPLY;
	io->rule_id = e->rule_id;
	io->state = e->state;
	io->reply = d;
	if (io->probe)
		return CT_RELATED;
	__sync_fetch_and_add(&e->packets[d], 1);
	__sync_fetch_and_add(&e->bytes[d], len);
	CT_COUNT(related);
	return CT_RELATED;
}

/*
 * 1. Before any rule: is this packet part of a flow, or an ICMP error
 * about one, in generation g? io->dir and io->len in; io->rule_id, state,
 * reply out. Inline, for a caller that is itself a global function
 * (verified once) and walks the same generation's rules next
 * (fwctl.bpf.c's classify_pkt()).
 */
static __always_inline int ct_lookup_gen(struct xdp_md *ctx, const struct fwctl_key *k,
					 const struct pkt_meta *m, struct ct_io *io,
					 const struct ct_gen *g)
{
	struct ct_tuple t;
	int kind;

	io->promote = 0;
	if (!g->serial_cell)
		return CT_MISS;		/* no stateful rule: no live flow */
	kind = ct_tuple_of(ctx, k, m, &t);
	if (kind == CT_FLOW)
		return ct_track(&t, g, io);
	if (kind == CT_ICMP_ERROR && ct_embedded_tuple(ctx, k, m, &t))
		return ct_related(&t, g, io);
	return CT_MISS;
}


/*
 * 2. Can this packet start a flow (so that a stateful rule may match it)?
 * A TCP segment with SYN and without ACK, a UDP datagram (not a later
 * fragment), an ICMP or ICMPv6 echo request.
 */
static __always_inline bool ct_can_start(struct xdp_md *ctx, const struct fwctl_key *k,
					 const struct pkt_meta *m)
{
	__u32 proto = k->w[FWCTL_DIM_PROTO], family = k->w[FWCTL_DIM_FAMILY];
	__u8 *l4;

	if (k->w[FWCTL_DIM_FRAG])
		return false;
	if (proto == IPPROTO_UDP)
		return true;
	if (proto == IPPROTO_TCP) {
		l4 = ct_bytes(ctx, m->l4_off, 20);
		return l4 && (l4[13] & (CT_TCP_SYN | CT_TCP_ACK)) == CT_TCP_SYN;
	}
	return ct_is_icmp(family, proto) &&
	       ct_echo_kind(family, k->w[FWCTL_DIM_SPORT]) == CT_ECHO_REQUEST;
}

/* What ct_create() needs besides the packet. */
struct ct_new {
	__u32 dir;		/* enum fwctl_dir the packet arrived in */
	__u32 len;		/* frame bytes */
	__u32 rule_id;		/* the stateful allow rule that decided */
	__u32 serial;		/* its serial: ct_rule_serial(&gen, rule_id) */
};

/*
 * 3. A stateful allow rule decided for this packet: create its flow in
 * the new table. Returns 0, or -1 when no flow was created (the packet
 * cannot start one, serial 0, the map refused); the packet is forwarded
 * either way. A flow already there under this key is left alone.
 *
 * A global function: the verifier checks it once, not once for every
 * path out of the classifier that reaches it. It cannot take the
 * generation's map, hence the serial from the caller.
 */
__noinline int ct_create(struct xdp_md *ctx, const struct fwctl_key *k,
			 const struct pkt_meta *m, const struct ct_new *a)
{
	struct fwctl_ct_entry e = {};
	struct ct_tuple t;
	__u64 now;
	long err;

	if (!ctx || !k || !m || !a || !a->serial)
		return -1;
	if (ct_tuple_of(ctx, k, m, &t) != CT_FLOW || !ct_can_start(ctx, k, m))
		return -1;
	now = ct_now();
	e.created_ns = now;
	e.last_ns = now;
	e.packets[FWCTL_CT_ORIG] = 1;
	e.bytes[FWCTL_CT_ORIG] = a->len;
	e.rule_id = a->rule_id;
	e.rule_serial = a->serial;
	e.state = t.key.proto == IPPROTO_TCP ? FWCTL_CT_SYN : FWCTL_CT_NEW;
	e.timeout = ct_timeout_of(t.key.proto, e.state, true);
	e.orig_dir = a->dir;
	e.orig_side = t.side;
	err = bpf_map_update_elem(&FWCTL_MAP_CT_NEW, &t.key, &e, BPF_NOEXIST);
	if (err) {
		if (err != -17)		/* -EEXIST: a flow is there already */
			CT_COUNT(insert_failed);
		return -1;
	}
	ct_new_inserted();
	CT_COUNT(created);
	return 0;
}

/*
 * 4. After a hit that set io->promote (ct_lookup_gen()): move the flow
 * from the new-flow table to the established one. Returns 0, or -1 when
 * it stays where it is (counted as an insert failure if the established
 * table had no slot to give; its next packet tries again). A global
 * function, called once in a flow's life, at the caller's level: its
 * frame would not fit on top of the walk's.
 */
__noinline int ct_promote(struct xdp_md *ctx, const struct fwctl_key *k,
			  const struct pkt_meta *m)
{
	struct fwctl_ct_entry *e;
	struct ct_tuple t;

	if (!ctx || !k || !m || ct_tuple_of(ctx, k, m, &t) != CT_FLOW)
		return -1;
	e = bpf_map_lookup_elem(&FWCTL_MAP_CT_NEW, &t.key);
	if (!e)
		return -1;
	e->timeout = ct_timeout_of(t.key.proto, e->state, false);
	if (ct_est_store(&t.key, e, ct_now())) {
		e->timeout = ct_timeout_of(t.key.proto, e->state, true);
		CT_COUNT(insert_failed);
		return -1;
	}
	ct_new_delete(&t.key);
	CT_COUNT(established);
	return 0;
}

#endif /* FWCTL_CONNTRACK_BPF_H */
