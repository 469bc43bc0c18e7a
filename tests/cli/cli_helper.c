// SPDX-License-Identifier: GPL-2.0
/*
 * cli_helper.c - the tools tests/cli/run and bench/soak.sh need besides
 * fwctl itself (built as build/tests/cli):
 *
 *   send IF DSTMAC COUNT PROTO SPORT DPORT LEN [PPS]
 *       Send COUNT frames (0: until SIGINT/SIGTERM) of exactly LEN bytes on
 *       IF over AF_PACKET: Ethernet + IPv4 + PROTO (udp, tcp (SYN), icmp
 *       (echo) or an IP protocol number with a bare payload), each carrying
 *       the magic "FWCTLCLI". A frame the kernel refuses (ENOBUFS) is sent
 *       again, so every frame counted left IF. PPS > 0 paces the sending.
 *       Prints "sent N".
 *   recv IF IDLE_MS [MAX_SECONDS]
 *       Count frames carrying the magic that arrive on IF. Prints "ready"
 *       once listening, then, after IDLE_MS without such a frame (or at
 *       SIGINT/SIGTERM, or after MAX_SECONDS), "received N socket_drops D".
 *   check
 *       Open the pinned maps (in $FWCTL_PIN_DIR or /sys/fs/bpf/fwctl) and
 *       verify the current rule-set generation is whole: its header valid,
 *       its rule list readable, and its classifier cells exactly what
 *       compiling that list gives (the part appended since the last whole
 *       compile appended the same way). Prints "rules N cells C mismatch M
 *       appended A" (A: rules compiled on their own after the others);
 *       exit 0 when whole, 1 if not.
 *   churn SECONDS INTERVAL_US PROTECT_PROTO PROTECT_PORT
 *       Add and delete rules unrelated to PROTECT_PROTO PROTECT_PORT (other
 *       ports, protocols, and wider ranges covering that port) through
 *       libfwctl, under fwctl's lock, one change every INTERVAL_US, for
 *       SECONDS. Prints "changes N failures F".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "fwctl.h"
#include "classifier.h"
#include "fwctl_conntrack.h"

#define MAGIC		"FWCTLCLI"
#define MAGIC_LEN	8

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int packet_socket(const char *ifname, struct sockaddr_ll *sll)
{
	int fd, ifindex = if_nametoindex(ifname);

	if (!ifindex) {
		fprintf(stderr, "cli_helper: no such interface '%s'\n", ifname);
		return -1;
	}
	fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	if (fd < 0) {
		perror("cli_helper: socket(AF_PACKET)");
		return -1;
	}
	memset(sll, 0, sizeof(*sll));
	sll->sll_family = AF_PACKET;
	sll->sll_protocol = htons(ETH_P_ALL);
	sll->sll_ifindex = ifindex;
	if (bind(fd, (struct sockaddr *)sll, sizeof(*sll))) {
		perror("cli_helper: bind");
		close(fd);
		return -1;
	}
	return fd;
}

static int parse_mac(const char *s, unsigned char *mac)
{
	unsigned int b[6];
	int i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) != 6)
		return -1;
	for (i = 0; i < 6; i++)
		mac[i] = b[i];
	return 0;
}

static int if_mac(const char *ifname, unsigned char *mac)
{
	struct ifreq ifr = {};
	int fd = socket(AF_INET, SOCK_DGRAM, 0), err;

	if (fd < 0)
		return -1;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	err = ioctl(fd, SIOCGIFHWADDR, &ifr);
	close(fd);
	if (!err)
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	return err;
}

static uint16_t csum(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons(~sum & 0xffff);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

/* Build one frame; returns its length or -1 if LEN is too short. */
static int build_frame(uint8_t *f, int len, const unsigned char *dst, const unsigned char *src,
		       int proto, int sport, int dport)
{
	int l4 = 14 + 20, hdr;
	uint8_t *ip = f + 14;

	hdr = proto == 6 ? 20 : proto == 17 || proto == 1 ? 8 : 0;
	if (len < l4 + hdr + MAGIC_LEN + 4 || len > 1514)
		return -1;
	memset(f, 0, len);
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	put16(f + 12, ETH_P_IP);
	ip[0] = 0x45;
	put16(ip + 2, len - 14);
	put16(ip + 4, 1);
	ip[8] = 64;
	ip[9] = proto;
	memcpy(ip + 12, (uint8_t[]){ 10, 99, 0, 1 }, 4);
	memcpy(ip + 16, (uint8_t[]){ 10, 99, 0, 2 }, 4);
	memcpy(ip + 10, (uint16_t[]){ csum(ip, 20) }, 2);
	if (proto == 17) {
		put16(f + l4, sport);
		put16(f + l4 + 2, dport);
		put16(f + l4 + 4, len - l4);
	} else if (proto == 6) {
		put16(f + l4, sport);
		put16(f + l4 + 2, dport);
		f[l4 + 12] = 5 << 4;
		f[l4 + 13] = 0x02;	/* SYN: GRO never merges it */
		put16(f + l4 + 14, 65535);
	} else if (proto == 1) {
		f[l4] = 8;		/* echo request */
	}
	memcpy(f + l4 + hdr, MAGIC, MAGIC_LEN);
	return len;
}

