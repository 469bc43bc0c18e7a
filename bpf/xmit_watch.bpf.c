// SPDX-License-Identifier: GPL-2.0
/*
 * xmit_watch.bpf.c - makes transmit losses visible. A redirected frame has
 * left fwctl_xdp as "forwarded", but the target driver may still refuse it
 * (a veth whose peer has neither XDP nor GRO drops it without telling the
 * program). The kernel reports this on the xdp tracepoints; these programs
 * count what concerns our two interfaces in fwctl_tx_stats.
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

static __always_inline struct fwctl_tx_stats *tx_stats_for(int ifindex)
{
	struct fwctl_config *cfg;
	__u32 key = 0, dir;

	cfg = bpf_map_lookup_elem(&FWCTL_MAP_CONFIG, &key);
	if (!cfg || ifindex <= 0)
		return NULL;
	if ((__u32)ifindex != cfg->ifindex[0] && (__u32)ifindex != cfg->ifindex[1])
		return NULL;	/* someone else's XDP traffic */
	dir = fwctl_dir_of(cfg, ifindex);
	return bpf_map_lookup_elem(&FWCTL_MAP_TX_STATS, &dir);
}

/* TP_PROTO(from_dev, to_dev, int sent, int drops, int err) */
SEC("raw_tracepoint/xdp_devmap_xmit")
int fwctl_devmap_xmit(struct bpf_raw_tracepoint_args *ctx)
{
	const struct net_device *from = (const void *)ctx->args[0];
	struct fwctl_tx_stats *tx;
	int sent = (int)ctx->args[2];
	int drops = (int)ctx->args[3];

	tx = tx_stats_for(BPF_CORE_READ(from, ifindex));
	if (!tx)
		return 0;
	/* Atomic: a bulk flush may run in process context and be interrupted
	 * on this CPU by a softirq flushing too. Once per bulk, not per frame. */
	if (sent > 0)
		__sync_fetch_and_add(&tx->xmit_sent, sent);
	if (drops > 0)
		__sync_fetch_and_add(&tx->xmit_drops, drops);
	return 0;
}

/* TP_PROTO(dev, xdp prog, tgt, int err, map_type, map_id, index) */
SEC("raw_tracepoint/xdp_redirect_err")
int fwctl_redirect_err(struct bpf_raw_tracepoint_args *ctx)
{
	const struct net_device *dev = (const void *)ctx->args[0];
	struct fwctl_tx_stats *tx;

	tx = tx_stats_for(BPF_CORE_READ(dev, ifindex));
	if (tx)
		__sync_fetch_and_add(&tx->redirect_errors, 1);
	return 0;
}
