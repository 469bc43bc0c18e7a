/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fwctl_common.h - the one header shared by the XDP datapath (bpf/) and the
 * loader (loader/, tests/, bench/): map names, limits, map key/value layouts,
 * counter slots and drop reasons. Nothing here may be duplicated elsewhere.
 *
 * Included by BPF code after vmlinux.h (which supplies __u32 & co.) and by
 * user space after <linux/types.h>.
 */
#ifndef FWCTL_COMMON_H
#define FWCTL_COMMON_H

/* Where the loader pins everything that must outlive it. */
#define FWCTL_PIN_DIR		"/sys/fs/bpf/fwctl"
#define FWCTL_BPFFS_ROOT	"/sys/fs/bpf"

/* Map names: also the pin names under FWCTL_PIN_DIR (LIBBPF_PIN_BY_NAME). */
#define FWCTL_MAP_CONFIG	fwctl_config
#define FWCTL_MAP_RULE_STATS	fwctl_rule_stats
#define FWCTL_MAP_DIR_STATS	fwctl_dir_stats
#define FWCTL_MAP_TX_STATS	fwctl_tx_stats
#define FWCTL_MAP_DEVMAP	fwctl_devmap
#define FWCTL_MAP_TABLES	fwctl_tables
#define FWCTL_MAP_BANKS		fwctl_banks
#define FWCTL_STR_(x)		#x
#define FWCTL_STR(x)		FWCTL_STR_(x)

/* Names of the programs, as bpftool and xdp-loader show them. */
#define FWCTL_XDP_PROG_NAME	"fwctl_xdp"

/* Rule id 0 means "no rule"; rules have ids 1 .. FWCTL_MAX_RULE_ID
 * (include/fwctl_classifier.h). */
#define FWCTL_NO_RULE		0

/* IP protocol numbers the filter knows by name. */
#define FWCTL_IPPROTO_ICMP	1
#define FWCTL_IPPROTO_TCP	6
#define FWCTL_IPPROTO_UDP	17
#define FWCTL_IPPROTO_ICMPV6	58

/* Default policy for well-formed packets that match no rule. */
enum fwctl_policy {
	FWCTL_POLICY_DROP = 0,	/* zero: the default */
	FWCTL_POLICY_ACCEPT = 1,
};

/* Attach mode, as recorded in the config map for `fwctl status`. */
enum fwctl_mode {
	FWCTL_MODE_NATIVE = 0,
	FWCTL_MODE_SKB = 1,
};

/*
 * Traffic directions. The interface given first to `fwctl attach` is the
 * "input" side: frames arriving on it travel input->output.
 */
enum fwctl_dir {
	FWCTL_DIR_IN_TO_OUT = 0,
	FWCTL_DIR_OUT_TO_IN = 1,
	FWCTL_DIR_COUNT,
};

/* Why a frame was dropped; each has its own counter per direction. */
enum fwctl_drop_reason {
	FWCTL_DROP_POLICY = 0,		/* well-formed, no rule, policy drop */
	FWCTL_DROP_MALFORMED,		/* failed a header check */
	FWCTL_DROP_FRAGMENT,		/* non-first fragment, no rule, policy drop */
	FWCTL_DROP_UNKNOWN_ETHERTYPE,	/* not ARP/IPv4/IPv6, policy drop */
	FWCTL_DROP_REDIRECT_ERROR,	/* allowed, but no devmap entry for it */
	FWCTL_DROP_RULE,		/* the first rule it matched is a deny rule */
	FWCTL_DROP_REASON_COUNT,
};

/* The single entry (key 0) of fwctl_config. */
struct fwctl_config {
	__u32 ifindex[FWCTL_DIR_COUNT];	/* [0] input, [1] output; 0 = unset */
	__u32 mode;			/* enum fwctl_mode (loader only) */
	__u64 attached_at;		/* CLOCK_REALTIME seconds (loader only) */
	char ifname[FWCTL_DIR_COUNT][16];	/* names at attach (loader only) */
	/* Network namespace attach ran in (SO_NETNS_COOKIE; struct net's
	 * net_cookie on the BPF side): ifindexes mean something only there. */
	__u64 netns_cookie;
	__u32 ct_size;			/* flow table slots, --ct-size (loader only) */
	__u32 bank_cells;		/* cells per bank, --bank-cells (loader only;
					 * 0: attached before there was the option) */
};

