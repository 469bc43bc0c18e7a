// SPDX-License-Identifier: GPL-2.0
/*
 * vlan_push.bpf.c - a tc egress program for tests/peer: tags the test's UDP
 * frames with an 802.1Q tag the way a VLAN device does, through
 * bpf_skb_vlan_push(): the tag goes into skb metadata, and the sending
 * device's tx-vlan-offload decides whether it stays there (offload on: the
 * veth hands the skb over with the tag beside the frame) or is written into
 * the frame (offload off). This kernel has no 8021q module for a real VLAN
 * device.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "net_consts.h"

char LICENSE[] SEC("license") = "GPL";

#define TC_ACT_OK	0

const volatile __u16 vlan_id = 10;
const volatile __u16 udp_dport = 0;	/* only frames to this UDP port */
__u64 pushed = 0;

SEC("tc")
int vlan_push(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = data + sizeof(*eth);
	struct udphdr *udp = (void *)(ip + 1);

	if ((void *)(udp + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP) ||
	    ip->ihl != 5 || ip->protocol != 17 || udp->dest != bpf_htons(udp_dport))
		return TC_ACT_OK;
	if (!bpf_skb_vlan_push(skb, bpf_htons(ETH_P_8021Q), vlan_id))
		__sync_fetch_and_add(&pushed, 1);
	return TC_ACT_OK;
}
