// SPDX-License-Identifier: GPL-2.0
/* gen.c - the frame generator (see gen.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
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
	if (g->hints && g->hints->nports && chance(g, 65))
		return g->hints->ports[rn(g, g->hints->nports)];
	return chance(g, 75) ? PICK(g, hot_ports) : rn(g, 65536);
}

/* An address of a rule's edge now and then, else a random one. */
static void put_addr(struct gen *g, struct gen_frame *f, size_t off, int v6)
{
	const struct gen_hints *h = g->hints;
	unsigned int n = h ? (v6 ? h->n6 : h->n4) : 0;

	if (n && chance(g, 75)) {
		memcpy(f->b + off, v6 ? h->v6[rn(g, n)] : h->v4[rn(g, n)], v6 ? 16 : 4);
		return;
	}
	put_random(g, f, off, v6 ? 16 : 4);
}

/* A protocol some rule names, now and then. */
static unsigned int hint_proto(struct gen *g, unsigned int proto)
{
	const struct gen_hints *h = g->hints;

	return h && h->nprotos && chance(g, 20) ? h->protos[rn(g, h->nprotos)] : proto;
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
		if (g->hints && g->hints->nicmp && chance(g, 50)) {
			const uint8_t *tc = g->hints->icmp[rn(g, g->hints->nicmp)];

			type = tc[0];
			put8(f, pos, type);
			put8(f, pos + 1, chance(g, 80) ? tc[1] : rn(g, 256));
		}
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
	unsigned int proto = hint_proto(g, chance(g, 90) ? PICK(g, v4_protos) : rn(g, 256));
	unsigned int frag = 0, sum = 0, i, r = rn(g, 100);
	size_t end, l4 = l3 + ihl * 4;

	kind_add(f, "ipv4-ihl%u", ihl);
	put8(f, l3, 0x40 | ihl);
	put8(f, l3 + 1, rn(g, 256));			/* DSCP/ECN */
	put16(f, l3 + 4, rn(g, 65536));			/* id */
	put8(f, l3 + 8, 1 + rn(g, 255));		/* TTL */
	put8(f, l3 + 9, proto);
	put_addr(g, f, l3 + 12, 0);			/* addresses */
	put_addr(g, f, l3 + 16, 0);
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
	unsigned int proto = hint_proto(g, chance(g, 90) ? PICK(g, v6_protos) : rn(g, 256));

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
	put_addr(g, f, l3 + 8, 1);			/* addresses */
	put_addr(g, f, l3 + 24, 1);
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

/* --- rule sets ------------------------------------------------------------ */

#define POOL_ADDRS	GEN_POOL_ADDRS
#define POOL_PORTS	GEN_POOL_PORTS

/* Anchors: a random base and neighbours of it differing from some bit on. */
static void pool_init(struct gen *g, struct gen_pool *p)
{
	static const uint16_t edge_ports[] = { 0, 1, 53, 80, 443, 1023, 1024, 65534, 65535 };
	int i, j, keep;

	for (j = 0; j < 4; j++)
		p->v4[0][j] = rn(g, 256);
	for (j = 0; j < 16; j++)
		p->v6[0][j] = rn(g, 256);
	for (i = 1; i < POOL_ADDRS; i++) {
		keep = rn(g, 33);	/* leading bits shared with the base */
		for (j = 0; j < 4; j++)
			p->v4[i][j] = j * 8 + 8 <= keep ? p->v4[0][j] :
				      j * 8 < keep ? (p->v4[0][j] & (0xff00 >> (keep - j * 8))) |
						     (rn(g, 256) & (0xff >> (keep - j * 8))) :
				      rn(g, 256);
		keep = rn(g, 129);
		for (j = 0; j < 16; j++)
			p->v6[i][j] = j * 8 + 8 <= keep ? p->v6[0][j] :
				      j * 8 < keep ? (p->v6[0][j] & (0xff00 >> (keep - j * 8))) |
						     (rn(g, 256) & (0xff >> (keep - j * 8))) :
				      rn(g, 256);
	}
	for (i = 0; i < POOL_PORTS; i++)
		p->ports[i] = chance(g, 40) ? PICK(g, edge_ports) : rn(g, 65536);
}

static void make_prefix(struct gen *g, const struct gen_pool *pool, int v6, struct ref_prefix *p)
{
	static const uint8_t lens4[] = { 8, 16, 24, 32, 32, 31, 28, 20, 12, 1 };
	static const uint8_t lens6[] = { 16, 32, 48, 64, 64, 96, 120, 127, 128, 128 };
	unsigned int max = v6 ? 128 : 32, i;

	memset(p, 0, sizeof(*p));
	p->v6 = v6;
	memcpy(p->addr, v6 ? pool->v6[rn(g, POOL_ADDRS)] : pool->v4[rn(g, POOL_ADDRS)], v6 ? 16 : 4);
	if (chance(g, 3))
		p->len = 0;
	else if (chance(g, 70))
		p->len = v6 ? PICK(g, lens6) : PICK(g, lens4);
	else
		p->len = 1 + rn(g, max);
	for (i = 0; i < max / 8; i++) {	/* clear the host bits */
		if (i * 8 >= p->len)
			p->addr[i] = 0;
		else if (i * 8 + 8 > p->len)
			p->addr[i] &= 0xff00 >> (p->len - i * 8);
	}
}

static void make_range(struct gen *g, const struct gen_pool *pool, struct ref_range *r)
{
	unsigned int a = pool->ports[rn(g, POOL_PORTS)], w;

	if (chance(g, 15))
		a = a + (chance(g, 50) ? 1 : -1);
	a &= 0xffff;
	/* Ranges from 0 now and then: a non-first fragment's key has port 0. */
	if (chance(g, 8))
		a = 0;
	w = chance(g, 45) ? 0 : chance(g, 60) ? rn(g, 100) : rn(g, 30000);
	r->lo = a;
	r->hi = a + w > 65535 ? 65535 : a + w;
}

static void make_prefixes(struct gen *g, const struct gen_pool *pool, int anchor_v6,
			  struct ref_prefix *l, uint8_t *n)
{
	int i;

	*n = chance(g, 65) ? 1 : 2 + rn(g, 3);
	for (i = 0; i < *n; i++)	/* the first of the anchor family: families meet */
		make_prefix(g, pool, i ? (int)rn(g, 2) : anchor_v6, &l[i]);
}

static void make_ranges(struct gen *g, const struct gen_pool *pool, struct ref_range *l,
			uint8_t *n)
{
	int i;

	*n = chance(g, 60) ? 1 : 2 + rn(g, 3);
	for (i = 0; i < *n; i++)
		make_range(g, pool, &l[i]);
}

static void gen_rule(struct gen *g, const struct gen_pool *pool, struct ref_rule *r)
{
	static const uint8_t numeric[] = { 0, 2, 47, 50, 59, 132, 255, 44, 60, 6, 17, 1, 58 };
	static const uint8_t types4[] = { 0, 3, 8, 11, 12, 5, 13, 255 };
	static const uint8_t types6[] = { 1, 2, 3, 4, 128, 129, 135, 136, 143, 0 };
	unsigned int k = rn(g, 100);
	int anchor_v6, ports;

	memset(r, 0, sizeof(*r));
	r->deny = chance(g, 45);
	r->proto = k < 28 ? 6 : k < 50 ? 17 : k < 58 ? 1 : k < 66 ? 58 : k < 84 ? REF_ANY :
		   chance(g, 70) ? PICK(g, numeric) : (int)rn(g, 256);
	ports = r->proto == 6 || r->proto == 17;
	r->in = chance(g, 20) ? (int)rn(g, 2) : REF_ANY;
	anchor_v6 = r->proto == 1 ? 0 : r->proto == 58 ? 1 : (int)rn(g, 2);
	if (chance(g, 45))
		make_prefixes(g, pool, anchor_v6, r->src, &r->n_src);
	if (chance(g, 35))
		make_prefixes(g, pool, anchor_v6, r->dst, &r->n_dst);
	if (ports && chance(g, 30)) {
		r->has_ports = 1;
		make_range(g, pool, &r->ports);
	}
	if (ports && chance(g, 25))
		make_ranges(g, pool, r->sport, &r->n_sport);
	if (ports && chance(g, 35))
		make_ranges(g, pool, r->dport, &r->n_dport);
	if ((r->proto == 1 || r->proto == 58) && chance(g, 50)) {
		r->has_type = 1;
		r->type = chance(g, 85) ? (r->proto == 1 ? PICK(g, types4) : PICK(g, types6)) :
			  rn(g, 256);
		if (chance(g, 40)) {
			r->has_code = 1;
			r->code = chance(g, 80) ? rn(g, 5) : rn(g, 256);
		}
		if (chance(g, 10))	/* type 0 code 0: what a fragment's key holds */
			r->type = 0, r->code = 0;
	}
}

void gen_rules(struct gen *g, struct ref_rule *out, int n)
{
	int i;

	if (!g->pool.ready) {
		pool_init(g, &g->pool);
		g->pool.ready = 1;
	}
	for (i = 0; i < n; i++)
		gen_rule(g, &g->pool, &out[i]);
}

/* --- rules as text -------------------------------------------------------- */

struct sb {
	char *p;
	size_t len, at;
};

static void sb_add(struct sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_add(struct sb *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->at >= b->len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->at, b->len - b->at, fmt, ap);
	va_end(ap);
	if (n > 0)
		b->at += (size_t)n;
}

static const char *icmp_name(int proto, int type)
{
	static const struct { int proto, type; const char *name; } names[] = {
		{ 1, 0, "echo-reply" }, { 1, 3, "destination-unreachable" },
		{ 1, 8, "echo-request" }, { 1, 11, "time-exceeded" }, { 1, 12, "parameter-problem" },
		{ 58, 1, "destination-unreachable" }, { 58, 2, "packet-too-big" },
		{ 58, 3, "time-exceeded" }, { 58, 4, "parameter-problem" },
		{ 58, 128, "echo-request" }, { 58, 129, "echo-reply" },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].proto == proto && names[i].type == type)
			return names[i].name;
	return NULL;
}

