// SPDX-License-Identifier: GPL-2.0
/*
 * relay - the benchmarks' user-space relay: the class of the "C relay" the
 * unikernel was compared to. One thread, two AF_PACKET sockets, no filtering:
 * every frame read on one interface is written unchanged to the other.
 *
 *   relay [--batch] IF_A IF_B
 *
 * Default: one read() and one write() per frame, like the reference relay.
 * --batch: recvmmsg()/sendmmsg() of up to 64 frames per system call.
 * Runs until SIGINT/SIGTERM, then prints the frame counts.
 */
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <sys/socket.h>

#define FRAME_MAX 65536		/* a GRO-merged frame fits */
#define BATCH 64

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static int open_sock(const char *ifname)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	struct packet_mreq mr = { .mr_type = PACKET_MR_PROMISC };
	int one = 1, s;

	sll.sll_ifindex = if_nametoindex(ifname);
	if (!sll.sll_ifindex) {
		fprintf(stderr, "relay: interface %s: %s\n", ifname, strerror(errno));
		return -1;
	}
	mr.mr_ifindex = sll.sll_ifindex;
	s = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ALL));
	if (s < 0) {
		fprintf(stderr, "relay: socket: %s\n", strerror(errno));
		return -1;
	}
	if (bind(s, (struct sockaddr *)&sll, sizeof(sll)) ||
	    setsockopt(s, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)) ||
	    setsockopt(s, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr))) {
		fprintf(stderr, "relay: set up socket on %s: %s\n", ifname, strerror(errno));
		close(s);
		return -1;
	}
	return s;
}

/* Move what is waiting on @in to @out, one frame per read/write. */
static void relay_simple(int in, int out, unsigned char *buf, unsigned long *n,
			 unsigned long *err)
{
	ssize_t len;
	int i;

	for (i = 0; i < BATCH; i++) {	/* bounded, to take turns */
		len = read(in, buf, FRAME_MAX);
		if (len <= 0)
			return;
		if (write(out, buf, len) == len)
			(*n)++;
		else
			(*err)++;
	}
}

static void relay_batch(int in, int out, unsigned char (*bufs)[FRAME_MAX],
			unsigned long *n, unsigned long *err)
{
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	int got, sent, i;

	for (i = 0; i < BATCH; i++) {
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = FRAME_MAX;
		memset(&msgs[i], 0, sizeof(msgs[i]));
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	got = recvmmsg(in, msgs, BATCH, MSG_DONTWAIT, NULL);
	if (got <= 0)
		return;
	for (i = 0; i < got; i++)
		iov[i].iov_len = msgs[i].msg_len;
	sent = sendmmsg(out, msgs, got, 0);
	if (sent < 0)
		sent = 0;
	*n += sent;
	*err += got - sent;
}

int main(int argc, char **argv)
{
	unsigned long n[2] = {}, errs[2] = {};
	unsigned char (*bufs)[FRAME_MAX];
	struct pollfd pfd[2];
	int batch = 0, a = 1, i;

	if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		printf("usage: relay [--batch] IF_A IF_B\n");
		return 0;
	}
	if (argc >= 2 && !strcmp(argv[1], "--batch")) {
		batch = 1;
		a = 2;
	}
	if (argc != a + 2) {
		fprintf(stderr, "usage: relay [--batch] IF_A IF_B\n");
		return 2;
	}
	bufs = malloc((size_t)BATCH * FRAME_MAX);
	if (!bufs) {
		fprintf(stderr, "relay: out of memory\n");
		return 1;
	}
	for (i = 0; i < 2; i++) {
		pfd[i].fd = open_sock(argv[a + i]);
		pfd[i].events = POLLIN;
		if (pfd[i].fd < 0)
			return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	while (!stop_flag) {
		if (poll(pfd, 2, 200) <= 0)
			continue;
		for (i = 0; i < 2; i++) {
			if (!(pfd[i].revents & POLLIN))
				continue;
			if (batch)
				relay_batch(pfd[i].fd, pfd[!i].fd, bufs, &n[i], &errs[i]);
			else
				relay_simple(pfd[i].fd, pfd[!i].fd, bufs[0], &n[i], &errs[i]);
		}
	}
	printf("relay: %s->%s %lu frames (%lu failed), %s->%s %lu frames (%lu failed)\n",
	       argv[a], argv[a + 1], n[0], errs[0], argv[a + 1], argv[a], n[1], errs[1]);
	close(pfd[0].fd);
	close(pfd[1].fd);
	free(bufs);
	return 0;
}
