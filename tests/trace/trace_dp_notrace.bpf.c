// SPDX-License-Identifier: GPL-2.0
/* trace_dp_notrace.bpf.c - trace_dp.bpf.c without tracing code (its cost). */
#define TRACE_DP_NO_TRACE
#include "trace_dp.bpf.c"
