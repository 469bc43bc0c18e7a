// SPDX-License-Identifier: GPL-2.0
/*
 * peer.c - the other end of a veth fwctl is attached to, and the settings
 * there that lose or damage what fwctl forwards in native mode.
 *
 * The peer usually lives in another network namespace (the host's end of
 * the wire), where its ifindex means nothing here and often repeats one of
 * ours. So nothing is looked up by ifindex here: the kernel says where the
 * peer is. RTM_GETLINK on our interface gives the peer's ifindex (IFLA_LINK)
 * and the id of its namespace as seen from ours (IFLA_LINK_NETNSID); that
 * id is matched with RTM_GETNSID against the namespaces we can open (those
 * of ip netns, then those of running processes). The peer's settings are
 * then read through sockets made in its namespace.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <net/if.h>
#include <linux/ethtool.h>
#include <linux/if_link.h>
#include <linux/net_namespace.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include "fwctl.h"

#define NL_BUF_SIZE	32768

/* --- sockets in another namespace ---------------------------------------- */

/*
 * A socket of the network namespace nsfd (-1: ours). A socket stays in the
 * namespace it was made in, so only its creation needs setns(); fwctl is
 * single-threaded, so switching and coming back is safe.
 */
static int socket_in(int nsfd, int domain, int type, int proto)
{
	int self, fd, saved;

	if (nsfd < 0)
		return socket(domain, type | SOCK_CLOEXEC, proto);
	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return -1;
	if (setns(nsfd, CLONE_NEWNET)) {
		saved = errno;
		close(self);
		errno = saved;
		return -1;
	}
	fd = socket(domain, type | SOCK_CLOEXEC, proto);
	saved = errno;
	if (setns(self, CLONE_NEWNET)) {
		/* Going on in the wrong namespace would act on the wrong interfaces. */
		fprintf(stderr, "fwctl: cannot return to the original network namespace: %s\n",
			strerror(errno));
		exit(EXIT_RUNTIME);
	}
	close(self);
	errno = saved;
	return fd;
}

/* --- rtnetlink ------------------------------------------------------------ */

struct nl_req {
	struct nlmsghdr nh;
	union {
		struct ifinfomsg ifi;
		struct rtgenmsg gen;
	};
	char attrs[64];
};

static void nl_put_u32(struct nlmsghdr *nh, unsigned short type, __u32 v)
{
	struct rtattr *rta = (struct rtattr *)((char *)nh + NLMSG_ALIGN(nh->nlmsg_len));

	rta->rta_type = type;
	rta->rta_len = RTA_LENGTH(sizeof(v));
	memcpy(RTA_DATA(rta), &v, sizeof(v));
	nh->nlmsg_len = NLMSG_ALIGN(nh->nlmsg_len) + RTA_ALIGN(rta->rta_len);
}

