/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fwctl_conntrack.h - connection tracking and fragment tracking as both
 * sides see them: map names, the flow key and entry, counters, timeouts,
 * the fragment table, and how a rule-set generation tells which flows
 * are still backed by their rule.
 *
 * Flows live in two tables: fwctl_ct_new, an LRU hash, holds flows not
 * yet answered (a flood of them recycles only its own slots), and
 * fwctl_ct_est flows that got their reply: a set-associative table the
 * datapath manages itself in a plain array (struct fwctl_ct_slot), whose
 * lookups the verifier inlines. A flow moves from one to the other once:
 *   TCP       when the originator sends its first segment without SYN
 *             after a reply (the handshake completed): a SYN flood, even
 *             one the server answers with SYN-ACKs, never gets there;
 *   UDP/ICMP  on the first reply.
 * Both directions of a flow find the same entry: the key orders the two
 * (address, port) endpoints, and the entry says which one originated.
 *
 * Included by BPF code after vmlinux.h and by user space after
 * <linux/types.h>.
 */
#ifndef FWCTL_CONNTRACK_H
#define FWCTL_CONNTRACK_H

/* Map names, also their pin names under the pin directory. */
#define FWCTL_MAP_CT_NEW	fwctl_ct_new
#define FWCTL_MAP_CT_EST	fwctl_ct_est
#define FWCTL_MAP_CT_TAGS	fwctl_ct_tags
#define FWCTL_MAP_CT_COUNT	fwctl_ct_count
#define FWCTL_MAP_CT_CONFIG	fwctl_ct_config
#define FWCTL_MAP_CT_STATS	fwctl_ct_stats
#define FWCTL_MAP_FRAG		fwctl_frag

/*
 * Table sizes. `fwctl attach --ct-size N` sizes the established table for
 * N flows and the new-flow table for N / 4 (a SYN flood only churns the
 * latter); the loader sets max_entries before the object is loaded.
 * The established table gets FWCTL_CT_EST_SLOTS(N) slots, a quarter more
 * than N, in buckets of FWCTL_CT_WAYS: a flow goes in the emptier of two
 * buckets, and with N flows in it about 1% are pushed out early, where
 * one bucket per flow and exactly N slots would push out a fifth.
 */
#define FWCTL_CT_DEFAULT_SIZE	262144
#define FWCTL_CT_MIN_SIZE	256
#define FWCTL_CT_MAX_SIZE	4194304
#define FWCTL_CT_NEW_SIZE(n)	((n) / 4)
#define FWCTL_CT_WAYS		4	/* slots per bucket of the established table */
#define FWCTL_CT_EST_SLOTS(n)	(((n) + (n) / 4 + FWCTL_CT_WAYS - 1) / FWCTL_CT_WAYS * FWCTL_CT_WAYS)
#define FWCTL_FRAG_SIZE		65536	/* datagrams remembered at once */
#define FWCTL_FRAG_TIMEOUT_NS	(30ull * 1000000000ull)

/* Indexes of fwctl_ct_count: live entries per table, as far as counted. */
enum fwctl_ct_table {
	FWCTL_CT_TABLE_NEW = 0,
	FWCTL_CT_TABLE_EST = 1,
	FWCTL_CT_TABLES,
};

/*
 * A flow: the two endpoints in canonical order, endpoint 0 the lower by
 * (address words, port). Addresses are host-order words as in struct
 * fwctl_key (IPv4 in word 0, the other words 0). TCP and UDP: the ports;
 * ICMP and ICMPv6 echo: the identifier in both port fields.
 */
struct fwctl_ct_key {
	__u32 addr[2][4];
	__u16 port[2];
	__u8 proto;		/* 6, 17, 1 or 58 */
	__u8 family;		/* FWCTL_FAMILY_V4 or _V6 */
	__u16 pad;		/* always 0: part of the hash */
};

/* State of a flow; the names `fwctl ct list` prints. */
enum fwctl_ct_state {
	FWCTL_CT_SYN = 1,		/* TCP: SYN seen */
	FWCTL_CT_ESTABLISHED,		/* TCP: a reply seen */
	FWCTL_CT_CLOSING,		/* TCP: FIN or RST seen, either way */
	FWCTL_CT_NEW,			/* UDP, ICMP: no reply yet */
	FWCTL_CT_REPLIED,		/* UDP, ICMP: a reply seen */
	FWCTL_CT_STATES,
};

