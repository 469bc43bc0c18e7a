/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fwctl_trace.h - `fwctl trace` and `fwctl check` as both sides see them:
 * the trace record, the trace sessions' control block, the lost counters,
 * and the metadata a `fwctl check` probe carries.
 *
 * Tracing: the XDP program itself emits one fixed-size record per frame a
 * trace wants, into that trace's ring buffer. Up to FWCTL_TRACE_SLOTS traces
 * run at once, each in a slot with its own filters, rate limit and ring.
 * A slot is live while its reader refreshes heartbeat_ns; the program turns
 * off a slot whose heartbeat is older than FWCTL_TRACE_STALE_NS (its reader
 * was killed), so no trace runs with nobody reading.
 *
 * Checks: `fwctl check` runs frames through the attached program as probes
 * (struct fwctl_check_meta), which the program answers instead of counting.
 *
 * While no trace and no check runs, the program's whole cost is one load of
 * fwctl_trace_ctl.any_on (a global variable: an address fixed at load time)
 * and a branch.
 *
 * Included after vmlinux.h (BPF) or <linux/types.h> (user space).
 */
#ifndef FWCTL_TRACE_H
#define FWCTL_TRACE_H

/* Map names, also their pin names (see fwctl_common.h). FWCTL_MAP_TRACE_CTL
 * is a global variable in the ELF section FWCTL_TRACE_CTL_SEC (libbpf's map
 * of that name), pinned as "fwctl_trace_ctl". */
#define FWCTL_MAP_TRACE_CTL	fwctl_trace_ctl
#define FWCTL_TRACE_CTL_SEC	".data.fwctl_trace"
#define FWCTL_MAP_TRACE_RINGS	fwctl_trace_rings
#define FWCTL_MAP_TRACE_RATE	fwctl_trace_rate
#define FWCTL_MAP_TRACE_LOST	fwctl_trace_lost

#define FWCTL_TRACE_SLOTS	4
#define FWCTL_CHECK_SLOTS	4	/* `fwctl check` runs at once */
/* A reader refreshes its heartbeat this often; the program takes a slot
 * whose heartbeat is older than FWCTL_TRACE_STALE_NS for abandoned. */
#define FWCTL_TRACE_HEARTBEAT_MS	200
#define FWCTL_TRACE_STALE_NS	1000000000ULL

/* Bytes of the frame a record holds: level 1, level 2. */
#define FWCTL_TRACE_SNAP_L1	128
#define FWCTL_TRACE_SNAP_L2	1500

/* Rate limit: a bucket holds at most one second of credit (burst = rate). */
#define FWCTL_TRACE_BURST_NS	1000000000ULL

/* A filter field that matches everything. */
#define FWCTL_TRACE_ANY		0xffffffffu
/* The protocol of a frame that is not IP (ARP, unknown ethertype, malformed). */
#define FWCTL_TRACE_PROTO_NONE	0xffff

enum fwctl_verdict {
	FWCTL_VERDICT_FORWARD = 0,
	FWCTL_VERDICT_DROP = 1,
	FWCTL_VERDICT_COUNT,
};

/*
 * The reason of a verdict. A drop's reason is its enum fwctl_drop_reason
 * (the counter it went to); a forward's is its enum fwctl_fwd_reason
 * (fwctl_common.h: what decided it). Reasons are < 32: filters hold one
 * bit per reason and verdict.
 */

/* Filters and state of one trace slot. Written by its reader only. */
struct fwctl_trace_slot {
	__u64 heartbeat_ns;	/* bpf_ktime_get_ns() (CLOCK_MONOTONIC) of the
				 * reader's last sign of life */
	__u64 cost_ns;		/* credit one record takes: 1e9 / rate; 0: no limit */
	__u32 reasons[FWCTL_VERDICT_COUNT];	/* bit r: show this verdict, reason r */
	__u32 dirs;		/* bit d: show frames arriving in enum fwctl_dir d */
	__u32 rule_id;		/* FWCTL_TRACE_ANY, or the rule that decided */
	__u32 proto;		/* FWCTL_TRACE_ANY, or the IP protocol */
	__u32 snaplen;		/* FWCTL_TRACE_SNAP_L1 or FWCTL_TRACE_SNAP_L2 */
	__u32 pid;		/* the reader's, for messages */
	__u32 token;		/* the reader's claim: nonzero, unique per claim */
};

/* A running `fwctl check` (see struct fwctl_check_meta). */
struct fwctl_check_slot {
	__u32 pid;		/* 0: free */
	__u32 pad;
	__u64 start_time;	/* the process's start time (/proc/PID/stat field 22):
				 * with pid, tells a live checker from a dead one */
};