/* Send req and read its one reply into buf; its length or -errno. */
static int nl_talk(int fd, struct nlmsghdr *req, void *buf, size_t len)
{
	static __u32 seq;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	struct nlmsghdr *nh = buf;
	ssize_t n;

	req->nlmsg_flags = NLM_F_REQUEST;
	req->nlmsg_seq = ++seq;
	if (sendto(fd, req, req->nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return -errno;
	do {
		n = recv(fd, buf, len, 0);
		if (n < 0)
			return -errno;
	} while (NLMSG_OK(nh, (size_t)n) && nh->nlmsg_seq != seq);
	if (!NLMSG_OK(nh, (size_t)n))
		return -EIO;
	if (nh->nlmsg_type == NLMSG_ERROR) {
		struct nlmsgerr *err = NLMSG_DATA(nh);

		return err->error ? err->error : -EIO;
	}
	return n;
}

/* What RTM_GETLINK says about one interface. */
struct link_info {
	char name[IF_NAMESIZE];
	bool veth;
	int link;		/* IFLA_LINK: the peer's ifindex, in its namespace */
	int link_nsid;		/* IFLA_LINK_NETNSID; -1: the peer is in ours */
	bool xdp_native;	/* a driver-mode XDP program is attached */
};

static void parse_linkinfo(struct rtattr *nest, struct link_info *li)
{
	int len = RTA_PAYLOAD(nest);
	struct rtattr *a;

	for (a = RTA_DATA(nest); RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == IFLA_INFO_KIND)
			li->veth = !strncmp(RTA_DATA(a), "veth", RTA_PAYLOAD(a));
}

static void parse_xdp(struct rtattr *nest, struct link_info *li)
{
	int len = RTA_PAYLOAD(nest);
	struct rtattr *a;

	for (a = RTA_DATA(nest); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == IFLA_XDP_ATTACHED && *(__u8 *)RTA_DATA(a) == XDP_ATTACHED_DRV)
			li->xdp_native = true;
		else if (a->rta_type == IFLA_XDP_DRV_PROG_ID && *(__u32 *)RTA_DATA(a))
			li->xdp_native = true;	/* with programs in several modes */
	}
}

static int link_get(int fd, int ifindex, struct link_info *li)
{
	struct nl_req req = {
		.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)),
		.nh.nlmsg_type = RTM_GETLINK,
		.ifi.ifi_family = AF_UNSPEC,
		.ifi.ifi_index = ifindex,
	};
	char *buf = malloc(NL_BUF_SIZE);
	struct nlmsghdr *nh = (struct nlmsghdr *)buf;
	struct rtattr *a;
	int n, len;

	if (!buf)
		return -ENOMEM;
	memset(li, 0, sizeof(*li));
	li->link_nsid = -1;
	n = nl_talk(fd, &req.nh, buf, NL_BUF_SIZE);
	if (n >= 0 && nh->nlmsg_type != RTM_NEWLINK)
		n = -EIO;
	if (n < 0) {
		free(buf);
		return n;
	}
	len = IFLA_PAYLOAD(nh);
	for (a = IFLA_RTA(NLMSG_DATA(nh)); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		switch (a->rta_type) {
		case IFLA_IFNAME:
			snprintf(li->name, sizeof(li->name), "%.*s", (int)RTA_PAYLOAD(a),
				 (char *)RTA_DATA(a));
			break;
		case IFLA_LINK:
			li->link = *(__s32 *)RTA_DATA(a);
			break;
		case IFLA_LINK_NETNSID:
			li->link_nsid = *(__s32 *)RTA_DATA(a);
			break;
		case IFLA_LINKINFO:
			parse_linkinfo(a, li);
			break;
		case IFLA_XDP:
			parse_xdp(a, li);
			break;
		}
	}
	free(buf);
	return 0;
}

/* The id our namespace gives the namespace nsfd, or -1 (none yet, or error). */
static int nsid_of(int rtnl, int nsfd)
{
	struct nl_req req = {
		.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct rtgenmsg)),
		.nh.nlmsg_type = RTM_GETNSID,
		.gen.rtgen_family = AF_UNSPEC,
	};
	char buf[512];
	struct nlmsghdr *nh = (struct nlmsghdr *)buf;
	struct rtattr *a;
	int n, len;

	nl_put_u32(&req.nh, NETNSA_FD, nsfd);
	n = nl_talk(rtnl, &req.nh, buf, sizeof(buf));
	if (n < 0 || nh->nlmsg_type != RTM_NEWNSID)
		return -1;
	len = nh->nlmsg_len - NLMSG_LENGTH(NLMSG_ALIGN(sizeof(struct rtgenmsg)));
	a = (struct rtattr *)((char *)NLMSG_DATA(nh) + NLMSG_ALIGN(sizeof(struct rtgenmsg)));
	for (; RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == NETNSA_NSID)
			return *(__s32 *)RTA_DATA(a);
	return -1;
}

/* --- finding the peer's namespace --------------------------------------- */

/* Open path if it is the namespace nsid; the fd, or -1. */
static int open_if_nsid(int rtnl, const char *path, int nsid)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd >= 0 && nsid_of(rtnl, fd) != nsid) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* A namespace of ip netns (/run/netns/NAME) with id nsid; fills p->netns. */
static int netns_find_named(int rtnl, int nsid, struct fwctl_peer *p)
{
	char path[PATH_MAX];
	struct dirent *de;
	int fd = -1;
	DIR *dir;

	dir = opendir("/run/netns");
	while (dir && fd < 0 && (de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/run/netns/%s", de->d_name);
		fd = open_if_nsid(rtnl, path, nsid);
		if (fd >= 0)
			snprintf(p->netns, sizeof(p->netns), "%s", de->d_name);
	}
	if (dir)
		closedir(dir);
	return fd;
}

/* An unnamed namespace with id nsid, through a process in it; fills p->pid. */
static int netns_find_by_process(int rtnl, int nsid, struct fwctl_peer *p)
{
	ino_t seen[256];
	int nseen = 0, fd = -1, i;
	char path[300];
	struct dirent *de;
	struct stat st;
	DIR *dir;

	dir = opendir("/proc");
	while (dir && fd < 0 && (de = readdir(dir))) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/ns/net", de->d_name);
		if (stat(path, &st))
			continue;
		for (i = 0; i < nseen && seen[i] != st.st_ino; i++)
			;
		if (i < nseen)
			continue;	/* a namespace already tried */
		if (nseen < (int)(sizeof(seen) / sizeof(seen[0])))
			seen[nseen++] = st.st_ino;
		fd = open_if_nsid(rtnl, path, nsid);
		if (fd >= 0)
			p->pid = atoi(de->d_name);
	}
	if (dir)
		closedir(dir);
	return fd;
}