static int cmd_send(int argc, char **argv)
{
	unsigned char dst[6], src[6];
	struct sockaddr_ll sll;
	long count, i, sent = 0, retries = 0;
	int fd, len, proto, sport, dport;
	double pps = 0, t0;
	uint8_t frame[1514];
	uint32_t seq;

	if (argc < 8) {
		fprintf(stderr, "usage: send IF DSTMAC COUNT PROTO SPORT DPORT LEN [PPS]\n");
		return 2;
	}
	if (parse_mac(argv[2], dst)) {
		fprintf(stderr, "cli_helper: bad MAC '%s'\n", argv[2]);
		return 2;
	}
	count = atol(argv[3]);
	proto = !strcmp(argv[4], "udp") ? 17 : !strcmp(argv[4], "tcp") ? 6 :
		!strcmp(argv[4], "icmp") ? 1 : atoi(argv[4]);
	sport = atoi(argv[5]);
	dport = atoi(argv[6]);
	len = atoi(argv[7]);
	if (argc > 8)
		pps = atof(argv[8]);
	fd = packet_socket(argv[1], &sll);
	if (fd < 0)
		return 1;
	if (if_mac(argv[1], src)) {
		perror("cli_helper: SIOCGIFHWADDR");
		return 1;
	}
	if (build_frame(frame, len, dst, src, proto, sport, dport) < 0) {
		fprintf(stderr, "cli_helper: bad frame length %d\n", len);
		return 2;
	}
	catch_signals();
	t0 = now();
	for (i = 0; (!count || i < count) && !stop; i++) {
		seq = i;
		memcpy(frame + len - 4, &seq, 4);
		while (send(fd, frame, len, 0) != len) {
			if (errno != ENOBUFS && errno != EAGAIN && errno != EINTR) {
				perror("cli_helper: send");
				printf("sent %ld\n", sent);
				return 1;
			}
			retries++;
			if (stop)
				goto out;
			sched_yield();
		}
		sent++;
		if (pps > 0)
			while (!stop && now() < t0 + sent / pps)
				;
	}
out:
	printf("sent %ld retries %ld seconds %.3f\n", sent, retries, now() - t0);
	close(fd);
	return 0;
}

static int cmd_recv(int argc, char **argv)
{
	struct tpacket_stats st = {};
	socklen_t slen = sizeof(st);
	struct sockaddr_ll sll, from;
	socklen_t flen;
	long got = 0;
	int fd, idle_ms, bufsz = 64 << 20;
	double max_s = 0, t0, last;
	uint8_t buf[2048];
	struct pollfd pfd;
	ssize_t n;

	if (argc < 3) {
		fprintf(stderr, "usage: recv IF IDLE_MS [MAX_SECONDS]\n");
		return 2;
	}
	idle_ms = atoi(argv[2]);
	if (argc > 3)
		max_s = atof(argv[3]);
	fd = packet_socket(argv[1], &sll);
	if (fd < 0)
		return 1;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bufsz, sizeof(bufsz)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsz, sizeof(bufsz));
	getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &st, &slen);	/* reset */
	catch_signals();
	printf("ready\n");
	fflush(stdout);
	t0 = last = now();
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (!stop) {
		if (now() - last > idle_ms / 1000.0 || (max_s > 0 && now() - t0 > max_s))
			break;
		if (poll(&pfd, 1, 20) <= 0)
			continue;
		for (;;) {
			flen = sizeof(from);
			n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from, &flen);
			if (n < 0)
				break;
			if (from.sll_pkttype == PACKET_OUTGOING)
				continue;
			if (memmem(buf, n, MAGIC, MAGIC_LEN)) {
				got++;
				last = now();
			}
		}
	}
	slen = sizeof(st);
	getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &st, &slen);
	printf("received %ld socket_drops %u\n", got, st.tp_drops);
	close(fd);
	return 0;
}

