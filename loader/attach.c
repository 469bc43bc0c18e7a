// SPDX-License-Identifier: GPL-2.0
/*
 * attach.c - putting the filter on two interfaces and taking it off.
 *
 * Every map is pinned by name in the pin directory (FWCTL_PIN_DIR). The maps are created
 * first (by loading the transmit watcher, whose object declares them all),
 * filled (config, devmap), and only then is the XDP program attached, so its
 * first frame already finds both interfaces. Each interface gets its own
 * program instance, loaded from the skeleton and sharing the pinned maps:
 * under libxdp's dispatcher that is the only way, and without it (a kernel
 * lacking freplace, where libxdp attaches the program directly) both paths
 * behave the same.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
#include "fwctl.h"
#include "fwctl.skel.h"
#include "xmit_watch.skel.h"

/* Pin names of the watcher's tracepoint links, in the pin directory. */
#define PIN_LINK_DEVMAP_XMIT	"link_devmap_xmit"
#define PIN_LINK_REDIRECT_ERR	"link_redirect_err"

static const char *pin_path(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", pin_dir(), name);
	return buf;
}

static enum xdp_attach_mode xdp_mode(enum fwctl_mode mode)
{
	return mode == FWCTL_MODE_SKB ? XDP_MODE_SKB : XDP_MODE_NATIVE;
}

const char *mode_name(enum fwctl_mode mode)
{
	return mode == FWCTL_MODE_SKB ? "skb" : "native";
}

/*
 * Share the devmap between objects by hand (see bpf/maps.h): reuse the pin
 * if there is one, else have libbpf pin the map it creates.
 */
static int devmap_share(struct bpf_map *map)
{
	char path[256];
	int fd, err;

	pin_path(FWCTL_STR(FWCTL_MAP_DEVMAP), path, sizeof(path));
	fd = bpf_obj_get(path);
	if (fd < 0)
		return bpf_map__set_pin_path(map, path);
	err = bpf_map__reuse_fd(map, fd);
	close(fd);
	return err;
}

static void libxdp_msg(int err, char *buf, size_t len)
{
	if (libxdp_strerror(err, buf, len))
		snprintf(buf, len, "%s", strerror(-err));
}

/*
 * Create (or reuse) every pinned map and attach the transmit watcher's
 * tracepoints, pinning the links so they outlive this process.
 */
static int watcher_attach(struct fwctl_err *e)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = pin_dir());
	struct xmit_watch *skel;
	struct bpf_link *l1 = NULL, *l2 = NULL;
	char path[256];
	int err;

	skel = xmit_watch__open_opts(&opts);
	if (!skel) {
		err = -errno;
		fwctl_err_set(e, "cannot open the BPF object: %s", strerror(errno));
		return err;
	}
	err = devmap_share(skel->maps.FWCTL_MAP_DEVMAP);
	if (!err)
		err = xmit_watch__load(skel);
	if (err) {
		fwctl_err_set(e, "cannot load the transmit watcher (kernel without BPF, BTF or "
				 "raw tracepoints?): %s (run with -v for the verifier log)",
			      strerror(-err));
		goto out;
	}
	l1 = bpf_program__attach(skel->progs.fwctl_devmap_xmit);
	err = libbpf_get_error(l1);
	if (!err) {
		l2 = bpf_program__attach(skel->progs.fwctl_redirect_err);
		err = libbpf_get_error(l2);
	}
	if (err) {
		l1 = libbpf_get_error(l1) ? NULL : l1;
		l2 = NULL;
		fwctl_err_set(e, "cannot attach to the xdp tracepoints: %s", strerror(-err));
		goto out;
	}
	err = bpf_link__pin(l1, pin_path(PIN_LINK_DEVMAP_XMIT, path, sizeof(path)));
	if (!err)
		err = bpf_link__pin(l2, pin_path(PIN_LINK_REDIRECT_ERR, path, sizeof(path)));
	if (err)
		fwctl_err_set(e, "cannot pin the tracepoint links in %s: %s", pin_dir(),
			      strerror(-err));
