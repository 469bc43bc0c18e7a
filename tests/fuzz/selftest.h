/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FUZZ_SELFTEST_H
#define FUZZ_SELFTEST_H
#include <stddef.h>
/* Hand-written spec cases for ref.c: number of cases, or -1 (why filled). */
int ref_selftest(char *why, size_t whylen);
#endif
