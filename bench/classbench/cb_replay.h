/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cb_replay.h - what bench/classbench's replay program and its user space
 * share: the frames it writes into the test packet, one per run.
 */
#ifndef CB_REPLAY_H
#define CB_REPLAY_H

/* Every replayed frame: Ethernet + IPv4 (total length 50) + L4, padded. */
#define CB_FRAME_LEN	64

struct cb_frame {
	__u64 w[CB_FRAME_LEN / 8];
};

#endif