static void text_proto(struct gen *g, struct sb *b, int proto)
{
	const char *name = proto == 6 ? "tcp" : proto == 17 ? "udp" : proto == 1 ? "icmp" :
			   proto == 58 ? "icmpv6" : NULL;

	if (proto == REF_ANY)
		sb_add(b, " %s", chance(g, 10) ? "ANY" : "any");
	else if (name && chance(g, 80))
		sb_add(b, " %s", name);
	else
		sb_add(b, " %d", proto);
}

static void text_prefixes(struct gen *g, struct sb *b, const char *kw, const struct ref_prefix *l,
			  int n)
{
	char a[INET6_ADDRSTRLEN];
	int i;

	sb_add(b, " %s ", kw);
	for (i = 0; i < n; i++) {
		inet_ntop(l[i].v6 ? AF_INET6 : AF_INET, l[i].addr, a, sizeof(a));
		sb_add(b, "%s%s", i ? "," : "", a);
		if (l[i].len != (l[i].v6 ? 128 : 32) || chance(g, 50))
			sb_add(b, "/%u", l[i].len);
	}
}

static void text_range(struct sb *b, const struct ref_range *r)
{
	if (r->lo == r->hi)
		sb_add(b, "%u", r->lo);
	else
		sb_add(b, "%u-%u", r->lo, r->hi);
}

