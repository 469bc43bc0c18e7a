// SPDX-License-Identifier: GPL-2.0
/*
 * tap_peer.c - the two hosts of the TAP variant of the end-to-end tests
 * (built as build/tests/e2e).
 *
 * It attaches to two existing persistent TAP devices (scripts/topology.sh up
 * SUFFIX tap), as the VM behind each one would, writes crafted frames on one
 * side and reads what arrives on the other, then prints one test line per
 * check in the format of tests/run.sh:
 *
 *   build/tests/e2e [-p PREFIX] [-w MS] [-b MS] IF_IN IF_OUT CHECK...
 *
 *   CHECK = EXPECT:KIND:DIR[:COUNT]
 *     EXPECT  pass   each frame must arrive on the other side byte-for-byte
 *             block  no frame may arrive on the other side
 *     KIND    icmp icmpv6 udp8080 tcp7070 tcp7070src tcp1234 arp nd
 *     DIR     in  (written on IF_IN, the private host 10.10.0.100, read on
 *                  IF_OUT) or out (the public host 10.10.0.200 the other way)
 *     COUNT   frames to send, each different (default 1)
 *
 *   -w MS     how long to wait for a frame that must arrive (default 1000)
 *   -b MS     how long a frame that must be dropped has to stay away
 *             (default 300)
 *
 * Exit status: 0 all checks passed, 1 some failed, 2 usage or setup error.
 *
 * The fds are non-blocking so that reads can be drained and bounded by
 * poll(). (Frames written through a blocking fd go through the filter just
 * the same, in both modes: checked on 6.18.)
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>

#define FRAME_MAX	2048

enum dir { DIR_IN = 0, DIR_OUT = 1 };

struct host {
	uint8_t mac[6];
	uint8_t ip4[4];
	uint8_t ip6[16];
};

/* [0] private host (behind IF_IN), [1] public host (behind IF_OUT). */
static const struct host hosts[2] = {
	{ { 0x02, 0x00, 0x0a, 0x0a, 0x00, 0x64 }, { 10, 10, 0, 100 },
	  { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00 } },
	{ { 0x02, 0x00, 0x0a, 0x0a, 0x00, 0xc8 }, { 10, 10, 0, 200 },
	  { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x00 } },
};

struct frame {
	uint8_t b[FRAME_MAX];
	size_t len;
};

static uint16_t seq_no;	/* makes every frame sent unique */

/* --- frame building -------------------------------------------------------- */

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (p[i] << 8) | p[i + 1];
	if (len & 1)
		sum += p[len - 1] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

static size_t eth_hdr(uint8_t *p, const uint8_t *dst, const uint8_t *src, uint16_t type)
{
	memcpy(p, dst, 6);
	memcpy(p + 6, src, 6);
	put16(p + 12, type);
	return 14;
}

/* IPv4 header (20 bytes) with a correct header checksum. */
static size_t ip4_hdr(uint8_t *p, const struct host *s, const struct host *d,
		      uint8_t proto, size_t l4_len)
{
	memset(p, 0, 20);
	p[0] = 0x45;
	put16(p + 2, 20 + l4_len);
	put16(p + 4, seq_no);		/* id */
	put16(p + 6, 0x4000);		/* DF */
	p[8] = 64;
	p[9] = proto;
	memcpy(p + 12, s->ip4, 4);
	memcpy(p + 16, d->ip4, 4);
	put16(p + 10, csum_fold(csum_add(0, p, 20)));
	return 20;
}

static size_t ip6_hdr(uint8_t *p, const uint8_t *src, const uint8_t *dst,
		      uint8_t nexthdr, uint8_t hops, size_t l4_len)
{
	memset(p, 0, 40);
	p[0] = 0x60;
	put16(p + 4, l4_len);
	p[6] = nexthdr;
	p[7] = hops;
	memcpy(p + 8, src, 16);
	memcpy(p + 24, dst, 16);
	return 40;
}

