/* SPDX-License-Identifier: GPL-2.0 */
/*
 * capture.h - capture files for `fwctl trace -w` and `fwctl check`.
 *
 * Writing: pcapng by our own writer (libpcap writes classic pcap only), with
 * one Interface Description Block per interface and, per packet, a comment
 * ("DROP reason=policy") and the XDP action as epb_verdict; or classic pcap
 * through libpcap, which has no room for comments, verdicts or interface
 * names: those are left out. Every block reaches the file before the write
 * call returns (a trace may be killed any time); after a failed write the
 * file is cut back to its last whole block, so it stays readable.
 *
 * Reading: .pcap or .pcapng through libpcap, Ethernet only, frame by frame
 * with the frame's 1-based number in the capture.
 *
 * Functions return 0 or a negative errno and fill e with a one-line message
 * naming the file.
 */
#ifndef FWCTL_CAPTURE_H
#define FWCTL_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "fwctl.h"

enum capture_format {
	CAPTURE_PCAPNG,
	CAPTURE_PCAP,
};

/*
 * The format a file name asks for: "*.pcapng" and "-" (standard output) are
 * pcapng, "*.pcap" classic pcap. Anything else: -EINVAL and a message.
 */
int capture_format_of(const char *path, enum capture_format *fmt, struct fwctl_err *e);

/* --- writing ----------------------------------------------------------- */

struct capture_writer;

/* No epb_verdict for this packet. */
#define CAPTURE_NO_VERDICT	(-1)

struct capture_pkt {
	__u32 iface;		/* index into the names given to capture_create */
	__u64 ts_ns;		/* CLOCK_REALTIME, ns since the epoch */
	const void *data;	/* the first caplen bytes of the frame */
	__u32 caplen;		/* <= len and <= the writer's snaplen */
	__u32 len;		/* the frame's real length on the wire */
	const char *comment;	/* opt_comment, NULL for none (pcapng only) */
	int xdp_action;		/* XDP_DROP, XDP_REDIRECT, ... or
				 * CAPTURE_NO_VERDICT (pcapng only) */
};

/*
 * Create path ("-": standard output) and write the file header. pcapng: the
 * Section Header Block and one Interface Description Block per interface
 * (Ethernet, snaplen, if_name from ifnames[i] unless ifnames or it is NULL,
 * nanosecond timestamps). Classic pcap: Ethernet, microsecond timestamps,
 * no interface names. snaplen: the most bytes a packet record may hold
 * (1..65535). Returns NULL with e filled and errno set.
 */
struct capture_writer *capture_create(const char *path, enum capture_format fmt,
				      const char *const *ifnames, unsigned int n_ifaces,
				      __u32 snaplen, struct fwctl_err *e);
/*
 * Append one packet and flush it to the file. -EINVAL for a record that
 * does not fit the header (nothing written); a write error (-ENOSPC...) is
 * final: later calls return it again.
 */
int capture_write(struct capture_writer *w, const struct capture_pkt *p, struct fwctl_err *e);
/* Packets written so far. */
unsigned long capture_count(const struct capture_writer *w);
/* Close and free (w may be NULL). Returns the first write error, if any. */
int capture_close(struct capture_writer *w, struct fwctl_err *e);

/*
 * The comment of a packet: "FORWARD rule=3", "FORWARD policy",
 * "FORWARD arp-nd", "DROP rule=5", "DROP reason=policy". A rule id (not
 * FWCTL_NO_RULE) names the rule that decided; otherwise reason says what
 * did: for forwards "policy", "arp-nd", "flow"; for drops the reason key of
 * `fwctl stats` (drop_reason_key()). Returns the length snprintf would.
 */
int capture_comment(char *buf, size_t len, bool drop, __u32 rule_id, const char *reason);

/* --- reading ----------------------------------------------------------- */

struct capture_reader;

struct capture_frame {
	unsigned long number;	/* 1-based position in the capture */
	__u64 ts_ns;		/* ns since the epoch */
	const __u8 *data;	/* caplen bytes, valid until the next call */
	__u32 caplen;		/* bytes captured */
	__u32 len;		/* bytes on the wire */
	bool truncated;		/* caplen < len: only the start of the frame */
};

/*
 * Open a .pcap or .pcapng file ("-": standard input). Captures whose link
 * type is not Ethernet are refused with a message naming their link type
 * (-EPROTONOSUPPORT). Returns NULL with e filled and errno set.
 */
struct capture_reader *capture_open(const char *path, struct fwctl_err *e);
/*
 * Next frame: 1 and f filled, 0 at the end, or -EIO for a damaged or cut
 * short file, with a message naming the frame that could not be read.
 */
int capture_next(struct capture_reader *r, struct capture_frame *f, struct fwctl_err *e);
void capture_reader_close(struct capture_reader *r);

#endif /* FWCTL_CAPTURE_H */
