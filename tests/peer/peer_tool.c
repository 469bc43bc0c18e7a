// SPDX-License-Identifier: GPL-2.0
/*
 * peer_tool.c - what tests/peer/run needs besides fwctl (built as
 * build/tests/peer). NETNS is a name under /run/netns, or "-" for the
 * current namespace.
 *
 *   send NETNS IF COUNT DPORT
 *       Send COUNT 64-byte Ethernet/IPv4/UDP frames to DPORT on IF over
 *       AF_PACKET (to a MAC nobody has: receivers' stacks drop them
 *       quietly). Prints "sent N".
 *   vlan TX_NETNS TX_IF RX_NETNS RX_IF VID COUNT DPORT
 *       Tag the frames to DPORT leaving TX_IF with 802.1Q VID as a VLAN
 *       device would (tests/peer/vlan_push.bpf.c on TX_IF's tc egress,
 *       removed at the end), send COUNT of them on TX_IF and count how
 *       they arrive on RX_IF: with VLAN VID (in the frame or, once the
 *       receiver untagged it, in the packet's metadata), without a tag, or
 *       with another one. Prints "sent N pushed P tagged T untagged U
 *       other O".
 *   raw-watcher PIN_DIR
 *       Replace the transmit watcher of the fwctl attached with pins in
 *       PIN_DIR by its raw tracepoint variant (the fallback of kernels
 *       without BTF-typed tracing), on the same maps and link pins, so that
 *       tests can check that variant too. Prints "raw watcher attached".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "vlan_push.skel.h"
#include "xmit_watch.skel.h"
#include "fwctl_common.h"
#include "fwctl.h"

#define FRAME_LEN	64
#define MAGIC		"FWCTLPEER"
#define IDLE_MS		1000

static int die(const char *what)
{
	fprintf(stderr, "peer_tool: %s: %s\n", what, strerror(errno));
	return 1;
}

static int enter_netns(const char *name)
{
	char path[300];
	int fd, err;

	if (!strcmp(name, "-"))
		return 0;
	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	err = setns(fd, CLONE_NEWNET);
	close(fd);
	return err;
}

/* An AF_PACKET socket on ifname (in the current namespace); -1 on error. */
static int packet_socket(const char *ifname, int *ifindex)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	int fd, on = 1;

	sll.sll_ifindex = if_nametoindex(ifname);
	if (!sll.sll_ifindex)
		return -1;
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) ||
	    setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &on, sizeof(on))) {
		close(fd);
		return -1;
	}
	*ifindex = sll.sll_ifindex;
	return fd;
}