out:
	bpf_link__destroy(l1);	/* the pins keep the links alive */
	bpf_link__destroy(l2);
	xmit_watch__destroy(skel);
	return err;
}

/* Load one instance of the datapath and attach it to ifindex. */
static int xdp_attach_one(const char *ifname, int ifindex, enum fwctl_dir dir,
			  enum fwctl_mode mode, struct fwctl_err *e)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = pin_dir());
	struct xdp_program *prog = NULL;
	struct fwctl *skel;
	char msg[160];
	int err;

	skel = fwctl__open_opts(&opts);
	if (!skel) {
		err = -errno;
		fwctl_err_set(e, "cannot open the BPF object: %s", strerror(errno));
		return err;
	}
	err = devmap_share(skel->maps.FWCTL_MAP_DEVMAP);
	if (err) {
		fwctl_err_set(e, "cannot share the devmap: %s", strerror(-err));
		goto out;
	}
	skel->rodata->instance_dir = dir;	/* this instance sees one interface */
	prog = xdp_program__from_bpf_obj(skel->obj, "xdp");
	err = libxdp_get_error(prog);
	if (err) {
		prog = NULL;
		libxdp_msg(err, msg, sizeof(msg));
		fwctl_err_set(e, "cannot prepare the XDP program: %s", msg);
		goto out;
	}
	err = xdp_program__attach(prog, ifindex, xdp_mode(mode), 0);
	if (err) {
		libxdp_msg(err, msg, sizeof(msg));
		if (err == -EEXIST || err == -EBUSY)
			fwctl_err_set(e, "cannot attach to %s: it already has an XDP program that "
					 "cannot share the interface (see 'xdp-loader status %s')",
				      ifname, ifname);
		else if (err == -EOPNOTSUPP && mode == FWCTL_MODE_NATIVE)
			fwctl_err_set(e, "cannot attach to %s in native mode: %s (try --mode skb)",
				      ifname, msg);
		else
			fwctl_err_set(e, "cannot attach to %s in %s mode: %s", ifname,
				      mode_name(mode), msg);
	}
out:
	xdp_program__close(prog);
	fwctl__destroy(skel);	/* the attachment keeps the program */
	return err;
}

/* Id of our program on ifindex (0 if none): the main one or a dispatcher's. */
__u32 xdp_prog_id_on(int ifindex)
{
	struct xdp_multiprog *mp;
	struct xdp_program *p;
	__u32 id = 0;

	mp = xdp_multiprog__get_from_ifindex(ifindex);
	if (libxdp_get_error(mp))
		return 0;
	if (xdp_multiprog__is_legacy(mp)) {
		p = xdp_multiprog__main_prog(mp);
		if (p && !strcmp(xdp_program__name(p), FWCTL_XDP_PROG_NAME))
			id = xdp_program__id(p);
	} else {
		for (p = xdp_multiprog__next_prog(NULL, mp); p; p = xdp_multiprog__next_prog(p, mp))
			if (!strcmp(xdp_program__name(p), FWCTL_XDP_PROG_NAME))
				id = xdp_program__id(p);
	}
	xdp_multiprog__close(mp);
	return id;
}

/* Detach our program from ifindex, leaving other programs in place. */
static int xdp_detach_one(int ifindex, enum fwctl_mode mode)
{
	struct xdp_multiprog *mp;
	struct xdp_program *p;
	int err = -ENOENT;

	mp = xdp_multiprog__get_from_ifindex(ifindex);
	if (libxdp_get_error(mp))
		return libxdp_get_error(mp);
	if (xdp_multiprog__is_legacy(mp)) {
		p = xdp_multiprog__main_prog(mp);
		if (p && !strcmp(xdp_program__name(p), FWCTL_XDP_PROG_NAME))
			err = xdp_multiprog__detach(mp);
	} else {
		for (p = xdp_multiprog__next_prog(NULL, mp); p; p = xdp_multiprog__next_prog(p, mp)) {
			if (!strcmp(xdp_program__name(p), FWCTL_XDP_PROG_NAME)) {
				err = xdp_program__detach(p, ifindex, xdp_mode(mode), 0);
				break;
			}
		}
	}
	xdp_multiprog__close(mp);
	return err;
}

