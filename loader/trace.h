/* SPDX-License-Identifier: GPL-2.0 */
/*
 * trace.h - `fwctl trace` and `fwctl check` in user space: trace sessions
 * (slots in the pinned trace maps), decoding frames for people and for
 * JSON, and running frames through the attached program as check probes.
 * Layouts shared with BPF are in include/fwctl_trace.h.
 */
#ifndef FWCTL_LOADER_TRACE_H
#define FWCTL_LOADER_TRACE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>
#include "fwctl.h"
#include "fwctl_trace.h"

/* --- trace.c: the trace maps and sessions ------------------------------ */

struct trace_maps {
	int ctl, rings, rate, lost;		/* map fds */
	volatile struct fwctl_trace_ctl *ctl_mem;	/* fwctl_trace_ctl[0], mmapped */
	size_t ctl_len;
	bool owned;		/* opened from pins: close the fds */
	bool lock;		/* serialize slot changes with fwctl's lock */
};

/* Open the trace maps pinned in dir (pin_dir()); close with trace_maps_close(). */
int trace_maps_open_pinned(const char *dir, struct trace_maps *tm, struct fwctl_err *e);
/*
 * Before loading an object that uses bpf/trace_maps.h: share its control
 * block (a global variable's data section) through the pin in pin_dir(),
 * creating the pin if it is the first. The other trace maps are pinned by
 * name like those of maps.h (pin_root_path).
 */
int trace_ctl_share(struct bpf_object *obj);
/* The same from a loaded skeleton's object (tests, benchmarks; no lock). */
struct bpf_object;
int trace_maps_from_object(struct bpf_object *obj, struct trace_maps *tm, struct fwctl_err *e);
void trace_maps_close(struct trace_maps *tm);
/* Remove the trace maps' pins from dir (fwctl detach). */
int trace_maps_unpin(const char *dir);

/* Lost counters of a slot, or of all slots (slot < 0), summed over CPUs. */
int trace_lost_read(const struct trace_maps *tm, int slot, struct fwctl_trace_lost *out);

/*
 * Free the slots of traces whose reader died (heartbeat older than
 * FWCTL_TRACE_STALE_NS: the program already ignores them; this gives their
 * rings back) and of checks whose process is gone (the program looks for
 * probes in every frame while a check slot is in use). Returns how many.
 */
int trace_reclaim(struct trace_maps *tm, struct fwctl_err *e);

/* A `fwctl check` in progress: while it is, the program answers probes. */
struct check_session {
	struct trace_maps *tm;
	int slot;
};
/* Claim a check slot (a free one, or one whose process is gone). */
int check_session_start(struct trace_maps *tm, struct check_session *cs, struct fwctl_err *e);
/* Give it back; call after the last probe. */
void check_session_stop(struct check_session *cs);

/* CLOCK_MONOTONIC in ns: the clock of bpf_ktime_get_ns() and heartbeats. */
__u64 trace_mono_ns(void);
/* Is slot i held by a live reader (claimed, heartbeat fresh) at now? */
bool trace_slot_live(const struct trace_maps *tm, int i, __u64 now);
/* What a trace asks for. */
struct trace_filter {
	__u32 reasons[FWCTL_VERDICT_COUNT];	/* bit r: show this verdict, reason r */
	__u32 dirs;		/* bit d: frames arriving in direction d */
	__u32 rule_id;		/* FWCTL_TRACE_ANY or a rule id */
	__u32 proto;		/* FWCTL_TRACE_ANY or an IP protocol */
	__u32 rate;		/* records per second per CPU; 0: no limit */
	int level;		/* 1: FWCTL_TRACE_SNAP_L1 bytes, 2: FWCTL_TRACE_SNAP_L2 */
};
#define TRACE_DEFAULT_RATE	1000

/* Everything, level 1, the default rate. */
void trace_filter_init(struct trace_filter *f);

struct trace_session {
	struct trace_maps *tm;
	int slot;
	__u32 token;
	int ring_fd;
	struct fwctl_trace_lost lost_start;
	pthread_t thread;
	bool thread_on;
	volatile int stop;		/* ask the heartbeat thread to end */
	volatile int evicted;		/* the slot was taken over: the trace is over */
	volatile int paused;		/* times the program turned the slot off and
					 * it was turned on again (reader paused > 1 s) */
};

/*
 * Claim a free slot (or one whose reader died), set its filters, give it
 * a ring buffer and turn it on; heartbeat: refresh it from a thread
 * (false: the caller calls trace_session_heartbeat() itself).
 * -EBUSY with a message when every slot is taken by a live trace.
 */
