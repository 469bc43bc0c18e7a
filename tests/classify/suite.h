/* SPDX-License-Identifier: GPL-2.0 */
/* suite.h - what the parts of the classify test share (defined in classify.c). */
#ifndef FWCTL_CLASSIFY_SUITE_H
#define FWCTL_CLASSIFY_SUITE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "fwctl.h"
#include "fwctl_classifier.h"
#include "classify_test.h"

extern struct fwctl_maps maps;		/* borrowed from the test object */
extern struct fwctl_key *trace_keys;	/* ct_keys, mapped: CT_TRACE_MAX keys */
extern struct ct_out *trace_out;	/* ct_results, mapped */
extern __u64 seed0;

/* One PASS: or FAIL: line. */
void report(bool ok, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Keys trace_keys[0..n) through one walk (CT_WALK_*) in a single test
 * run, answers in trace_out[]; *ns: the run's time when not NULL. */
int run_trace(__u32 walk, __u32 n, __u64 *ns);
/* Equal answers (rule, action and prio only when both matched). */
bool same(const struct ct_out *a, const struct ct_out *b);
const char *fmt_out(const struct ct_out *o, char *buf, size_t len);
const char *fmt_key(const struct fwctl_key *k, char *buf, size_t len);
double now_us(void);
/*
 * Commit cells c[0..n) and a fixed-size copy; print ns per lookup through
 * both: each of keys[0..nk) repeated (all caches hot), or, with trace,
 * trace_keys[0..nk) in one run (many distinct keys, as real traffic).
 */
void measure_cells(const char *what, const struct fwctl_cell *c, __u32 n,
		   const struct fwctl_key *keys, unsigned int nk, __u32 repeat, bool trace);

/* compiled.c: rule sets through loader/classifier.c, then the BPF walk. */
void test_compiled(void);
/* ClassBench sets: the 1k and 10k ones, the 100k ones too when big. */
void test_classbench(bool big);

#endif /* FWCTL_CLASSIFY_SUITE_H */