/* L4 checksum over the IPv4 or IPv6 pseudo-header at @ip. */
static uint16_t l4_csum(const uint8_t *ip, int v6, uint8_t proto, const uint8_t *l4, size_t len)
{
	uint32_t sum = 0;

	if (v6)
		sum = csum_add(sum, ip + 8, 32);
	else
		sum = csum_add(sum, ip + 12, 8);
	sum += proto + len;
	return csum_fold(csum_add(sum, l4, len));
}

static size_t payload(uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(seq_no * 7 + i);
	return len;
}

/* Build frame @kind from host @s to host @d. Returns 0 or -1 (unknown kind). */
static int build(struct frame *f, const char *kind, const struct host *s, const struct host *d)
{
	uint8_t *p = f->b, *ip, *l4;
	size_t n;

	seq_no++;
	memset(f->b, 0, sizeof(f->b));
	n = eth_hdr(p, d->mac, s->mac, 0x0800);
	ip = p + n;

	if (!strcmp(kind, "icmp")) {
		l4 = ip + 20;
		l4[0] = 8;			/* echo request */
		put16(l4 + 4, 0x4242);
		put16(l4 + 6, seq_no);
		payload(l4 + 8, 56);
		put16(l4 + 2, csum_fold(csum_add(0, l4, 64)));
		n += ip4_hdr(ip, s, d, 1, 64) + 64;
	} else if (!strcmp(kind, "udp8080")) {
		l4 = ip + 20;
		put16(l4, 40000 + seq_no % 1000);
		put16(l4 + 2, 8080);
		put16(l4 + 4, 8 + 32);
		payload(l4 + 8, 32);
		ip4_hdr(ip, s, d, 17, 40);
		put16(l4 + 6, l4_csum(ip, 0, 17, l4, 40));
		n += 20 + 40;
	} else if (!strcmp(kind, "tcp7070") || !strcmp(kind, "tcp1234") ||
		   !strcmp(kind, "tcp7070src")) {
		int from_server = !strcmp(kind, "tcp7070src");
		uint16_t port = !strcmp(kind, "tcp1234") ? 1234 : 7070;
		uint16_t eph = 40000 + seq_no % 1000;

		l4 = ip + 20;
		put16(l4, from_server ? port : eph);
		put16(l4 + 2, from_server ? eph : port);
		put32(l4 + 4, 0x10000000u + seq_no);
		put32(l4 + 8, from_server ? 0x20000001u : 0);
		l4[12] = 5 << 4;		/* doff 5 */
		l4[13] = from_server ? 0x12 : 0x02;	/* SYN(+ACK) */
		put16(l4 + 14, 64240);
		ip4_hdr(ip, s, d, 6, 20);
		put16(l4 + 16, l4_csum(ip, 0, 6, l4, 20));
		n += 20 + 20;
	} else if (!strcmp(kind, "arp")) {
		static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

		n = eth_hdr(p, bcast, s->mac, 0x0806);
		put16(p + n, 1);		/* Ethernet */
		put16(p + n + 2, 0x0800);
		p[n + 4] = 6;
		p[n + 5] = 4;
		put16(p + n + 6, 1);		/* request */
		memcpy(p + n + 8, s->mac, 6);
		memcpy(p + n + 14, s->ip4, 4);
		memcpy(p + n + 24, d->ip4, 4);
		n += 28;
		put16(p + n, seq_no);		/* in the trailer: unique frame */
		n += 18;			/* pad to 60 bytes */
	} else if (!strcmp(kind, "icmpv6")) {
		put16(p + 12, 0x86dd);
		l4 = ip + 40;
		l4[0] = 128;			/* echo request */
		put16(l4 + 4, 0x4242);
		put16(l4 + 6, seq_no);
		payload(l4 + 8, 56);
		ip6_hdr(ip, s->ip6, d->ip6, 58, 64, 64);
		put16(l4 + 2, l4_csum(ip, 1, 58, l4, 64));
		n += 40 + 64;
	} else if (!strcmp(kind, "nd")) {
		/* Neighbor solicitation for d, to its solicited-node group. */
		uint8_t snm[16] = { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff };
		uint8_t mmac[6] = { 0x33, 0x33, 0xff };

		memcpy(snm + 13, d->ip6 + 13, 3);
		memcpy(mmac + 3, d->ip6 + 13, 3);
		n = eth_hdr(p, mmac, s->mac, 0x86dd);
		l4 = ip + 40;
		l4[0] = 135;
		put32(l4 + 4, seq_no);		/* reserved: unique frame */
		memcpy(l4 + 8, d->ip6, 16);
		l4[24] = 1;			/* source link-layer address */
		l4[25] = 1;
		memcpy(l4 + 26, s->mac, 6);
		ip6_hdr(ip, s->ip6, snm, 58, 255, 32);
		put16(l4 + 2, l4_csum(ip, 1, 58, l4, 32));
		n += 40 + 32;
	} else {
		return -1;
	}
	f->len = n;
	return 0;
}