/*
 * Compile rules[0..n) as the loader did: wholly, or (when the header says
 * rules from tail_prio on were appended since) rules[0..tail_prio) wholly
 * and the rest appended to those cells (classifier_append). Either way the
 * cells are fully determined by the list.
 */
static int compile_like(const struct fwctl_table_hdr *h, const struct rule *rules,
			const __u32 *ids, unsigned int n, __u32 policy, struct fwctl_cell **cells,
			__u32 *n_cells, struct fwctl_err *e)
{
	__u32 base = CLASSIFIER_TAIL_PRIO(h);
	struct fwctl_cell *keep = NULL;
	__u32 n_keep = 0;
	int err;

	if (!CLASSIFIER_TAIL_CELL(h) || base >= n)
		return classifier_compile(rules, ids, n, policy, cells, n_cells, NULL, e);
	err = classifier_compile(rules, ids, base, policy, &keep, &n_keep, NULL, e);
	if (!err)
		err = classifier_append(keep, n_keep, keep[0].hdr.n_roots, base, rules + base,
					ids + base, n - base, policy, cells, n_cells, NULL, e);
	free(keep);
	return err;
}

static int cmd_check(void)
{
	struct fwctl_cell *have = NULL, *want = NULL;
	__u32 n_have = 0, n_want = 0, i, mismatch = 0, *ids = NULL;
	struct fwctl_config cfg;
	struct fwctl_err e = {};
	struct rule_ctx ctx;
	struct rule *rules = NULL;
	struct ruleset rs = {};
	struct fwctl_maps m;
	int fd, err;

	err = maps_open_pinned(pin_dir(), &m, &e);
	if (err) {
		fprintf(stderr, "cli_helper check: %s\n", e.msg);
		return 1;
	}
	err = config_read(&m, &cfg);
	if (!err) {
		ruleset_ctx(&cfg, &ctx);
		err = ruleset_read(&m, &ctx, &rs, &e);
	}
	fd = err ? -1 : table_open_current(&m, &e);
	if (fd >= 0) {
		err = table_read(fd, &have, &n_have, &e);
		close(fd);
	}
	maps_close(&m);
	if (err || fd < 0) {
		fprintf(stderr, "cli_helper check: cannot read the rule table: %s\n", e.msg);
		return 1;
	}
	/* Compile the list the generation holds; its cells must be the same. */
	rules = calloc(rs.n + 1, sizeof(*rules));
	ids = calloc(rs.n + 1, sizeof(*ids));
	for (i = 0; rules && ids && i < rs.n; i++) {
		rules[i] = rs.v[i].rule;
		ids[i] = rs.v[i].id;
	}
	err = rules && ids ? compile_like(&have[0].hdr, rules, ids, rs.n, rs.policy, &want, &n_want,
					  &e) : -ENOMEM;
	if (err) {
		fprintf(stderr, "cli_helper check: cannot compile the rule list: %s\n", e.msg);
		return 1;
	}
	/* The classifier's cells; the header's text fields, n_rules and the
	 * serial words (fwctl_conntrack.h) are the loader's, after them. */
	if (n_want > n_have || have[0].hdr.n_rules != rs.n)
		mismatch++;
	want[0].hdr.text_cell = have[0].hdr.text_cell;
	want[0].hdr.text_bytes = have[0].hdr.text_bytes;
	want[0].hdr.n_cells = have[0].hdr.n_cells;
	want[0].hdr.n_rules = have[0].hdr.n_rules;
	FWCTL_CT_SERIAL_CELL(&want[0].hdr) = FWCTL_CT_SERIAL_CELL(&have[0].hdr);
	FWCTL_CT_SERIAL_IDS(&want[0].hdr) = FWCTL_CT_SERIAL_IDS(&have[0].hdr);
	FWCTL_CT_SERIAL_NEXT(&want[0].hdr) = FWCTL_CT_SERIAL_NEXT(&have[0].hdr);
	for (i = 0; i < n_want && i < n_have; i++)
		if (memcmp(&want[i], &have[i], sizeof(want[i])))
			mismatch++;
	printf("rules %u cells %u mismatch %u appended %u\n", rs.n, n_have, mismatch,
	       CLASSIFIER_TAIL_CELL(&have[0].hdr) ? rs.n - CLASSIFIER_TAIL_PRIO(&have[0].hdr) : 0);
	ruleset_free(&rs);
	free(rules);
	free(ids);
	free(want);
	free(have);
	return mismatch ? 1 : 0;
}

/*
 * An allow rule that never changes the verdict of PROTECT_PROTO
 * PROTECT_PORT: added after the rule that allows it (first match), or
 * about other ports and protocols.
 */
