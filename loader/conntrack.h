/* SPDX-License-Identifier: GPL-2.0 */
/*
 * conntrack.h - the loader's side of connection and fragment tracking
 * (conntrack.c): table sizes, timeouts by name, reading, flushing and
 * counting flows. Layouts in fwctl_conntrack.h.
 */
#ifndef FWCTL_LOADER_CONNTRACK_H
#define FWCTL_LOADER_CONNTRACK_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "fwctl.h"
#include "fwctl_classifier.h"
#include "fwctl_conntrack.h"

/* File descriptors of the tracking maps; -1 when not open. */
struct ct_maps {
	int new;	/* fwctl_ct_new */
	int est;	/* fwctl_ct_est */
	int tags;	/* fwctl_ct_tags */
	int count;	/* fwctl_ct_count */
	int config;	/* fwctl_ct_config */
	int stats;	/* fwctl_ct_stats */
	int frag;	/* fwctl_frag */
};

struct bpf_object;

/* --ct-size N: 0, or -EINVAL with e naming the value and the range. */
int ct_parse_size(const char *text, __u32 *n, struct fwctl_err *e);
/*
 * Before load: FWCTL_CT_EST_SLOTS(N) established slots (and a tag line
 * per bucket of them), N / 4 new ones (n already checked).
 * Every object that declares these maps and shares their pins must get
 * the same N: libbpf reuses a pin only if max_entries matches.
 */
int ct_maps_set_size(struct bpf_object *obj, __u32 n);
int ct_maps_from_object(struct bpf_object *obj, struct ct_maps *m);
/* The pins under dir; -ENOENT (e says so) if one is missing. */
int ct_maps_open_pinned(const char *dir, struct ct_maps *m, struct fwctl_err *e);
void ct_maps_close(struct ct_maps *m);
/* Remove the tracking maps' pins from dir (missing ones are fine). */
int ct_maps_unpin(const char *dir);
/* At attach: the default timeouts, the table size (--ct-size) and, unless
 * there are some already, random keys for the established table's hash. */
int ct_config_init(const struct ct_maps *m, __u32 size);

/* --- timeouts ------------------------------------------------------------ */

#define CT_TIMEOUT_MAX_S	4294967u	/* kept in ms in a u32 */

/* "tcp-syn", "tcp-established", "tcp-closing", "udp-new", "udp-replied", "icmp". */
const char *ct_timeout_name(unsigned int idx);
/*
 * Set a timeout by name to seconds (text, 1 .. CT_TIMEOUT_MAX_S). "udp"
 * names both udp-new and udp-replied. -EINVAL with e naming the bad name
 * or value, and nothing written.
 */
int ct_timeout_set(const struct ct_maps *m, const char *name, const char *seconds,
		   struct fwctl_err *e);
/* The two halves of ct_timeout_set(): check (mask of timeouts, value in
 * ms; -EINVAL with e), then write (ms for every timeout in mask). */
/* The timeouts NAME stands for (udp: both UDP ones), as a mask. */
int ct_timeout_mask(const char *name, __u32 *mask, struct fwctl_err *e);
int ct_timeout_parse(const char *name, const char *seconds, __u32 *mask, __u32 *ms,
		     struct fwctl_err *e);
int ct_timeout_write(const struct ct_maps *m, __u32 mask, __u32 ms, struct fwctl_err *e);
/* Timeouts in force, in ms (defaults filled in). */
int ct_timeouts_get_ms(const struct ct_maps *m, __u32 ms[FWCTL_CT_TIMEOUTS]);

/* --- flows --------------------------------------------------------------- */

/*
 * Is a flow's rule (rule_id, serial) still in the current rule set? The
 * caller passes what it reads from the current generation; NULL: every
 * flow counts as alive.
 */
typedef bool (*ct_alive_fn)(void *arg, __u32 rule_id, __u32 serial);

/* The serials of a generation, serial[id] for id < n_ids (0: no stateful rule). */
struct ct_serials {
	const __u32 *serial;
	__u32 n_ids;
};
bool ct_serials_alive(void *arg /* struct ct_serials */, __u32 rule_id, __u32 serial);

/* One flow as `fwctl ct list` shows it. */
struct ct_flow {
	__u8 proto;		/* 6, 17, 1 or 58 */
	__u8 family;		/* FWCTL_FAMILY_V4 or _V6 */
	__u8 state;		/* enum fwctl_ct_state */
	__u8 orig_dir;		/* enum fwctl_dir the originator's packets arrive in */
	__u8 established;	/* in the established table */
	__u32 src[4], dst[4];	/* originator, other end (host-order words) */
	__u16 sport, dport;	/* TCP/UDP: the originator's port, the other's */
	__u16 icmp_id;		/* ICMP/ICMPv6 echo */
	__u64 age;		/* seconds since created */
	__u64 expires;		/* seconds left, rounded up */
	__u64 packets[2];	/* [FWCTL_CT_ORIG], [FWCTL_CT_REPLY] */
	__u64 bytes[2];
	__u32 rule_id;
	__u32 rule_serial;
};

/*
 * Every live flow (expired ones and those whose rule is gone are left
 * out), established table first. *out is malloc'd (free() it), *n its
 * length.
 */
int ct_flows_read(const struct ct_maps *m, ct_alive_fn alive, void *arg, struct ct_flow **out,
		  size_t *n);
/* "syn", "established", "closing", "new", "replied" ("?" otherwise). */
const char *ct_state_name(unsigned int state);
/* "tcp", "udp", "icmp", "icmpv6". */
const char *ct_proto_name(unsigned int proto);
/* A flow's source (originator) or destination address as text. */
void ct_flow_addr(const struct ct_flow *f, bool dst, char *buf, size_t len);

/* Delete every flow; *deleted (if not NULL) says how many there were. */
int ct_flush(const struct ct_maps *m, size_t *deleted);

/* What `fwctl ct stats` shows. */
struct ct_summary {
	__u64 flows;				/* live flows */
	__u64 by_state[FWCTL_CT_STATES];	/* live flows by enum fwctl_ct_state */
	__u64 in_table[FWCTL_CT_TABLES];	/* entries present, live or not */
	__u32 size[FWCTL_CT_TABLES];		/* max_entries */
	struct fwctl_ct_stats c;		/* counters summed over the CPUs */
};
int ct_summary_read(const struct ct_maps *m, ct_alive_fn alive, void *arg, struct ct_summary *s);

/* --- cmd_ct.c: `fwctl ct list|flush|stats|timeout` (for main.c's table) --- */
int cmd_ct(int argc, char **argv);

#endif /* FWCTL_LOADER_CONNTRACK_H */
