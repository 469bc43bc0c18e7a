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
 * Each program comes twice: BTF-typed (tp_btf), which reads the kernel's
 * structs with plain loads, and raw (raw_tp), which needs a helper call per
 * read (bpf_probe_read_kernel, about 25 ns each here) but works on kernels
 * without BTF-typed tracing. The loader tries the first, then the second.
 * Neither needs a tracefs mount.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "fwctl_common.h"
#include "maps.h"

char LICENSE[] SEC("license") = "GPL";

/* A field of a struct net_device: direct with BTF, else through a helper. */
#define DEV_IFINDEX(btf, d)	((btf) ? (__u32)(d)->ifindex : (__u32)BPF_CORE_READ(d, ifindex))
#define DEV_NETNS(btf, d)	((btf) ? (d)->nd_net.net->net_cookie \
				       : BPF_CORE_READ(d, nd_net.net, net_cookie))

static __always_inline struct fwctl_config *fwctl_cfg(void)
{
	__u32 key = 0;

	return bpf_map_lookup_elem(&FWCTL_MAP_CONFIG, &key);
}

/*
 * Direction of frames received on dev if dev is one of our interfaces in
 * our namespace, else FWCTL_DIR_COUNT. The ifindex test comes first: it
 * rejects most foreign traffic with one read.
 */
static __always_inline __u32 our_dir(const struct fwctl_config *cfg, const struct net_device *dev,
				     bool btf)
{
	__u32 ifindex = DEV_IFINDEX(btf, dev);

	if (!ifindex || (ifindex != cfg->ifindex[0] && ifindex != cfg->ifindex[1]))
		return FWCTL_DIR_COUNT;
	if (DEV_NETNS(btf, dev) != cfg->netns_cookie)
		return FWCTL_DIR_COUNT;	/* same ifindex, another namespace */
	return fwctl_dir_of(cfg, ifindex);
}

/*
 * Counters are per CPU and a tracing program never runs nested in itself on
 * one CPU (the kernel skips a program re-entered on its CPU), so plain
 * additions are safe: no atomic instructions on the flush path.
 */

/* xdp_devmap_xmit(from_dev, to_dev, sent, drops, err): once per bulk flush. */
static __always_inline void on_devmap_xmit(const struct net_device *from,
					   const struct net_device *to, int sent, int drops,
					   bool btf)
{
	struct fwctl_config *cfg = fwctl_cfg();
	struct fwctl_tx_stats *tx;
	__u32 dir;

	if (!cfg)
		return;
	dir = our_dir(cfg, from, btf);
	if (dir >= FWCTL_DIR_COUNT)
		return;
	/* Our devmap sends each interface's frames to the other one only. */
	if (DEV_IFINDEX(btf, to) != cfg->ifindex[dir ^ 1])
		return;
	tx = bpf_map_lookup_elem(&FWCTL_MAP_TX_STATS, &dir);
	if (!tx)
		return;
	if (sent > 0)
		tx->xmit_sent += sent;
	if (drops > 0)
		tx->xmit_drops += drops;
}

/* xdp_redirect_err(dev, xdp prog, tgt, err, map_type, map_id, index) */
static __always_inline void on_redirect_err(const struct net_device *dev, __u32 map_id, bool btf)
{
	const struct bpf_map *devmap = (const void *)&FWCTL_MAP_DEVMAP;
	struct fwctl_config *cfg = fwctl_cfg();
	struct fwctl_tx_stats *tx;
	__u32 dir;

	if (!cfg || map_id != devmap->id)
		return;	/* not a redirect through our devmap */
	dir = our_dir(cfg, dev, btf);
	if (dir >= FWCTL_DIR_COUNT)
		return;
	tx = bpf_map_lookup_elem(&FWCTL_MAP_TX_STATS, &dir);
	if (tx)
		tx->redirect_errors++;
}

/* BTF-typed: the kernel types each argument, pointers can be read directly. */
SEC("tp_btf/xdp_devmap_xmit")
int fwctl_devmap_xmit(__u64 *ctx)
{
	on_devmap_xmit((const void *)ctx[0], (const void *)ctx[1], (int)ctx[2], (int)ctx[3], true);
	return 0;
}

SEC("tp_btf/xdp_redirect_err")
int fwctl_redirect_err(__u64 *ctx)
{
	on_redirect_err((const void *)ctx[0], (__u32)ctx[5], true);
	return 0;
}

SEC("raw_tracepoint/xdp_devmap_xmit")
int fwctl_devmap_xmit_raw(struct bpf_raw_tracepoint_args *ctx)
{
	on_devmap_xmit((const void *)ctx->args[0], (const void *)ctx->args[1], (int)ctx->args[2],
		       (int)ctx->args[3], false);
	return 0;
}

SEC("raw_tracepoint/xdp_redirect_err")
int fwctl_redirect_err_raw(struct bpf_raw_tracepoint_args *ctx)
{
	on_redirect_err((const void *)ctx->args[0], (__u32)ctx->args[5], false);
	return 0;
}
