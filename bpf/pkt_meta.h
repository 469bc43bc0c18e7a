/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pkt_meta.h - what connection and fragment tracking (conntrack.h,
 * frag.h) need from the parser besides struct fwctl_key. Offsets, not
 * pointers: the trackers re-derive packet pointers with their own bounds
 * checks, so the struct can sit on the stack without pointer spills.
 */
#ifndef FWCTL_PKT_META_H
#define FWCTL_PKT_META_H

/* Where a packet stands in fragmentation. */
enum pkt_frag {
	PKT_FRAG_NONE = 0,	/* not a fragment (IPv6 atomic fragments too) */
	PKT_FRAG_FIRST,		/* offset 0 with more-fragments set */
	PKT_FRAG_LATER,		/* offset > 0 (key.w[FWCTL_DIM_FRAG] == 1) */
};

struct pkt_meta {
	__u16 l4_off;	/* ctx->data to the L4 header (TCP, UDP, ICMP, ICMPv6),
			 * its first 8 bytes (TCP: 20) checked to be in the packet */
	__u16 l3_end;	/* ctx->data to the end of the IP packet (total/payload length) */
	__u8 frag;	/* enum pkt_frag */
	__u8 pad[3];
	__u32 frag_id;	/* fragments: IPv4 id or IPv6 identification, host order */
};

#endif /* FWCTL_PKT_META_H */
