// SPDX-License-Identifier: GPL-2.0
/*
 * table.c - rule-set generations (include/fwctl_classifier.h): create one
 * from compiled cells, commit it, find the current one, read it back, and
 * set its policy word, the one thing ever written into a live generation.
 *
 * A generation is an array map of exactly as many cells as the rule set
 * needs, invisible to packets until table_commit() puts it into
 * fwctl_tables[0]. Its flags are those of the template in bpf/maps.h
 * (the kernel refuses any other): BPF_F_INNER_MAP for the exact size,
 * BPF_F_MMAPABLE so that cells go in and out by memcpy (1M cells: 0.2 s,
 * against 1.9 s through batch updates).
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "fwctl.h"
#include "fwctl_classifier.h"
#include "classifier.h"

#define GEN_FLAGS	(BPF_F_INNER_MAP | BPF_F_MMAPABLE)

/* Keys 0 .. n-1, for the batch calls. */
static __u32 *index_keys(__u32 n)
{
	__u32 *keys = malloc((size_t)n * sizeof(*keys)), i;

	if (keys)
		for (i = 0; i < n; i++)
			keys[i] = i;
	return keys;
}

/* Map n cells of fd; MAP_FAILED (errno set) when fd is not mmapable. */
static void *map_cells(int fd, __u32 n, int prot)
{
	/* Populated at once: one fault per page would double the copy time. */
	return mmap(NULL, (size_t)n * sizeof(struct fwctl_cell), prot, MAP_SHARED | MAP_POPULATE,
		    fd, 0);
}

int table_fill(int fd, const struct fwctl_cell *cells, __u32 n)
{
	__u32 *keys, count = n;
	void *p;
	int err;

	if (n == 0)
		return 0;
	p = map_cells(fd, n, PROT_READ | PROT_WRITE);
	if (p != MAP_FAILED) {
		memcpy(p, cells, (size_t)n * sizeof(*cells));
		munmap(p, (size_t)n * sizeof(*cells));
		return 0;
	}
	/* Not mmapable (some other array of cells): one batch update. */
	keys = index_keys(n);
	if (!keys)
		return -ENOMEM;
	err = bpf_map_update_batch(fd, keys, cells, &count, NULL);
	if (!err && count != n)
		err = -EIO;
	free(keys);
	return err;
}

/* The size of a generation of n cells that names bank (or FWCTL_BANK_NONE). */
static __u32 gen_size(__u32 n, int bank)
{
	__u32 size = n;

	while (FWCTL_GEN_BANK(size) != bank)
		size++;
	return size;
}

/* An empty generation map for n cells naming bank; its fd, or < 0 with e. */
static int gen_map_create(__u32 n, int bank, struct fwctl_err *e)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = GEN_FLAGS);
	int fd;

	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "fwctl_gen", sizeof(__u32),
			    sizeof(struct fwctl_cell), gen_size(n, bank), &opts);
	if (fd < 0)
		fwctl_err_set(e, "cannot create a rule-set generation of %u cells: %s", n,
			      strerror(-fd));
	return fd;
}

int table_create_bank(const struct fwctl_cell *cells, __u32 n, int bank, struct fwctl_err *e)
{
	const struct fwctl_table_hdr *h = &cells[0].hdr;
	int fd, err;

	/* A generation must say what it is: the walk trusts its header. */
	if (n == 0 || h->kind != FWCTL_CELL_HDR || h->magic != FWCTL_TABLE_MAGIC ||
	    h->n_cells != n) {
		fwctl_err_set(e, "cannot create a rule-set generation: cell 0 is not the header "
				 "of %u cells", n);
		return -EINVAL;
	}
	/* The cells past n are free (a new array is all zeroes). */
	fd = gen_map_create(n, bank, e);
	if (fd < 0)
		return fd;
	err = table_fill(fd, cells, n);
	if (err) {
		fwctl_err_set(e, "cannot fill the rule-set generation: %s", strerror(-err));
		close(fd);
		return err;
	}
	return fd;
}

int table_create(const struct fwctl_cell *cells, __u32 n, struct fwctl_err *e)
{
	return table_create_bank(cells, n, FWCTL_BANK_NONE, e);
}

int table_commit(const struct fwctl_maps *m, int gen_fd, struct fwctl_err *e)
{
	__u32 zero = 0;
	int err;

	/* The kernel waits for an RCU grace period before returning (see fwctl.h). */
	err = bpf_map_update_elem(m->tables, &zero, &gen_fd, BPF_ANY);
	if (err)
		fwctl_err_set(e, "cannot make the new rule set current: %s", strerror(-err));
	return err;
}

