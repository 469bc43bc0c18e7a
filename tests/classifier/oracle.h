/* SPDX-License-Identifier: GPL-2.0 */
/*
 * oracle.h - the test oracle: does rule r match key? Evaluated field by
 * field from the rule, straight from the semantics of issue 11, never
 * through boxes, so that it checks the compiler rather than repeats it.
 */
#ifndef CLASSIFIER_ORACLE_H
#define CLASSIFIER_ORACLE_H

#include "rule.h"

int rule_matches(const struct rule *r, const struct fwctl_key *key);
/* Index of the first rule of rules[0..n) that matches key, or -1. */
/* The action a rule's boxes carry (allow, deny, allow stateful). */
__u32 rule_box_action(const struct rule *r);
int first_match(const struct rule *rules, unsigned int n, const struct fwctl_key *key);

#endif
