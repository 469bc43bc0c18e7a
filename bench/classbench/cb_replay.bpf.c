// SPDX-License-Identifier: GPL-2.0
/*
 * cb_replay.bpf.c - replays a header trace through another XDP program
 * with BPF_PROG_TEST_RUN. A test run executes one frame, repeat times; to
 * give every run a different header, this program overwrites the test
 * frame with the next frame of cb_frames (a 64-byte copy), then tail-calls
 * the program under test (cb_target[0]), whose verdict becomes the run's.
 * The kernel's average duration then covers the whole trace; the copy and
 * the tail call are measured alone by cb_copy_only (same copy, no call).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "cb_replay.h"

char LICENSE[] SEC("license") = "GPL";

/* The trace as frames; max_entries set by user space to their number. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cb_frame);
} cb_frames SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} cb_target SEC(".maps");

const volatile __u32 cb_n_frames = 1;
__u32 cb_next;		/* the frame the next run takes */

/* Copy the next frame over the test frame; -1 if it cannot be done. */
static __always_inline int next_frame(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct cb_frame *f, *pkt = data;
	__u32 i = cb_next;
	int j;

	cb_next = i + 1 < cb_n_frames ? i + 1 : 0;
	f = bpf_map_lookup_elem(&cb_frames, &i);
	if (!f || data + CB_FRAME_LEN > data_end)
		return -1;
#pragma unroll
	for (j = 0; j < CB_FRAME_LEN / 8; j++)
		pkt->w[j] = f->w[j];
	return 0;
}

SEC("xdp")
int cb_replay(struct xdp_md *ctx)
{
	if (next_frame(ctx))
		return XDP_ABORTED;
	bpf_tail_call(ctx, &cb_target, 0);
	return XDP_ABORTED;	/* no program in cb_target[0] */
}

SEC("xdp")
int cb_copy_only(struct xdp_md *ctx)
{
	return next_frame(ctx) ? XDP_ABORTED : XDP_DROP;
}
