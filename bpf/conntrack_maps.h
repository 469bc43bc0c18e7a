/* SPDX-License-Identifier: GPL-2.0 */
/*
 * conntrack_maps.h - the maps of connection and fragment tracking
 * (layouts in fwctl_conntrack.h). Pinned by name like every fwctl map, so
 * both program instances share one flow table. Sizes here are the
 * defaults; the loader sets max_entries from --ct-size before loading
 * (ct_maps_set_size()).
 */
#ifndef FWCTL_CONNTRACK_MAPS_H
#define FWCTL_CONNTRACK_MAPS_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "fwctl_common.h"
#include "fwctl_conntrack.h"

/* Flows not answered yet: a flood of new flows churns only these slots. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, FWCTL_CT_NEW_SIZE(FWCTL_CT_DEFAULT_SIZE));
	__type(key, struct fwctl_ct_key);
	__type(value, struct fwctl_ct_entry);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} FWCTL_MAP_CT_NEW SEC(".maps");

/* Flows that got their reply: buckets of FWCTL_CT_WAYS slots in a plain
 * array, whose lookups the verifier inlines (a hash map's lookup is three
 * calls out of line). Managed by conntrack.h (ct_est_*). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, FWCTL_CT_EST_SLOTS(FWCTL_CT_DEFAULT_SIZE));
	__type(key, __u32);
	__type(value, struct fwctl_ct_slot);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} FWCTL_MAP_CT_EST SEC(".maps");

/* One per bucket of fwctl_ct_est: its slots' tags. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, FWCTL_CT_EST_SLOTS(FWCTL_CT_DEFAULT_SIZE) / FWCTL_CT_WAYS);
	__type(key, __u32);
	__type(value, struct fwctl_ct_tags);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} FWCTL_MAP_CT_TAGS SEC(".maps");

/* Live entries per table (enum fwctl_ct_table), shared by all CPUs:
 * only to tell an insert into the new-flow table that evicts from one
 * that does not (the established table knows its victims: [1] unused). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, FWCTL_CT_TABLES);
	__type(key, __u32);
	__type(value, __s64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} FWCTL_MAP_CT_COUNT SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fwctl_ct_config);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} FWCTL_MAP_CT_CONFIG SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fwctl_ct_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} FWCTL_MAP_CT_STATS SEC(".maps");

/* First fragments' datagrams and their verdicts. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, FWCTL_FRAG_SIZE);
	__type(key, struct fwctl_frag_key);
	__type(value, struct fwctl_frag_entry);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} FWCTL_MAP_FRAG SEC(".maps");

/* This CPU's tracking counters. */
static __always_inline struct fwctl_ct_stats *ct_stats(void)
{
	__u32 key = 0;

	return bpf_map_lookup_elem(&FWCTL_MAP_CT_STATS, &key);
}

#define CT_COUNT(field)                                         \
	do {                                                    \
		struct fwctl_ct_stats *__st = ct_stats();       \
		if (__st)                                       \
			__st->field++;                          \
	} while (0)

#endif /* FWCTL_CONNTRACK_MAPS_H */