/* --- warnings about losses the program cannot see ---------------------- */

static int ethtool_ioctl(const char *ifname, void *cmd)
{
	struct ifreq ifr = {};
	int fd, err;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = cmd;
	err = ioctl(fd, SIOCETHTOOL, &ifr) ? -errno : 0;
	close(fd);
	return err;
}

static bool is_veth(const char *ifname)
{
	struct ethtool_drvinfo info = { .cmd = ETHTOOL_GDRVINFO };

	return !ethtool_ioctl(ifname, &info) && !strcmp(info.driver, "veth");
}

/* The veth's "peer_ifindex" statistic (in the peer's namespace), or 0. */
static int veth_peer_ifindex(const char *ifname)
{
	struct ethtool_drvinfo info = { .cmd = ETHTOOL_GDRVINFO };
	struct ethtool_gstrings *names = NULL;
	struct ethtool_stats *stats = NULL;
	int peer = 0;
	__u32 i, n;

	if (ethtool_ioctl(ifname, &info) || !info.n_stats)
		return 0;
	n = info.n_stats;
	names = calloc(1, sizeof(*names) + (size_t)n * ETH_GSTRING_LEN);
	stats = calloc(1, sizeof(*stats) + (size_t)n * sizeof(__u64));
	if (!names || !stats)
		goto out;
	names->cmd = ETHTOOL_GSTRINGS;
	names->string_set = ETH_SS_STATS;
	names->len = n;
	stats->cmd = ETHTOOL_GSTATS;
	stats->n_stats = n;
	if (ethtool_ioctl(ifname, names) || ethtool_ioctl(ifname, stats))
		goto out;
	for (i = 0; i < n; i++)
		if (!strncmp((char *)names->data + i * ETH_GSTRING_LEN, "peer_ifindex", ETH_GSTRING_LEN))
			peer = stats->data[i];
out:
	free(names);
	free(stats);
	return peer;
}

static int ethtool_get_flag(const char *ifname, __u32 cmd)
{
	struct ethtool_value v = { .cmd = cmd };

	return ethtool_ioctl(ifname, &v) ? -1 : (int)v.data;
}

/* Is the veth numbered @peer in the current namespace the peer of ours? */
static bool is_our_peer_here(int peer, int ifindex, char *name)
{
	return peer > 0 && if_indextoname(peer, name) && is_veth(name) &&
	       veth_peer_ifindex(name) == ifindex;
}

/* Warn about the peer's settings; it must be visible in the current netns. */
static void check_peer(const char *ifname, int peer, const char *peer_name, const char *netns)
{
	char where[IF_NAMESIZE + 80] = "";
	__u32 xdp_id = 0;

	if (netns)
		snprintf(where, sizeof(where), " in netns %s", netns);
	bpf_xdp_query_id(peer, 0, &xdp_id);
	if (!xdp_id && ethtool_get_flag(peer_name, ETHTOOL_GGRO) == 0)
		fprintf(stderr, "fwctl: warning: %s%s (peer of %s) has neither GRO nor an XDP program: "
				"frames forwarded to it will be dropped (fix: ethtool -K %s gro on)\n",
			peer_name, where, ifname, peer_name);
	if (ethtool_get_flag(peer_name, ETHTOOL_GTXCSUM) == 1)
		fprintf(stderr, "fwctl: warning: %s%s (peer of %s) has TX checksum offload on: TCP it "
				"sends through the filter arrives with bad checksums (fix: ethtool -K %s tx off)\n",
			peer_name, where, ifname, peer_name);
}

