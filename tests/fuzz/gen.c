// SPDX-License-Identifier: GPL-2.0
/* gen.c - the frame generator (see gen.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "gen.h"

/* --- PRNG: splitmix64, deterministic per seed ---------------------------- */

uint64_t gen_rand(struct gen *g)
{
	uint64_t z = (g->state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, n). */
static uint32_t rn(struct gen *g, uint32_t n)
{
	return n ? (uint32_t)(gen_rand(g) % n) : 0;
}

/* True with probability pct/100. */
static int chance(struct gen *g, uint32_t pct)
{
	return rn(g, 100) < pct;
}

#define PICK(g, arr) ((arr)[rn((g), sizeof(arr) / sizeof((arr)[0]))])

void gen_init(struct gen *g, uint64_t seed)
{
	memset(g, 0, sizeof(*g));
	g->state = seed;
}

/* --- writing a frame ----------------------------------------------------- */

static void put8(struct gen_frame *f, size_t off, unsigned int v)
{
	if (off < GEN_FRAME_MAX)
		f->b[off] = (uint8_t)v;
}

static void put16(struct gen_frame *f, size_t off, unsigned int v)
{
	put8(f, off, v >> 8);
	put8(f, off + 1, v);
}

static void put_random(struct gen *g, struct gen_frame *f, size_t off, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		put8(f, off + i, rn(g, 256));
}

static void field(struct gen_frame *f, size_t off, int width, unsigned int mask, const char *name)
{
	if (f->nfld >= GEN_FIELDS_MAX)
		return;
	f->fld[f->nfld].off = (uint16_t)off;
	f->fld[f->nfld].width = (uint8_t)width;
	f->fld[f->nfld].mask = (uint16_t)mask;
	f->fld[f->nfld].name = name;
	f->nfld++;
}

static void kind_add(struct gen_frame *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void kind_add(struct gen_frame *f, const char *fmt, ...)
{
	size_t l = strlen(f->kind);
	va_list ap;

	if (l >= sizeof(f->kind) - 1)
		return;
	va_start(ap, fmt);
	vsnprintf(f->kind + l, sizeof(f->kind) - l, fmt, ap);
	va_end(ap);
}

/* Ports that sit on or next to the edges of the fuzzer's rule sets. */
static const uint16_t hot_ports[] = {
	7070, 7069, 7071, 1000, 999, 1001, 1500, 1499, 1501, 1549, 1550, 1551,
	1600, 1601, 1599, 2000, 2001, 1999, 1004, 1005, 1006, 1009, 1010, 1011,
	1014, 1015, 1016, 5000, 4999, 5100, 5101, 53, 0, 1, 65535, 80, 443,
};

static unsigned int pick_port(struct gen *g)
{
	return chance(g, 75) ? PICK(g, hot_ports) : rn(g, 65536);
}

/* --- L4 ------------------------------------------------------------------ */

/*
 * Write an L4 header of proto at pos and a payload; return the end. With
 * `cut` >= 0 only the first cut bytes of it are kept (tiny fragments).
 */
static size_t build_l4(struct gen *g, struct gen_frame *f, size_t pos, unsigned int proto,
		       int is_v6)
{
	size_t hdr, payload = chance(g, 40) ? 0 : chance(g, 95) ? rn(g, 48) : rn(g, 1500);
	static const uint8_t icmp6_types[] = {
		128, 129, 1, 2, 3, 4, 132, 133, 134, 135, 136, 137, 138, 143, 0, 255,
	};

	if (proto == 6) {
		unsigned int doff = chance(g, 60) ? 5 : 5 + rn(g, 11);

		hdr = doff * 4;
		put16(f, pos, pick_port(g));
		put16(f, pos + 2, pick_port(g));
		put_random(g, f, pos + 4, 8);		/* seq, ack */
		put8(f, pos + 12, doff << 4);
		put8(f, pos + 13, rn(g, 256));		/* flags */
		put_random(g, f, pos + 14, 6);		/* window, csum, urg */
		put_random(g, f, pos + 20, hdr - 20);	/* options */
		field(f, pos, 2, 0xffff, "tcp.sport");
		field(f, pos + 2, 2, 0xffff, "tcp.dport");
		field(f, pos + 12, 1, 0xf0, "tcp.doff");
		kind_add(f, "/tcp-doff%u", doff);
	} else if (proto == 17) {
		hdr = 8;
		put16(f, pos, pick_port(g));
		put16(f, pos + 2, pick_port(g));
		put16(f, pos + 4, 8 + payload);
		put16(f, pos + 6, rn(g, 65536));
		field(f, pos, 2, 0xffff, "udp.sport");
		field(f, pos + 2, 2, 0xffff, "udp.dport");
		kind_add(f, "/udp");
	} else if (proto == 1 || proto == 58) {
		unsigned int type;

		hdr = 8;
		if (proto == 58 || (is_v6 && chance(g, 50)))
			type = chance(g, 85) ? PICK(g, icmp6_types) : rn(g, 256);
		else
			type = rn(g, 20);
		put8(f, pos, type);
		put_random(g, f, pos + 1, 7);
		field(f, pos, 1, 0xff, "icmp.type");
		field(f, pos + 1, 1, 0xff, "icmp.code");
		kind_add(f, "/icmp%s-type%u", proto == 58 ? "v6" : "", type);
		if (type >= 133 && type <= 137) {
			/* Mostly ND as sent (code 0), or with any code. */
			if (chance(g, 80))
				put8(f, pos + 1, 0);
			kind_add(f, "-code%u", f->b[pos + 1]);
			if (chance(g, 70))
				payload = 16 + 8 * rn(g, 3);	/* target + options */
		}
	} else {
		hdr = 0;
		kind_add(f, "/proto%u", proto);
	}
	put_random(g, f, pos + hdr, payload);
	return pos + hdr + payload;
}

/* IPv4 protocol numbers: the named ones and some that look like IPv6 headers. */
static const uint8_t v4_protos[] = {
	6, 6, 6, 6, 17, 17, 17, 1, 1, 47, 47, 58, 0, 44, 51, 60, 43, 59, 132, 255,
};
/* IPv6 upper-layer protocols. */
static const uint8_t v6_protos[] = {
	6, 6, 6, 6, 17, 17, 17, 58, 58, 58, 1, 47, 59, 132, 255,
};

/* --- IPv4 ---------------------------------------------------------------- */

static size_t build_ipv4(struct gen *g, struct gen_frame *f, size_t l3)
{
	unsigned int ihl = chance(g, 70) ? 5 : 6 + rn(g, 10);
	unsigned int proto = chance(g, 90) ? PICK(g, v4_protos) : rn(g, 256);
	unsigned int frag = 0, sum = 0, i, r = rn(g, 100);
	size_t end, l4 = l3 + ihl * 4;

	kind_add(f, "ipv4-ihl%u", ihl);
	put8(f, l3, 0x40 | ihl);
	put8(f, l3 + 1, rn(g, 256));			/* DSCP/ECN */
	put16(f, l3 + 4, rn(g, 65536));			/* id */
	put8(f, l3 + 8, 1 + rn(g, 255));		/* TTL */
	put8(f, l3 + 9, proto);
	put_random(g, f, l3 + 12, 8);			/* addresses */
	/* Options: NOPs, an EOL, or random bytes (they are skipped anyway). */
	for (i = 20; i < ihl * 4; i++)
		put8(f, l3 + i, chance(g, 50) ? 1 : rn(g, 256));

	if (r < 70) {
		frag = chance(g, 50) ? 0x4000 : 0;	/* DF or nothing */
	} else if (r < 82) {
		frag = 0x2000;				/* first fragment, MF */
		kind_add(f, "/frag-first");
	} else {
		unsigned int off = chance(g, 50) ? 1 + rn(g, 3) : 1 + rn(g, 0x1fff);

		frag = off | (chance(g, 50) ? 0x2000 : 0);
		kind_add(f, "/frag-off%u", off);
	}
	put16(f, l3 + 6, frag);

	end = build_l4(g, f, l4, proto, 0);
	/* Tiny first fragment (RFC 1858): the L4 header cut short. */
	if ((frag & 0x2000) && !(frag & 0x1fff) && end > l4 && chance(g, 40)) {
		end = l4 + rn(g, (uint32_t)(end - l4 < 24 ? end - l4 : 24));
		kind_add(f, "/tiny%u", (unsigned int)(end - l4));
	}
	put16(f, l3 + 2, end - l3);
	for (i = 0; i < ihl * 4; i += 2)
		sum += (i == 10) ? 0 : ((unsigned int)f->b[l3 + i] << 8 | f->b[l3 + i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	put16(f, l3 + 10, ~sum & 0xffff);

	field(f, l3, 1, 0xf0, "ip.version");
	field(f, l3, 1, 0x0f, "ip.ihl");
	field(f, l3 + 2, 2, 0xffff, "ip.totlen");
	field(f, l3 + 6, 2, 0x1fff, "ip.fragoff");
	field(f, l3 + 6, 2, 0xe000, "ip.flags");
	field(f, l3 + 9, 1, 0xff, "ip.proto");
	return end;
}

/* --- IPv6 ---------------------------------------------------------------- */

static const uint8_t ext_types[] = { 0, 43, 60, 51, 44 };

static size_t build_ipv6(struct gen *g, struct gen_frame *f, size_t l3)
{
	unsigned int n_ext, i, r = rn(g, 100);
	size_t pos = l3 + 40, nh_at = l3 + 6, end;
	unsigned int proto = chance(g, 90) ? PICK(g, v6_protos) : rn(g, 256);

	if (r < 40)
		n_ext = 0;
	else if (r < 70)
		n_ext = 1 + rn(g, 3);
	else if (r < 90)
		n_ext = 4 + rn(g, 5);
	else
		n_ext = 9 + rn(g, 2);
	kind_add(f, "ipv6-ext%u", n_ext);

	put8(f, l3, 0x60 | rn(g, 16));
	put_random(g, f, l3 + 1, 3);			/* class, flow */
	/* Hop limit: 255 as Neighbor Discovery needs it, or any other. */
	put8(f, l3 + 7, chance(g, 50) ? 255 : 1 + rn(g, 255));
	put_random(g, f, l3 + 8, 32);			/* addresses */
	field(f, l3, 1, 0xf0, "ip6.version");
	field(f, l3 + 4, 2, 0xffff, "ip6.plen");
	field(f, l3 + 6, 1, 0xff, "ip6.nexthdr");
	field(f, l3 + 7, 1, 0xff, "ip6.hoplimit");

	for (i = 0; i < n_ext; i++) {
		unsigned int type = PICK(g, ext_types), len;
		size_t size;

		put8(f, nh_at, type);
		nh_at = pos;
		field(f, pos, 1, 0xff, "ext.nexthdr");
		if (type == 44) {
			unsigned int off = 0;

			if (chance(g, 30)) {
				off = chance(g, 50) ? 1 + rn(g, 3) : 1 + rn(g, 0x1fff);
				kind_add(f, "/frag6-off%u", off);
			} else {
				kind_add(f, "/frag6-first");
			}
			put8(f, pos + 1, 0);
			put16(f, pos + 2, (off << 3) | (chance(g, 60) ? 1 : 0));
			put_random(g, f, pos + 4, 4);
			field(f, pos + 2, 2, 0xfff8, "frag6.offset");
			size = 8;
		} else {
			len = chance(g, 60) ? (type == 51 ? 1 : 0) : chance(g, 90) ? rn(g, 4) : rn(g, 256);
			if (pos + (len + 2) * 8 > 2400)	/* leave room for the rest */
				len = 0;
			size = type == 51 ? (len + 2) * 4 : (len + 1) * 8;
			put8(f, pos + 1, len);
			/* PadN option filling the rest, or random bytes. */
			if (chance(g, 50) && type != 51 && size >= 4) {
				put8(f, pos + 2, 1);
				put8(f, pos + 3, size - 4);
				memset(f->b + pos + 4, 0, size - 4);
			} else {
				put_random(g, f, pos + 2, size - 2);
			}
			field(f, pos + 1, 1, 0xff, "ext.len");
			kind_add(f, "/ext%u", type);
		}
		pos += size;
	}
	put8(f, nh_at, proto);
	end = build_l4(g, f, pos, proto, 1);
	put16(f, l3 + 4, end - l3 - 40);
	return end;
}

/* --- Ethernet, VLAN, ARP, the rest --------------------------------------- */

/*
 * ARP: mostly an Ethernet/IPv4 request or reply, sometimes another opcode;
 * padded to 46 bytes now and then, or carrying a long body (a covert
 * channel must not pass). Field mutations break the rest.
 */
static size_t build_arp(struct gen *g, struct gen_frame *f, size_t l3)
{
	static const uint16_t ops[] = { 1, 2, 1, 2, 1, 2, 0, 3, 4, 8, 9, 0x0101, 0xffff };
	unsigned int op = PICK(g, ops), r = rn(g, 100);
	size_t extra;

	put16(f, l3, 1);
	put16(f, l3 + 2, 0x0800);
	put8(f, l3 + 4, 6);
	put8(f, l3 + 5, 4);
	put16(f, l3 + 6, op);
	put_random(g, f, l3 + 8, 20);
	field(f, l3, 2, 0xffff, "arp.htype");
	field(f, l3 + 2, 2, 0xffff, "arp.ptype");
	field(f, l3 + 4, 1, 0xff, "arp.hlen");
	field(f, l3 + 5, 1, 0xff, "arp.plen");
	field(f, l3 + 6, 2, 0xffff, "arp.op");
	if (r < 50)
		extra = 0;
	else if (r < 75)
		extra = 18 - rn(g, 3);			/* at or near 46 bytes */
	else if (r < 90)
		extra = 19 + rn(g, 3);			/* just over */
	else
		extra = rn(g, 1400);			/* a long body */
	put_random(g, f, l3 + 28, extra);
	kind_add(f, "arp-op%u+%zu", op, extra);
	return l3 + 28 + extra;
}

static const uint16_t other_ethertypes[] = {
	0x88cc, 0x8847, 0x8035, 0x88b5, 0x9000, 0x0600, 0x05dc, 0x0000, 0xffff, 0x9100,
	0x0801, 0x86dc, 0x86de, 0x0805, 0x0807,
};

/* Ethernet header and 0..3 tags; returns the offset of the ethertype. */
static size_t build_eth(struct gen *g, struct gen_frame *f, unsigned int *tags_out)
{
	unsigned int tags, r = rn(g, 100), i;
	size_t pos = 12;

	tags = r < 60 ? 0 : r < 80 ? 1 : r < 95 ? 2 : 3;
	put_random(g, f, 0, 12);
	f->b[0] &= 0xfe;	/* unicast destination */
	for (i = 0; i < tags; i++) {
		put16(f, pos, chance(g, 50) ? 0x8100 : 0x88a8);
		put16(f, pos + 2, rn(g, 65536));
		field(f, pos, 2, 0xffff, "vlan.tpid");
		pos += 4;
	}
	field(f, pos, 2, 0xffff, "ethertype");
	if (tags)
		kind_add(f, "vlan%u/", tags);
	*tags_out = tags;
	return pos;
}

/* A well-formed frame of a random kind. */
static void build_valid(struct gen *g, struct gen_frame *f)
{
	unsigned int tags, r = rn(g, 100);
	size_t et = build_eth(g, f, &tags), l3 = et + 2;

	if (r < 8) {
		put16(f, et, 0x0806);
		f->len = build_arp(g, f, l3);
	} else if (r < 50) {
		put16(f, et, 0x0800);
		f->len = build_ipv4(g, f, l3);
	} else if (r < 92) {
		put16(f, et, 0x86dd);
		f->len = build_ipv6(g, f, l3);
	} else {
		unsigned int type = PICK(g, other_ethertypes);
		size_t n = rn(g, 64);

		put16(f, et, type);
		put_random(g, f, l3, n);
		kind_add(f, "ethertype-0x%04x", type);
		f->len = l3 + n;
	}
}

/* --- variations ---------------------------------------------------------- */

static const uint16_t hot_ethertypes[] = { 0x0800, 0x86dd, 0x0806, 0x8100, 0x88a8, 0x9100, 0x0000 };
static const uint8_t hot_icmp_types[] = { 132, 133, 134, 135, 136, 137, 138, 128, 8, 0 };
static const uint8_t hot_nexthdrs[] = { 0, 43, 60, 51, 44, 6, 17, 58, 1, 59, 47 };

/* Set one recorded field to an edge value, a neighbour or a random one. */
static void mutate_field(struct gen *g, struct gen_frame *f, const struct gen_field *fl)
{
	unsigned int word, shift = 0, max, cur, val;

	while (!((fl->mask >> shift) & 1))
		shift++;
	max = fl->mask >> shift;
	word = fl->width == 2 ? (unsigned int)f->b[fl->off] << 8 | f->b[fl->off + 1] : f->b[fl->off];
	cur = (word & fl->mask) >> shift;

	switch (rn(g, 10)) {
	case 0: val = 0; break;
	case 1: val = 1 + rn(g, 2); break;
	case 2: val = max - rn(g, 2); break;
	case 3: val = cur - 1 - rn(g, 4); break;
	case 4: val = cur + 1 + rn(g, 4); break;
	case 5: val = cur ^ (1u << rn(g, 16)); break;
	case 6:
		if (!strcmp(fl->name, "ethertype") || !strcmp(fl->name, "vlan.tpid"))
			val = PICK(g, hot_ethertypes);
		else if (strstr(fl->name, "nexthdr") || !strcmp(fl->name, "ip.proto"))
			val = PICK(g, hot_nexthdrs);
		else if (!strcmp(fl->name, "ip.version") || !strcmp(fl->name, "ip6.version"))
			val = 4 + rn(g, 3);
		else if (!strcmp(fl->name, "icmp.type"))
			val = PICK(g, hot_icmp_types);
		else if (!strcmp(fl->name, "ip6.hoplimit"))
			val = 254 + rn(g, 2);
		else if (!strcmp(fl->name, "arp.ptype"))
			val = chance(g, 50) ? 0x0800 : 0x86dd;
		else
			val = rn(g, max + 1);
		break;
	default: val = rn(g, max + 1); break;
	}
	val &= max;
	word = (word & ~fl->mask) | (val << shift);
	if (fl->width == 2) {
		f->b[fl->off] = word >> 8;
		f->b[fl->off + 1] = word & 0xff;
	} else {
		f->b[fl->off] = word & 0xff;
	}
	kind_add(f, " %s=%u", fl->name, val);
}

void gen_next(struct gen *g, struct gen_frame *out)
{
	unsigned int r;

	if (g->sweep_next) {
		/* Every truncation of the base frame, one per call. */
		memcpy(out->b, g->base.b, g->sweep_next);
		out->len = g->sweep_next;
		snprintf(out->kind, sizeof(out->kind), "%.70s +cut%zu", g->base.kind, out->len);
		out->nfld = 0;
		if (++g->sweep_next >= g->base.len)
			g->sweep_next = 0;
		return;
	}

	memset(out, 0, sizeof(*out));
	r = rn(g, 1000);
	if (r >= 880) {
		/* Random bytes after an Ethernet header of an interesting type. */
		unsigned int tags;
		size_t et = build_eth(g, out, &tags), n = rn(g, 160), i;

		put16(out, et, chance(g, 80) ? PICK(g, hot_ethertypes) : rn(g, 65536));
		put_random(g, out, et + 2, n);
		if (chance(g, 50) && n)	/* a plausible first byte */
			put8(out, et + 2, (chance(g, 50) ? 0x40 : 0x60) | rn(g, 16));
		for (i = 0; i < 4 && n > 8; i++)	/* plausible lengths now and then */
			if (chance(g, 20))
				put16(out, et + 2 + 2 * (1 + rn(g, 3)), rn(g, (uint32_t)n + 8));
		out->len = et + 2 + n;
		snprintf(out->kind, sizeof(out->kind), "random %zu bytes after ethertype 0x%04x",
			 n, (unsigned int)(out->b[et] << 8 | out->b[et + 1]));
		return;
	}

	build_valid(g, out);
	if (r < 5 && out->len > 15 && out->len <= 600) {
		/* Start a sweep over every truncation of this frame. */
		g->base = *out;
		g->sweep_next = 14;
		gen_next(g, out);
		return;
	}
	if (r < 300) {
		if (chance(g, 25)) {
			size_t pad = 1 + rn(g, 40);

			put_random(g, out, out->len, pad);
			out->len += pad;
			kind_add(out, " +pad%u", (unsigned int)pad);
		}
	} else if (r < 400) {
		if (out->len > 14) {
			out->len = 14 + rn(g, (uint32_t)(out->len - 14));
			kind_add(out, " +cut%u", (unsigned int)out->len);
		}
	} else if (out->nfld) {
		unsigned int n = 1 + (chance(g, 30) ? rn(g, 3) : 0), i;

		for (i = 0; i < n; i++)
			mutate_field(g, out, &out->fld[rn(g, out->nfld)]);
		if (chance(g, 15) && out->len > 14) {
			out->len = 14 + rn(g, (uint32_t)(out->len - 14));
			kind_add(out, " +cut%u", (unsigned int)out->len);
		} else if (chance(g, 15)) {
			size_t pad = 1 + rn(g, 40);

			put_random(g, out, out->len, pad);
			out->len += pad;
			kind_add(out, " +pad%u", (unsigned int)pad);
		}
	}
	if (out->len < 14)
		out->len = 14;
	if (out->len > GEN_FRAME_MAX)
		out->len = GEN_FRAME_MAX;
}
