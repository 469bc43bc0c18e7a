// SPDX-License-Identifier: GPL-2.0
/*
 * trivial_redirect.bpf.c - the benchmarks' baseline: redirect every frame
 * through a devmap, nothing else. The upper bound of fwctl's path.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u32);
} trivial_devmap SEC(".maps");

SEC("xdp")
int trivial_redirect(struct xdp_md *ctx)
{
	return bpf_redirect_map(&trivial_devmap, ctx->ingress_ifindex, XDP_DROP);
}
