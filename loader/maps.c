// SPDX-License-Identifier: GPL-2.0
/* maps.c - typed access to fwctl's maps; per-CPU values summed here. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "fwctl.h"

int config_read(const struct fwctl_maps *m, struct fwctl_config *cfg)
{
	__u32 key = 0;

	return bpf_map_lookup_elem(m->config, &key, cfg);
}

int config_write(const struct fwctl_maps *m, const struct fwctl_config *cfg)
{
	__u32 key = 0;

	return bpf_map_update_elem(m->config, &key, cfg, BPF_EXIST);
}

/*
 * Read the per-CPU value at key into a buffer of one value per possible CPU
 * and return the buffer (NULL on error, *err set). The caller frees it.
 */
static void *percpu_read(int fd, __u32 key, size_t value_size, int *ncpus, int *err)
{
	void *vals;

	*ncpus = libbpf_num_possible_cpus();
	if (*ncpus < 0) {
		*err = *ncpus;
		return NULL;
	}
	vals = calloc(*ncpus, value_size);
	if (!vals) {
		*err = -ENOMEM;
		return NULL;
	}
	*err = bpf_map_lookup_elem(fd, &key, vals);
	if (*err) {
		free(vals);
		return NULL;
	}
	return vals;
}

/* Sum n u64 counters laid out as consecutive structs, one per CPU. */
static void sum_u64(const void *percpu, int ncpus, size_t nfields, __u64 *out)
{
	const __u64 *v = percpu;
	int cpu;
	size_t f;

	memset(out, 0, nfields * sizeof(*out));
	for (cpu = 0; cpu < ncpus; cpu++)
		for (f = 0; f < nfields; f++)
			out[f] += v[cpu * nfields + f];
}

#define PERCPU_SUM(fd, key, out)                                                        \
	({                                                                              \
		int __err, __ncpus;                                                     \
		void *__v = percpu_read(fd, key, sizeof(*(out)), &__ncpus, &__err);     \
		if (__v) {                                                              \
			sum_u64(__v, __ncpus, sizeof(*(out)) / sizeof(__u64), (__u64 *)(out)); \
			free(__v);                                                      \
		}                                                                       \
		__err;                                                                  \
	})

int cpu_list_ids(const char *list)
{
	size_t n = strlen(list);
	const char *p;
	long last;

	/* "0-3,8-11\n": the last number is the highest id. */
	while (n && (list[n - 1] < '0' || list[n - 1] > '9'))
		n--;
	p = list + n;
	while (p > list && p[-1] >= '0' && p[-1] <= '9')
		p--;
	if (p == list + n)
		return -EINVAL;
	last = strtol(p, NULL, 10);
	return last < 65536 ? (int)last + 1 : -EINVAL;
}

int possible_cpu_ids(void)
{
	char buf[256];
	FILE *f = fopen("/sys/devices/system/cpu/possible", "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
	int ids;

	if (f)
		fclose(f);
	buf[n] = '\0';
	ids = cpu_list_ids(buf);
	return ids > 0 ? ids : libbpf_num_possible_cpus();
}

int rule_stats_set_size(struct bpf_object *obj)
{
	struct bpf_map *map = bpf_object__find_map_by_name(obj, FWCTL_STR(FWCTL_MAP_RULE_STATS));
	int ncpus = possible_cpu_ids();

	if (ncpus < 0)
		return ncpus;
	if (!map)
		return -ENOENT;
	return bpf_map__set_max_entries(map, (__u32)ncpus * FWCTL_RULE_ID_SLOTS);
}

int rule_stats_regions(const struct fwctl_maps *m)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	int err;

	err = bpf_obj_get_info_by_fd(m->rule_stats, &info, &len);
	if (err)
		return err < 0 ? err : -EIO;
	if (info.type != BPF_MAP_TYPE_ARRAY || info.value_size != sizeof(struct fwctl_rule_stats) ||
	    !info.max_entries || info.max_entries % FWCTL_RULE_ID_SLOTS)
		return -EINVAL;
	return info.max_entries / FWCTL_RULE_ID_SLOTS;
}

int rule_stats_read(const struct fwctl_maps *m, __u32 id, struct fwctl_rule_stats *out)
{
	int regions = rule_stats_regions(m), err;
	struct fwctl_rule_stats v;
	__u32 k, r;

	if (regions < 0)
		return regions;
	if (id >= FWCTL_RULE_ID_SLOTS)
		return -ENOENT;
	memset(out, 0, sizeof(*out));
	for (r = 0; r < (__u32)regions; r++) {
		k = FWCTL_RULE_STATS_KEY(r, id);
		err = bpf_map_lookup_elem(m->rule_stats, &k, &v);
		if (err)
			return err;
		out->packets += v.packets;
		out->bytes += v.bytes;
	}
	return 0;
}

