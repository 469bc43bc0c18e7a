// SPDX-License-Identifier: GPL-2.0
/*
 * bench_gen.bpf.c - the traffic generator's program. Run through
 * BPF_PROG_TEST_RUN with BPF_F_TEST_XDP_LIVE_FRAMES and an ingress ifindex
 * of a veth: XDP_TX sends each frame out of that veth, so that its peer
 * (the filter's "input") receives it. The frame is the one the user-space
 * side passed in; it is not modified.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

SEC("xdp")
int bench_gen(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_TX;
}
