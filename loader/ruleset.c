// SPDX-License-Identifier: GPL-2.0
/*
 * ruleset.c - the rule table: rules by id in fwctl_rules, and the lookup
 * table derived from them in fwctl_lookup.
 *
 * The lookup table is always a function of the rule set; every change
 * rewrites only the entries whose value changes, one atomic 32-bit store
 * each, so the datapath sees at every instant, per port, either the old or
 * the new rule: nothing allowed before and after is ever dropped meanwhile.
 *
 * Crash safety, all or nothing: a change marks its slots ADDING or DELETING
 * (one batch, which a kill may cut short), updates the lookup table, then
 * commits with ONE element write, the journal in slot 0 (id 0 is never a
 * rule), and only then turns its slots ACTIVE or FREE. ruleset_recover(),
 * run first by every locked fwctl call, rolls a change forward if the
 * journal says committed, back otherwise, and resyncs the lookup table.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "fwctl.h"

/*
 * Read entries [0, n) of an array map. One batch syscall where the kernel
 * has it, element by element otherwise.
 */
static int array_read(int fd, __u32 n, size_t value_size, void *values)
{
	__u32 *keys, count = n, out_batch = 0, i;
	int err = 0;

	keys = calloc(n, sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	err = bpf_map_lookup_batch(fd, NULL, &out_batch, keys, values, &count, NULL);
	if (!err || (err == -ENOENT && count == n))
		goto out;
	for (i = 0; i < n; i++) {
		err = bpf_map_lookup_elem(fd, &i, (char *)values + (size_t)i * value_size);
		if (err)
			goto out;
	}
out:
	free(keys);
	return err == -ENOENT ? 0 : err;
}

/* Write vals[i] at keys[i] for i < n: one syscall, so one step for a kill. */
static int u32_array_write(int fd, const __u32 *keys, const __u32 *vals, __u32 n)
{
	__u32 count = n, i;
	int err;

	if (n == 0)
		return 0;
	err = bpf_map_update_batch(fd, keys, vals, &count, NULL);
	if (err != -EINVAL)
		return err;
	for (i = 0; i < n; i++) {	/* no batch ops: one by one */
		err = bpf_map_update_elem(fd, &keys[i], &vals[i], 0);
		if (err)
			return err;
	}
	return 0;
}

int ruleset_read(const struct fwctl_maps *m, struct ruleset *rs)
{
	__u32 id;
	int err;

	err = array_read(m->rules, FWCTL_RULE_SLOTS, sizeof(struct fwctl_rule), rs->rules);
	if (err)
		return err;
	rs->active = 0;
	for (id = 1; id < FWCTL_RULE_SLOTS; id++)
		if (rs->rules[id].state == FWCTL_RULE_ACTIVE)
			rs->active++;
	return 0;
}

/* Port rules sorted narrowest first, ties to the lower id. */
struct port_rule {
	__u32 width;
	__u32 id;
};

static int cmp_port_rule(const void *a, const void *b)
{
	const struct port_rule *x = a, *y = b;

	if (x->width != y->width)
		return x->width < y->width ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* Next port >= p not yet given a rule (path-halving union-find). */
static __u32 next_free(__u32 *next, __u32 p)
{
	while (next[p] != p) {
		next[p] = next[next[p]];
		p = next[p];
	}
	return p;
}

/*
 * Give each port of one protocol the narrowest rule covering it: rules are
 * painted narrowest first and each port is painted once, so the cost is
 * O(rules log rules + 65536) whatever the ranges.
 */
/*
 * Which slots a lookup table is computed from: the ACTIVE ones, plus those
 * in state @also (ADDING or DELETING; FWCTL_RULE_ACTIVE adds none). Before
 * an add the ADDING slots do not count and after it they do; before a
 * delete the DELETING slots count and after it they do not.
 */
static bool counts(const struct fwctl_rule *r, __u8 also)
{
	return r->state == FWCTL_RULE_ACTIVE || r->state == also;
}

static void compute_ports(const struct ruleset *rs, __u8 proto, __u8 also, __u32 *table)
{
	struct port_rule *pr;
	__u32 *next, id, n = 0, i, p;

	pr = malloc(sizeof(*pr) * FWCTL_RULE_SLOTS);
	next = malloc(sizeof(*next) * 65537);
	if (!pr || !next)
		abort();	/* 400 KiB: nothing sensible to do without it */

	for (id = 1; id < FWCTL_RULE_SLOTS; id++) {
		const struct fwctl_rule *r = &rs->rules[id];

		if (!counts(r, also) || r->proto != proto || !r->has_ports)
			continue;
		pr[n].width = r->port_hi - r->port_lo;
		pr[n].id = id;
		n++;
	}
	qsort(pr, n, sizeof(*pr), cmp_port_rule);

	for (p = 0; p <= 65536; p++)
		next[p] = p;
	for (i = 0; i < n; i++) {
		const struct fwctl_rule *r = &rs->rules[pr[i].id];

		for (p = next_free(next, r->port_lo); p <= r->port_hi;
		     p = next_free(next, p + 1)) {
			table[p] = pr[i].id;
			next[p] = p + 1;
		}
	}
	free(pr);
	free(next);
}

static void compute_lookup(const struct ruleset *rs, __u8 also, __u32 *lookup)
{
	__u32 id;

	memset(lookup, 0, sizeof(*lookup) * FWCTL_LOOKUP_SIZE);
	compute_ports(rs, FWCTL_IPPROTO_TCP, also, lookup + FWCTL_LOOKUP_TCP_BASE);
	compute_ports(rs, FWCTL_IPPROTO_UDP, also, lookup + FWCTL_LOOKUP_UDP_BASE);
	for (id = 1; id < FWCTL_RULE_SLOTS; id++) {
		const struct fwctl_rule *r = &rs->rules[id];

		if (counts(r, also) && !r->has_ports)
			lookup[FWCTL_LOOKUP_PROTO_BASE + r->proto] = id;
	}
}

void ruleset_compute_lookup(const struct ruleset *rs, __u32 *lookup)
{
	compute_lookup(rs, FWCTL_RULE_ACTIVE, lookup);
}

/*
 * Make fwctl_lookup the table of the slots counting with @also, writing
 * only the entries that differ from what it holds: read back from the map
 * when @also_before is FWCTL_RULE_FREE (repair: trust nothing), else
 * computed from the same rule set with @also_before (a change: the table
 * is known to match the set before it), which saves reading 512 KiB.
 */
static int lookup_sync(const struct fwctl_maps *m, const struct ruleset *rs, __u8 also_before,
		       __u8 also)
{
	__u32 *want, *have, *keys, *vals, n = 0, i;
	int err = -ENOMEM;

	want = malloc(sizeof(__u32) * FWCTL_LOOKUP_SIZE);
	have = malloc(sizeof(__u32) * FWCTL_LOOKUP_SIZE);
	keys = malloc(sizeof(__u32) * FWCTL_LOOKUP_SIZE);
	vals = malloc(sizeof(__u32) * FWCTL_LOOKUP_SIZE);
	if (!want || !have || !keys || !vals)
		goto out;

	compute_lookup(rs, also, want);
	err = 0;
	if (also_before == FWCTL_RULE_FREE)
		err = array_read(m->lookup, FWCTL_LOOKUP_SIZE, sizeof(__u32), have);
	else
		compute_lookup(rs, also_before, have);
	if (err)
		goto out;
	for (i = 0; i < FWCTL_LOOKUP_SIZE; i++) {
		if (want[i] != have[i]) {
			keys[n] = i;
			vals[n] = want[i];
			n++;
		}
	}
	err = u32_array_write(m->lookup, keys, vals, n);
out:
	free(want);
	free(have);
	free(keys);
	free(vals);
	return err;
}

/* Write the slots listed in ids[0..n) of rs to fwctl_rules in one step. */
static int rules_write(const struct fwctl_maps *m, const struct ruleset *rs, const __u32 *ids, __u32 n)
{
	struct fwctl_rule *vals;
	__u32 i;
	int err;

	if (n == 0)
		return 0;
	vals = malloc(sizeof(*vals) * n);
	if (!vals)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		vals[i] = rs->rules[ids[i]];
	err = bpf_map_update_batch(m->rules, ids, vals, &n, NULL);
	if (err == -EINVAL) {	/* no batch ops: one by one */
		for (i = 0, err = 0; i < n && !err; i++)
			err = bpf_map_update_elem(m->rules, &ids[i], &vals[i], 0);
	}
	free(vals);
	return err;
}

static int set_state(const struct fwctl_maps *m, struct ruleset *rs, const __u32 *ids, __u32 n,
		     enum fwctl_rule_state state)
{
	__u32 i;

	for (i = 0; i < n; i++) {
		rs->rules[ids[i]].state = state;
		if (state == FWCTL_RULE_FREE)
			memset(&rs->rules[ids[i]], 0, sizeof(rs->rules[0]));
	}
	return rules_write(m, rs, ids, n);
}

static int journal_write(const struct fwctl_maps *m, struct ruleset *rs, __u8 state)
{
	__u32 id = FWCTL_JOURNAL_SLOT;

	rs->rules[id].state = state;
	return bpf_map_update_elem(m->rules, &id, &rs->rules[id], 0);
}

/*
 * The one sequence every change goes through. ids[0..n) are the slots it
 * touches, already marked @pending (ADDING or DELETING) in rs.
 */
static int apply_change(const struct fwctl_maps *m, struct ruleset *rs, const __u32 *ids, __u32 n,
			enum fwctl_rule_state pending)
{
	enum fwctl_rule_state done = pending == FWCTL_RULE_ADDING ? FWCTL_RULE_ACTIVE : FWCTL_RULE_FREE;
	int err;

	err = rules_write(m, rs, ids, n);
	if (!err && pending == FWCTL_RULE_ADDING)
		err = lookup_sync(m, rs, FWCTL_RULE_ACTIVE, FWCTL_RULE_ADDING);
	else if (!err)
		err = lookup_sync(m, rs, FWCTL_RULE_DELETING, FWCTL_RULE_ACTIVE);
	if (!err)
		err = journal_write(m, rs, FWCTL_JOURNAL_COMMITTED);	/* the commit point */
	if (!err)
		err = set_state(m, rs, ids, n, done);
	if (!err)
		err = journal_write(m, rs, FWCTL_JOURNAL_IDLE);
	return err;
}

static int recover(const struct fwctl_maps *m, struct ruleset *rs, struct fwctl_err *e)
{
	bool committed = rs->rules[FWCTL_JOURNAL_SLOT].state == FWCTL_JOURNAL_COMMITTED;
	__u32 *ids, n = 0, id;
	int err;

	ids = malloc(sizeof(*ids) * FWCTL_RULE_SLOTS);
	if (!ids)
		return -ENOMEM;
	for (id = 1; id < FWCTL_RULE_SLOTS; id++) {
		struct fwctl_rule *r = &rs->rules[id];

		if (r->state == FWCTL_RULE_FREE || r->state == FWCTL_RULE_ACTIVE)
			continue;
		if (r->state == FWCTL_RULE_ADDING && committed)
			r->state = FWCTL_RULE_ACTIVE;		/* roll forward */
		else if (r->state == FWCTL_RULE_DELETING && !committed)
			r->state = FWCTL_RULE_ACTIVE;		/* roll back */
		else
			memset(r, 0, sizeof(*r));		/* FWCTL_RULE_FREE */
		ids[n++] = id;
	}
	/*
	 * Nothing pending and the journal idle: every change finished, so the
	 * lookup table matches. Otherwise the table is rebuilt from the map
	 * first and the slots written after, so that a kill in between leaves
	 * them pending and the next call repairs again.
	 */
	err = 0;
	if (n || committed)
		err = lookup_sync(m, rs, FWCTL_RULE_FREE, FWCTL_RULE_ACTIVE);
	if (!err)
		err = rules_write(m, rs, ids, n);
	if (!err && committed)
		err = journal_write(m, rs, FWCTL_JOURNAL_IDLE);
	free(ids);
	if (err) {
		fwctl_err_set(e, "cannot repair the rule table: %s", strerror(-err));
		return err;
	}
	rs->active = 0;
	for (id = 1; id < FWCTL_RULE_SLOTS; id++)
		rs->active += rs->rules[id].state == FWCTL_RULE_ACTIVE;
	return n;
}

int ruleset_recover(const struct fwctl_maps *m, struct fwctl_err *e)
{
	struct ruleset *rs;
	int err;

	rs = malloc(sizeof(*rs));
	if (!rs)
		return -ENOMEM;
	err = ruleset_read(m, rs);
	if (err)
		fwctl_err_set(e, "cannot read the rule table: %s", strerror(-err));
	else
		err = recover(m, rs, e);
	free(rs);
	return err;
}

/* Identity of a rule as a sortable number. */
static __u64 rule_key(const struct fwctl_rule *r)
{
	return (__u64)r->proto << 33 | (__u64)r->has_ports << 32 |
	       (r->has_ports ? ((__u32)r->port_lo << 16 | r->port_hi) : 0);
}

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

/* Slot of the active rule equal to r, or 0. */
static __u32 find_active(const struct ruleset *rs, const struct fwctl_rule *r)
{
	__u32 id;

	for (id = 1; id < FWCTL_RULE_SLOTS; id++)
		if (rs->rules[id].state == FWCTL_RULE_ACTIVE && rule_same(&rs->rules[id], r))
			return id;
	return 0;
}

/*
 * Reject duplicates among the new rules and against the active ones before
 * anything is written. Sorting keeps it O((n + active) log) for bulk adds.
 */
static int check_duplicates(const struct ruleset *rs, const struct fwctl_rule *rules, int n,
			    struct fwctl_err *e)
{
	__u64 *have, *mine, key;
	__u32 id, nh = 0;
	char text[64];
	int i, err = 0;

	have = malloc(sizeof(*have) * FWCTL_RULE_SLOTS);
	mine = malloc(sizeof(*mine) * (n ? n : 1));
	if (!have || !mine) {
		err = -ENOMEM;
		goto out;
	}
	for (id = 1; id < FWCTL_RULE_SLOTS; id++)
		if (rs->rules[id].state == FWCTL_RULE_ACTIVE)
			have[nh++] = rule_key(&rs->rules[id]);
	qsort(have, nh, sizeof(*have), cmp_u64);

	for (i = 0; i < n; i++) {
		key = rule_key(&rules[i]);
		if (bsearch(&key, have, nh, sizeof(*have), cmp_u64)) {
			rule_format(&rules[i], text, sizeof(text));
			fwctl_err_set(e, "duplicate rule '%s': already exists (id %u)", text,
				      find_active(rs, &rules[i]));
			err = -EEXIST;
			goto out;
		}
		mine[i] = key;
	}
	qsort(mine, n, sizeof(*mine), cmp_u64);
	for (i = 1; i < n; i++) {
		if (mine[i] == mine[i - 1]) {
			struct fwctl_rule r = { .proto = mine[i] >> 33, .has_ports = (mine[i] >> 32) & 1,
						.port_lo = (mine[i] >> 16) & 0xffff, .port_hi = mine[i] & 0xffff };

			rule_format(&r, text, sizeof(text));
			fwctl_err_set(e, "duplicate rule '%s': given twice", text);
			err = -EEXIST;
			goto out;
		}
	}
out:
	free(have);
	free(mine);
	return err;
}

/* A snapshot of the rule table, repaired first; NULL with *err on failure. */
static struct ruleset *read_clean(const struct fwctl_maps *m, struct fwctl_err *e, int *err)
{
	struct ruleset *rs = malloc(sizeof(*rs));

	*err = rs ? ruleset_read(m, rs) : -ENOMEM;
	if (*err) {
		fwctl_err_set(e, "cannot read the rule table: %s", strerror(-*err));
		free(rs);
		return NULL;
	}
	*err = recover(m, rs, e);
	if (*err < 0) {
		free(rs);
		return NULL;
	}
	*err = 0;
	return rs;
}

int ruleset_add(const struct fwctl_maps *m, const struct fwctl_rule *rules, int n,
		__u32 *ids, struct fwctl_err *e)
{
	struct ruleset *rs;
	__u32 *slots = NULL, id;
	int i, err;

	rs = read_clean(m, e, &err);
	if (!rs)
		return err;
	err = check_duplicates(rs, rules, n, e);
	if (err)
		goto out;
	if (rs->active + n > FWCTL_MAX_RULES) {
		fwctl_err_set(e, "rule table full: %u rules, room for %d more (limit %d)",
			      rs->active, FWCTL_MAX_RULES - (int)rs->active, FWCTL_MAX_RULES);
		err = -ENOSPC;
		goto out;
	}
	slots = malloc(sizeof(*slots) * (n ? n : 1));
	if (!slots) {
		err = -ENOMEM;
		goto out;
	}

	/* Lowest free ids; their counters start from zero. */
	for (i = 0, id = 1; i < n; id++) {
		if (rs->rules[id].state != FWCTL_RULE_FREE)
			continue;
		rs->rules[id] = rules[i];
		rs->rules[id].state = FWCTL_RULE_ADDING;
		slots[i++] = id;
	}
	err = rule_stats_reset(m, slots, n);
	if (!err)
		err = apply_change(m, rs, slots, n, FWCTL_RULE_ADDING);
	if (err)
		goto write_err;
	if (ids)
		memcpy(ids, slots, sizeof(*slots) * n);
	goto out;

write_err:
	fwctl_err_set(e, "cannot write the rule table: %s", strerror(-err));
	/* Undo or finish, as the journal says. */
	ruleset_recover(m, NULL);
out:
	free(slots);
	free(rs);
	return err;
}

int ruleset_del(const struct fwctl_maps *m, const struct fwctl_rule *rule, __u32 *id_out,
		struct fwctl_err *e)
{
	struct ruleset *rs;
	char text[64];
	__u32 id;
	int err;

	rs = read_clean(m, e, &err);
	if (!rs)
		return err;
	id = find_active(rs, rule);
	if (!id) {
		rule_format(rule, text, sizeof(text));
		fwctl_err_set(e, "no such rule '%s'", text);
		err = -ENOENT;
		goto out;
	}
	rs->rules[id].state = FWCTL_RULE_DELETING;
	err = apply_change(m, rs, &id, 1, FWCTL_RULE_DELETING);
	if (err) {
		fwctl_err_set(e, "cannot write the rule table: %s", strerror(-err));
		goto out;
	}
	if (id_out)
		*id_out = id;
out:
	free(rs);
	return err;
}

int ruleset_flush(const struct fwctl_maps *m, struct fwctl_err *e)
{
	struct ruleset *rs;
	__u32 *ids = NULL, id, n = 0;
	int err;

	rs = read_clean(m, e, &err);
	if (!rs)
		return err;
	ids = malloc(sizeof(*ids) * FWCTL_RULE_SLOTS);
	if (!ids) {
		err = -ENOMEM;
		goto out;
	}
	for (id = 1; id < FWCTL_RULE_SLOTS; id++) {
		if (rs->rules[id].state == FWCTL_RULE_ACTIVE) {
			rs->rules[id].state = FWCTL_RULE_DELETING;
			ids[n++] = id;
		}
	}
	err = apply_change(m, rs, ids, n, FWCTL_RULE_DELETING);
	if (err)
		fwctl_err_set(e, "cannot write the rule table: %s", strerror(-err));
	else
		err = n;
out:
	free(ids);
	free(rs);
	return err;
}