static void text_ranges(struct sb *b, const char *kw, const struct ref_range *l, int n)
{
	int i;

	sb_add(b, " %s ", kw);
	for (i = 0; i < n; i++) {
		if (i)
			sb_add(b, ",");
		text_range(b, &l[i]);
	}
}

/* A comment with the characters that need care: quotes, backslashes, '#'. */
static void text_comment(struct gen *g, struct sb *b)
{
	static const char chars[] = "ab #\"\\-_.z9";
	int n = rn(g, 24), i;

	sb_add(b, " comment \"");
	for (i = 0; i < n; i++) {
		char c = chars[rn(g, sizeof(chars) - 1)];

		sb_add(b, c == '"' || c == '\\' ? "\\%c" : "%c", c);
	}
	sb_add(b, "\"");
}

void gen_rule_text(struct gen *g, const struct ref_rule *r, const char *const ifname[2],
		   char *buf, size_t len)
{
	struct sb b = { buf, len, 0 };
	int order[6] = { 0, 1, 2, 3, 4, 5 }, i, j, t;
	const char *name;

	buf[0] = 0;
	if (r->deny)
		sb_add(&b, "deny");
	else if (chance(g, 60))
		sb_add(&b, "%s", chance(g, 10) ? "ALLOW" : "allow");
	text_proto(g, &b, r->proto);
	if (r->has_ports) {
		sb_add(&b, " ");
		text_range(&b, &r->ports);
	}
	for (i = 5; i > 0; i--) {	/* the MATCH fields in any order */
		j = rn(g, i + 1);
		t = order[i], order[i] = order[j], order[j] = t;
	}
	for (i = 0; i < 6; i++) {
		switch (order[i]) {
		case 0:
			if (r->in != REF_ANY)
				sb_add(&b, " in %s", ifname[r->in]);
			break;
		case 1:
			if (r->n_src)
				text_prefixes(g, &b, "src", r->src, r->n_src);
			break;
		case 2:
			if (r->n_dst)
				text_prefixes(g, &b, "dst", r->dst, r->n_dst);
			break;
		case 3:
			if (r->n_sport)
				text_ranges(&b, "sport", r->sport, r->n_sport);
			break;
		case 4:
			if (r->n_dport)
				text_ranges(&b, "dport", r->dport, r->n_dport);
			break;
		default:
			if (!r->has_type)
				break;
			name = icmp_name(r->proto, r->type);
			if (name && chance(g, 60))
				sb_add(&b, " type %s", name);
			else
				sb_add(&b, " type %u", r->type);
			if (r->has_code)
				sb_add(&b, "/%u", r->code);
			break;
		}
	}
	if (chance(g, 10))
		text_comment(g, &b);
	/* A leading blank when the action was left out. */
	if (buf[0] == ' ')
		memmove(buf, buf + 1, strlen(buf));
}

