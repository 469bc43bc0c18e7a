/* SPDX-License-Identifier: GPL-2.0 */
/*
 * trace_maps.h - the maps of `fwctl trace`, pinned by name under
 * FWCTL_PIN_DIR like those of maps.h, so that every program instance and
 * every reader share them. Layouts in fwctl_trace.h.
 */
#ifndef FWCTL_TRACE_MAPS_H
#define FWCTL_TRACE_MAPS_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "fwctl_common.h"
#include "fwctl_trace.h"

/* The on flags and the slots' filters; key 0 only. Readers mmap it. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct fwctl_trace_ctl);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} FWCTL_MAP_TRACE_CTL SEC(".maps");

/*
 * Each slot's ring buffer, created by its reader (of the size its level
 * needs) and put here while it traces. The inner template's size is only
 * the smallest a reader may use.
 */
struct fwctl_trace_ring {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, FWCTL_TRACE_SLOTS);
	__type(key, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__array(values, struct fwctl_trace_ring);	/* last: a flexible array */
} FWCTL_MAP_TRACE_RINGS SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FWCTL_TRACE_SLOTS);
	__type(key, __u32);
	__type(value, struct fwctl_trace_bucket);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} FWCTL_MAP_TRACE_RATE SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FWCTL_TRACE_SLOTS);
	__type(key, __u32);
	__type(value, struct fwctl_trace_lost);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} FWCTL_MAP_TRACE_LOST SEC(".maps");

#endif /* FWCTL_TRACE_MAPS_H */
