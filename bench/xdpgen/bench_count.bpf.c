// SPDX-License-Identifier: GPL-2.0
/*
 * bench_count.bpf.c - the benchmark's sink, on the peer of the filter's
 * "output": counts the benchmark frames (per CPU) and drops them; every
 * other frame (ARP, ND, the iperf3 connection) goes up the stack.
 * With drop_bench = 0 it passes everything and only counts.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "bench_xdpgen.h"

char LICENSE[] SEC("license") = "GPL";

#define ETH_P_IP 0x0800

const volatile __u8 drop_bench = 1;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, BENCH_SLOT_COUNT);
	__type(key, __u32);
	__type(value, __u64);
} bench_counts SEC(".maps");

SEC("xdp")
int bench_count(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = data + sizeof(*eth);
	__u16 *ports;	/* source, destination */
	__u32 slot;
	__u64 *cnt;

	if ((void *)(ip + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP) ||
	    ip->ihl != 5)
		return XDP_PASS;
	ports = (void *)(ip + 1);
	if ((void *)(ports + 2) > data_end)
		return XDP_PASS;
	if (ip->protocol == IPPROTO_UDP && ports[1] == bpf_htons(BENCH_UDP_PORT))
		slot = BENCH_SLOT_UDP;
	else if (ip->protocol == IPPROTO_TCP && ports[1] == bpf_htons(BENCH_BLOCKED_PORT))
		slot = BENCH_SLOT_BLOCKED;
	else
		return XDP_PASS;
	cnt = bpf_map_lookup_elem(&bench_counts, &slot);
	if (cnt)
		(*cnt)++;
	return drop_bench ? XDP_DROP : XDP_PASS;
}
