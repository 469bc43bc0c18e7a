/* SPDX-License-Identifier: GPL-2.0 */
/*
 * maps.h - every map of fwctl, as both BPF objects (the XDP datapath and the
 * transmit watcher) see them. All are pinned by name under FWCTL_PIN_DIR, so
 * every program instance (one per interface under libxdp's dispatcher, one
 * shared program without it) and the watcher use the very same maps.
 */
#ifndef FWCTL_MAPS_H
#define FWCTL_MAPS_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "fwctl_common.h"
#include "fwctl_classifier.h"

/* The two interfaces, mode and namespace; key 0 only. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fwctl_config);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} FWCTL_MAP_CONFIG SEC(".maps");

/*
 * Packets and bytes by rule id: every id a generation may use, in one
 * region per CPU (FWCTL_RULE_STATS_KEY()) once the loader has sized it
 * (rule_stats_set_size()); left at one region, every CPU counts there.
 * BPF_F_MMAPABLE for where the values start: a page, not 312 bytes into
 * struct bpf_array, where one counter in four would straddle two cache
 * lines.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, FWCTL_RULE_ID_SLOTS);
	__type(key, __u32);
	__type(value, struct fwctl_rule_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} FWCTL_MAP_RULE_STATS SEC(".maps");

/*
 * A rule-set generation (include/fwctl_classifier.h): an array of cells
 * sized to fit by the loader. BPF_F_INNER_MAP lets every generation have
 * its own max_entries; the cost is that the verifier no longer inlines
 * lookups into it (each one is a call of array_map_lookup_elem).
 * BPF_F_MMAPABLE lets the loader write and read the cells with memcpy,
 * ten times faster than batch updates. Every generation has these flags.
 */
struct fwctl_generation {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_INNER_MAP | BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	/* Sizes, not types: BTF would hold only a forward declaration of
	 * struct fwctl_cell in objects that never read a cell. */
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(struct fwctl_cell));
};

/* Slot 0: the current generation. One update of it is the commit. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__array(values, struct fwctl_generation);	/* last: a flexible array */
} FWCTL_MAP_TABLES SEC(".maps");

/*
 * Two banks of cells for generations that fit one (include/fwctl_classifier.h):
 * a plain array, so the verifier inlines its lookups (about 1 ns each,
 * against 4-5 ns for a call into an inner map). Attach sets its size
 * (--bank-cells) before it is created; this is the default.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, FWCTL_BANKS * FWCTL_BANK_CELLS_DEFAULT);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(struct fwctl_cell));
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} FWCTL_MAP_BANKS SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FWCTL_DIR_COUNT);
	__type(key, __u32);
	__type(value, struct fwctl_dir_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} FWCTL_MAP_DIR_STATS SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FWCTL_DIR_COUNT);
	__type(key, __u32);
	__type(value, struct fwctl_tx_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} FWCTL_MAP_TX_STATS SEC(".maps");

/*
 * Ingress ifindex -> peer ifindex. Pinned by the loader itself, not by name:
 * the kernel adds BPF_F_RDONLY_PROG to a devmap's flags, which libbpf 1.1
 * takes for a mismatch when it tries to reuse the pin.
 */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u32);
} FWCTL_MAP_DEVMAP SEC(".maps");

/*
 * This CPU's counters of rule id (NULL: none). A CPU past the map's
 * regions counts in region 0, which only a map the loader did not size
 * has: tests and benchmarks that run one frame at a time.
 */
static __always_inline struct fwctl_rule_stats *fwctl_rule_counters(__u32 rule_id)
{
	__u32 regions = ((struct bpf_map *)&FWCTL_MAP_RULE_STATS)->max_entries /
			FWCTL_RULE_ID_SLOTS;
	__u32 cpu = bpf_get_smp_processor_id(), k;

	if (cpu >= regions)
		cpu = 0;
	k = FWCTL_RULE_STATS_KEY(cpu, rule_id & (FWCTL_RULE_ID_SLOTS - 1));
	return bpf_map_lookup_elem(&FWCTL_MAP_RULE_STATS, &k);
}

/* Direction of a frame that arrived on @ifindex. */
static __always_inline __u32 fwctl_dir_of(const struct fwctl_config *cfg, __u32 ifindex)
{
	return ifindex == cfg->ifindex[FWCTL_DIR_OUT_TO_IN] ? FWCTL_DIR_OUT_TO_IN
							    : FWCTL_DIR_IN_TO_OUT;
}

#endif /* FWCTL_MAPS_H */
