// SPDX-License-Identifier: GPL-2.0
/*
 * conntrack.c - flows and timeouts from user space: size the tables
 * before load, name and set timeouts, read, count and flush flows.
 * The datapath side is bpf/conntrack.h.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/random.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "conntrack.h"

#define CT_BATCH	1024	/* entries per batch syscall */

static const char *const map_names[] = {
	FWCTL_STR(FWCTL_MAP_CT_NEW), FWCTL_STR(FWCTL_MAP_CT_EST), FWCTL_STR(FWCTL_MAP_CT_TAGS),
	FWCTL_STR(FWCTL_MAP_CT_COUNT), FWCTL_STR(FWCTL_MAP_CT_CONFIG),
	FWCTL_STR(FWCTL_MAP_CT_STATS), FWCTL_STR(FWCTL_MAP_FRAG),
};
#define N_MAPS	(sizeof(map_names) / sizeof(map_names[0]))

/* struct ct_maps as an array, in map_names' order. */
static int *fd_slot(struct ct_maps *m, unsigned int i)
{
	int *slots[N_MAPS] = { &m->new, &m->est, &m->tags, &m->count, &m->config, &m->stats,
			       &m->frag };

	return slots[i];
}

int ct_parse_size(const char *text, __u32 *n, struct fwctl_err *e)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(text, &end, 10);
	if (!*text || *end || text[0] == '-' || errno || v < FWCTL_CT_MIN_SIZE ||
	    v > FWCTL_CT_MAX_SIZE) {
		fwctl_err_set(e, "invalid flow table size '%s' (%u-%u flows)", text,
			      FWCTL_CT_MIN_SIZE, FWCTL_CT_MAX_SIZE);
		return -EINVAL;
	}
	*n = v;
	return 0;
}

int ct_maps_set_size(struct bpf_object *obj, __u32 n)
{
	struct bpf_map *new, *est, *tags;
	int err;

	new = bpf_object__find_map_by_name(obj, FWCTL_STR(FWCTL_MAP_CT_NEW));
	est = bpf_object__find_map_by_name(obj, FWCTL_STR(FWCTL_MAP_CT_EST));
	tags = bpf_object__find_map_by_name(obj, FWCTL_STR(FWCTL_MAP_CT_TAGS));
	if (!new || !est || !tags)
		return -ENOENT;
	err = bpf_map__set_max_entries(new, FWCTL_CT_NEW_SIZE(n));
	if (!err)
		err = bpf_map__set_max_entries(est, FWCTL_CT_EST_SLOTS(n));
	return err ? err : bpf_map__set_max_entries(tags, FWCTL_CT_EST_SLOTS(n) / FWCTL_CT_WAYS);
}

int ct_maps_from_object(struct bpf_object *obj, struct ct_maps *m)
{
	unsigned int i;

	for (i = 0; i < N_MAPS; i++) {
		struct bpf_map *map = bpf_object__find_map_by_name(obj, map_names[i]);

		*fd_slot(m, i) = map ? bpf_map__fd(map) : -1;
		if (*fd_slot(m, i) < 0)
			return -ENOENT;
	}
	return 0;
}

/* Do the pinned maps have this build's layouts? An older fwctl's flow
 * table (an LRU hash) read as slots would overrun the read buffers. */
static int layouts_match(const struct ct_maps *m)
{
	struct { int fd; __u32 type, key, value; } want[] = {
		{ m->est, BPF_MAP_TYPE_ARRAY, sizeof(__u32), sizeof(struct fwctl_ct_slot) },
		{ m->tags, BPF_MAP_TYPE_ARRAY, sizeof(__u32), sizeof(struct fwctl_ct_tags) },
		{ m->config, BPF_MAP_TYPE_ARRAY, sizeof(__u32), sizeof(struct fwctl_ct_config) },
		{ m->new, BPF_MAP_TYPE_LRU_HASH, sizeof(struct fwctl_ct_key),
		  sizeof(struct fwctl_ct_entry) },
	};
	unsigned int i;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		struct bpf_map_info info = {};
		__u32 len = sizeof(info);

		if (bpf_obj_get_info_by_fd(want[i].fd, &info, &len))
			return -errno;
		if (info.type != want[i].type || info.key_size != want[i].key ||
		    info.value_size != want[i].value)
			return -EPROTO;
	}
	return 0;
}