static int table_size(int fd, __u32 *n);

/* The bank the current generation names: 0 or 1, FWCTL_BANK_NONE, or -errno < -1. */
static int current_bank(const struct fwctl_maps *m)
{
	struct fwctl_err scratch;
	__u32 size;
	int fd, err;

	fd = table_open_current(m, &scratch);
	if (fd < 0)
		return fd == -ENOENT ? FWCTL_BANK_NONE : (fd < -1 ? fd : -EIO);
	err = table_size(fd, &size);
	close(fd);
	if (err)
		return err < -1 ? err : -EIO;
	return FWCTL_GEN_BANK(size);
}

int table_bank_cells(int banks)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	int err;

	err = bpf_obj_get_info_by_fd(banks, &info, &len);
	if (err)
		return err < 0 ? err : -EIO;
	/* The walk masks indexes with the bank size - 1. */
	if (info.type != BPF_MAP_TYPE_ARRAY || info.value_size != sizeof(struct fwctl_cell) ||
	    info.max_entries < FWCTL_BANKS || info.max_entries / FWCTL_BANKS > INT_MAX ||
	    (info.max_entries / FWCTL_BANKS & (info.max_entries / FWCTL_BANKS - 1)) ||
	    info.max_entries % FWCTL_BANKS)
		return -EINVAL;
	return info.max_entries / FWCTL_BANKS;
}

int table_banks_set_size(struct bpf_object *obj, __u32 n)
{
	struct bpf_map *map = bpf_object__find_map_by_name(obj, FWCTL_STR(FWCTL_MAP_BANKS));

	return map ? bpf_map__set_max_entries(map, FWCTL_BANKS * n) : -ENOENT;
}

int table_parse_bank_cells(const char *arg, __u32 *n, struct fwctl_err *e)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno || end == arg || *end || arg[0] == '-' || arg[0] == '+' ||
	    v < FWCTL_BANK_CELLS_MIN || v > FWCTL_BANK_CELLS_MAX || (v & (v - 1))) {
		fwctl_err_set(e, "invalid bank size '%s' (a power of two, %u-%u cells)", arg,
			      FWCTL_BANK_CELLS_MIN, FWCTL_BANK_CELLS_MAX);
		return -EINVAL;
	}
	*n = v;
	return 0;
}

/*
 * Why the other bank is free: the generation now current was made current
 * by a commit that returned only after an RCU grace period, so every packet
 * that looked up an older generation (and so maybe this bank) has finished;
 * packets since then see the current generation, which names the other
 * bank or none. Commits are serialized by the lock (state.c), and a commit
 * interrupted by kill -9 still waits out its grace period (the syscall does
 * not return early), so the current generation always got there that way.
 * Nothing written here is visible before the commit.
 */
int table_bank_prepare(const struct fwctl_maps *m, const struct fwctl_cell *cells,
		       struct fwctl_err *e)
{
	__u32 n = cells[0].hdr.text_cell;
	int cur, bank, err, per_bank;
	size_t size;
	char *p;

	if (m->banks < 0 || n == 0)
		return FWCTL_BANK_NONE;
	per_bank = table_bank_cells(m->banks);
	if (per_bank <= 0)
		return FWCTL_BANK_NONE;
	size = (size_t)FWCTL_BANKS * per_bank * sizeof(*cells);
	cur = current_bank(m);
	if (cur < FWCTL_BANK_NONE)
		return FWCTL_BANK_NONE;	/* unknown: the generation walk is always safe */
	bank = cur == 0 ? 1 : 0;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, m->banks, 0);
	if (p == MAP_FAILED) {
		err = -errno;
		fwctl_err_set(e, "cannot map the small-set banks: %s", strerror(-err));
		return err;
	}
	/*
	 * Written in place: the bank is free, and nothing names it before the
	 * commit. A layout that does not fit (boxes are copied into every run
	 * that has them) is refused before anything is written: no bank.
	 */
	err = classifier_bank_cells(cells, n, per_bank, (struct fwctl_cell *)p +
				    (size_t)bank * per_bank, NULL);
	munmap(p, size);
	return err ? FWCTL_BANK_NONE : bank;
}

int table_open_current(const struct fwctl_maps *m, struct fwctl_err *e)
{
	__u32 zero = 0, id;
	int tries, fd = -ENOENT;

	/* A commit by someone else may free the map between the two calls. */
	for (tries = 0; tries < 3; tries++) {
		fd = bpf_map_lookup_elem(m->tables, &zero, &id);
		if (fd)
			break;
		fd = bpf_map_get_fd_by_id(id);
		if (fd != -ENOENT)
			break;
	}
	if (fd == -ENOENT)
		fwctl_err_set(e, "no rule set has been committed");
	else if (fd < 0)
		fwctl_err_set(e, "cannot open the current rule set: %s", strerror(-fd));
	return fd;
}

