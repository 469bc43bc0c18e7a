/* SPDX-License-Identifier: GPL-2.0 */
/*
 * trace_maps.h - the maps of `fwctl trace`, pinned under FWCTL_PIN_DIR
 * like those of maps.h (by name, but for the control block: see below), so
 * that every program instance and every reader share them. Layouts in
 * fwctl_trace.h.
 */
#ifndef FWCTL_TRACE_MAPS_H
#define FWCTL_TRACE_MAPS_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "fwctl_common.h"
#include "fwctl_trace.h"

/*
 * The on flags and the slots' filters: a global variable, so that the hot
 * path reads any_on with one load from an address fixed at load time
 * instead of a map lookup. It has a data section of its own, which libbpf
 * makes an mmapable array map of one entry (FWCTL_TRACE_CTL_SEC); loaders
 * share that map between program instances and pin it as
 * FWCTL_MAP_TRACE_CTL by hand (trace_ctl_share() in loader/trace.c), as
 * they do the devmap.
 */
struct fwctl_trace_ctl FWCTL_MAP_TRACE_CTL SEC(FWCTL_TRACE_CTL_SEC);

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
