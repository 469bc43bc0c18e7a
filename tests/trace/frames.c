// SPDX-License-Identifier: GPL-2.0
/*
 * frames.c - frames for the trace tests from short specs (tt.h), built by
 * the unit tests' frame builder; running them; collecting records.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "../unit/frame.c"
#include "tt.h"

int tt_failed;

void tt_check(bool ok, const char *what, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		printf("PASS: %s\n", what);
	} else {
		printf("FAIL: %s: ", what);
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
		printf("\n");
		tt_failed++;
	}
	fflush(stdout);
}

static const struct {
	const char *name;
	struct fspec f;
} kinds[] = {
	{ "tcp4", { .l3 = L3_V4, .proto = 6, .sport = 40000, .dport = 80 } },
	{ "udp4", { .l3 = L3_V4, .proto = 17, .sport = 40000, .dport = 53 } },
	{ "tcp6", { .l3 = L3_V6, .proto = 6, .sport = 40000, .dport = 80 } },
	{ "udp6", { .l3 = L3_V6, .proto = 17, .sport = 40000, .dport = 53 } },
	{ "icmp4", { .l3 = L3_V4, .proto = 1, .icmp_type = 8 } },
	{ "icmp6", { .l3 = L3_V6, .proto = 58, .icmp_type = 128 } },
	{ "nd6", { .l3 = L3_V6, .proto = 58, .icmp_type = 135, .hlim = 255 } },
	{ "arp", { .l3 = L3_ARP } },
	{ "ether", { .l3 = L3_RAW, .ethertype = 0x88b5, .raw_len = 46 } },
	{ "bad4", { .l3 = L3_V4, .proto = 6, .sport = 40000, .dport = 80, .ihl = 4 } },
	{ "frag4", { .l3 = L3_V4, .proto = 17, .frag = 100, .payload = 16 } },
	{ "frag6", { .l3 = L3_V6, .proto = 17, .next = 1, .ext = { { 44, 0, 100 << 3 } },
		     .payload = 16 } },
	{ "short", { .l3 = L3_RAW, .ethertype = 0x88b5, .keep = 10 } },
	{ "long", { .l3 = L3_V4, .proto = 17, .sport = 40000, .dport = 53 } },
};

size_t tt_frame(const char *spec, __u8 *buf)
{
	char copy[256], *tok, *save, *eq;
	struct fspec f;
	long len = 0, flags = -1, v;
	const char *kind;
	size_t i, n;
	int tags = 0, l3off;

	snprintf(copy, sizeof(copy), "%s", spec);
	tok = strtok_r(copy, ",", &save);
	for (i = 0; tok && i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(tok, kinds[i].name))
			break;
	if (!tok || i == sizeof(kinds) / sizeof(kinds[0]))
		return 0;
	f = kinds[i].f;
	kind = kinds[i].name;
	while ((tok = strtok_r(NULL, ",", &save))) {
		eq = strchr(tok, '=');
		if (!eq)
			return 0;
		*eq = '\0';
		v = strtol(eq + 1, NULL, 0);
		if (!strcmp(tok, "sport"))
			f.sport = v;
		else if (!strcmp(tok, "dport"))
			f.dport = v;
		else if (!strcmp(tok, "type"))
			f.icmp_type = v;
		else if (!strcmp(tok, "vlan"))
			tags = v;
		else if (!strcmp(tok, "payload"))
			f.payload = v;
		else if (!strcmp(tok, "flags"))
			flags = v;
		else if (!strcmp(tok, "ethertype"))
			f.ethertype = v;
		else if (!strcmp(tok, "len"))
			len = v;
		else if (!strcmp(tok, "frag"))
			f.frag = v;	/* the IPv4 flags and offset word */
		else
			return 0;
	}
	for (i = 0; i < (size_t)tags && i < FSPEC_MAX_TAGS; i++)
		f.tags[i] = 0x8100;
	if (flags >= 0 && f.proto == 6) {
		l3off = f.l3 == L3_V4 ? 20 : 40;
		f.poke[f.npoke].off = l3off + 13;
		f.poke[f.npoke++].val = flags;
	}
	if (!strcmp(kind, "short") && len)
		f.keep = len;
	if (!strcmp(kind, "long") && len > 42 + 4 * tags)
		f.payload = len - 42 - 4 * tags;	/* Ethernet + IPv4 + UDP */
	if (f.payload > TT_FRAME_MAX - 100)
		return 0;
	{
		/* frame_build() assumes FRAME_MAX bytes: build big, copy. */
		static __u8 big[TT_FRAME_MAX + FRAME_MAX];

		n = frame_build(&f, big);
		n = n < TT_FRAME_MAX ? n : TT_FRAME_MAX;
		memcpy(buf, big, n);
		return n;
	}
}

int tt_run(int prog_fd, const void *frame, size_t len, int ifindex, __u32 repeat)
{
	struct xdp_md ctx = { .data_end = len, .ingress_ifindex = ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, o,
		.data_in = frame,
		.data_size_in = len,
		.ctx_in = &ctx,
		.ctx_size_in = sizeof(ctx),
		.repeat = repeat,
	);
	int err = bpf_prog_test_run_opts(prog_fd, &o);

	return err ? err : (int)o.retval;
}

static int collect(void *ctx, void *data, size_t size)
{
	struct tt_recs *recs = ctx;
	struct tt_rec *r;

	if (recs->n == recs->cap) {
		recs->cap = recs->cap ? recs->cap * 2 : 64;
		recs->r = realloc(recs->r, recs->cap * sizeof(*recs->r));
		if (!recs->r)
			return -ENOMEM;
	}
	r = &recs->r[recs->n++];
	memset(r, 0, sizeof(*r));
	memcpy(r, data, size < sizeof(*r) ? size : sizeof(*r));
	return 0;
}

int tt_drain(int ring_fd, struct tt_recs *recs)
{
	struct ring_buffer *rb = ring_buffer__new(ring_fd, collect, recs, NULL);
	size_t before = recs->n;
	int err;

	if (!rb)
		return -errno;
	err = ring_buffer__consume(rb);
	ring_buffer__free(rb);
	return err < 0 ? err : (int)(recs->n - before);
}

void tt_recs_free(struct tt_recs *recs)
{
	free(recs->r);
	memset(recs, 0, sizeof(*recs));
}
