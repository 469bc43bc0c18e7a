/* SPDX-License-Identifier: GPL-2.0 */
/*
 * classbench.h - the ClassBench sets of ../shared/classbench: rules, trace
 * headers as keys, expected first matches. Shared by tests/classifier and
 * bench/classifier (which includes classbench.c).
 */
#ifndef CLASSIFIER_CLASSBENCH_H
#define CLASSIFIER_CLASSBENCH_H

#include "rule.h"

struct cb_set {
	struct rule *rules;
	__u32 *ids;
	unsigned int n_rules;
	struct fwctl_key *keys;		/* the trace */
	__u32 *expect;			/* 1-based rule number, 0 = no match */
	__u8 *expect_deny;		/* 1: the expected action is deny */
	unsigned int n_keys;
};

/* The classbench directory beside the repository, or NULL if absent. */
const char *cb_dir(void);
/* Load dir/NAME.rules, .trace.gz, .expect.gz; -1 with msg on failure. */
int cb_load(const char *dir, const char *name, struct cb_set *s, char *msg, size_t len);
void cb_free(struct cb_set *s);

#endif