int ct_maps_open_pinned(const char *dir, struct ct_maps *m, struct fwctl_err *e)
{
	char path[PATH_MAX];
	unsigned int i;
	int err;

	for (i = 0; i < N_MAPS; i++)
		*fd_slot(m, i) = -1;
	for (i = 0; i < N_MAPS; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, map_names[i]);
		*fd_slot(m, i) = bpf_obj_get(path);
		if (*fd_slot(m, i) < 0) {
			err = -errno;
			if (err == -ENOENT)
				fwctl_err_set(e, "no flow table %s (attached by a fwctl without "
						 "connection tracking? detach and attach again)", path);
			else
				fwctl_err_set(e, "cannot open %s: %s", path, strerror(-err));
			ct_maps_close(m);
			return err;
		}
	}
	err = layouts_match(m);
	if (err) {
		if (err == -EPROTO)
			fwctl_err_set(e, "the flow tables in %s are not of this fwctl version "
					 "(detach and attach again)", dir);
		else
			fwctl_err_set(e, "cannot read the flow tables in %s: %s", dir,
				      strerror(-err));
		ct_maps_close(m);
	}
	return err;
}

void ct_maps_close(struct ct_maps *m)
{
	unsigned int i;

	for (i = 0; i < N_MAPS; i++) {
		if (*fd_slot(m, i) >= 0)
			close(*fd_slot(m, i));
		*fd_slot(m, i) = -1;
	}
}

int ct_maps_unpin(const char *dir)
{
	char path[PATH_MAX];
	unsigned int i;
	int err = 0;

	for (i = 0; i < N_MAPS; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, map_names[i]);
		if (unlink(path) && errno != ENOENT)
			err = -errno;
	}
	return err;
}

/* --- timeouts ------------------------------------------------------------ */

static const char *const timeout_names[FWCTL_CT_TIMEOUTS] = {
	[FWCTL_CT_TO_TCP_SYN] = "tcp-syn",
	[FWCTL_CT_TO_TCP_EST] = "tcp-established",
	[FWCTL_CT_TO_TCP_CLOSING] = "tcp-closing",
	[FWCTL_CT_TO_UDP_NEW] = "udp-new",
	[FWCTL_CT_TO_UDP_REPLIED] = "udp-replied",
	[FWCTL_CT_TO_ICMP] = "icmp",
};
static const __u32 default_s[FWCTL_CT_TIMEOUTS] = FWCTL_CT_DEFAULT_TIMEOUTS_S;

const char *ct_timeout_name(unsigned int idx)
{
	return idx < FWCTL_CT_TIMEOUTS ? timeout_names[idx] : "?";
}

/* Random keys for the established table's bucket hash, unless the table
 * already has some (flows stored under them would be lost). */
static int hash_keys_init(struct fwctl_ct_config *cfg)
{
	size_t i, len = sizeof(cfg->hash_key);

	for (i = 0; i <= FWCTL_CT_KEY_WORDS; i++)
		if (cfg->hash_key[i])
			return 0;
	if (getrandom(cfg->hash_key, len, 0) != (ssize_t)len)
		return -EIO;
	return 0;
}

int ct_config_init(const struct ct_maps *m, __u32 size)
{
	struct fwctl_ct_config cfg = {};
	__u32 key = 0, i;
	int err;

	if (bpf_map_lookup_elem(m->config, &key, &cfg))
		return -errno;
	for (i = 0; i < FWCTL_CT_TIMEOUTS; i++)
		cfg.timeout_ms[i] = default_s[i] * 1000;
	cfg.size = size;
	err = hash_keys_init(&cfg);
	if (err)
		return err;
	return bpf_map_update_elem(m->config, &key, &cfg, BPF_ANY) ? -errno : 0;
}

/* The slot tag of live established flows: the flush epoch + 1. */
static int est_tag(const struct ct_maps *m, __u32 *tag)
{
	struct fwctl_ct_config cfg;
	__u32 key = 0;

	if (bpf_map_lookup_elem(m->config, &key, &cfg))
		return -errno;
	*tag = cfg.epoch + 1;
	return 0;
}

