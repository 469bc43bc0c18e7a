// SPDX-License-Identifier: GPL-2.0
/*
 * fwctl_noct.bpf.c - bpf/fwctl.bpf.c without connection-tracking code:
 * no flow lookup, creation or move (fragment tracking stays). `bench/unit
 * --without-ct` runs it next to the real program on the same maps and
 * rules (sets without `stateful` rules): what tracking costs them.
 */
#define FWCTL_NO_CT
#include "../../bpf/fwctl.bpf.c"