static const char *describe(const char *kind)
{
	if (!strcmp(kind, "icmp"))
		return "ICMP echo request";
	if (!strcmp(kind, "icmpv6"))
		return "ICMPv6 echo request";
	if (!strcmp(kind, "udp8080"))
		return "UDP to port 8080";
	if (!strcmp(kind, "tcp7070"))
		return "TCP SYN to port 7070";
	if (!strcmp(kind, "tcp7070src"))
		return "TCP SYN-ACK from port 7070";
	if (!strcmp(kind, "tcp1234"))
		return "TCP SYN to port 1234";
	if (!strcmp(kind, "arp"))
		return "ARP request";
	if (!strcmp(kind, "nd"))
		return "IPv6 neighbor solicitation";
	return kind;
}

/* --- the TAP file descriptors --------------------------------------------- */

static int tap_open(const char *name)
{
	struct ifreq ifr = {};
	int fd;

	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "e2e: open /dev/net/tun: %s\n", strerror(errno));
		return -1;
	}
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		fprintf(stderr, "e2e: TUNSETIFF %s: %s\n", name, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void drain(int fd)
{
	uint8_t buf[FRAME_MAX];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

/*
 * Wait up to @wait_ms for @f to arrive on @fd. Returns 1 when it arrived
 * byte-for-byte, 0 when not; *others counts the other frames seen and
 * *diff_at the first differing byte of the first of them (-1 if none).
 */
static int await_frame(int fd, const struct frame *f, int wait_ms, int *others, long *diff_at)
{
	long deadline = now_ms() + wait_ms;
	uint8_t buf[FRAME_MAX];

	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		long left = deadline - now_ms();
		ssize_t r;

		if (left <= 0)
			return 0;
		if (poll(&pfd, 1, left) <= 0)
			continue;
		while ((r = read(fd, buf, sizeof(buf))) > 0) {
			size_t i;

			if ((size_t)r == f->len && !memcmp(buf, f->b, f->len))
				return 1;
			if (*others == 0) {
				for (i = 0; i < (size_t)r && i < f->len && buf[i] == f->b[i]; i++)
					;
				*diff_at = i;
			}
			(*others)++;
		}
	}
}

/* --- checks ------------------------------------------------------------------ */

struct check {
	int expect_pass;
	const char *kind;
	enum dir dir;
	int count;
};

static int parse_check(char *arg, struct check *c)
{
	char *expect = strtok(arg, ":"), *kind = strtok(NULL, ":");
	char *dir = strtok(NULL, ":"), *count = strtok(NULL, ":");
	struct frame probe;

	if (!expect || !kind || !dir)
		return -1;
	if (!strcmp(expect, "pass"))
		c->expect_pass = 1;
	else if (!strcmp(expect, "block"))
		c->expect_pass = 0;
	else
		return -1;
	if (build(&probe, kind, &hosts[0], &hosts[1]))
		return -1;
	c->kind = kind;
	if (!strcmp(dir, "in"))
		c->dir = DIR_IN;
	else if (!strcmp(dir, "out"))
		c->dir = DIR_OUT;
	else
		return -1;
	c->count = count ? atoi(count) : 1;
	return c->count >= 1 && c->count <= 100000 ? 0 : -1;
}

/* Run one check, print its line; returns 1 if it passed. */
static int run_check(const struct check *c, const int fds[2], const char *prefix,
		     int wait_ms, int block_ms)
{
	const char *way = c->dir == DIR_IN ? "input->output" : "output->input";
	int from = c->dir == DIR_IN ? 0 : 1, to = 1 - from;
	char what[160];
	int i;

	snprintf(what, sizeof(what), "%s%s %s %s", prefix, describe(c->kind), way,
		 c->expect_pass ? "arrives byte-for-byte" : "is dropped");
	if (c->count > 1)
		snprintf(what + strlen(what), sizeof(what) - strlen(what), " (x%d)", c->count);

	drain(fds[0]);
	drain(fds[1]);
	for (i = 0; i < c->count; i++) {
		struct frame f;
		int others = 0, got;
		long diff_at = -1;

		build(&f, c->kind, &hosts[from], &hosts[to]);
		if (write(fds[from], f.b, f.len) != (ssize_t)f.len) {
			printf("FAIL: %s: write on the %s tap: %s\n", what,
			       from == 0 ? "input" : "output", strerror(errno));
			return 0;
		}
		got = await_frame(fds[to], &f, c->expect_pass ? wait_ms : block_ms,
				  &others, &diff_at);
		if (c->expect_pass && !got) {
			if (others)
				printf("FAIL: %s: frame %d of %d not received; %d other frame(s), "
				       "the first differs from it at byte %ld\n",
				       what, i + 1, c->count, others, diff_at);
			else
				printf("FAIL: %s: frame %d of %d not received within %d ms\n",
				       what, i + 1, c->count, wait_ms);
			return 0;
		}
		if (!c->expect_pass && (got || others)) {
			printf("FAIL: %s: frame %d of %d %s\n", what, i + 1, c->count,
			       got ? "was delivered" : "was delivered modified");
			return 0;
		}
	}
	printf("PASS: %s\n", what);
	return 1;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: e2e [-p PREFIX] [-w MS] [-b MS] IF_IN IF_OUT EXPECT:KIND:DIR[:COUNT]...\n"
		"  EXPECT pass|block, KIND icmp|icmpv6|udp8080|tcp7070|tcp7070src|tcp1234|arp|nd,\n"
		"  DIR in|out\n");
}