int ct_timeouts_get_ms(const struct ct_maps *m, __u32 ms[FWCTL_CT_TIMEOUTS])
{
	struct fwctl_ct_config cfg;
	__u32 key = 0, i;

	if (bpf_map_lookup_elem(m->config, &key, &cfg))
		return -errno;
	for (i = 0; i < FWCTL_CT_TIMEOUTS; i++)
		ms[i] = cfg.timeout_ms[i] ? cfg.timeout_ms[i] : default_s[i] * 1000;
	return 0;
}

int ct_timeout_mask(const char *name, __u32 *mask, struct fwctl_err *e)
{
	__u32 i;

	*mask = 0;
	if (!strcmp(name, "udp"))
		*mask = 1u << FWCTL_CT_TO_UDP_NEW | 1u << FWCTL_CT_TO_UDP_REPLIED;
	for (i = 0; i < FWCTL_CT_TIMEOUTS; i++)
		if (!strcmp(name, timeout_names[i]))
			*mask = 1u << i;
	if (!*mask) {
		fwctl_err_set(e, "unknown timeout '%s' (tcp-syn, tcp-established, tcp-closing, "
				 "udp-new, udp-replied, udp, icmp)", name);
		return -EINVAL;
	}
	return 0;
}

int ct_timeout_parse(const char *name, const char *seconds, __u32 *mask, __u32 *ms,
		     struct fwctl_err *e)
{
	unsigned long v;
	char *end;

	if (ct_timeout_mask(name, mask, e))
		return -EINVAL;
	errno = 0;
	v = strtoul(seconds, &end, 10);
	if (!*seconds || *end || seconds[0] == '-' || errno || v < 1 || v > CT_TIMEOUT_MAX_S) {
		fwctl_err_set(e, "invalid timeout '%s' for %s (1-%u seconds)", seconds, name,
			      CT_TIMEOUT_MAX_S);
		return -EINVAL;
	}
	*ms = v * 1000;
	return 0;
}

int ct_timeout_write(const struct ct_maps *m, __u32 mask, __u32 ms, struct fwctl_err *e)
{
	struct fwctl_ct_config cfg;
	__u32 key = 0, i;

	if (bpf_map_lookup_elem(m->config, &key, &cfg))
		goto fail;
	for (i = 0; i < FWCTL_CT_TIMEOUTS; i++) {
		if (!cfg.timeout_ms[i])
			cfg.timeout_ms[i] = default_s[i] * 1000;
		if (mask & 1u << i)
			cfg.timeout_ms[i] = ms;
	}
	if (bpf_map_update_elem(m->config, &key, &cfg, BPF_EXIST))
		goto fail;
	return 0;
fail:
	fwctl_err_set(e, "cannot set the timeout: %s", strerror(errno));
	return -errno;
}

int ct_timeout_set(const struct ct_maps *m, const char *name, const char *seconds,
		   struct fwctl_err *e)
{
	__u32 mask, ms;
	int err = ct_timeout_parse(name, seconds, &mask, &ms, e);

	return err ? err : ct_timeout_write(m, mask, ms, e);
}

/* --- flows --------------------------------------------------------------- */

bool ct_serials_alive(void *arg, __u32 rule_id, __u32 serial)
{
	const struct ct_serials *s = arg;

	return rule_id < s->n_ids && s->serial[rule_id] && s->serial[rule_id] == serial;
}

const char *ct_state_name(unsigned int state)
{
	static const char *const names[FWCTL_CT_STATES] = {
		[FWCTL_CT_SYN] = "syn",
		[FWCTL_CT_ESTABLISHED] = "established",
		[FWCTL_CT_CLOSING] = "closing",
		[FWCTL_CT_NEW] = "new",
		[FWCTL_CT_REPLIED] = "replied",
	};

	return state < FWCTL_CT_STATES && names[state] ? names[state] : "?";
}

const char *ct_proto_name(unsigned int proto)
{
	switch (proto) {
	case FWCTL_IPPROTO_TCP: return "tcp";
	case FWCTL_IPPROTO_UDP: return "udp";
	case FWCTL_IPPROTO_ICMP: return "icmp";
	case FWCTL_IPPROTO_ICMPV6: return "icmpv6";
	default: return "?";
	}
}

