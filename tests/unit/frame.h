/* SPDX-License-Identifier: GPL-2.0 */
/*
 * frame.h - a declarative builder of test frames for the unit tests.
 *
 * A struct fspec describes a frame: Ethernet, VLAN tags, an L3 header
 * (IPv4, IPv6 with extension headers, ARP or raw bytes), an L4 header and
 * payload, and then what to break (lengths, versions, truncation). Every
 * field left at zero means "well formed", so a case only names what it
 * changes.
 */
#ifndef UNIT_FRAME_H
#define UNIT_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define FRAME_MAX	3000	/* below BPF_PROG_TEST_RUN's ~3.5 KiB limit */
#define FSPEC_MAX_EXT	10
#define FSPEC_MAX_TAGS	3
#define FSPEC_MAX_POKES	4

enum fspec_l3 {
	L3_RAW = 0,	/* ethertype, then raw_len bytes of 0x5a */
	L3_ARP,		/* a 28-byte Ethernet/IPv4 ARP request */
	L3_V4,
	L3_V6,
};

#define L4_NONE		(-1)	/* l4_len: no L4 header bytes at all */

/* One IPv6 extension header. */
struct fext {
	uint8_t type;		/* 0, 43, 60, 51 or 44 */
	uint8_t hdrlen;		/* the length byte; size follows the type's formula */
	uint16_t frag;		/* fragment header: offset << 3 | M flag (host order) */
};

struct fspec {
	uint16_t tags[FSPEC_MAX_TAGS];	/* VLAN TPIDs, outermost first, 0 ends */
	int l3;				/* enum fspec_l3 */
	uint16_t ethertype;		/* L3_RAW only */
	int raw_len;			/* L3_RAW: bytes after the ethertype */

	/* IPv4 and IPv6 */
	uint8_t ver;			/* 0: 4 or 6 as the family says */
	uint8_t ihl;			/* IPv4; 0: 5. Options are NOPs */
	int l3_len;			/* >0: this IPv4 total length / IPv6 40 + payload length */
	int len_adj;			/* added to the correct total/payload length */
	uint16_t frag;			/* IPv4 frag_off field (host order): flags | offset */
	uint8_t hlim;			/* IPv6 hop limit; 0: 64 */
	/* Addresses as text, of the frame's family; NULL: 10.0.0.1 -> 10.0.0.2,
	 * fd00::1 -> fd00::2. */
	const char *src, *dst;
	struct fext ext[FSPEC_MAX_EXT];	/* IPv6 extension headers, in order */
	int next;			/* how many of ext[] */

	/* L4 */
	uint8_t proto;			/* IP protocol (the last next header in IPv6) */
	uint16_t sport, dport;
	uint8_t doff;			/* TCP; 0: 5 */
	uint8_t icmp_type;
	uint8_t icmp_code;
	int l4_len;			/* 0: the header's natural size; >0: bytes; L4_NONE */
	int payload;			/* bytes after the L4 header */

	/* Frame length */
	int pad;			/* Ethernet padding after the L3 packet */
	int cut;			/* remove this many bytes from the end */
	int keep_l3;			/* >0: keep only this many bytes after the tags */
	int keep;			/* >0: keep only this many bytes of the frame */

	/* Bytes overwritten last, at offsets from the L3 header (after the tags). */
	struct { uint16_t off; uint8_t val; } poke[FSPEC_MAX_POKES];
	int npoke;
};

/* Build the frame into buf (FRAME_MAX bytes); returns its length, 0 when
 * an address does not parse as the frame's family. */
size_t frame_build(const struct fspec *s, uint8_t *buf);

#endif /* UNIT_FRAME_H */