static void build_frame(unsigned char *f, unsigned int dport)
{
	static const unsigned char hdr[] = {
		0x02, 0, 0, 0, 0, 0x99, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00,	/* Ethernet */
		0x45, 0, 0, 50, 0, 1, 0, 0, 64, 17, 0, 0,			/* IPv4 */
		10, 10, 0, 100, 10, 10, 0, 250,
		0x9c, 0x40, 0, 0, 0, 30, 0, 0,					/* UDP */
	};
	unsigned int sum = 0, i;

	memset(f, 0, FRAME_LEN);
	memcpy(f, hdr, sizeof(hdr));
	f[36] = dport >> 8;
	f[37] = dport & 0xff;
	memcpy(f + 42, MAGIC, strlen(MAGIC));
	for (i = 14; i < 34; i += 2)
		sum += (f[i] << 8) | f[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	f[24] = (~sum >> 8) & 0xff;
	f[25] = ~sum & 0xff;
}

static int send_frames(int fd, int count, unsigned int dport)
{
	unsigned char f[FRAME_LEN];
	int i;

	build_frame(f, dport);
	for (i = 0; i < count; i++) {
		if (send(fd, f, sizeof(f), 0) != sizeof(f)) {
			if (errno == ENOBUFS) {
				usleep(1000);
				i--;
				continue;
			}
			return i;
		}
	}
	return i;
}

/*
 * Is f one of ours (UDP to dport with the magic)? Its VLAN id in *vid:
 * from an 802.1Q tag still in the frame, else -1.
 */
static bool ours(const unsigned char *f, ssize_t n, unsigned int dport, int *vid)
{
	int off = 12;

	*vid = -1;
	if (n >= 18 && f[12] == 0x81 && f[13] == 0x00) {
		*vid = ((f[14] << 8) | f[15]) & 0xfff;
		off = 16;
	}
	return n >= off + 2 + 28 + (ssize_t)strlen(MAGIC) && f[off] == 0x08 && f[off + 1] == 0 &&
	       f[off + 2 + 9] == 17 && ((f[off + 2 + 22] << 8) | f[off + 2 + 23]) == (int)dport &&
	       !memcmp(f + off + 2 + 28, MAGIC, strlen(MAGIC));
}

/* Receive until count of ours arrived or IDLE_MS without any. */
static void receive(int fd, int count, unsigned int dport, int want_vid, int got[3])
{
	unsigned char f[2048], cbuf[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct iovec iov = { .iov_base = f, .iov_len = sizeof(f) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct tpacket_auxdata *aux;
	struct cmsghdr *c;
	ssize_t n;
	int vid;

	while (got[0] + got[1] + got[2] < count && poll(&pfd, 1, IDLE_MS) > 0) {
		msg.msg_control = cbuf;
		msg.msg_controllen = sizeof(cbuf);
		n = recvmsg(fd, &msg, 0);
		if (n < 0 || !ours(f, n, dport, &vid))
			continue;
		for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
			if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA)
				continue;
			aux = (struct tpacket_auxdata *)CMSG_DATA(c);
			if (vid < 0 && (aux->tp_status & TP_STATUS_VLAN_VALID))
				vid = aux->tp_vlan_tci & 0xfff;
		}
		got[vid < 0 ? 1 : vid == want_vid ? 0 : 2]++;
	}
}

static int cmd_send(char **argv)
{
	int fd, ifindex, n;

	if (enter_netns(argv[0]))
		return die(argv[0]);
	fd = packet_socket(argv[1], &ifindex);
	if (fd < 0)
		return die(argv[1]);
	n = send_frames(fd, atoi(argv[2]), atoi(argv[3]));
	printf("sent %d\n", n);
	close(fd);
	return n == atoi(argv[2]) ? 0 : 1;
}

/* Tag frames to dport leaving ifindex with vid (tc egress); the hook in *hook. */
static struct vlan_push *pusher_attach(int ifindex, int vid, unsigned int dport,
				       struct bpf_tc_hook *hook)
{
	LIBBPF_OPTS(bpf_tc_opts, opts);
	struct vlan_push *skel = vlan_push__open();
	int err;

	if (!skel)
		return NULL;
	skel->rodata->vlan_id = vid;
	skel->rodata->udp_dport = dport;
	err = vlan_push__load(skel);
	hook->ifindex = ifindex;
	hook->attach_point = BPF_TC_EGRESS;
	if (!err) {
		err = bpf_tc_hook_create(hook);
		err = err == -EEXIST ? 0 : err;
	}
	if (!err) {
		opts.prog_fd = bpf_program__fd(skel->progs.vlan_push);
		err = bpf_tc_attach(hook, &opts);
	}
	if (err) {
		vlan_push__destroy(skel);
		errno = -err;
		return NULL;
	}
	return skel;
}

static int cmd_vlan(char **argv)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook);
	int vid = atoi(argv[4]), count = atoi(argv[5]), dport = atoi(argv[6]);
	int rx, tx, rx_if, tx_if, sent, got[3] = {};
	struct vlan_push *skel;

	if (enter_netns(argv[2]))
		return die(argv[2]);
	rx = packet_socket(argv[3], &rx_if);
	if (rx < 0)
		return die(argv[3]);
	if (enter_netns(argv[0]))
		return die(argv[0]);
	tx = packet_socket(argv[1], &tx_if);
	if (tx < 0)
		return die(argv[1]);
	skel = pusher_attach(tx_if, vid, dport, &hook);
	if (!skel)
		return die("cannot attach the tc program");
	sent = send_frames(tx, count, dport);
	receive(rx, sent, dport, vid, got);
	printf("sent %d pushed %llu tagged %d untagged %d other %d\n", sent,
	       (unsigned long long)skel->bss->pushed, got[0], got[1], got[2]);
	hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
	bpf_tc_hook_destroy(&hook);	/* the clsact qdisc, with the filter */
	vlan_push__destroy(skel);
	return sent == count ? 0 : 1;
}

/* Pin link at dir/name in place of what is pinned there. */
static int repin(struct bpf_link *link, const char *dir, const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (unlink(path) && errno != ENOENT)
		return -errno;
	return bpf_link__pin(link, path);
}

static int cmd_raw_watcher(const char *dir)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = dir);
	struct bpf_link *l1 = NULL, *l2 = NULL;
	struct xmit_watch *skel;
	char path[512];
	int fd, err;

	skel = xmit_watch__open_opts(&opts);
	if (!skel)
		return die("open the watcher");
	bpf_program__set_autoload(skel->progs.fwctl_devmap_xmit, false);
	bpf_program__set_autoload(skel->progs.fwctl_redirect_err, false);
	snprintf(path, sizeof(path), "%s/%s", dir, FWCTL_STR(FWCTL_MAP_DEVMAP));
	fd = bpf_obj_get(path);	/* the devmap is pinned by fwctl, not by name */
	err = fd < 0 ? fd : bpf_map__reuse_fd(skel->maps.FWCTL_MAP_DEVMAP, fd);
	if (!err)	/* pins are reused only at the sizes fwctl gave them */
		err = rule_stats_set_size(skel->obj);
	if (!err)
		err = xmit_watch__load(skel);
	if (!err) {
		l1 = bpf_program__attach(skel->progs.fwctl_devmap_xmit_raw);
		l2 = bpf_program__attach(skel->progs.fwctl_redirect_err_raw);
		err = libbpf_get_error(l1) ?: libbpf_get_error(l2);
	}
	if (!err)
		err = repin(l1, dir, "link_devmap_xmit") ?: repin(l2, dir, "link_redirect_err");
	if (err) {
		errno = -err;
		return die("raw watcher");
	}
	printf("raw watcher attached\n");
	return 0;	/* the pins keep the links */
}

int main(int argc, char **argv)
{
	if (argc == 6 && !strcmp(argv[1], "send"))
		return cmd_send(argv + 2);
	if (argc == 9 && !strcmp(argv[1], "vlan"))
		return cmd_vlan(argv + 2);
	if (argc == 3 && !strcmp(argv[1], "raw-watcher"))
		return cmd_raw_watcher(argv[2]);
	fprintf(stderr, "usage: %s send NETNS IF COUNT DPORT\n"
			"       %s vlan TX_NETNS TX_IF RX_NETNS RX_IF VID COUNT DPORT\n"
			"       %s raw-watcher PIN_DIR\n", argv[0], argv[0], argv[0]);
	return 2;
}
