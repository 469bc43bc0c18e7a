/* SPDX-License-Identifier: GPL-2.0 */
/*
 * classify_test.h - the frame the classify test program reads and writes,
 * as both it (classify_test.bpf.c) and the test (classify.c) see it:
 * a 14-byte dummy Ethernet header, the key, then room for the result.
 */
#ifndef FWCTL_CLASSIFY_TEST_H
#define FWCTL_CLASSIFY_TEST_H

#define CT_KEY_OFF	14
#define CT_OUT_OFF	(CT_KEY_OFF + 64)	/* sizeof(struct fwctl_key) */
#define CT_FRAME_LEN	(CT_OUT_OFF + 24)	/* sizeof(struct ct_out) */

/* Written at CT_OUT_OFF, host order; 24 bytes, as in an array map. */
struct ct_out {
	__u32 status;		/* enum fwctl_classify_status */
	__u32 rule_id;
	__u32 action;
	__u32 prio;
	__u32 policy;
	__u32 small;		/* classify_small: 1 if the small walk answered */
};

/* Cells of the comparison generations of fixed size (lookups inlined). */
#define CT_FIXED_CELLS	(1u << 20)

/* classify_trace: keys in ct_keys, answers in ct_results, CT_TRACE_MAX each. */
#define CT_TRACE_MAX	(1u << 18)
enum { CT_WALK_CURRENT = 0, CT_WALK_FIXED, CT_WALK_NONE };

/* At CT_KEY_OFF of classify_trace's frame. */
struct ct_trace_in {
	__u32 n;		/* keys 0 .. n-1 */
	__u32 walk;		/* CT_WALK_* */
};

#endif /* FWCTL_CLASSIFY_TEST_H */
