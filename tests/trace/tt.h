/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tt.h - the trace tests' shared pieces (build/tests/trace): frames from
 * short specs, running frames through a program, collecting records.
 */
#ifndef TRACE_TT_H
#define TRACE_TT_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "fwctl_trace.h"

#define TT_FRAME_MAX	8192

/*
 * A frame from a spec "KIND[,KEY=VALUE...]". KIND: tcp4 udp4 tcp6 udp6
 * icmp4 icmp6 nd6 arp ether bad4 frag4 frag6 short long; KEY: sport dport
 * type (ICMP) vlan (number of 802.1Q tags) payload flags (TCP, e.g. 0x12)
 * ethertype len (short, long: the frame's length) frag (IPv4: the flags
 * and fragment offset word, e.g. 0x2000 for a first fragment). Returns the length, 0
 * for a bad spec.
 */
size_t tt_frame(const char *spec, __u8 *buf);

/* Run a frame through prog_fd as arriving on ifindex, repeat times; the action or -errno. */
int tt_run(int prog_fd, const void *frame, size_t len, int ifindex, __u32 repeat);

/* One collected trace record. */
struct tt_rec {
	struct fwctl_trace_rec h;
	__u8 data[FWCTL_TRACE_SNAP_L2];
};

struct tt_recs {
	struct tt_rec *r;
	size_t n, cap;
};

/* Drain ring_fd into recs (appended). Returns how many were read. */
int tt_drain(int ring_fd, struct tt_recs *recs);
void tt_recs_free(struct tt_recs *recs);

/* PASS/FAIL lines; tt_failed counts FAILs. */
extern int tt_failed;
void tt_check(bool ok, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

int tt_unit(int ifx_in, int ifx_out);
int tt_bench(int ifx_in, int ifx_out, int rounds, __u32 repeat);

#endif /* TRACE_TT_H */