/*
 * A rule's counters on one CPU. fwctl_rule_stats is a plain array, not a
 * per-CPU one: one region of FWCTL_RULE_ID_SLOTS counters per possible CPU
 * (the loader sizes it, rule_stats_set_size()), CPU c's counters of rule
 * id at FWCTL_RULE_STATS_KEY(c, id). A per-CPU array reaches a value
 * through a table of per-CPU pointers: with 100,000 rules, that table
 * and the values are two cache misses, one after the other, per packet;
 * here the counters are one.
 */
#define FWCTL_RULE_STATS_KEY(cpu, id)	((cpu) * FWCTL_RULE_ID_SLOTS + (id))

struct fwctl_rule_stats {
	__u64 packets;
	__u64 bytes;
};

/* What decided a forwarded frame; each has its own counter per direction. */
enum fwctl_fwd_reason {
	FWCTL_FWD_RULE = 0,		/* an allow rule */
	FWCTL_FWD_POLICY,		/* no rule, policy accept */
	FWCTL_FWD_ARP_ND,		/* valid ARP or Neighbor Discovery */
	FWCTL_FWD_FLOW,			/* part of a tracked flow */
	FWCTL_FWD_RELATED,		/* ICMP error about a tracked flow */
	FWCTL_FWD_REASON_COUNT,
};

/*
 * Value of fwctl_dir_stats[dir] (per CPU). Each frame is counted once, under
 * its verdict and reason: forwarded by what decided it, or dropped by why.
 * Totals (forwarded, ARP/ND, received) are sums computed in user space:
 * fewer counter updates per frame, and a snapshot that always adds up.
 */
struct fwctl_dir_stats {
	__u64 fwd_packets;		/* user space: sum of fwd_reason_packets */
	__u64 fwd_bytes;		/* user space: sum of fwd_reason_bytes */
	__u64 arp_nd_packets;		/* user space: fwd_reason_packets[ARP_ND] */
	__u64 drop_packets[FWCTL_DROP_REASON_COUNT];
	__u64 drop_bytes[FWCTL_DROP_REASON_COUNT];
	__u64 fwd_reason_packets[FWCTL_FWD_REASON_COUNT];
	__u64 fwd_reason_bytes[FWCTL_FWD_REASON_COUNT];
};

#ifndef __bpf__
/* Fill the user-space totals of a snapshot summed over CPUs. */
static inline void fwctl_dir_stats_totals(struct fwctl_dir_stats *st)
{
	int r;

	st->fwd_packets = 0;
	st->fwd_bytes = 0;
	for (r = 0; r < FWCTL_FWD_REASON_COUNT; r++) {
		st->fwd_packets += st->fwd_reason_packets[r];
		st->fwd_bytes += st->fwd_reason_bytes[r];
	}
	st->arp_nd_packets = st->fwd_reason_packets[FWCTL_FWD_ARP_ND];
}
#endif

/*
 * Value of fwctl_tx_stats[dir] (per CPU): what happened to frames after the
 * program redirected them, as the kernel's xdp tracepoints report it. Frames
 * counted here left the program as forwarded but never reached the wire.
 */
struct fwctl_tx_stats {
	__u64 xmit_sent;	/* xdp_devmap_xmit: frames handed to the driver */
	__u64 xmit_drops;	/* xdp_devmap_xmit: frames the driver refused */
	__u64 redirect_errors;	/* xdp_redirect_err: redirect failed */
};

/* Tracing and checks (a datapath with bpf/trace.h has their control block
 * as a global variable, which its skeleton needs the type of). */
#include "fwctl_trace.h"

#endif /* FWCTL_COMMON_H */
