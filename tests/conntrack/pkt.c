// SPDX-License-Identifier: GPL-2.0
/* pkt.c - build the frames struct pk describes (see pkt.h). */
#include <string.h>
#include "pkt.h"

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

static void addr(const struct pk *p, int host, uint8_t *out)
{
	if (p->v6) {
		memset(out, 0, 16);
		out[0] = 0xfd;
		put16(out + 14, host);
	} else {
		out[0] = 10;
		out[1] = 0;
		put16(out + 2, host);
	}
}

/* L4 header and payload at out; returns bytes. */
static int l4(const struct pk *p, uint8_t *out)
{
	int n = 0;

	if (p->frag && p->frag_off) {		/* a later fragment: bytes only */
		memset(out, 0xa5, p->payload);
		return p->payload;
	}
	switch (p->proto) {
	case 6:
		memset(out, 0, 20);
		put16(out, p->sport);
		put16(out + 2, p->dport);
		put32(out + 4, 1000);		/* seq */
		put32(out + 8, p->flags & TCP_ACK ? 2000 : 0);
		out[12] = 5 << 4;
		out[13] = p->flags;
		put16(out + 14, 65535);
		n = 20;
		break;
	case 17:
		put16(out, p->sport);
		put16(out + 2, p->dport);
		put16(out + 4, 8 + p->payload);
		put16(out + 6, 0);
		n = 8;
		break;
	case 1:
	case 58:
		memset(out, 0, 8);
		out[0] = p->type;
		out[1] = p->code;
		if (p->embed) {
			if (p->type == 3 && p->code == 4)
				put16(out + 6, 1400);		/* next-hop MTU */
			if (p->type == 2 && p->v6)
				put32(out + 4, 1280);		/* MTU */
			memcpy(out + 8, p->embed, p->embed_len);
			return 8 + p->embed_len;
		}
		put16(out + 4, p->id);
		put16(out + 6, 1);			/* sequence */
		n = 8;
		break;
	}
	memset(out + n, 0x5a, p->payload);
	return n + p->payload;
}

size_t pk_build_l3(const struct pk *p, uint8_t *buf)
{
	int len;

	if (!p->v6) {
		memset(buf, 0, 20);
		buf[0] = 0x45;
		put16(buf + 4, p->frag_id);
		put16(buf + 6, (p->mf ? 0x2000 : 0) | (p->frag_off & 0x1fff));
		buf[8] = 64;
		buf[9] = p->proto;
		addr(p, p->src, buf + 12);
		addr(p, p->dst, buf + 16);
		len = 20 + l4(p, buf + 20);
		put16(buf + 2, len);
		return len;
	}
	memset(buf, 0, 40);
	buf[0] = 0x60;
	buf[6] = p->frag ? 44 : p->proto;
	buf[7] = 64;
	addr(p, p->src, buf + 8);
	addr(p, p->dst, buf + 24);
	len = 40;
	if (p->frag) {
		memset(buf + 40, 0, 8);
		buf[40] = p->frag_off && p->later_nh ? p->later_nh : p->proto;
		put16(buf + 42, p->frag_off << 3 | (p->mf ? 1 : 0));
		put32(buf + 44, p->frag_id);
		len += 8;
	}
	len += l4(p, buf + len);
	put16(buf + 4, len - 40);
	return len;
}

size_t pk_build(const struct pk *p, uint8_t *buf)
{
	static const uint8_t macs[12] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1 };

	memset(buf, 0, PKT_MAX);
	memcpy(buf, macs, 12);
	put16(buf + 12, p->v6 ? 0x86dd : 0x0800);
	return 14 + pk_build_l3(p, buf + 14);
}
