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
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
#include "fwctl.h"
#include "trace.h"		/* struct fwctl_trace_ctl, for the skeleton */
#include "conntrack.h"
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
 * Load the watcher, as BTF-typed tracing programs (btf) or as raw
 * tracepoint ones, creating (or reusing) every pinned map, and attach it.
 * The links in l[2]; NULL on failure, with *err.
 */
static struct xmit_watch *watcher_try(bool btf, __u32 bank_cells, struct bpf_link *l[2],
				      int *err)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = pin_dir());
	struct bpf_program *p[2];
	struct xmit_watch *skel;
	int i;

	skel = xmit_watch__open_opts(&opts);
	if (!skel) {
		*err = -errno;
		return NULL;
	}
	bpf_program__set_autoload(skel->progs.fwctl_devmap_xmit, btf);
	bpf_program__set_autoload(skel->progs.fwctl_redirect_err, btf);
	bpf_program__set_autoload(skel->progs.fwctl_devmap_xmit_raw, !btf);
	bpf_program__set_autoload(skel->progs.fwctl_redirect_err_raw, !btf);
	p[0] = btf ? skel->progs.fwctl_devmap_xmit : skel->progs.fwctl_devmap_xmit_raw;
	p[1] = btf ? skel->progs.fwctl_redirect_err : skel->progs.fwctl_redirect_err_raw;
	*err = devmap_share(skel->maps.FWCTL_MAP_DEVMAP);
	if (!*err)	/* the watcher creates the pinned maps: the banks at their size */
		*err = table_banks_set_size(skel->obj, bank_cells);
	if (!*err)	/* and the rule counters, a region per CPU */
		*err = rule_stats_set_size(skel->obj);
	if (!*err)
		*err = xmit_watch__load(skel);
	for (i = 0; i < 2 && !*err; i++) {
		l[i] = bpf_program__attach(p[i]);
		*err = libbpf_get_error(l[i]);
		if (*err)
			l[i] = NULL;
	}
	if (*err) {
		bpf_link__destroy(l[0]);
		bpf_link__destroy(l[1]);
		l[0] = l[1] = NULL;
		xmit_watch__destroy(skel);	/* unpins the maps it pinned */
		return NULL;
	}
	return skel;
}

/*
 * Create (or reuse) every pinned map and attach the transmit watcher's
 * tracepoints, pinning the links so they outlive this process. BTF-typed
 * programs read the kernel's structs cheaply; raw tracepoints are the
 * fallback for kernels without them.
 */
static int watcher_attach(__u32 bank_cells, struct fwctl_err *e)
{
	struct bpf_link *l[2] = {};
	struct xmit_watch *skel;
	char path[256];
	int err;

	skel = watcher_try(true, bank_cells, l, &err);
	if (!skel)
		skel = watcher_try(false, bank_cells, l, &err);
	if (!skel) {
		fwctl_err_set(e, "cannot load the transmit watcher (kernel without BPF, BTF or "
				 "raw tracepoints?): %s (run with -vv for the verifier log)",
			      strerror(-err));
		return err;
	}
	err = bpf_link__pin(l[0], pin_path(PIN_LINK_DEVMAP_XMIT, path, sizeof(path)));
	if (!err)
		err = bpf_link__pin(l[1], pin_path(PIN_LINK_REDIRECT_ERR, path, sizeof(path)));
	if (err)
		fwctl_err_set(e, "cannot pin the tracepoint links in %s: %s", pin_dir(),
			      strerror(-err));
	bpf_link__destroy(l[0]);	/* the pins keep the links alive */
	bpf_link__destroy(l[1]);
	xmit_watch__destroy(skel);
	return err;
}