static void unrelated_rule(unsigned int r, int pproto, int pport, char *buf, size_t len)
{
	int port;

	switch (r % 5) {
	case 0:		/* tcp or udp port that is not the protected one */
	case 1:
		port = 1000 + r % 20000;
		if ((r % 5 ? 17 : 6) == pproto && port == pport)
			port++;
		snprintf(buf, len, "allow %s %d", r % 5 ? "udp" : "tcp", port);
		break;
	case 2:		/* a wider range covering the protected port */
		snprintf(buf, len, "allow %d dport %d-%d", pproto, pport > 100 ? pport - 1 - r % 100 : 1,
			 pport + 1 + r % 100);
		break;
	case 3:		/* another protocol */
		port = 47 + r % 50;
		if (port == pproto)
			port = 132;
		snprintf(buf, len, "allow %d", port);
		break;
	default:	/* addresses and a range of the protected protocol elsewhere */
		snprintf(buf, len, "allow %d src 10.%u.0.0/16 dport %u-%u", pproto, r % 200,
			 30000 + r % 1000, 30050 + r % 1000);
		break;
	}
}

static int cmd_churn(int argc, char **argv)
{
	char texts[64][96];
	struct fwctl_config cfg;
	struct rule_ctx ctx;
	struct fwctl_maps m;
	struct fwctl_err e = {};
	struct rule r;
	long changes = 0, failures = 0;
	double end, next;
	int pproto, pport, interval_us, n = 0, i, lock;
	unsigned int seed = getpid();
	__u32 id;

	if (argc < 5) {
		fprintf(stderr, "usage: churn SECONDS INTERVAL_US PROTECT_PROTO PROTECT_PORT\n");
		return 2;
	}
	end = now() + atof(argv[1]);
	interval_us = atoi(argv[2]);
	pproto = atoi(argv[3]);
	pport = atoi(argv[4]);
	/* The maps stay open; each change takes fwctl's lock like a fwctl call. */
	if (maps_open_pinned(pin_dir(), &m, &e) || config_read(&m, &cfg)) {
		fprintf(stderr, "cli_helper churn: %s\n", e.msg);
		return 1;
	}
	ruleset_ctx(&cfg, &ctx);
	catch_signals();
	next = now();
	while (!stop && now() < end) {
		memset(&e, 0, sizeof(e));
		lock = state_lock(&e);
		if (lock < 0) {
			fprintf(stderr, "cli_helper churn: %s\n", e.msg);
			break;
		}
		/* Keep up to 64 churn rules; add while below 8, else add or delete. */
		if (n < 64 && (n < 8 || rand_r(&seed) % 2)) {
			unrelated_rule(rand_r(&seed), pproto, pport, texts[n], sizeof(texts[n]));
			if (rule_from_text(texts[n], &ctx, &r, &e))
				failures++;
			else if (!ruleset_add(&m, &ctx, &r, 1, 0, NULL, NULL, NULL, NULL, &e)) {
				n++;
				changes++;
			} else if (strncmp(e.msg, "duplicate", 9))
				failures++;
		} else {
			i = rand_r(&seed) % n;
			if (rule_from_text(texts[i], &ctx, &r, &e) ||
			    ruleset_del(&m, &ctx, &r, &id, NULL, &e))
				failures++;
			else
				changes++;
			rule_free(&r);
			memcpy(texts[i], texts[--n], sizeof(texts[i]));
		}
		state_unlock(lock);
		if (e.msg[0] && strncmp(e.msg, "duplicate", 9))
			fprintf(stderr, "cli_helper churn: %s\n", e.msg);
		next += interval_us / 1e6;
		while (!stop && now() < next)
			usleep(100);
	}
	/* Leave nothing behind. */
	lock = state_lock(&e);
	for (i = 0; i < n; i++) {
		if (rule_from_text(texts[i], &ctx, &r, &e) ||
		    ruleset_del(&m, &ctx, &r, &id, NULL, &e))
			failures++;
		rule_free(&r);
	}
	state_unlock(lock);
	maps_close(&m);
	printf("changes %ld failures %ld\n", changes, failures);
	return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		goto usage;
	if (!strcmp(argv[1], "send"))
		return cmd_send(argc - 1, argv + 1);
	if (!strcmp(argv[1], "recv"))
		return cmd_recv(argc - 1, argv + 1);
	if (!strcmp(argv[1], "check"))
		return cmd_check();
	if (!strcmp(argv[1], "churn"))
		return cmd_churn(argc - 1, argv + 1);
usage:
	fprintf(stderr, "usage: cli_helper send|recv|check|churn ... (see tests/cli/cli_helper.c)\n");
	return 2;
}