void ct_flow_addr(const struct ct_flow *f, bool dst, char *buf, size_t len)
{
	const __u32 *w = dst ? f->dst : f->src;
	__u32 net[4];
	int i;

	for (i = 0; i < 4; i++)
		net[i] = htonl(w[i]);
	if (!inet_ntop(f->family == FWCTL_FAMILY_V4 ? AF_INET : AF_INET6, net, buf, len))
		snprintf(buf, len, "?");
}

/* The clock bpf_ktime_get_coarse_ns() reads. */
static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* A flow table entry as a struct ct_flow; false if it expired. Times
 * compared as signed differences: a clock near boot is no special case. */
static bool flow_of(const struct fwctl_ct_key *k, const struct fwctl_ct_entry *v,
		    const __u32 *timeout_ms, __u64 now, struct ct_flow *f)
{
	unsigned int o = v->orig_side & 1, r = !o;
	__s64 idle = now - v->last_ns, age = now - v->created_ns, timeout;

	timeout = (__s64)timeout_ms[v->timeout < FWCTL_CT_TIMEOUTS ? v->timeout : 0] * 1000000;
	if (idle > timeout)
		return false;
	memset(f, 0, sizeof(*f));
	f->proto = k->proto;
	f->family = k->family;
	f->state = v->state;
	f->orig_dir = v->orig_dir;
	memcpy(f->src, k->addr[o], sizeof(f->src));
	memcpy(f->dst, k->addr[r], sizeof(f->dst));
	if (k->proto == FWCTL_IPPROTO_ICMP || k->proto == FWCTL_IPPROTO_ICMPV6) {
		f->icmp_id = k->port[0];
	} else {
		f->sport = k->port[o];
		f->dport = k->port[r];
	}
	f->age = age > 0 ? age / 1000000000 : 0;
	f->expires = (timeout - (idle > 0 ? idle : 0) + 999999999) / 1000000000;
	memcpy(f->packets, v->packets, sizeof(f->packets));
	memcpy(f->bytes, v->bytes, sizeof(f->bytes));
	f->rule_id = v->rule_id;
	f->rule_serial = v->rule_serial;
	return true;
}

/* Called for each batch of entries a table holds. */
typedef int (*table_fn)(void *arg, const struct fwctl_ct_key *keys,
			const struct fwctl_ct_entry *vals, __u32 n);

/* One walk of a map in batches: the buffers a batch is read into, and
 * what to do with each (est_walk() keeps only the slots holding flows). */
struct walk {
	void *keys, *vals;		/* room for CT_BATCH of the map's keys, values */
	int (*batch)(struct walk *w, __u32 count);
	table_fn fn;
	void *arg;
	__u32 tag;			/* est_walk(): the slots' tag this epoch */
	struct fwctl_ct_key *k;		/* est_walk(): the flows passed on */
	struct fwctl_ct_entry *v;
};

/* Read a whole map in batches, w->batch() after each (entries come and go
 * meanwhile: a snapshot only per batch, as every map dump). */
static int walk_batches(int fd, struct walk *w)
{
	__u64 cursor = 0;	/* the kernel's (a bucket for hashes, an index for arrays) */
	bool first = true;
	__u32 count;
	int err, e;

	for (;;) {
		count = CT_BATCH;
		err = bpf_map_lookup_batch(fd, first ? NULL : &cursor, &cursor, w->keys, w->vals,
					   &count, NULL);
		first = false;
		if (err && err != -ENOENT)
			return err;
		e = count ? w->batch(w, count) : 0;
		if (e)
			return e;
		if (err == -ENOENT)
			return 0;
	}
}

static int table_batch(struct walk *w, __u32 count)
{
	return w->fn(w->arg, w->keys, w->vals, count);
}

/* Walk a hash table of flows (the new-flow table). */
static int table_walk(int fd, table_fn fn, void *arg)
{
	struct walk w = {
		.keys = calloc(CT_BATCH, sizeof(struct fwctl_ct_key)),
		.vals = calloc(CT_BATCH, sizeof(struct fwctl_ct_entry)),
		.batch = table_batch, .fn = fn, .arg = arg,
	};
	int err = w.keys && w.vals ? walk_batches(fd, &w) : -ENOMEM;

	free(w.keys);
	free(w.vals);
	return err;
}