int main(int argc, char **argv)
{
	const char *prefix = "";
	int fds[2] = { -1, -1 };
	int wait_ms = 1000, block_ms = 300, opt, i, failed = 0, err = 2;
	struct check *checks = NULL;
	int nchecks;

	while ((opt = getopt(argc, argv, "p:w:b:h")) != -1) {
		switch (opt) {
		case 'p':
			prefix = optarg;
			break;
		case 'w':
			wait_ms = atoi(optarg);
			if (wait_ms <= 0) {
				fprintf(stderr, "e2e: bad wait '%s'\n", optarg);
				return 2;
			}
			break;
		case 'b':
			block_ms = atoi(optarg);
			if (block_ms <= 0) {
				fprintf(stderr, "e2e: bad wait '%s'\n", optarg);
				return 2;
			}
			break;
		default:
			usage();
			return opt == 'h' ? 0 : 2;
		}
	}
	if (argc - optind < 3) {
		usage();
		return 2;
	}
	nchecks = argc - optind - 2;
	checks = calloc(nchecks, sizeof(*checks));
	if (!checks)
		return 2;
	for (i = 0; i < nchecks; i++) {
		char *arg = argv[optind + 2 + i];
		char copy[128];

		snprintf(copy, sizeof(copy), "%s", arg);
		if (parse_check(arg, &checks[i])) {
			fprintf(stderr, "e2e: bad check '%s'\n", copy);
			usage();
			goto out;
		}
	}

	fds[0] = tap_open(argv[optind]);
	fds[1] = tap_open(argv[optind + 1]);
	if (fds[0] < 0 || fds[1] < 0)
		goto out;

	for (i = 0; i < nchecks; i++)
		if (!run_check(&checks[i], fds, prefix, wait_ms, block_ms))
			failed++;
	fflush(stdout);
	err = failed ? 1 : 0;
out:
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	free(checks);
	return err;
}