/*
 * fwctl_trace_ctl, the single entry of its map, mmapped by the readers: each
 * writes only its own slot and its own byte of on[] or checking[] with
 * plain stores, so no read-modify-write of the shared value ever happens.
 * The program clears the on[] byte of a stale trace slot the same way; it
 * never clears checking[] (a probe must never be taken for a real frame):
 * the slot of a checker that died is freed by the next fwctl check or trace.
 */
struct fwctl_trace_ctl {
	union {
		struct {
			__u8 on[FWCTL_TRACE_SLOTS];		/* trace slot i is tracing */
			__u8 checking[FWCTL_CHECK_SLOTS];	/* check slot i is in use */
		};
		__u64 any_on;		/* what the hot path loads: 0, nothing to do */
	};
	struct fwctl_trace_slot slot[FWCTL_TRACE_SLOTS];
	struct fwctl_check_slot check[FWCTL_CHECK_SLOTS];
};

/* Value of fwctl_trace_rate[slot] (per CPU): the token bucket. */
struct fwctl_trace_bucket {
	__u64 credit_ns;	/* banked credit, at most FWCTL_TRACE_BURST_NS */
	__u64 last_ns;		/* when credit_ns was last brought up to date */
};

/*
 * Value of fwctl_trace_lost[slot] (per CPU): records a trace wanted but did
 * not get. Never reset: a trace reports the difference between its end and
 * its start; `fwctl stats` shows the sum over slots.
 */
struct fwctl_trace_lost {
	__u64 rate_limit;	/* over the slot's --rate */
	__u64 ring_full;	/* the slot's ring buffer had no room */
};

/* One trace record: this header, then caplen bytes of the frame. */
struct fwctl_trace_rec {
	__u64 ts_ns;		/* bpf_ktime_get_ns() at the verdict */
	__u32 ifindex;		/* ingress interface */
	__u32 rule_id;		/* the rule that decided, or FWCTL_NO_RULE */
	__u32 len;		/* the frame's length */
	__u32 caplen;		/* bytes of it in data[]: min(len, snaplen) */
	__u16 proto;		/* IP protocol or FWCTL_TRACE_PROTO_NONE */
	__u8 dir;		/* enum fwctl_dir */
	__u8 verdict;		/* enum fwctl_verdict */
	__u8 reason;		/* drop or forward reason, by verdict */
	__u8 action;		/* the XDP action returned (XDP_REDIRECT, XDP_DROP) */
	__u8 slot;
	__u8 pad;
	__u8 data[];
};

#define FWCTL_TRACE_REC_L1	(sizeof(struct fwctl_trace_rec) + FWCTL_TRACE_SNAP_L1)
#define FWCTL_TRACE_REC_L2	(sizeof(struct fwctl_trace_rec) + FWCTL_TRACE_SNAP_L2)

/*
 * `fwctl check`: each frame goes through the attached program by
 * BPF_PROG_TEST_RUN with this struct as its XDP metadata (ctx_in->data =
 * sizeof(struct fwctl_check_meta)). While a check slot is in use
 * (checking[] byte set first), the program looks for the magic, and for a
 * probe counts nothing, traces nothing, creates no flow, and writes its
 * decision back here; BPF_PROG_TEST_RUN returns the metadata in front of
 * data_out.
 */
#define FWCTL_CHECK_MAGIC	0x6677636bu	/* "fwck" */
#define FWCTL_CHECK_DONE	0x646f6e65u	/* "done": the program answered */

struct fwctl_check_meta {
	__u32 magic;		/* in: FWCTL_CHECK_MAGIC */
	__u32 done;		/* out: FWCTL_CHECK_DONE */
	__u32 rule_id;		/* out: the rule that decided, or FWCTL_NO_RULE */
	__u32 seen_len;		/* out: bytes of the frame the program saw */
	__u8 verdict;		/* out: enum fwctl_verdict */
	__u8 reason;		/* out: as in a trace record */
	__u8 dir;		/* out: enum fwctl_dir */
	__u8 pad;
};

#ifndef __bpf__
_Static_assert(sizeof(struct fwctl_trace_rec) == 32, "trace record header");
_Static_assert(sizeof(struct fwctl_check_meta) % 4 == 0 &&
	       sizeof(struct fwctl_check_meta) <= 32, "XDP metadata: 4-byte units, <= 32");
#endif

#endif /* FWCTL_TRACE_H */