static int est_batch(struct walk *w, __u32 count)
{
	const struct fwctl_ct_slot *slots = w->vals;
	__u32 i, n = 0;

	for (i = 0; i < count; i++) {
		if ((slots[i].seq & 1) || slots[i].epoch != w->tag)
			continue;	/* empty, flushed, or being rewritten */
		w->k[n] = slots[i].key;
		w->v[n++] = slots[i].e;
	}
	return n ? w->fn(w->arg, w->k, w->v, n) : 0;
}

/* Walk the established table (an array of slots): the slots that hold a
 * flow of the current epoch (tag) and are not being rewritten. */
static int est_walk(int fd, __u32 tag, table_fn fn, void *arg)
{
	struct walk w = {
		.keys = calloc(CT_BATCH, sizeof(__u32)),
		.vals = calloc(CT_BATCH, sizeof(struct fwctl_ct_slot)),
		.batch = est_batch, .fn = fn, .arg = arg, .tag = tag,
		.k = calloc(CT_BATCH, sizeof(struct fwctl_ct_key)),
		.v = calloc(CT_BATCH, sizeof(struct fwctl_ct_entry)),
	};
	int err = w.keys && w.vals && w.k && w.v ? walk_batches(fd, &w) : -ENOMEM;

	free(w.keys);
	free(w.vals);
	free(w.k);
	free(w.v);
	return err;
}

struct read_ctx {
	const __u32 *timeout_ms;
	__u64 now;
	ct_alive_fn alive;
	void *arg;
	bool est;
	struct ct_flow *flows;
	size_t n, cap;
	struct ct_summary *sum;		/* for ct_summary_read */
	__u32 table;
};

static int read_batch(void *arg, const struct fwctl_ct_key *keys,
		      const struct fwctl_ct_entry *vals, __u32 n)
{
	struct read_ctx *c = arg;
	struct ct_flow f;
	__u32 i;

	for (i = 0; i < n; i++) {
		if (c->sum)
			c->sum->in_table[c->table]++;
		if (!flow_of(&keys[i], &vals[i], c->timeout_ms, c->now, &f))
			continue;
		if (c->alive && !c->alive(c->arg, f.rule_id, f.rule_serial))
			continue;
		f.established = c->est;
		if (c->sum) {
			c->sum->flows++;
			if (f.state < FWCTL_CT_STATES)
				c->sum->by_state[f.state]++;
			continue;
		}
		if (c->n == c->cap) {
			size_t cap = c->cap ? c->cap * 2 : 256;
			struct ct_flow *p = realloc(c->flows, cap * sizeof(*p));

			if (!p)
				return -ENOMEM;
			c->flows = p;
			c->cap = cap;
		}
		c->flows[c->n++] = f;
	}
	return 0;
}

static int read_tables(const struct ct_maps *m, struct read_ctx *c)
{
	__u32 ms[FWCTL_CT_TIMEOUTS], tag = 0;
	int err = ct_timeouts_get_ms(m, ms);

	if (!err)
		err = est_tag(m, &tag);
	if (err)
		return err;
	c->timeout_ms = ms;
	c->now = now_ns();
	c->est = true;
	c->table = FWCTL_CT_TABLE_EST;
	err = est_walk(m->est, tag, read_batch, c);
	if (err)
		return err;
	c->est = false;
	c->table = FWCTL_CT_TABLE_NEW;
	return table_walk(m->new, read_batch, c);
}

int ct_flows_read(const struct ct_maps *m, ct_alive_fn alive, void *arg, struct ct_flow **out,
		  size_t *n)
{
	struct read_ctx c = { .alive = alive, .arg = arg };
	int err = read_tables(m, &c);

	if (err) {
		free(c.flows);
		return err;
	}
	*out = c.flows;
	*n = c.n;
	return 0;
}

struct key_list {
	struct fwctl_ct_key *keys;
	size_t n, cap;
};