/* Cells in generation fd, after checking that it is one. */
static int table_size(int fd, __u32 *n)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	int err;

	err = bpf_obj_get_info_by_fd(fd, &info, &len);
	if (err)
		return err;
	if (info.type != BPF_MAP_TYPE_ARRAY || info.key_size != sizeof(__u32) ||
	    info.value_size != sizeof(struct fwctl_cell) || info.map_flags != GEN_FLAGS)
		return -EINVAL;
	*n = info.max_entries;
	return 0;
}

int table_read(int gen_fd, struct fwctl_cell **cells, __u32 *n, struct fwctl_err *e)
{
	struct fwctl_cell *out = NULL;
	__u32 size;
	void *p;
	int err;

	err = table_size(gen_fd, &size);
	if (err)
		goto fail;
	out = malloc((size_t)size * sizeof(*out));
	if (!out) {
		err = -ENOMEM;
		goto fail;
	}
	p = map_cells(gen_fd, size, PROT_READ);
	if (p == MAP_FAILED) {
		err = -errno;
		goto fail;
	}
	memcpy(out, p, (size_t)size * sizeof(*out));
	munmap(p, (size_t)size * sizeof(*out));
	/* The free cells that pad it to name its bank are not its own. */
	if (out[0].hdr.kind == FWCTL_CELL_HDR && out[0].hdr.n_cells <= size &&
	    out[0].hdr.n_cells + 2 >= size)
		size = out[0].hdr.n_cells;
	*cells = out;
	*n = size;
	return 0;
fail:
	fwctl_err_set(e, "cannot read the rule set back: %s", strerror(-err));
	free(out);
	return err;
}

int table_set_policy(int gen_fd, enum fwctl_policy policy, struct fwctl_err *e)
{
	struct fwctl_table_hdr *h;
	__u32 size;
	int err;

	err = table_size(gen_fd, &size);
	if (!err) {
		h = map_cells(gen_fd, 1, PROT_READ | PROT_WRITE);
		err = h == MAP_FAILED ? -errno : 0;
	}
	if (!err) {
		if (h->kind == FWCTL_CELL_HDR && h->magic == FWCTL_TABLE_MAGIC)
			/* One aligned 4-byte store: packets see the old or the new. */
			__atomic_store_n(&h->policy, policy, __ATOMIC_RELAXED);
		else
			err = -EINVAL;
		munmap(h, sizeof(struct fwctl_cell));
	}
	if (err)
		fwctl_err_set(e, "cannot set the policy: %s", strerror(-err));
	return err;
}

/* The cells of a generation of size cells that are its own, not padding. */
static __u32 own_cells(const struct fwctl_cell *c, __u32 size)
{
	/* As table_read(): the padding that names a bank is not its own. */
	if (c[0].hdr.kind == FWCTL_CELL_HDR && c[0].hdr.n_cells <= size &&
	    c[0].hdr.n_cells + 2 >= size)
		return c[0].hdr.n_cells;
	return size;
}

int table_map(int gen_fd, const struct fwctl_cell **cells, __u32 *n, size_t *len,
	      struct fwctl_err *e)
{
	__u32 size;
	void *p;
	int err;

	err = table_size(gen_fd, &size);
	if (!err && size == 0)
		err = -EINVAL;
	if (!err) {
		p = map_cells(gen_fd, size, PROT_READ);
		err = p == MAP_FAILED ? -errno : 0;
	}
	if (err) {
		fwctl_err_set(e, "cannot read the rule set back: %s", strerror(-err));
		return err;
	}
	/* Only the policy word ever changes in a generation, under the lock. */
	*cells = p;
	*n = own_cells(p, size);
	*len = (size_t)size * sizeof(struct fwctl_cell);
	return 0;
}

int table_create_mapped(__u32 n, int bank, struct fwctl_cell **cells, struct fwctl_err *e)
{
	void *p;
	int fd, err;

	fd = gen_map_create(n, bank, e);
	if (fd < 0)
		return fd;
	p = map_cells(fd, n, PROT_READ | PROT_WRITE);
	if (p == MAP_FAILED) {
		err = -errno;
		fwctl_err_set(e, "cannot fill the rule-set generation: %s", strerror(-err));
		close(fd);
		return err;
	}
	*cells = p;
	return fd;
}