/* --- hints: frames on the edges of a rule set --------------------------- */

/* Add to a hint array of at most GEN_HINTS_MAX; past that, replace at random. */
#define HINT_ADD(g, arr, n, value, size)                                                 \
	do {                                                                             \
		unsigned int __at = (n) < GEN_HINTS_MAX ? (n)++ : rn((g), GEN_HINTS_MAX); \
		memcpy((arr)[__at], (value), (size));                                    \
	} while (0)

static void hint_addr(struct gen *g, struct gen_hints *h, const uint8_t *a, int v6)
{
	if (v6)
		HINT_ADD(g, h->v6, h->n6, a, 16);
	else
		HINT_ADD(g, h->v4, h->n4, a, 4);
}

/* The first and last address of p, one inside, and the neighbours outside. */
static void hint_prefix(struct gen *g, struct gen_hints *h, const struct ref_prefix *p)
{
	int size = p->v6 ? 16 : 4, i, bit;
	uint8_t a[16], z[16];

	memcpy(a, p->addr, 16);
	hint_addr(g, h, a, p->v6);			/* first */
	for (i = size - 1; i >= 0 && a[i]-- == 0; i--)	/* first - 1: outside */
		;
	hint_addr(g, h, a, p->v6);
	memcpy(a, p->addr, 16);
	for (bit = p->len; bit < size * 8; bit++)	/* last */
		a[bit / 8] |= 0x80 >> (bit % 8);
	hint_addr(g, h, a, p->v6);
	for (i = size - 1; i >= 0 && ++a[i] == 0; i--)	/* last + 1: outside */
		;
	hint_addr(g, h, a, p->v6);
	memcpy(a, p->addr, 16);
	for (bit = p->len; bit < size * 8; bit++)	/* one inside */
		if (rn(g, 2))
			a[bit / 8] |= 0x80 >> (bit % 8);
	hint_addr(g, h, a, p->v6);
	/* The same bits in the other family: never a match. */
	memset(z, 0, sizeof(z));
	if (p->v6) {
		hint_addr(g, h, p->addr + 12, 0);
	} else {
		memcpy(z + 12, p->addr, 4);
		hint_addr(g, h, z, 1);
		z[10] = z[11] = 0xff;			/* ::ffff:a.b.c.d */
		hint_addr(g, h, z, 1);
	}
}

static void hint_port(struct gen *g, struct gen_hints *h, unsigned int port)
{
	uint16_t v = port & 0xffff;

	if (port > 65535)
		return;
	if (h->nports < GEN_HINTS_MAX)
		h->ports[h->nports++] = v;
	else
		h->ports[rn(g, GEN_HINTS_MAX)] = v;
}

static void hint_range(struct gen *g, struct gen_hints *h, const struct ref_range *r)
{
	hint_port(g, h, r->lo);
	hint_port(g, h, r->hi);
	if (r->lo)
		hint_port(g, h, r->lo - 1u);
	hint_port(g, h, r->hi + 1u);
}

void gen_hints_build(struct gen_hints *h, const struct ref_rule *rules, int n, uint64_t seed)
{
	struct gen g;
	int i, j;

	gen_init(&g, seed ^ 0x68696e7473ULL);
	h->n4 = h->n6 = h->nports = h->nicmp = h->nprotos = 0;
	for (i = 0; i < n; i++) {
		const struct ref_rule *r = &rules[i];

		for (j = 0; j < r->n_src; j++)
			hint_prefix(&g, h, &r->src[j]);
		for (j = 0; j < r->n_dst; j++)
			hint_prefix(&g, h, &r->dst[j]);
		if (r->has_ports)
			hint_range(&g, h, &r->ports);
		for (j = 0; j < r->n_sport; j++)
			hint_range(&g, h, &r->sport[j]);
		for (j = 0; j < r->n_dport; j++)
			hint_range(&g, h, &r->dport[j]);
		if (r->has_type) {
			uint8_t tc[2] = { r->type, r->has_code ? r->code : (uint8_t)rn(&g, 4) };

			HINT_ADD(&g, h->icmp, h->nicmp, tc, 2);
			tc[1]++;
			HINT_ADD(&g, h->icmp, h->nicmp, tc, 2);
			tc[0]++;
			HINT_ADD(&g, h->icmp, h->nicmp, tc, 2);
		}
		if (r->proto != REF_ANY && h->nprotos < 256) {
			for (j = 0; j < (int)h->nprotos && h->protos[j] != r->proto; j++)
				;
			if (j == (int)h->nprotos)
				h->protos[h->nprotos++] = r->proto;
		}
	}
}