/*
 * Look for the peer in the named network namespaces (ip netns) and check
 * it there. Returns whether it was found; the caller's namespace is always
 * restored (the process is single-threaded, so setns() is safe here).
 */
static bool check_peer_in_named_netns(const char *ifname, int ifindex, int peer)
{
	char path[300], peer_name[IF_NAMESIZE];
	struct dirent *de;
	bool found = false;
	int self, fd;
	DIR *dir;

	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	dir = opendir("/run/netns");
	while (self >= 0 && dir && !found && (de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/run/netns/%s", de->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (!setns(fd, CLONE_NEWNET)) {
			found = is_our_peer_here(peer, ifindex, peer_name);
			if (found)
				check_peer(ifname, peer, peer_name, de->d_name);
			if (setns(self, CLONE_NEWNET))
				fprintf(stderr, "fwctl: cannot return to the original network namespace: %s\n",
					strerror(errno));
		}
		close(fd);
	}
	if (dir)
		closedir(dir);
	if (self >= 0)
		close(self);
	return found;
}

/*
 * A frame redirected into a veth is dropped unless the veth's peer has an
 * XDP program or GRO on, and TCP breaks when the peer (the sending host)
 * offloads TX checksums. Say what can be seen from here: the peer in this
 * namespace or in a named one; else a note.
 */
static void warn_veth_peer(const char *ifname, int ifindex)
{
	char peer_name[IF_NAMESIZE];
	int peer;

	if (!is_veth(ifname))
		return;
	peer = veth_peer_ifindex(ifname);
	if (is_our_peer_here(peer, ifindex, peer_name)) {
		check_peer(ifname, peer, peer_name, NULL);
		return;
	}
	if (check_peer_in_named_netns(ifname, ifindex, peer))
		return;
	fprintf(stderr, "fwctl: note: the peer of veth %s is in a namespace fwctl cannot see: it needs "
			"GRO on or an XDP program, or frames sent to it are dropped (counted as tx "
			"dropped in 'fwctl stats'), and TX checksum offload off for TCP "
			"(ethtool -K PEER gro on tx off)\n", ifname);
}

/* --- the commands' work ------------------------------------------------ */

/*
 * Remove every pin and the pin directory; tolerant of what is already gone.
 * Every entry goes, not just the names this version makes: the directory
 * is root's (state_inspect checked it) and holds nothing but fwctl's pins.
 * The config goes first: a detach killed from then on leaves partial state,
 * which the next attach or detach cleans up (the programs are gone by now).
 */
static int unpin_all(void)
{
	struct dirent *de;
	char path[PATH_MAX];
	int err = 0;
	DIR *d;

	if (unlink(pin_path(FWCTL_STR(FWCTL_MAP_CONFIG), path, sizeof(path))) && errno != ENOENT)
		err = -errno;
	d = opendir(pin_dir());
	if (!d)
		return errno == ENOENT ? err : -errno;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
		    unlinkat(dirfd(d), de->d_name, 0) && errno != ENOENT)
			err = -errno;
	closedir(d);
	if (rmdir(pin_dir()) && errno != ENOENT)
		err = -errno;
	return err;
}

/* Interface names to indexes, in the current network namespace. */
static int resolve_ifaces(struct fwctl_config *cfg, const char *const names[FWCTL_DIR_COUNT],
			  struct fwctl_err *e)
{
	int i;

	for (i = 0; i < FWCTL_DIR_COUNT; i++) {
		cfg->ifindex[i] = if_nametoindex(names[i]);
		if (!cfg->ifindex[i]) {
			fwctl_err_set(e, "no such interface '%s'", names[i]);
			return -ENODEV;
		}
		snprintf(cfg->ifname[i], sizeof(cfg->ifname[i]), "%s", names[i]);
	}
	if (cfg->ifindex[0] == cfg->ifindex[1]) {
		fwctl_err_set(e, "the same interface twice: '%s' and '%s' (ifindex %u)", names[0],
			      names[1], cfg->ifindex[0]);
		return -EINVAL;
	}
	return 0;
}

