// SPDX-License-Identifier: GPL-2.0
/* frame.c - build the frames described by struct fspec (see frame.h). */
#include <string.h>
#include <arpa/inet.h>
#include "frame.h"

static const uint8_t mac_dst[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };
static const uint8_t mac_src[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

/* Size of an IPv6 extension header by its type's formula. */
static int ext_size(const struct fext *e)
{
	if (e->type == 44)
		return 8;
	if (e->type == 51)
		return (e->hdrlen + 2) * 4;
	return (e->hdrlen + 1) * 8;
}

/* An address of the frame's family (af) at p: text, or the default. */
static void put_addr(uint8_t *p, int af, const char *text, const uint8_t *def, int size)
{
	if (!text || inet_pton(af, text, p) != 1)
		memcpy(p, def, size);
}

/* Addresses given must be of the frame's family: a typo is a test bug. */
static int addrs_ok(const struct fspec *s)
{
	uint8_t a[16];
	int af = s->l3 == L3_V4 ? AF_INET : AF_INET6;

	if ((s->src || s->dst) && s->l3 != L3_V4 && s->l3 != L3_V6)
		return 0;
	return (!s->src || inet_pton(af, s->src, a) == 1) &&
	       (!s->dst || inet_pton(af, s->dst, a) == 1);
}

static uint16_t csum(const uint8_t *p, int len)
{
	uint32_t sum = 0;
	int i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (p[i] << 8) | p[i + 1];
	if (len & 1)
		sum += p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

/* The L4 header (natural size or as asked) and payload at p; returns bytes. */
static int build_l4(const struct fspec *s, uint8_t *p)
{
	uint8_t hdr[64] = {};
	int natural = 0, n, doff = s->doff ? s->doff & 0xf : 5;

	switch (s->proto) {
	case 6:
		natural = doff >= 5 ? doff * 4 : 20;
		put16(hdr, s->sport);
		put16(hdr + 2, s->dport);
		put16(hdr + 4, 0x1234);		/* sequence number */
		hdr[12] = doff << 4;
		hdr[13] = 0x02;			/* SYN */
		put16(hdr + 14, 65535);		/* window */
		memset(hdr + 20, 1, sizeof(hdr) - 20);	/* NOP options */
		break;
	case 17:
		natural = 8;
		put16(hdr, s->sport);
		put16(hdr + 2, s->dport);
		put16(hdr + 4, 8 + s->payload);
		break;
	case 1:
	case 58:
		natural = 8;
		hdr[0] = s->icmp_type;
		hdr[1] = s->icmp_code;
		put16(hdr + 4, 0x4242);		/* identifier */
		break;
	default:
		natural = 0;
		break;
	}
	n = s->l4_len > 0 ? s->l4_len : s->l4_len < 0 ? 0 : natural;
	if (n > (int)sizeof(hdr))
		n = sizeof(hdr);
	memcpy(p, hdr, n);
	memset(p + n, 0xa5, s->payload);
	return n + s->payload;
}

static int build_ipv4(const struct fspec *s, uint8_t *p)
{
	int ihl = s->ihl ? s->ihl & 0xf : 5, hlen = ihl * 4, len, tot;

	if (hlen < 20)
		hlen = 20;		/* the fixed header is always written */
	memset(p, 0, hlen);
	memset(p + 20, 1, hlen - 20);	/* NOP options */
	len = hlen + build_l4(s, p + hlen);
	tot = s->l3_len > 0 ? s->l3_len : len + s->len_adj;
	p[0] = (s->ver ? s->ver : 4) << 4 | (ihl & 0xf);
	put16(p + 2, tot);
	put16(p + 4, 0x0101);		/* id */
	put16(p + 6, s->frag);
	p[8] = 64;			/* TTL */
	p[9] = s->proto;
	put_addr(p + 12, AF_INET, s->src, (const uint8_t[4]){ 10, 0, 0, 1 }, 4);
	put_addr(p + 16, AF_INET, s->dst, (const uint8_t[4]){ 10, 0, 0, 2 }, 4);
	put16(p + 10, csum(p, hlen));
	return len;
}

static int build_ipv6(const struct fspec *s, uint8_t *p)
{
	int off = 40, i, plen;

	memset(p, 0, 40);
	p[0] = (s->ver ? s->ver : 6) << 4;
	p[6] = s->next ? s->ext[0].type : s->proto;
	p[7] = s->hlim ? s->hlim : 64;	/* hop limit */
	put_addr(p + 8, AF_INET6, s->src, (const uint8_t[16]){ 0xfd, [15] = 1 }, 16);
	put_addr(p + 24, AF_INET6, s->dst, (const uint8_t[16]){ 0xfd, [15] = 2 }, 16);
	for (i = 0; i < s->next; i++) {
		const struct fext *e = &s->ext[i];
		int size = ext_size(e);

		memset(p + off, 0, size);	/* Pad1 options, zero reserved bytes */
		p[off] = i + 1 < s->next ? s->ext[i + 1].type : s->proto;
		p[off + 1] = e->hdrlen;
		if (e->type == 44)
			put16(p + off + 2, e->frag);
		off += size;
	}
	off += build_l4(s, p + off);
	plen = s->l3_len > 0 ? s->l3_len - 40 : off - 40 + s->len_adj;
	put16(p + 4, plen);
	return off;
}

static int build_arp(uint8_t *p)
{
	static const uint8_t arp[28] = {
		0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01,	/* request */
		0x02, 0, 0, 0, 0, 1, 10, 0, 0, 1,		/* sender */
		0, 0, 0, 0, 0, 0, 10, 0, 0, 2,			/* target */
	};

	memcpy(p, arp, sizeof(arp));
	return sizeof(arp);
}

size_t frame_build(const struct fspec *s, uint8_t *buf)
{
	uint16_t type;
	int off = 12, l3, len, i;

	if (!addrs_ok(s))
		return 0;	/* the caller's "test bug" */
	memset(buf, 0, FRAME_MAX);
	memcpy(buf, mac_dst, 6);
	memcpy(buf + 6, mac_src, 6);
	switch (s->l3) {
	case L3_ARP: type = 0x0806; break;
	case L3_V4: type = 0x0800; break;
	case L3_V6: type = 0x86dd; break;
	default: type = s->ethertype; break;
	}
	for (i = 0; i < FSPEC_MAX_TAGS && s->tags[i]; i++) {
		put16(buf + off, s->tags[i]);
		put16(buf + off + 2, 100 + i);	/* TCI: VLAN id */
		off += 4;
	}
	put16(buf + off, type);
	off += 2;

	switch (s->l3) {
	case L3_ARP: l3 = build_arp(buf + off); break;
	case L3_V4: l3 = build_ipv4(s, buf + off); break;
	case L3_V6: l3 = build_ipv6(s, buf + off); break;
	default:
		memset(buf + off, 0x5a, s->raw_len);
		l3 = s->raw_len;
		break;
	}
	memset(buf + off + l3, 0x77, s->pad);	/* padding is not zero: must be ignored */
	for (i = 0; i < s->npoke && i < FSPEC_MAX_POKES; i++)
		if (off + s->poke[i].off < FRAME_MAX)
			buf[off + s->poke[i].off] = s->poke[i].val;
	len = off + l3 + s->pad - s->cut;
	if (s->keep_l3 > 0)
		len = off + s->keep_l3;
	if (s->keep > 0)
		len = s->keep;
	return len;
}