int trace_session_start(struct trace_maps *tm, const struct trace_filter *f, bool heartbeat,
			struct trace_session *s, struct fwctl_err *e);
/* One heartbeat (what the thread does every FWCTL_TRACE_HEARTBEAT_MS). */
void trace_session_heartbeat(struct trace_session *s);
/*
 * Turn the slot off and take its ring out of the program's reach; once this
 * returns the ring holds every record the trace will ever get (drain it),
 * and trace_session_lost() is final.
 */
int trace_session_stop(struct trace_session *s, struct fwctl_err *e);
/* Records this session lost so far. */
int trace_session_lost(const struct trace_session *s, struct fwctl_trace_lost *out);
/* Close the ring (after stop and draining). */
void trace_session_close(struct trace_session *s);

/* --- decode.c: names, frames for people and for JSON ------------------- */

/*
 * Reason names: for drops the keys `fwctl stats` uses (policy, malformed,
 * fragment, unknown_ethertype, redirect_error, ...), for forwards rule,
 * policy, arp-nd, flow. NULL for a code without a name.
 */
const char *trace_reason_name(__u32 verdict, __u32 reason);
/* Set the bits of every (verdict, reason) called name in masks; false if none. */
bool trace_reason_parse(const char *name, __u32 masks[FWCTL_VERDICT_COUNT]);
/* All reason names, comma-separated, for messages and help. */
const char *trace_reason_list(void);
/* "tcp", "udp", "icmp", "icmpv6" or a number 0-255; -1 if neither. */
int trace_proto_parse(const char *s);
const char *verdict_name(__u32 verdict);	/* "forward", "drop" */
/* The pcapng comment: "FORWARD rule=3", "DROP reason=policy", ... */
void trace_comment(char *buf, size_t len, __u32 verdict, __u32 reason, __u32 rule_id);
/* "2026-11-23T10:00:00.123456789Z" */
void fmt_rfc3339_ns(__u64 realtime_ns, char *buf, size_t len);

/* What a frame came with: from a trace record, or from a check. */
struct frame_info {
	__u64 ts_ns;		/* CLOCK_REALTIME */
	const char *ifname;
	__u32 dir;		/* enum fwctl_dir, or FWCTL_DIR_COUNT if unknown */
	__u32 verdict, reason, rule_id;
	__u32 len, caplen;
	const __u8 *data;
};

struct json_object;
/* The decoded headers of a frame as members of obj: eth, vlan, arp, ipv4,
 * ipv6, tcp, udp, icmp, icmpv6; with payload: "payload" in hex. */
void decode_json(struct json_object *obj, const __u8 *data, __u32 caplen, bool payload);
/* One trace line: when, where, verdict, then every header field by name. */
void print_frame_line(FILE *f, const struct frame_info *fi);
/* Level 2: the payload (bytes after the decoded headers) as hex + ASCII. */
void print_frame_payload(FILE *f, const __u8 *data, __u32 caplen);
/* The whole JSON object of a frame (ts, in, verdict, reason, rule_id,
 * len, decoded headers); the caller adds members and prints it. */
struct json_object *frame_json(const struct frame_info *fi, bool payload);
/* The same members added to an object the caller made. */
void frame_json_add(struct json_object *obj, const struct frame_info *fi, bool payload);
/* "tcp 10.0.0.1:40000 > 10.0.0.2:80 SYN", "arp request 10.0.0.1 > 10.0.0.2", ... */
void frame_summary(const __u8 *data, __u32 caplen, char *buf, size_t len);

/* --- check.c: frames through the attached program ---------------------- */

/* Bytes of frame the test run gives the program in one buffer. */
struct check_result {
	__u32 action;		/* the XDP action the program returned */
	__u32 verdict, reason, rule_id, dir;
	__u32 seen_len;		/* bytes of the frame the program saw */
};

/* A file descriptor of the fwctl program attached to ifindex. */
int check_prog_fd(int ifindex, struct fwctl_err *e);
/* Does the program answer check probes (it uses fwctl_trace_ctl)? */
bool check_prog_supported(int prog_fd);
/*
 * Run one frame (at least 14 bytes) through prog_fd as a probe arriving
 * on ifindex. -EOPNOTSUPP when the program did not answer; other errors
 * are BPF_PROG_TEST_RUN's (-EINVAL, -ENOMEM: the frame is too long).
 */
int check_frame(int prog_fd, int ifindex, const void *frame, __u32 len,
		struct check_result *r);

#endif /* FWCTL_LOADER_TRACE_H */
