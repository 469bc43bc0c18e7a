// SPDX-License-Identifier: GPL-2.0
/*
 * fwctl_notrace.bpf.c - bpf/fwctl.bpf.c without the entry's test of the
 * trace flag: only the copy of the datapath that runs while tracing is off,
 * which is the datapath as it was before tracing. The benchmark of tracing
 * (tests/trace/bench.c, make bench) runs it next to the real program.
 */
#define FWCTL_NO_TRACE
#include "../../bpf/fwctl.bpf.c"