/* Timeouts, by the names `fwctl ct timeout` takes. */
enum fwctl_ct_timeout {
	FWCTL_CT_TO_TCP_SYN = 0,	/* "tcp-syn"          60 s */
	FWCTL_CT_TO_TCP_EST,		/* "tcp-established"  7200 s */
	FWCTL_CT_TO_TCP_CLOSING,	/* "tcp-closing"      10 s */
	FWCTL_CT_TO_UDP_NEW,		/* "udp-new"          30 s, before a reply */
	FWCTL_CT_TO_UDP_REPLIED,	/* "udp-replied"      180 s, after one */
	FWCTL_CT_TO_ICMP,		/* "icmp"             30 s, ICMP and ICMPv6 echo */
	FWCTL_CT_TIMEOUTS,
};

#define FWCTL_CT_DEFAULT_TIMEOUTS_S { 60, 7200, 10, 30, 180, 30 }

/*
 * Value of fwctl_ct_config[0]. Timeouts in milliseconds so that tests can
 * shrink them below a second; 0 means the default above (a map nobody
 * wrote still works). The datapath reads them at every lookup, so a
 * change applies to existing flows at once.
 *
 * epoch: `fwctl ct flush` adds one; an established slot stored under
 * another epoch holds no flow (struct fwctl_ct_slot), so one write ends
 * them all at once. hash_key: the established table's bucket of a key is
 * a multiply-add hash of its words under these random keys (written at
 * attach), so that no one can aim flows at another flow's bucket; XORed
 * with fixed constants, so that zero keys (a map nobody wrote) still
 * spread flows.
 */
#define FWCTL_CT_KEY_WORDS	10	/* struct fwctl_ct_key in u32 words */
struct fwctl_ct_config {
	__u32 timeout_ms[FWCTL_CT_TIMEOUTS];
	__u32 epoch;
	__u32 size;		/* --ct-size N, for `fwctl ct stats` (0: unknown) */
	__u64 hash_key[FWCTL_CT_KEY_WORDS + 1];	/* one per word, then the offset */
	__u64 pad2[12 - FWCTL_CT_KEY_WORDS - 1];
};

/* Entry counters index: the originator's direction, or the other. */
#define FWCTL_CT_ORIG	0
#define FWCTL_CT_REPLY	1

/*
 * Value of both flow tables. Times are ns on CLOCK_MONOTONIC_COARSE's
 * scale (ct_now() in bpf/ct_clock.h, clock_gettime() in user space).
 * Counters are updated with atomic adds: the two directions arrive on
 * different CPUs.
 */
struct fwctl_ct_entry {
	__u64 created_ns;
	__u64 last_ns;			/* last packet of the flow, either way */
	__u64 packets[2];		/* [FWCTL_CT_ORIG], [FWCTL_CT_REPLY] */
	__u64 bytes[2];			/* whole frame lengths */
	__u32 rule_id;			/* the stateful rule that created it */
	__u32 rule_serial;		/* that rule's serial when it did */
	__u8 state;			/* enum fwctl_ct_state */
	__u8 timeout;			/* enum fwctl_ct_timeout in force */
	__u8 orig_dir;			/* enum fwctl_dir the first packet came in */
	__u8 orig_side;			/* endpoint (0, 1) of the key that sent it */
	__u32 pad;
};

/*
 * A slot of the established table (fwctl_ct_est, an array): a bucket is
 * FWCTL_CT_WAYS consecutive slots. The datapath writes slots only under
 * seq (a sequence lock): a writer makes it odd with a compare-and-swap,
 * writes, and makes it even again; a reader that met an odd seq, or a
 * different seq after comparing the key, treats the slot as not matching.
 * So a reader never takes a half-written key for its own. Counters and
 * state of a live flow are updated in place (atomic adds), as in a hash
 * map's value. User space only reads slots.
 */
struct fwctl_ct_slot {
	__u32 seq;		/* odd while a CPU rewrites the slot */
	__u32 epoch;		/* fwctl_ct_config.epoch + 1 when stored; 0: empty */
	struct fwctl_ct_key key;
	struct fwctl_ct_entry e;
	__u64 pad[2];
};

/*
 * Value of fwctl_ct_tags[bucket]: a 32-bit tag of the flow stored in each
 * slot of the bucket (hash bits mixed with the flush epoch; 0: none), so
 * that a lookup reads the slots only where the tag matches. A packet of
 * no established flow (a SYN, most of a flood) then reads one cache line
 * per bucket, not four slots. A tag is a hint: the slot's own key and
 * epoch decide; a stale tag costs one slot read.
 */
struct fwctl_ct_tags {
	__u32 tag[FWCTL_CT_WAYS];
};