static int collect_batch(void *arg, const struct fwctl_ct_key *keys,
			 const struct fwctl_ct_entry *vals, __u32 n)
{
	struct key_list *l = arg;

	(void)vals;
	if (l->n + n > l->cap) {
		size_t cap = (l->n + n) * 2;
		struct fwctl_ct_key *p = realloc(l->keys, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		l->keys = p;
		l->cap = cap;
	}
	memcpy(l->keys + l->n, keys, n * sizeof(*keys));
	l->n += n;
	return 0;
}

/* Every key first, then batched deletes: deleting under a walk's cursor
 * would make it skip or repeat buckets. */
static int flush_table(int fd, size_t *deleted)
{
	struct key_list l = {};
	__u32 count;
	size_t i;
	int err = table_walk(fd, collect_batch, &l);

	for (i = 0; i < l.n && !err; i += count) {
		count = l.n - i < CT_BATCH ? l.n - i : CT_BATCH;
		err = bpf_map_delete_batch(fd, l.keys + i, &count, NULL);
		if (err == -ENOENT) {	/* one went meanwhile: the rest one by one */
			for (; count < CT_BATCH && i + count < l.n; count++)
				bpf_map_delete_elem(fd, &l.keys[i + count]);
			err = 0;
		}
	}
	free(l.keys);
	if (!err && deleted)
		*deleted += l.n;
	return err;
}

/* Count the slots a walk passes on. */
static int count_batch(void *arg, const struct fwctl_ct_key *keys,
		       const struct fwctl_ct_entry *vals, __u32 n)
{
	(void)keys;
	(void)vals;
	*(size_t *)arg += n;
	return 0;
}

/*
 * The established table ends all its flows at once: one write of the
 * epoch, after which no slot's tag is current (the datapath reuses the
 * slots as free). The new-flow table is emptied entry by entry; a flow
 * created meanwhile may stay, as with any flush under traffic.
 */
int ct_flush(const struct ct_maps *m, size_t *deleted)
{
	struct fwctl_ct_config cfg;
	__u32 key = 0, table = FWCTL_CT_TABLE_NEW;
	size_t est = 0;
	__s64 zero = 0;
	int err;

	if (deleted)
		*deleted = 0;
	if (bpf_map_lookup_elem(m->config, &key, &cfg))
		return -errno;
	err = est_walk(m->est, cfg.epoch + 1, count_batch, &est);
	if (err)
		return err;
	cfg.epoch++;
	if (bpf_map_update_elem(m->config, &key, &cfg, BPF_EXIST))
		return -errno;
	if (deleted)
		*deleted = est;
	err = flush_table(m->new, deleted);
	/* The table is (nearly) empty: so is the datapath's live count. */
	if (!err && bpf_map_update_elem(m->count, &table, &zero, BPF_ANY))
		err = -errno;
	return err;
}

static int max_entries(int fd, __u32 *n)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	*n = info.max_entries;
	return 0;
}

/* The flows the established table was sized for (--ct-size). */
static int est_size(const struct ct_maps *m, __u32 *n)
{
	struct fwctl_ct_config cfg;
	__u32 key = 0;

	if (bpf_map_lookup_elem(m->config, &key, &cfg))
		return -errno;
	if (cfg.size) {
		*n = cfg.size;
		return 0;
	}
	return max_entries(m->est, n);	/* not written: its slots */
}

static int stats_sum(int fd, struct fwctl_ct_stats *out)
{
	int ncpus = libbpf_num_possible_cpus(), cpu;
	struct fwctl_ct_stats *v;
	__u32 key = 0;
	size_t f, nf = sizeof(*out) / sizeof(__u64);

	if (ncpus < 0)
		return ncpus;
	v = calloc(ncpus, sizeof(*v));
	if (!v)
		return -ENOMEM;
	if (bpf_map_lookup_elem(fd, &key, v)) {
		free(v);
		return -errno;
	}
	memset(out, 0, sizeof(*out));
	for (cpu = 0; cpu < ncpus; cpu++)
		for (f = 0; f < nf; f++)
			((__u64 *)out)[f] += ((__u64 *)&v[cpu])[f];
	free(v);
	return 0;
}

int ct_summary_read(const struct ct_maps *m, ct_alive_fn alive, void *arg, struct ct_summary *s)
{
	struct read_ctx c = { .alive = alive, .arg = arg, .sum = s };
	int err;

	memset(s, 0, sizeof(*s));
	err = max_entries(m->new, &s->size[FWCTL_CT_TABLE_NEW]);
	if (!err)
		err = est_size(m, &s->size[FWCTL_CT_TABLE_EST]);
	if (!err)
		err = stats_sum(m->stats, &s->c);
	if (!err)
		err = read_tables(m, &c);
	return err;
}