int rule_stats_read_first(const struct fwctl_maps *m, __u32 n, struct fwctl_rule_stats *out)
{
	int regions = rule_stats_regions(m), err = 0;
	struct fwctl_rule_stats *vals;
	__u32 *keys, count, prev, i, r;

	if (regions < 0)
		return regions;
	if (n > FWCTL_RULE_ID_SLOTS)
		return -EINVAL;
	memset(out, 0, sizeof(*out) * n);
	if (n == 0)
		return 0;
	vals = calloc(n, sizeof(*vals));
	keys = calloc(n, sizeof(*keys));
	if (!vals || !keys) {
		err = -ENOMEM;
		goto out;
	}
	/* One batch per region: the n keys after the previous region's last. */
	for (r = 0; r < (__u32)regions && !err; r++) {
		prev = FWCTL_RULE_STATS_KEY(r, 0) - 1;
		count = n;
		err = bpf_map_lookup_batch(m->rule_stats, r ? &prev : NULL, &prev, keys, vals,
					   &count, NULL);
		if (err == -ENOENT)
			err = 0;
		if (!err && count == n && keys[0] == FWCTL_RULE_STATS_KEY(r, 0)) {
			for (i = 0; i < n; i++) {
				out[i].packets += vals[i].packets;
				out[i].bytes += vals[i].bytes;
			}
			continue;
		}
		for (i = 0, err = 0; i < n && !err; i++) {	/* no batch ops: one by one */
			__u32 k = FWCTL_RULE_STATS_KEY(r, i);

			err = bpf_map_lookup_elem(m->rule_stats, &k, &vals[0]);
			if (err)
				break;
			out[i].packets += vals[0].packets;
			out[i].bytes += vals[0].bytes;
		}
	}
out:
	free(vals);
	free(keys);
	return err;
}

int rule_stats_reset(const struct fwctl_maps *m, const __u32 *ids, __u32 n)
{
	int regions = rule_stats_regions(m), err;
	__u32 count, i, r;
	__u32 *keys;
	void *zero;

	if (regions < 0)
		return regions;
	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (ids[i] >= FWCTL_RULE_ID_SLOTS)
			return -E2BIG;	/* past the array, as the kernel says */
	count = n * (__u32)regions;
	zero = calloc(count, sizeof(struct fwctl_rule_stats));
	keys = calloc(count, sizeof(*keys));
	if (!zero || !keys) {
		free(zero);
		free(keys);
		return -ENOMEM;
	}
	for (r = 0; r < (__u32)regions; r++)
		for (i = 0; i < n; i++)
			keys[r * n + i] = FWCTL_RULE_STATS_KEY(r, ids[i]);
	/* One syscall for a bulk add; one by one where batch ops are missing. */
	err = bpf_map_update_batch(m->rule_stats, keys, zero, &count, NULL);
	if (err == -EINVAL)
		for (i = 0, err = 0; i < n * (__u32)regions && !err; i++)
			err = bpf_map_update_elem(m->rule_stats, &keys[i], zero, 0);
	free(zero);
	free(keys);
	return err;
}

int dir_stats_reset(const struct fwctl_maps *m)
{
	int ncpus = libbpf_num_possible_cpus(), err = 0;
	size_t size = sizeof(struct fwctl_dir_stats) > sizeof(struct fwctl_tx_stats) ?
		      sizeof(struct fwctl_dir_stats) : sizeof(struct fwctl_tx_stats);
	void *zero;
	__u32 d;

	if (ncpus < 0)
		return ncpus;
	zero = calloc(ncpus, size);
	if (!zero)
		return -ENOMEM;
	for (d = 0; d < FWCTL_DIR_COUNT && !err; d++) {
		err = bpf_map_update_elem(m->dir_stats, &d, zero, 0);
		if (!err)
			err = bpf_map_update_elem(m->tx_stats, &d, zero, 0);
	}
	free(zero);
	return err;
}

int dir_stats_read(const struct fwctl_maps *m, __u32 dir, struct fwctl_dir_stats *out)
{
	int err = PERCPU_SUM(m->dir_stats, dir, out);

	if (!err)
		fwctl_dir_stats_totals(out);
	return err;
}

__u64 dir_dropped_packets(const struct fwctl_dir_stats *st)
{
	__u64 sum = 0;
	int r;

	for (r = 0; r < FWCTL_DROP_REASON_COUNT; r++)
		sum += st->drop_packets[r];
	return sum;
}

__u64 dir_received_packets(const struct fwctl_dir_stats *st)
{
	return st->fwd_packets + dir_dropped_packets(st);
}