/*
 * Value of fwctl_ct_stats[0] (per CPU): what happened to flows.
 * evicted counts inserts that pushed out a live flow: in the new-flow
 * table, inserts into a table already at capacity (the LRU hash pushes
 * out its least recently used entry silently; the count of live entries
 * this relies on, fwctl_ct_count, can run a few hundred high when the
 * LRU recycles slots early, so a few evictions near capacity may go
 * uncounted); in the established table, a move whose two buckets hold
 * only live flows (the least recently used of them goes).
 */
struct fwctl_ct_stats {
	__u64 created;		/* flows created by a stateful rule */
	__u64 established;	/* flows moved to the established table */
	__u64 expired;		/* found past their timeout and removed */
	__u64 evicted;		/* inserts that pushed out another flow */
	__u64 insert_failed;	/* inserts the map refused */
	__u64 rule_gone;	/* flows ended because their rule is gone */
	__u64 related;		/* ICMP errors matched to a flow */
	__u64 frag_remembered;	/* first fragments remembered */
	__u64 frag_followed;	/* later fragments given their verdict */
	__u64 frag_insert_failed;
};

/*
 * Rule lifetime. A flow may be used only while the rule that created it
 * is in the current rule set: deleting the rule (or a `rules load`
 * without it) ends its flows at once, even if the id is given to another
 * rule later. The rule-set code gives every stateful rule a serial: a
 * non-zero u32, new each time a rule is given an id (a global counter,
 * never reused for the same id), kept while the rule keeps its id (a
 * `rules load` that leaves its canonical text unchanged). Each
 * generation stores the serials of its stateful rules in cells (struct
 * fwctl_cell, fwctl_classifier.h):
 *
 *   serial of rule id i = cell (ct_serial_cell + i / 32), word (i % 32);
 *   0 for an id that is not a stateful rule of this generation
 *
 * for ids 0 .. ct_serial_ids - 1, where ct_serial_cell (0: no stateful
 * rule, then every flow is dead and lookups can be skipped altogether)
 * and ct_serial_ids are two words of the generation's header. A flow
 * records (rule_id, serial) when it is created and is alive while the
 * current generation holds that same serial for that id. Since the
 * serials switch with the generation, a rule's flows end in the same
 * instant as the rule, with no second write and nothing to repair after
 * a crash. The loader reads serials back from the current generation.
 */
#define FWCTL_CT_SERIALS_PER_CELL	32
/* The two header words, kept in its pad until fwctl_table_hdr names them. */
#define FWCTL_CT_SERIAL_CELL(hdr)	((hdr)->pad[0])
#define FWCTL_CT_SERIAL_IDS(hdr)	((hdr)->pad[1])
/* The serial the next rule given an id gets (loader only: a counter that
 * travels with the generations, so it never goes back). */
#define FWCTL_CT_SERIAL_NEXT(hdr)	((hdr)->pad[2])
struct fwctl_serial_cell {
	__u32 serial[FWCTL_CT_SERIALS_PER_CELL];
};

/*
 * Fragment tracking: a first fragment's datagram and the verdict it got.
 * IPv4 datagrams are (src, dst, protocol, id) (RFC 791); IPv6 ones
 * (src, dst, identification) (RFC 8200: a later fragment's Next Header
 * is not authoritative, so proto is 0 in IPv6 keys).
 */
struct fwctl_frag_key {
	__u32 src[4];
	__u32 dst[4];
	__u32 id;		/* IPv4: the 16-bit id; IPv6: the fragment id */
	__u8 proto;		/* IPv4 protocol; 0 for IPv6 */
	__u8 family;
	__u16 pad;		/* always 0 */
};

enum fwctl_frag_verdict {
	FWCTL_FRAG_FORWARD = 1,
	FWCTL_FRAG_DROP = 2,
};

struct fwctl_frag_entry {
	__u64 seen_ns;		/* when the first fragment passed */
	__u32 rule_id;		/* the rule it counted on; FWCTL_NO_RULE: none */
	__u8 verdict;		/* enum fwctl_frag_verdict */
	__u8 reason;		/* enum fwctl_drop_reason when dropped */
	__u8 how;		/* the caller's own tag (flow, related, rule...) */
	__u8 pad;
};

#ifndef __bpf__
_Static_assert(sizeof(struct fwctl_ct_key) == 40, "ct key size");
_Static_assert(sizeof(struct fwctl_ct_entry) == 64, "ct entry size");
_Static_assert(sizeof(struct fwctl_ct_slot) == 128, "ct slot size");
_Static_assert(sizeof(struct fwctl_ct_config) == 128, "ct config size");
_Static_assert(sizeof(struct fwctl_serial_cell) == 128, "serial cell size");
_Static_assert(sizeof(struct fwctl_frag_key) == 40, "frag key size");
#endif

#endif /* FWCTL_CONNTRACK_H */