/* Load one instance of the datapath and attach it to ifindex. */
static int xdp_attach_one(const char *ifname, int ifindex, enum fwctl_dir dir,
			  enum fwctl_mode mode, const struct fwctl_config *cfg, struct fwctl_err *e)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = pin_dir());
	struct xdp_program *prog = NULL;
	struct fwctl *skel;
	char msg[160], qif[IF_NAMESIZE * 4 + 3];
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
	/* The trace control block too, if this datapath traces (bpf/trace.h). */
	err = trace_ctl_share(skel->obj);
	if (err && err != -ENOENT) {
		fwctl_err_set(e, "cannot share the trace control block: %s", strerror(-err));
		goto out;
	}
	skel->rodata->instance_dir = dir;	/* this instance sees one interface */
	/* The first instance makes the flow tables; the second reuses their
	 * pins, which libbpf does only if the sizes match. */
	err = ct_maps_set_size(skel->obj, cfg->ct_size);
	if (err) {
		fwctl_err_set(e, "cannot size the flow tables: %s", strerror(-err));
		goto out;
	}
	err = table_banks_set_size(skel->obj, cfg->bank_cells);
	if (err) {
		fwctl_err_set(e, "cannot size the rule banks: %s", strerror(-err));
		goto out;
	}
	err = rule_stats_set_size(skel->obj);
	if (err) {
		fwctl_err_set(e, "cannot size the rule counters: %s", strerror(-err));
		goto out;
	}
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
		shell_quote(ifname, true, qif, sizeof(qif));
		if (err == -EEXIST || err == -EBUSY)
			fwctl_err_set(e, "cannot attach to %s: it already has an XDP program that "
					 "cannot share the interface (see: xdp-loader status %s)",
				      qif, qif);
		else if (err == -EOPNOTSUPP && mode == FWCTL_MODE_NATIVE)
			fwctl_err_set(e, "cannot attach to %s in native mode: %s (try --mode skb)",
				      qif, msg);
		else
			fwctl_err_set(e, "cannot attach to %s in %s mode: %s", qif,
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

/* Default timeouts, size and hash keys in the flow tables' config, made
 * by the first instance. */
static int ct_init(__u32 ct_size, struct fwctl_err *e)
{
	struct ct_maps m;
	int err;

	err = ct_maps_open_pinned(pin_dir(), &m, e);
	if (err)
		return err;
	err = ct_config_init(&m, ct_size);
	ct_maps_close(&m);
	if (err)
		fwctl_err_set(e, "cannot write the flow timeouts: %s", strerror(-err));
	return err;
}

int fwctl_attach(const char *if_in, const char *if_out, enum fwctl_mode mode, __u32 ct_size,
		 __u32 bank_cells, struct fwctl_err *e)
{
	struct fwctl_config cfg = { .mode = mode, .ct_size = ct_size, .bank_cells = bank_cells };
	const char *const names[FWCTL_DIR_COUNT] = { if_in, if_out };
	struct fwctl_maps maps;
	int i, err, attached = 0;

	err = resolve_ifaces(&cfg, names, e);
	if (err)
		return err;
	/* Ifindexes name interfaces only in this namespace: remember which. */
	err = netns_cookie(&cfg.netns_cookie);
	if (err) {
		fwctl_err_set(e, "cannot identify this network namespace (SO_NETNS_COOKIE): %s",
			      strerror(-err));
		return err;
	}

	err = make_pin_dir(e);
	if (err)
		return err;
	err = watcher_attach(bank_cells, e);
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
	if (err)
		fwctl_err_set(e, "cannot fill the devmap: %s", strerror(-err));
	else	/* no rules, policy drop: in place before the first frame */
		err = ruleset_init(&maps, e);
	maps_close(&maps);
	if (err)
		goto fail;
	for (i = 0; i < FWCTL_DIR_COUNT; i++) {
		err = xdp_attach_one(names[i], cfg.ifindex[i], i, mode, &cfg, e);
		if (err)
			goto fail;
		attached++;
	}
	err = ct_init(cfg.ct_size, e);
	if (err)
		goto fail;
	cfg.attached_at = time(NULL);
	err = config_commit(&cfg, e);
	if (err)
		goto fail;
	for (i = 0; i < FWCTL_DIR_COUNT; i++)
		peer_warn(names[i], cfg.ifindex[i], mode);
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