/* --- the peer's settings ------------------------------------------------ */

static int ethtool_get(int fd, const char *ifname, void *cmd)
{
	struct ifreq ifr = {};

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = cmd;
	return ioctl(fd, SIOCETHTOOL, &ifr) ? -errno : 0;
}

/* An on/off setting (ETHTOOL_G*): 1, 0 or -1 when unknown. */
static int ethtool_flag(int fd, const char *ifname, __u32 cmd, __u32 mask)
{
	struct ethtool_value v = { .cmd = cmd };

	if (ethtool_get(fd, ifname, &v))
		return -1;
	return mask ? !!(v.data & mask) : !!v.data;
}

/* Name, XDP and offloads of the peer, read in its namespace nsfd (-1: ours). */
static void peer_read(int nsfd, struct fwctl_peer *p)
{
	struct link_info li;
	int rtnl, sock;

	rtnl = socket_in(nsfd, AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
	sock = socket_in(nsfd, AF_INET, SOCK_DGRAM, 0);
	if (rtnl >= 0 && sock >= 0 && !link_get(rtnl, p->ifindex, &li)) {
		p->found = true;
		snprintf(p->name, sizeof(p->name), "%s", li.name);
		p->xdp = li.xdp_native;
		p->gro = ethtool_flag(sock, p->name, ETHTOOL_GGRO, 0);
		p->tx_csum = ethtool_flag(sock, p->name, ETHTOOL_GTXCSUM, 0);
		p->tx_vlan = ethtool_flag(sock, p->name, ETHTOOL_GFLAGS, ETH_FLAG_TXVLAN);
	}
	if (rtnl >= 0)
		close(rtnl);
	if (sock >= 0)
		close(sock);
}

int peer_probe(int ifindex, struct fwctl_peer *p)
{
	struct link_info li;
	int rtnl, nsfd = -1, err;

	memset(p, 0, sizeof(*p));
	p->xdp = p->gro = p->tx_csum = p->tx_vlan = -1;
	rtnl = socket_in(-1, AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
	if (rtnl < 0)
		return -errno;
	err = link_get(rtnl, ifindex, &li);
	if (err || !li.veth || li.link <= 0)
		goto out;
	p->veth = true;
	p->ifindex = li.link;
	p->nsid = li.link_nsid;
	if (li.link_nsid >= 0) {
		nsfd = netns_find_named(rtnl, li.link_nsid, p);
		if (nsfd < 0)
			nsfd = netns_find_by_process(rtnl, li.link_nsid, p);
		if (nsfd < 0)
			goto out;	/* p->found stays false */
	}
	peer_read(nsfd, p);
out:
	if (nsfd >= 0)
		close(nsfd);
	close(rtnl);
	return err;
}

/* --- what is wrong and how to fix it ---------------------------------------- */

unsigned int peer_problems(const struct fwctl_peer *p, enum fwctl_mode mode)
{
	unsigned int pb = 0;

	/* Generic XDP forwards skbs through the stack: none of this applies. */
	if (!p->veth || !p->found || mode != FWCTL_MODE_NATIVE)
		return 0;
	if (p->xdp == 0 && p->gro == 0)
		pb |= PEER_NO_NAPI;
	if (p->tx_csum == 1)
		pb |= PEER_TX_CSUM;
	if (p->tx_vlan == 1)
		pb |= PEER_TX_VLAN;
	return pb;
}

static const struct {
	unsigned int bit;
	const char *key;	/* JSON */
	const char *what;	/* short, for status */
	const char *why;	/* the consequence, for attach */
	const char *fix;	/* ethtool -K arguments */
} problems[] = {
	{ PEER_NO_NAPI, "no_gro_no_xdp", "neither GRO nor an XDP program",
	  "frames forwarded to it are dropped", "gro on" },
	{ PEER_TX_CSUM, "tx_checksum_offload", "TX checksum offload on",
	  "TCP it sends through the filter arrives with bad checksums", "tx off" },
	{ PEER_TX_VLAN, "tx_vlan_offload", "tx-vlan-offload on",
	  "the VLAN tags of the frames it sends are lost: native mode forwards them untagged",
	  "txvlan off" },
};
#define NPROBLEMS	(sizeof(problems) / sizeof(problems[0]))

const char *peer_problem_key(unsigned int bit)
{
	size_t i;

	for (i = 0; i < NPROBLEMS; i++)
		if (problems[i].bit == bit)
			return problems[i].key;
	return "unknown";
}

/*
 * s as one shell word: in single quotes when always or when it holds
 * anything but safe characters, with ' written as '\''.
 */
void shell_quote(const char *s, bool always, char *buf, size_t len)
{
	static const char safe[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				   "0123456789_-.,:+=@%/";
	size_t o = 0;

	if (!always && *s && strspn(s, safe) == strlen(s)) {
		snprintf(buf, len, "%s", s);
		return;
	}
	if (len < 3) {
		*buf = 0;
		return;
	}
	buf[o++] = '\'';
	for (; *s && o + 6 < len; s++) {
		if (*s == '\'') {
			memcpy(buf + o, "'\\''", 4);
			o += 4;
		} else {
			buf[o++] = *s;
		}
	}
	buf[o++] = '\'';
	buf[o] = 0;
}

/* The shell prefix that runs a command in the peer's namespace. */
static void peer_enter(const struct fwctl_peer *p, char *buf, size_t len)
{
	char ns[NAME_MAX * 4 + 3];

	if (p->netns[0]) {
		shell_quote(p->netns, false, ns, sizeof(ns));
		snprintf(buf, len, "ip netns exec %s ", ns);
	} else if (p->pid) {
		snprintf(buf, len, "nsenter -t %d -n ", p->pid);
	} else {
		*buf = 0;
	}
}

void peer_where(const struct fwctl_peer *p, char *buf, size_t len)
{
	char name[IF_NAMESIZE * 4 + 3], ns[NAME_MAX * 4 + 3];

	if (!p->found) {
		snprintf(buf, len, "ifindex %d in a network namespace fwctl cannot open (nsid %d)",
			 p->ifindex, p->nsid);
		return;
	}
	shell_quote(p->name, true, name, sizeof(name));
	if (p->netns[0]) {
		shell_quote(p->netns, false, ns, sizeof(ns));
		snprintf(buf, len, "%s in netns %s", name, ns);
	} else if (p->pid) {
		snprintf(buf, len, "%s in the network namespace of pid %d", name, p->pid);
	} else {
		snprintf(buf, len, "%s", name);
	}
}

void peer_fix(const struct fwctl_peer *p, unsigned int pb, char *buf, size_t len)
{
	char enter[NAME_MAX * 4 + 32], name[IF_NAMESIZE * 4 + 3];
	size_t i, o;

	peer_enter(p, enter, sizeof(enter));
	shell_quote(p->name, true, name, sizeof(name));
	o = snprintf(buf, len, "%sethtool -K %s", enter, name);
	for (i = 0; i < NPROBLEMS && o < len; i++)
		if (pb & problems[i].bit)
			o += snprintf(buf + o, len - o, " %s", problems[i].fix);
}

void peer_summary(const struct fwctl_peer *p, unsigned int pb, char *buf, size_t len)
{
	size_t i, o = 0;

	for (i = 0; i < NPROBLEMS && o < len; i++)
		if (pb & problems[i].bit)
			o += snprintf(buf + o, len - o, "%s%s", o ? ", " : "", problems[i].what);
	if (!o)
		snprintf(buf, len, "%s", p->found ? "ok" : "not checked");
}

void peer_warn(const char *ifname, int ifindex, enum fwctl_mode mode)
{
	char where[512], fix[512], qif[IF_NAMESIZE * 4 + 3];
	struct fwctl_peer p;
	unsigned int pb;
	size_t i;

	if (peer_probe(ifindex, &p) || !p.veth)
		return;
	shell_quote(ifname, true, qif, sizeof(qif));
	if (!p.found) {
		if (mode == FWCTL_MODE_NATIVE)
			fprintf(stderr, "fwctl: note: the peer of veth %s is in a network namespace fwctl "
					"cannot open: it needs GRO on or an XDP program, or frames sent to it "
					"are dropped (counted as tx dropped in 'fwctl stats'), TX checksum "
					"offload off for TCP and tx-vlan-offload off to keep VLAN tags "
					"(ethtool -K PEER gro on tx off txvlan off)\n", qif);
		return;
	}
	pb = peer_problems(&p, mode);
	peer_where(&p, where, sizeof(where));
	for (i = 0; i < NPROBLEMS; i++) {
		if (!(pb & problems[i].bit))
			continue;
		peer_fix(&p, problems[i].bit, fix, sizeof(fix));
		fprintf(stderr, "fwctl: warning: %s (peer of %s) has %s: %s (fix: %s)\n", where, qif,
			problems[i].what, problems[i].why, fix);
	}
}