/*
 * A fresh pin directory, made here and now: one that appeared since
 * state_inspect() (/sys/fs/bpf may be world-writable) is not ours.
 */
static int make_pin_dir(struct fwctl_err *e)
{
	struct stat st;

	if (mkdir(pin_dir(), 0700)) {
		fwctl_err_set(e, "cannot create %s: %s", pin_dir(), strerror(errno));
		return -errno;
	}
	if (lstat(pin_dir(), &st) || !S_ISDIR(st.st_mode) || st.st_uid || (st.st_mode & 077)) {
		fwctl_err_set(e, "%s changed under fwctl while it was being made", pin_dir());
		return -EPERM;
	}
	return 0;
}

static int config_commit(const struct fwctl_config *cfg, struct fwctl_err *e)
{
	struct fwctl_maps maps;
	int err;

	err = maps_open_pinned(pin_dir(), &maps, e);
	if (err)
		return err;
	err = config_write(&maps, cfg);
	maps_close(&maps);
	if (err)
		fwctl_err_set(e, "cannot write the config map: %s", strerror(-err));
	return err;
}

int fwctl_attach(const char *if_in, const char *if_out, enum fwctl_mode mode, struct fwctl_err *e)
{
	struct fwctl_config cfg = { .policy = FWCTL_POLICY_DROP, .mode = mode };
	const char *const names[FWCTL_DIR_COUNT] = { if_in, if_out };
	struct fwctl_maps maps;
	int i, err, attached = 0;

	err = resolve_ifaces(&cfg, names, e);
	if (err)
		return err;
	/* Ifindexes name interfaces only in this namespace: remember which. */
	netns_cookie(&cfg.netns_cookie);

	err = make_pin_dir(e);
	if (err)
		return err;
	err = watcher_attach(e);
	if (err)
		goto fail;
	/* The interfaces first (so that a killed attach can be undone), and
	 * attached_at 0: not complete until both programs are in place. */
	err = config_commit(&cfg, e);
	if (err)
		goto fail;
	err = maps_open_pinned(pin_dir(), &maps, e);
	if (err)
		goto fail;
	err = devmap_link(&maps, cfg.ifindex[0], cfg.ifindex[1]);
	maps_close(&maps);
	if (err) {
		fwctl_err_set(e, "cannot fill the devmap: %s", strerror(-err));
		goto fail;
	}
	for (i = 0; i < FWCTL_DIR_COUNT; i++) {
		err = xdp_attach_one(names[i], cfg.ifindex[i], i, mode, e);
		if (err)
			goto fail;
		attached++;
	}
	cfg.attached_at = time(NULL);
	err = config_commit(&cfg, e);
	if (err)
		goto fail;
	if (mode == FWCTL_MODE_NATIVE)
		for (i = 0; i < FWCTL_DIR_COUNT; i++)
			warn_veth_peer(names[i], cfg.ifindex[i]);
	return 0;

fail:
	for (i = 0; i < attached; i++)
		xdp_detach_one(cfg.ifindex[i], mode);
	unpin_all();
	return err;
}

int fwctl_detach(const struct fwctl_config *cfg, struct fwctl_err *e)
{
	char name[IF_NAMESIZE];
	int i, err;

	for (i = 0; i < FWCTL_DIR_COUNT; i++) {
		if (!cfg->ifindex[i] || !if_indextoname(cfg->ifindex[i], name))
			continue;	/* not attached yet, or interface gone with its program */
		err = xdp_detach_one(cfg->ifindex[i], cfg->mode);
		if (err && err != -ENOENT) {
			fwctl_err_set(e, "cannot detach from %s: %s", name, strerror(-err));
			return err;
		}
	}
	err = unpin_all();
	if (err)
		fwctl_err_set(e, "cannot remove the pins in %s: %s", pin_dir(), strerror(-err));
	return err;
}