__u64 dir_received_bytes(const struct fwctl_dir_stats *st)
{
	__u64 sum = st->fwd_bytes;
	int r;

	for (r = 0; r < FWCTL_DROP_REASON_COUNT; r++)
		sum += st->drop_bytes[r];
	return sum;
}

int tx_stats_read(const struct fwctl_maps *m, __u32 dir, struct fwctl_tx_stats *out)
{
	return PERCPU_SUM(m->tx_stats, dir, out);
}

int devmap_link(const struct fwctl_maps *m, __u32 ifindex_a, __u32 ifindex_b)
{
	int err;

	err = bpf_map_update_elem(m->devmap, &ifindex_a, &ifindex_b, 0);
	if (!err)
		err = bpf_map_update_elem(m->devmap, &ifindex_b, &ifindex_a, 0);
	return err;
}

/* Every map, by name, with where its fd goes in struct fwctl_maps. */
static const struct {
	const char *name;
	size_t offset;
} map_names[] = {
	{ FWCTL_STR(FWCTL_MAP_CONFIG), offsetof(struct fwctl_maps, config) },
	{ FWCTL_STR(FWCTL_MAP_RULE_STATS), offsetof(struct fwctl_maps, rule_stats) },
	{ FWCTL_STR(FWCTL_MAP_DIR_STATS), offsetof(struct fwctl_maps, dir_stats) },
	{ FWCTL_STR(FWCTL_MAP_TX_STATS), offsetof(struct fwctl_maps, tx_stats) },
	{ FWCTL_STR(FWCTL_MAP_DEVMAP), offsetof(struct fwctl_maps, devmap) },
	{ FWCTL_STR(FWCTL_MAP_TABLES), offsetof(struct fwctl_maps, tables) },
	{ FWCTL_STR(FWCTL_MAP_BANKS), offsetof(struct fwctl_maps, banks) },
};
#define MAP_COUNT (sizeof(map_names) / sizeof(map_names[0]))

static int *map_slot(struct fwctl_maps *m, size_t i)
{
	return (int *)((char *)m + map_names[i].offset);
}

int maps_from_object(struct bpf_object *obj, struct fwctl_maps *m)
{
	size_t i;

	for (i = 0; i < MAP_COUNT; i++) {
		struct bpf_map *map = bpf_object__find_map_by_name(obj, map_names[i].name);
		int fd = map ? bpf_map__fd(map) : -ENOENT;

		if (fd < 0)
			return fd;
		/* Borrowed from the object: maps_close() must not be called. */
		*map_slot(m, i) = fd;
	}
	return 0;
}

int maps_open_pinned(const char *dir, struct fwctl_maps *m, struct fwctl_err *e)
{
	char path[256];
	size_t i;
	int fd;

	memset(m, -1, sizeof(*m));
	for (i = 0; i < MAP_COUNT; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, map_names[i].name);
		fd = bpf_obj_get(path);
		if (fd < 0) {
			fwctl_err_set(e, "cannot open pinned map %s: %s", path, strerror(-fd));
			maps_close(m);
			return fd;
		}
		*map_slot(m, i) = fd;
	}
	/* Per-CPU counters before they were regions of a plain array. */
	fd = rule_stats_regions(m);
	if (fd < 0) {
		if (fd == -EINVAL)
			fwctl_err_set(e, "the rule counters in %s are not of this fwctl version "
					 "(detach and attach again)", dir);
		else
			fwctl_err_set(e, "cannot read %s/%s: %s", dir,
				      FWCTL_STR(FWCTL_MAP_RULE_STATS), strerror(-fd));
		maps_close(m);
		return fd;
	}
	return 0;
}

int maps_share_from(struct bpf_object *obj, struct bpf_object *from)
{
	struct bpf_map *map, *theirs;
	int err;

	bpf_object__for_each_map(map, obj) {
		if (bpf_map__is_internal(map))
			continue;	/* .rodata and the like: each instance its own */
		theirs = bpf_object__find_map_by_name(from, bpf_map__name(map));
		err = theirs ? bpf_map__reuse_fd(map, bpf_map__fd(theirs)) : -ENOENT;
		if (!err)
			err = bpf_map__set_pin_path(map, NULL);
		if (err)
			return err;
	}
	return 0;
}

int maps_unpin(const char *dir)
{
	char path[256];
	size_t i;
	int err = 0;

	for (i = 0; i < MAP_COUNT; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, map_names[i].name);
		if (unlink(path) && errno != ENOENT)
			err = -errno;
	}
	return err;
}

void maps_close(struct fwctl_maps *m)
{
	int *fds = (int *)m;
	size_t i;

	for (i = 0; i < sizeof(*m) / sizeof(int); i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}
