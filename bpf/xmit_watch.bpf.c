// SPDX-License-Identifier: GPL-2.0
/*
 * xmit_watch.bpf.c - makes transmit losses visible. A redirected frame has
 * left fwctl_xdp as "forwarded", but the target driver may still refuse it
 * (a veth whose peer has neither XDP nor GRO drops it without telling the
 * program). The kernel reports this on the xdp tracepoints; these programs
 * count what concerns our two interfaces in fwctl_tx_stats.
 *
 * The tracepoints fire for every XDP redirect on the machine, in every
 * network namespace, and ifindexes repeat across namespaces: a device is
 * ours only if its ifindex is one of ours AND it lives in the namespace
 * fwctl attached in (config netns_cookie); a redirect error also only if it
 * went through our devmap.
 *
 * Raw tracepoints, because they need no tracefs mount and work on kernels
 * without BTF-typed tracing programs.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "fwctl_common.h"
#include "maps.h"

char LICENSE[] SEC("license") = "GPL";

/*
 * Direction of frames received on dev if dev is one of our interfaces in
 * our namespace, else FWCTL_DIR_COUNT. The ifindex test comes first: it
 * rejects most foreign traffic with one read.
 */
static __always_inline __u32 our_dir(const struct fwctl_config *cfg, const struct net_device *dev)
{
	__u32 ifindex = BPF_CORE_READ(dev, ifindex);

	if (!ifindex || (ifindex != cfg->ifindex[0] && ifindex != cfg->ifindex[1]))
		return FWCTL_DIR_COUNT;
	if (BPF_CORE_READ(dev, nd_net.net, net_cookie) != cfg->netns_cookie)
		return FWCTL_DIR_COUNT;	/* same ifindex, another namespace */
	return fwctl_dir_of(cfg, ifindex);
}

static __always_inline struct fwctl_config *fwctl_cfg(void)
{
	__u32 key = 0;

	return bpf_map_lookup_elem(&FWCTL_MAP_CONFIG, &key);
}

/*
 * Counters are per CPU and a program never runs nested in itself on one
 * CPU (the kernel skips a raw tracepoint program re-entered on its CPU), so
 * plain additions are safe: no atomic instructions on the flush path.
 */

/* TP_PROTO(from_dev, to_dev, int sent, int drops, int err) */
SEC("raw_tracepoint/xdp_devmap_xmit")
int fwctl_devmap_xmit(struct bpf_raw_tracepoint_args *ctx)
{
	const struct net_device *from = (const void *)ctx->args[0];
	const struct net_device *to = (const void *)ctx->args[1];
	struct fwctl_config *cfg = fwctl_cfg();
	struct fwctl_tx_stats *tx;
	int sent = (int)ctx->args[2];
	int drops = (int)ctx->args[3];
	__u32 dir;

	if (!cfg)
		return 0;
	dir = our_dir(cfg, from);
	if (dir >= FWCTL_DIR_COUNT)
		return 0;
	/* Our devmap sends each interface's frames to the other one only. */
	if ((__u32)BPF_CORE_READ(to, ifindex) != cfg->ifindex[dir ^ 1])
		return 0;
	tx = bpf_map_lookup_elem(&FWCTL_MAP_TX_STATS, &dir);
	if (!tx)
		return 0;
	if (sent > 0)
		tx->xmit_sent += sent;
	if (drops > 0)
		tx->xmit_drops += drops;
	return 0;
}

/* TP_PROTO(dev, xdp prog, tgt, int err, map_type, u32 map_id, u32 index) */
SEC("raw_tracepoint/xdp_redirect_err")
int fwctl_redirect_err(struct bpf_raw_tracepoint_args *ctx)
{
	const struct net_device *dev = (const void *)ctx->args[0];
	const struct bpf_map *devmap = (const void *)&FWCTL_MAP_DEVMAP;
	struct fwctl_config *cfg = fwctl_cfg();
	struct fwctl_tx_stats *tx;
	__u32 dir;

	if (!cfg || (__u32)ctx->args[5] != devmap->id)
		return 0;	/* not a redirect through our devmap */
	dir = our_dir(cfg, dev);
	if (dir >= FWCTL_DIR_COUNT)
		return 0;
	tx = bpf_map_lookup_elem(&FWCTL_MAP_TX_STATS, &dir);
	if (tx)
		tx->redirect_errors++;
	return 0;
}
