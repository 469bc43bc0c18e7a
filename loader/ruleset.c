// SPDX-License-Identifier: GPL-2.0
/*
 * ruleset.c - the rule set: an ordered list of rules, each with an id that
 * names its counters, kept in the current generation of fwctl_tables.
 *
 * A generation holds both the compiled classifier (what packets see) and
 * the rule list as text (what fwctl reads back), so the two never disagree.
 * Every change - add, del, flush, load - reads the current list, edits it
 * in memory, compiles a whole new generation into a fresh map nobody sees
 * yet, and makes it current with ONE map update (table_commit). Packets are
 * classified by the old set or the new one, never by a mix; a kill -9 at
 * any point leaves the old generation current (the fresh map dies with the
 * process) or the new one, whole. No journal, nothing to repair.
 *
 * Ids: a rule keeps its id, and so its counters, for as long as its
 * canonical text (comment aside) stays in the set. New rules get the lowest
 * ids that neither the old nor the new set uses, because packets still
 * count on the old set's ids until the commit returns; their counters are
 * zeroed before the commit.
 *
 * Serials: a stateful rule also gets a serial, new whenever it is given an
 * id (FWCTL_CT_SERIAL_NEXT, a counter carried from generation to
 * generation, so never reused), kept while it keeps its id. The generation
 * stores them (fwctl_conntrack.h, "Rule lifetime"): a flow lives while its
 * rule's serial is in the current generation, so it ends with the commit
 * that removes the rule.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "fwctl.h"
#include "classifier.h"
#include "fwctl_conntrack.h"

void ruleset_free(struct ruleset *rs)
{
	unsigned int i;

	for (i = 0; i < rs->n; i++) {
		free(rs->v[i].text);
		free(rs->v[i].key);
		rule_free(&rs->v[i].rule);
	}
	free(rs->v);
	memset(rs, 0, sizeof(*rs));
}

static int rs_reserve(struct ruleset *rs, unsigned int n)
{
	struct ruleset_entry *v;

	if (n <= rs->cap)
		return 0;
	v = realloc(rs->v, sizeof(*v) * n);
	if (!v)
		return -ENOMEM;
	memset(v + rs->cap, 0, sizeof(*v) * (n - rs->cap));
	rs->v = v;
	rs->cap = n;
	return 0;
}

/*
 * Fill an entry from its rule (which it now owns) and its canonical text
 * (owned too; NULL: made from the rule). Without a comment the key text
 * is the text: the printer runs once, not twice (a rules add re-reads
 * the whole set).
 */
static int entry_set_text(struct ruleset_entry *en, __u32 id, struct rule *r, char *text)
{
	en->id = id;
	en->rule = *r;
	memset(r, 0, sizeof(*r));
	en->text = text ? text : rule_to_text(&en->rule);
	en->key = !en->text ? NULL : en->rule.comment ? rule_key_text(&en->rule) : strdup(en->text);
	return en->text && en->key ? 0 : -ENOMEM;
}

static int entry_set(struct ruleset_entry *en, __u32 id, struct rule *r)
{
	return entry_set_text(en, id, r, NULL);
}

/* The attached interfaces, for 'in IF'. */
void ruleset_ctx_names(const char (*ifname)[16], struct rule_ctx *ctx)
{
	int d;

	for (d = 0; d < FWCTL_DIR_COUNT; d++)
		ctx->ifname[d] = ifname[d][0] ? ifname[d] : NULL;
}

void ruleset_ctx(const struct fwctl_config *cfg, struct rule_ctx *ctx)
{
	ruleset_ctx_names(cfg->ifname, ctx);
}

/*
 * Parse the text cells of a generation: "ID<TAB>RULE\n" lines in list
 * order. Written by fwctl itself, so anything else means the pins are not
 * ours or not of this version.
 */
static int parse_text(const char *text, size_t len, const struct rule_ctx *ctx,
		      struct ruleset *rs, struct fwctl_err *e)
{
	const char *p = text, *end = text + len, *nl, *tab;
	struct rule r;
	char *line;
	unsigned long id;
	int err;

	while (p < end) {
		nl = memchr(p, '\n', end - p);
		tab = nl ? memchr(p, '\t', nl - p) : NULL;
		if (!tab) {
			fwctl_err_set(e, "the rule table is damaged (rule %u): run 'fwctl rules flush'",
				      rs->n + 1);
			return -EUCLEAN;
		}
		id = strtoul(p, NULL, 10);
		line = strndup(tab + 1, nl - tab - 1);
		if (!line)
			return -ENOMEM;
		err = rule_from_text(line, ctx, &r, e);
		if (!err)
			err = rs_reserve(rs, rs->n + 1);
		if (err) {
			free(line);
			return err;
		}
		/* The stored text is canonical already (fwctl wrote it). */
		err = entry_set_text(&rs->v[rs->n++], id, &r, line);
		if (err)
			return err;
		p = nl + 1;
	}
	return 0;
}

/* Cells that hold the serials of ids 0 .. n_ids - 1. */
static __u32 serial_cells(__u32 n_ids)
{
	return (n_ids + FWCTL_CT_SERIALS_PER_CELL - 1) / FWCTL_CT_SERIALS_PER_CELL;
}

/* Serial of rule id in a generation (checked by read_current); 0: none. */
static __u32 serial_of(const struct fwctl_cell *cells, __u32 id)
{
	const struct fwctl_table_hdr *h = &cells[0].hdr;
	const struct fwctl_serial_cell *c;

	if (!FWCTL_CT_SERIAL_CELL(h) || id >= FWCTL_CT_SERIAL_IDS(h))
		return 0;
	c = (const void *)&cells[FWCTL_CT_SERIAL_CELL(h) + id / FWCTL_CT_SERIALS_PER_CELL];
	return c->serial[id % FWCTL_CT_SERIALS_PER_CELL];
}

/* Do the header's text and serial fields fit the generation's n cells? */
static int check_current(const struct fwctl_cell *cells, __u32 n, struct fwctl_err *e)
{
	const struct fwctl_table_hdr *h = &cells[0].hdr;

	if (n < 1 || h->kind != FWCTL_CELL_HDR || h->magic != FWCTL_TABLE_MAGIC ||
	    h->text_cell > n ||
	    (__u64)h->text_cell * FWCTL_CELL_SIZE + h->text_bytes > (__u64)n * FWCTL_CELL_SIZE ||
	    (FWCTL_CT_SERIAL_CELL(h) &&
	     (__u64)FWCTL_CT_SERIAL_CELL(h) + serial_cells(FWCTL_CT_SERIAL_IDS(h)) > n)) {
		fwctl_err_set(e, "the rule table is not of this fwctl version (detach and attach "
				 "again)");
		return -EUCLEAN;
	}
	return 0;
}

/* The current generation's cells (malloc'd). */
static int read_current(const struct fwctl_maps *m, struct fwctl_cell **cells, __u32 *n,
			struct fwctl_err *e)
{
	int fd, err;

	fd = table_open_current(m, e);
	if (fd < 0)
		return fd;
	err = table_read(fd, cells, n, e);
	close(fd);
	if (err)
		return err;
	err = check_current(*cells, *n, e);
	if (err) {
		free(*cells);
		*cells = NULL;
	}
	return err;
}

/* read_current(), mapped rather than copied (len bytes to munmap). */
static int map_current(const struct fwctl_maps *m, const struct fwctl_cell **cells, __u32 *n,
		       size_t *len, struct fwctl_err *e)
{
	int fd, err;

	fd = table_open_current(m, e);
	if (fd < 0)
		return fd;
	err = table_map(fd, cells, n, len, e);
	close(fd);
	if (!err)
		err = check_current(*cells, *n, e);
	if (err && *cells) {
		munmap((void *)*cells, *len);
		*cells = NULL;
	}
	return err;
}

int ruleset_read(const struct fwctl_maps *m, const struct rule_ctx *ctx, struct ruleset *rs,
		 struct fwctl_err *e)
{
	struct fwctl_cell *cells = NULL;
	const struct fwctl_table_hdr *h;
	__u32 n = 0;
	int err;

	memset(rs, 0, sizeof(*rs));
	err = read_current(m, &cells, &n, e);
	if (err)
		return err;
	h = &cells[0].hdr;
	rs->policy = h->policy;
	rs->next_serial = FWCTL_CT_SERIAL_NEXT(h);
	err = parse_text((const char *)&cells[h->text_cell], h->text_bytes, ctx, rs, e);
	for (unsigned int i = 0; !err && i < rs->n; i++)
		rs->v[i].serial = rs->v[i].rule.stateful ? serial_of(cells, rs->v[i].id) : 0;
	free(cells);
	if (err)
		ruleset_free(rs);
	return err;
}

/* Index of the rule whose key text is key, or -1. */
static int find_key(const struct ruleset *rs, const char *key)
{
	unsigned int i;

	for (i = 0; i < rs->n; i++)
		if (!strcmp(rs->v[i].key, key))
			return i;
	return -1;
}

/* Key texts of a set, sorted, to find a rule by its key in O(log n). */
struct key_index {
	struct key_ref {
		const char *key;
		int at;		/* index in the set */
	} *v;
	unsigned int n;
};

static int cmp_key_ref(const void *a, const void *b)
{
	return strcmp(((const struct key_ref *)a)->key, ((const struct key_ref *)b)->key);
}

static int index_build(const struct ruleset *rs, unsigned int from, unsigned int n,
		       struct key_index *ix)
{
	unsigned int i;

	ix->n = n;
	ix->v = malloc(sizeof(*ix->v) * (n ? n : 1));
	if (!ix->v)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		ix->v[i] = (struct key_ref){ rs->v[from + i].key, from + i };
	qsort(ix->v, n, sizeof(*ix->v), cmp_key_ref);
	return 0;
}

/* Index in the set of the rule with this key, or -1. */
static int index_find(const struct key_index *ix, const char *key)
{
	struct key_ref want = { key, -1 }, *got;

	got = bsearch(&want, ix->v, ix->n, sizeof(*ix->v), cmp_key_ref);
	return got ? got->at : -1;
}

/*
 * A rule given twice among entries [from, from + n) of rs: the error names
 * the later one, as "FILE:LINE: " when file is set (lines[i] for entry
 * from + i). Sorted by key, twins sit next to each other.
 */
static int check_batch(const struct ruleset *rs, unsigned int from, unsigned int n,
		       const char *file, const unsigned int *lines, struct fwctl_err *e)
{
	char where[300] = "";
	struct key_index ix;
	unsigned int i, at;
	int err = index_build(rs, from, n, &ix);

	for (i = 1; !err && i < n; i++) {
		if (strcmp(ix.v[i].key, ix.v[i - 1].key))
			continue;
		at = ix.v[i].at > ix.v[i - 1].at ? ix.v[i].at : ix.v[i - 1].at;
		if (file)
			snprintf(where, sizeof(where), "%s:%u: ", file, lines[at - from]);
		fwctl_err_set(e, "%sduplicate rule '%s': given twice", where, rs->v[at].text);
		err = -EEXIST;
	}
	free(ix.v);
	return err;
}

/*
 * Append the rule list as "ID<TAB>TEXT\n" text cells after the classifier
 * cells, and fill the header's text fields.
 */
static int add_text_cells(const struct ruleset *rs, struct fwctl_cell **cells, __u32 *n_cells)
{
	size_t bytes = 0, off = 0, len;
	struct fwctl_cell *c;
	unsigned int i;
	__u32 first = *n_cells, n;
	char *p;

	for (i = 0; i < rs->n; i++)
		bytes += 12 + strlen(rs->v[i].text);
	n = first + (bytes + FWCTL_CELL_SIZE - 1) / FWCTL_CELL_SIZE;
	c = realloc(*cells, sizeof(*c) * (n ? n : 1));
	if (!c)
		return -ENOMEM;
	memset(c + first, 0, sizeof(*c) * (n - first));
	p = (char *)&c[first];
	for (i = 0; i < rs->n; i++) {
		len = sprintf(p + off, "%u\t", rs->v[i].id);
		off += len;
		len = strlen(rs->v[i].text);
		memcpy(p + off, rs->v[i].text, len);
		off += len;
		p[off++] = '\n';
	}
	c[0].hdr.text_cell = first;
	c[0].hdr.text_bytes = off;
	c[0].hdr.n_cells = n;
	*cells = c;
	*n_cells = n;
	return 0;
}

/*
 * Append the serial cells of rs's stateful rules after the classifier
 * cells and point the header at them (none: ct_serial_cell 0). The next
 * serial goes into the header whatever the set holds.
 */
static int add_serial_cells(const struct ruleset *rs, struct fwctl_cell **cells, __u32 *n_cells)
{
	struct fwctl_serial_cell *sc;
	struct fwctl_cell *c = *cells;
	__u32 first = *n_cells, n_ids = 0, n, id;
	unsigned int i;

	for (i = 0; i < rs->n; i++)
		if (rs->v[i].serial && rs->v[i].id >= n_ids)
			n_ids = rs->v[i].id + 1;
	n = first + serial_cells(n_ids);
	if (n > first) {
		c = realloc(*cells, sizeof(*c) * n);
		if (!c)
			return -ENOMEM;
		memset(c + first, 0, sizeof(*c) * (n - first));
		for (i = 0; i < rs->n; i++) {
			id = rs->v[i].id;
			if (!rs->v[i].serial)
				continue;
			sc = (void *)&c[first + id / FWCTL_CT_SERIALS_PER_CELL];
			sc->serial[id % FWCTL_CT_SERIALS_PER_CELL] = rs->v[i].serial;
		}
	}
	FWCTL_CT_SERIAL_CELL(&c[0].hdr) = n > first ? first : 0;
	FWCTL_CT_SERIAL_IDS(&c[0].hdr) = n_ids;
	FWCTL_CT_SERIAL_NEXT(&c[0].hdr) = rs->next_serial;
	c[0].hdr.n_cells = n;
	*cells = c;
	*n_cells = n;
	return 0;
}

/* Compile rs into a complete generation (cells malloc'd). */
static int build(const struct ruleset *rs, struct fwctl_cell **cells, __u32 *n_cells,
		 struct classifier_stats *st, struct fwctl_err *e)
{
	struct rule *rules = NULL;
	__u32 *ids = NULL;
	unsigned int i;
	int err = -ENOMEM;

	rules = malloc(sizeof(*rules) * (rs->n ? rs->n : 1));
	ids = malloc(sizeof(*ids) * (rs->n ? rs->n : 1));
	if (!rules || !ids)
		goto out;
	for (i = 0; i < rs->n; i++) {
		rules[i] = rs->v[i].rule;	/* shallow: the compiler only reads */
		ids[i] = rs->v[i].id;
	}
	err = classifier_compile(rules, ids, rs->n, rs->policy, cells, n_cells, st, e);
	if (!err) {
		(*cells)[0].hdr.n_rules = rs->n;
		err = add_serial_cells(rs, cells, n_cells);
		if (!err)
			err = add_text_cells(rs, cells, n_cells);
	}
out:
	if (err == -ENOMEM)
		fwctl_err_set(e, "out of memory");
	free(rules);
	free(ids);
	return err;
}

/* The next serial after s: never 0. */
static __u32 serial_next(__u32 s)
{
	return s + 1 ? s + 1 : 1;
}

/*
 * Serials for rs: a stateful entry given an id now (fresh[i]) gets a new
 * one, as does one that somehow has none; the others keep theirs. The
 * counter starts from the larger of old's and rs's, so it never goes back.
 */
static void assign_serials(const struct ruleset *old, struct ruleset *rs, const __u8 *fresh)
{
	__u32 next = rs->next_serial > old->next_serial ? rs->next_serial : old->next_serial;
	unsigned int i;

	if (!next)
		next = 1;
	for (i = 0; i < rs->n; i++) {
		struct ruleset_entry *en = &rs->v[i];

		if (!en->rule.stateful) {
			en->serial = 0;
		} else if (fresh[i] || !en->serial) {
			en->serial = next;
			next = serial_next(next);
		}
	}
	rs->next_serial = next;
}

/*
 * Give every entry of rs with id 0 the lowest id used neither by rs nor by
 * the current set old (still counted on until the commit), and zero their
 * counters; then the serials.
 */
static int assign_ids(const struct fwctl_maps *m, const struct ruleset *old, struct ruleset *rs,
		      struct fwctl_err *e)
{
	unsigned char *used, *is_fresh = NULL;
	__u32 *fresh = NULL, n_fresh = 0, next = 1;
	unsigned int i;
	int err = 0;

	used = calloc(FWCTL_RULE_ID_SLOTS, 1);
	fresh = malloc(sizeof(*fresh) * (rs->n ? rs->n : 1));
	is_fresh = calloc(rs->n ? rs->n : 1, 1);
	if (!used || !fresh || !is_fresh) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < old->n; i++)
		used[old->v[i].id] = 1;
	for (i = 0; i < rs->n; i++)
		used[rs->v[i].id] = 1;
	for (i = 0; i < rs->n; i++) {
		if (rs->v[i].id)
			continue;
		while (next < FWCTL_RULE_ID_SLOTS && used[next])
			next++;
		if (next == FWCTL_RULE_ID_SLOTS) {
			fwctl_err_set(e, "no free rule id (the set changes too much at once; "
					 "try 'fwctl rules flush' first)");
			err = -ENOSPC;
			goto out;
		}
		rs->v[i].id = fresh[n_fresh++] = next++;
		is_fresh[i] = 1;
	}
	assign_serials(old, rs, is_fresh);
	err = rule_stats_reset(m, fresh, n_fresh);
	if (err)
		fwctl_err_set(e, "cannot reset the new rules' counters: %s", strerror(-err));
out:
	if (err == -ENOMEM)
		fwctl_err_set(e, "out of memory");
	free(used);
	free(fresh);
	free(is_fresh);
	return err;
}

/* Put a complete generation into a fresh map (and a bank) and make it current. */
static int publish(const struct fwctl_maps *m, const struct fwctl_cell *cells, __u32 n_cells,
		   struct fwctl_err *e)
{
	int err, fd, bank;

	bank = table_bank_prepare(m, cells, e);
	if (bank < FWCTL_BANK_NONE)
		return bank;
	fd = table_create_bank(cells, n_cells, bank, e);
	if (fd < 0)
		return fd;
	err = table_commit(m, fd, e);	/* the commit point */
	close(fd);
	return err;
}

/* Build rs (ids assigned against old) and make it current. */
static int commit(const struct fwctl_maps *m, const struct ruleset *old, struct ruleset *rs,
		  struct fwctl_err *e)
{
	struct classifier_stats st;
	struct fwctl_cell *cells = NULL;
	__u32 n_cells = 0;
	int err;

	if (rs->n > FWCTL_SET_MAX_RULES) {
		fwctl_err_set(e, "too many rules: %u (limit %d)", rs->n, FWCTL_SET_MAX_RULES);
		return -ENOSPC;
	}
	err = assign_ids(m, old, rs, e);
	if (!err)
		err = build(rs, &cells, &n_cells, &st, e);
	if (!err)
		err = publish(m, cells, n_cells, e);
	free(cells);
	return err;
}

/* dst: a deep copy of src's entries and policy, to edit into the new set. */
static int copy_entries(struct ruleset *dst, const struct ruleset *src)
{
	unsigned int i;
	struct rule r;
	int err;

	memset(dst, 0, sizeof(*dst));
	dst->policy = src->policy;
	dst->next_serial = src->next_serial;
	err = rs_reserve(dst, src->n);
	for (i = 0; !err && i < src->n; i++) {
		char *text;

		err = rule_copy(&r, &src->v[i].rule);
		if (err)
			break;
		text = strdup(src->v[i].text);
		if (!text) {
			rule_free(&r);
			return -ENOMEM;
		}
		err = entry_set_text(&dst->v[dst->n++], src->v[i].id, &r, text);
		if (!err)
			dst->v[i].serial = src->v[i].serial;
	}
	return err;
}

static void dup_error(struct fwctl_err *e, const struct ruleset *rs, int at, const char *text,
		      const char *where)
{
	fwctl_err_set(e, "%sduplicate rule '%s': already exists (id %u, position %d)", where, text,
		      rs->v[at].id, at + 1);
}

/* ---- appending without reading the whole set back ----------------------- */

/*
 * An add at the end of the list (the common case) keeps the compiled cells
 * of the current generation and compiles only the rules appended since the
 * last whole compile (the tail), with the new ones, into trees of their own
 * (classifier_append): one add on a 10k set costs about what compiling
 * its tail does, not the 10k rules. The text and serial cells of the rules
 * before are copied as they are; only the tail's rules are parsed. Past
 * TAIL_MAX_RULES rules in the tail, or when the trees run out of roots,
 * the whole set is compiled again and the tail starts over, empty. A set
 * of up to TAIL_MAX_RULES rules is always compiled whole (it is cheap, and
 * a small set keeps the trees a whole compile gives it).
 *
 * The result is the generation the general path would make but for how
 * the classifier cuts the boxes into trees: the same rules, ids, serials,
 * text, header words and policy, committed the same way. Anything unusual
 * (a duplicate, no free id, a record that does not add up) sends the add
 * down the general path, which reports it in its own words.
 */
#define TAIL_MAX_RULES	1024
#define FAST_MAX_NEW	64	/* more rules at once (a file): the general path */
#define FAST_FALLBACK	1

/* One "ID<TAB>TEXT\n" line of a generation's text cells. */
struct text_line {
	const char *text;
	__u32 len;	/* of the text, newline excluded */
	__u32 key_len;	/* of the key text: the text before its comment */
	__u32 id;
};

struct append {
	const struct fwctl_cell *cells;	/* the current generation, mapped */
	__u32 n_cells_old;
	size_t map_len;
	struct text_line *line;		/* its rules, in list order */
	unsigned int n_old;
	__u32 base, keep_cells, keep_roots;	/* what it keeps: plan_tail() */
	unsigned int n;			/* rules added */
	char **text, **key;		/* theirs */
	__u32 *id, *serial;		/* theirs */
	__u32 next_serial;
	struct fwctl_cell *tail;	/* new header, appended cells: tail_compile() */
	__u32 n_tail;
	/* the new generation: classifier, serial and text cells (layout()) */
	__u32 serial_first, n_ids, text_first, n_cells;
};

static void append_free(struct append *a)
{
	for (unsigned int i = 0; a->text && i < a->n; i++) {
		if (a->key[i] != a->text[i])
			free(a->key[i]);
		free(a->text[i]);
	}
	free(a->text);
	free(a->key);
	free(a->id);
	free(a->serial);
	free(a->line);
	free(a->tail);
	if (a->cells)
		munmap((void *)a->cells, a->map_len);
}

/* The generation's lines; FAST_FALLBACK unless there are exactly n_rules. */
static int lines_split(struct append *a)
{
	const struct fwctl_table_hdr *h = &a->cells[0].hdr;
	const char *p = (const char *)&a->cells[h->text_cell], *end = p + h->text_bytes;
	const char *nl, *tab, *c;
	struct text_line *l;
	char *num_end;

	a->line = malloc(sizeof(*a->line) * (h->n_rules ? h->n_rules : 1));
	if (!a->line)
		return -ENOMEM;
	for (a->n_old = 0; p < end; a->n_old++, p = nl + 1) {
		nl = memchr(p, '\n', end - p);
		tab = nl ? memchr(p, '\t', nl - p) : NULL;
		if (!tab || a->n_old == h->n_rules)
			return FAST_FALLBACK;
		l = &a->line[a->n_old];
		l->id = strtoul(p, &num_end, 10);
		if (num_end != tab || l->id < 1 || l->id > FWCTL_MAX_RULE_ID)
			return FAST_FALLBACK;
		l->text = tab + 1;
		l->len = nl - l->text;
		/* Canonical text: the comment comes last, and nothing before it quotes. */
		c = memmem(l->text, l->len, " comment \"", 10);
		l->key_len = c ? (__u32)(c - l->text) : l->len;
	}
	return a->n_old == h->n_rules ? 0 : FAST_FALLBACK;
}

/*
 * What to keep: the cells [1, keep_cells) and roots [0, keep_roots) of
 * rules [0, base), as the generation's tail record says; false if it says
 * nothing usable. A small set (TAIL_MAX_RULES rules with the new ones)
 * keeps nothing but is compiled whole, as the general path does it: its
 * trees stay those of a whole compile, and its bank the same.
 */
static bool plan_tail(struct append *a, unsigned int n, unsigned int pos)
{
	const struct fwctl_table_hdr *h = &a->cells[0].hdr;
	__u32 tail_cell = CLASSIFIER_TAIL_CELL(h), tail_prio = CLASSIFIER_TAIL_PRIO(h);
	__u32 main_roots = CLASSIFIER_MAIN_ROOTS(h), end = h->text_cell, r;

	if ((pos && pos != h->n_rules + 1) || n < 1 || n > FAST_MAX_NEW ||
	    h->n_rules + n > FWCTL_SET_MAX_RULES)
		return false;
	if (h->n_rules + n <= TAIL_MAX_RULES) {
		a->base = 0;
		a->keep_cells = 1;
		a->keep_roots = 0;
		return true;
	}
	if (FWCTL_CT_SERIAL_CELL(h))
		end = FWCTL_CT_SERIAL_CELL(h);
	if (tail_cell < 1 || tail_cell > end || tail_prio > h->n_rules ||
	    h->n_rules - tail_prio + n > TAIL_MAX_RULES || main_roots > h->n_roots ||
	    h->n_roots > FWCTL_MAX_ROOTS)
		return false;
	for (r = 0; r < main_roots; r++)
		if (h->root[r] < 1 || h->root[r] >= tail_cell ||
		    h->root_min_prio[r] >= tail_prio)
			return false;
	a->base = tail_prio;
	a->keep_cells = tail_cell;
	a->keep_roots = main_roots;
	return true;
}

/* The new rules' texts, checked against the set and each other: a twin falls back. */
static int new_texts(struct append *a, const struct rule *rules)
{
	unsigned int i, j;
	size_t len;

	a->text = calloc(a->n, sizeof(*a->text));
	a->key = calloc(a->n, sizeof(*a->key));
	if (!a->text || !a->key)
		return -ENOMEM;
	for (i = 0; i < a->n; i++) {
		a->text[i] = rule_to_text(&rules[i]);
		a->key[i] = !a->text[i] ? NULL : rules[i].comment ? rule_key_text(&rules[i]) :
			    a->text[i];
		if (!a->key[i])
			return -ENOMEM;
		len = strlen(a->key[i]);
		for (j = 0; j < a->n_old; j++)
			if (a->line[j].key_len == len && !memcmp(a->line[j].text, a->key[i], len))
				return FAST_FALLBACK;
		for (j = 0; j < i; j++)
			if (!strcmp(a->key[j], a->key[i]))
				return FAST_FALLBACK;
	}
	return 0;
}

/* Ids and serials as assign_ids() gives them: the lowest free ids, counters zeroed. */
static int new_ids(const struct fwctl_maps *m, struct append *a, const struct rule *rules,
		   struct fwctl_err *e)
{
	const struct fwctl_table_hdr *h = &a->cells[0].hdr;
	unsigned char *used = calloc(FWCTL_RULE_ID_SLOTS, 1);
	__u32 next = 1, next_serial = FWCTL_CT_SERIAL_NEXT(h);
	unsigned int i;
	int err = 0;

	a->id = calloc(a->n, sizeof(*a->id));
	a->serial = calloc(a->n, sizeof(*a->serial));
	if (!used || !a->id || !a->serial) {
		free(used);
		return -ENOMEM;
	}
	for (i = 0; i < a->n_old; i++)
		used[a->line[i].id] = 1;
	if (!next_serial)
		next_serial = 1;
	for (i = 0; i < a->n && !err; i++) {
		while (next < FWCTL_RULE_ID_SLOTS && used[next])
			next++;
		if (next == FWCTL_RULE_ID_SLOTS)
			err = FAST_FALLBACK;
		a->id[i] = next++;
		if (rules[i].stateful) {
			a->serial[i] = next_serial;
			next_serial = serial_next(next_serial);
		}
	}
	free(used);
	a->next_serial = next_serial;
	if (!err) {
		err = rule_stats_reset(m, a->id, a->n);
		if (err)
			fwctl_err_set(e, "cannot reset the new rules' counters: %s", strerror(-err));
	}
	return err;
}

/* The classifier: the kept cells, then the tail's rules and the new ones compiled (a->tail). */
static int tail_compile(struct append *a, const struct rule_ctx *ctx, const struct rule *rules)
{
	const struct fwctl_table_hdr *h = &a->cells[0].hdr;
	__u32 base = a->base, n_tail = a->n_old - base, nt = n_tail + a->n;
	struct rule *tr = calloc(nt, sizeof(*tr));
	__u32 *tid = calloc(nt, sizeof(*tid));
	unsigned int i, parsed = 0;
	struct fwctl_err scratch;
	int err = tr && tid ? 0 : -ENOMEM;

	for (i = 0; !err && i < n_tail; i++, parsed++) {
		const struct text_line *l = &a->line[base + i];
		char *text = strndup(l->text, l->len);

		if (!text)
			err = -ENOMEM;
		else if (rule_from_text(text, ctx, &tr[i], &scratch))
			err = FAST_FALLBACK;
		free(text);
		tid[i] = l->id;
		if (err)
			break;
	}
	for (i = 0; !err && i < a->n; i++) {
		tr[n_tail + i] = rules[i];	/* shallow: the compiler only reads */
		tid[n_tail + i] = a->id[i];
	}
	if (!err && classifier_append_tail(a->cells, a->keep_cells, a->keep_roots, base, tr, tid,
					   nt, h->policy, &a->tail, &a->n_tail, NULL, &scratch))
		err = FAST_FALLBACK;	/* no root left, or anything else: compile it all */
	for (i = 0; i < parsed; i++)
		rule_free(&tr[i]);
	free(tr);
	free(tid);
	return err;	/* -ENOMEM: add_fast() says so */
}

/* Where the serial and text cells go, as add_serial_cells() and add_text_cells() put them. */
static void layout(struct append *a)
{
	const struct fwctl_table_hdr *oh = &a->cells[0].hdr;
	size_t bytes = 0;
	unsigned int i;

	a->n_ids = FWCTL_CT_SERIAL_CELL(oh) ? FWCTL_CT_SERIAL_IDS(oh) : 0;
	for (i = 0; i < a->n; i++)
		if (a->serial[i] && a->id[i] >= a->n_ids)
			a->n_ids = a->id[i] + 1;
	a->serial_first = a->keep_cells + a->n_tail - 1;
	a->text_first = a->serial_first + serial_cells(a->n_ids);
	for (i = 0; i < a->n_old; i++)
		bytes += 12 + a->line[i].len;
	for (i = 0; i < a->n; i++)
		bytes += 12 + strlen(a->text[i]);
	a->n_cells = a->text_first + (bytes + FWCTL_CELL_SIZE - 1) / FWCTL_CELL_SIZE;
}

/* The serial cells: the old ones, and the new rules'. */
static void write_serials(const struct append *a, struct fwctl_cell *out)
{
	const struct fwctl_table_hdr *oh = &a->cells[0].hdr;
	struct fwctl_serial_cell *sc;
	unsigned int i;
	__u32 id;

	if (FWCTL_CT_SERIAL_CELL(oh) && FWCTL_CT_SERIAL_IDS(oh))
		memcpy(&out[a->serial_first], &a->cells[FWCTL_CT_SERIAL_CELL(oh)],
		       sizeof(*out) * serial_cells(FWCTL_CT_SERIAL_IDS(oh)));
	for (i = 0; i < a->n; i++) {
		id = a->id[i];
		if (!a->serial[i])
			continue;
		sc = (void *)&out[a->serial_first + id / FWCTL_CT_SERIALS_PER_CELL];
		sc->serial[id % FWCTL_CT_SERIALS_PER_CELL] = a->serial[i];
	}
}

/* The text: the old lines as they are, and the new rules'. */
static size_t write_text(const struct append *a, struct fwctl_cell *out)
{
	const struct fwctl_table_hdr *oh = &a->cells[0].hdr;
	char *p = (char *)&out[a->text_first], line[24];
	size_t off = oh->text_bytes, len;
	unsigned int i;

	memcpy(p, &a->cells[oh->text_cell], oh->text_bytes);
	for (i = 0; i < a->n; i++) {
		/* No sprintf of the whole line: it would write its NUL past a full map. */
		len = snprintf(line, sizeof(line), "%u\t", a->id[i]);
		memcpy(p + off, line, len);
		off += len;
		len = strlen(a->text[i]);
		memcpy(p + off, a->text[i], len);
		off += len;
		p[off++] = '\n';
	}
	return off;
}

/* The whole generation into out, a->n_cells zeroed cells. */
static void write_generation(const struct append *a, struct fwctl_cell *out)
{
	struct fwctl_table_hdr *h = &out[0].hdr;

	memcpy(&out[1], &a->cells[1], sizeof(*out) * (a->keep_cells - 1));
	memcpy(&out[a->keep_cells], &a->tail[1], sizeof(*out) * (a->n_tail - 1));
	write_serials(a, out);
	/* The header last but for its text fields: as add_serial_cells() and
	 * add_text_cells() leave it. */
	out[0] = a->tail[0];
	FWCTL_CT_SERIAL_CELL(h) = a->text_first > a->serial_first ? a->serial_first : 0;
	FWCTL_CT_SERIAL_IDS(h) = a->n_ids;
	FWCTL_CT_SERIAL_NEXT(h) = a->next_serial;
	h->text_cell = a->text_first;
	h->text_bytes = write_text(a, out);
	h->n_cells = a->n_cells;
}

/*
 * Make it current. A small one (one that may fit a bank) goes the usual
 * way, bank and all; a big one is written straight into
 * its map, sparing a copy of the kept cells (tens of MiB at 100k rules).
 */
static int append_publish(const struct fwctl_maps *m, const struct append *a,
			  struct fwctl_err *e)
{
	struct fwctl_cell *out;
	int fd, err, per_bank = m->banks < 0 ? 0 : table_bank_cells(m->banks);

	/* Boxes can be copied several times over in a bank: a set of up to
	 * twice the bank's cells may still fit it (table_bank_prepare decides). */
	if (per_bank > 0 && a->text_first <= 2 * (__u32)per_bank) {
		out = calloc(a->n_cells, sizeof(*out));
		if (!out) {
			fwctl_err_set(e, "out of memory");
			return -ENOMEM;
		}
		write_generation(a, out);
		err = publish(m, out, a->n_cells, e);
		free(out);
		return err;
	}
	fd = table_create_mapped(a->n_cells, FWCTL_BANK_NONE, &out, e);
	if (fd < 0)
		return fd;
	write_generation(a, out);
	munmap(out, sizeof(*out) * a->n_cells);
	err = table_commit(m, fd, e);	/* the commit point */
	close(fd);
	return err;
}

/* The add at the end, or FAST_FALLBACK: take the general path. rules stay the caller's. */
static int add_fast(const struct fwctl_maps *m, const struct rule_ctx *ctx,
		    const struct rule *rules, unsigned int n, unsigned int pos, __u32 *ids,
		    unsigned int *pos_out, struct fwctl_err *e)
{
	struct append a = { .n = n };
	struct fwctl_err scratch;
	int err;

	if (n < 1 || n > FAST_MAX_NEW || (pos && pos > FWCTL_SET_MAX_RULES + 1))
		return FAST_FALLBACK;
	/* Whatever fails reading is the general path's to report. */
	if (map_current(m, &a.cells, &a.n_cells_old, &a.map_len, &scratch))
		return FAST_FALLBACK;
	err = plan_tail(&a, n, pos) ? lines_split(&a) : FAST_FALLBACK;
	if (!err)
		err = new_texts(&a, rules);
	if (!err)
		err = new_ids(m, &a, rules, e);
	if (!err)
		err = tail_compile(&a, ctx, rules);
	if (err == -ENOMEM)
		fwctl_err_set(e, "out of memory");
	if (!err) {
		layout(&a);
		err = append_publish(m, &a, e);
	}
	if (!err) {
		for (unsigned int i = 0; ids && i < n; i++)
			ids[i] = a.id[i];
		if (pos_out)
			*pos_out = a.n_old + 1;
	}
	append_free(&a);
	return err;
}

int ruleset_add(const struct fwctl_maps *m, const struct rule_ctx *ctx, struct rule *rules,
		unsigned int n, unsigned int pos, const char *file, const unsigned int *lines,
		__u32 *ids, unsigned int *pos_out, struct fwctl_err *e)
{
	struct key_index old_ix = {};
	struct ruleset old, rs;
	char where[300] = "";
	unsigned int i;
	int err, at;

	err = add_fast(m, ctx, rules, n, pos, ids, pos_out, e);
	if (err != FAST_FALLBACK)
		goto free_rules;
	err = ruleset_read(m, ctx, &old, e);
	if (err)
		goto free_rules;
	err = copy_entries(&rs, &old);
	if (err)
		goto out;
	if (pos == 0)
		pos = rs.n + 1;
	if (pos > rs.n + 1) {
		fwctl_err_set(e, "invalid position %u: the set has %u rule%s (1-%u)", pos, rs.n,
			      rs.n == 1 ? "" : "s", rs.n + 1);
		err = -EINVAL;
		goto out;
	}
	if (rs.n + n > FWCTL_SET_MAX_RULES) {
		fwctl_err_set(e, "rule table full: %u rules, room for %u more (limit %d)", rs.n,
			      FWCTL_SET_MAX_RULES - rs.n, FWCTL_SET_MAX_RULES);
		err = -ENOSPC;
		goto out;
	}
	err = rs_reserve(&rs, rs.n + n);
	if (err)
		goto out;
	/* Make room at pos, then fill it in order. */
	memmove(&rs.v[pos - 1 + n], &rs.v[pos - 1], sizeof(rs.v[0]) * (rs.n - (pos - 1)));
	memset(&rs.v[pos - 1], 0, sizeof(rs.v[0]) * n);
	rs.n += n;
	for (i = 0; i < n; i++) {
		err = entry_set(&rs.v[pos - 1 + i], 0, &rules[i]);
		if (err)
			goto out;
	}
	err = index_build(&old, 0, old.n, &old_ix);
	if (err)
		goto out;
	for (i = 0; i < n; i++) {
		struct ruleset_entry *en = &rs.v[pos - 1 + i];

		if (file)
			snprintf(where, sizeof(where), "%s:%u: ", file, lines[i]);
		at = index_find(&old_ix, en->key);
		if (at >= 0) {
			dup_error(e, &old, at, en->text, where);
			err = -EEXIST;
			goto out;
		}
	}
	err = check_batch(&rs, pos - 1, n, file, lines, e);
	if (err)
		goto out;
	err = commit(m, &old, &rs, e);
	if (!err && ids)
		for (i = 0; i < n; i++)
			ids[i] = rs.v[pos - 1 + i].id;
	if (!err && pos_out)
		*pos_out = pos;
out:
	free(old_ix.v);
	ruleset_free(&rs);
	ruleset_free(&old);
free_rules:
	for (i = 0; i < n; i++)	/* those not moved into rs yet */
		rule_free(&rules[i]);
	return err;
}

/* Delete entry at (0-based) of the current set; its id and text out. */
static int del_at(const struct fwctl_maps *m, struct ruleset *old, int at, __u32 *id,
		  char **text, struct fwctl_err *e)
{
	struct ruleset rs;
	int err;

	err = copy_entries(&rs, old);
	if (err) {
		ruleset_free(&rs);
		return err;
	}
	*id = rs.v[at].id;
	free(rs.v[at].text);
	free(rs.v[at].key);
	rule_free(&rs.v[at].rule);
	memmove(&rs.v[at], &rs.v[at + 1], sizeof(rs.v[0]) * (rs.n - at - 1));
	rs.n--;
	err = commit(m, old, &rs, e);
	if (!err && text)
		*text = strdup(old->v[at].text);
	ruleset_free(&rs);
	return err;
}

int ruleset_del(const struct fwctl_maps *m, const struct rule_ctx *ctx, const struct rule *r,
		__u32 *id, char **text, struct fwctl_err *e)
{
	struct ruleset old;
	char *key;
	int err, at;

	err = ruleset_read(m, ctx, &old, e);
	if (err)
		return err;
	key = rule_key_text(r);
	at = key ? find_key(&old, key) : -1;
	if (!key) {
		err = -ENOMEM;
		fwctl_err_set(e, "out of memory");
	} else if (at < 0) {
		fwctl_err_set(e, "no such rule '%s'", key);
		err = -ENOENT;
	} else {
		err = del_at(m, &old, at, id, text, e);
	}
	free(key);
	ruleset_free(&old);
	return err;
}

int ruleset_del_id(const struct fwctl_maps *m, const struct rule_ctx *ctx, __u32 id, char **text,
		   struct fwctl_err *e)
{
	struct ruleset old;
	unsigned int i;
	int err;
	__u32 got;

	err = ruleset_read(m, ctx, &old, e);
	if (err)
		return err;
	for (i = 0; i < old.n && old.v[i].id != id; i++)
		;
	if (i == old.n) {
		fwctl_err_set(e, "no rule with id %u", id);
		err = -ENOENT;
	} else {
		err = del_at(m, &old, i, &got, text, e);
	}
	ruleset_free(&old);
	return err;
}

int ruleset_flush(const struct fwctl_maps *m, const struct rule_ctx *ctx, struct fwctl_err *e)
{
	struct ruleset old, rs = {};
	int err;

	err = ruleset_read(m, ctx, &old, e);
	if (err)
		return err;
	rs.policy = old.policy;
	rs.next_serial = old.next_serial;
	err = commit(m, &old, &rs, e);
	if (!err)
		err = old.n;
	ruleset_free(&old);
	return err;
}

int ruleset_replace(const struct fwctl_maps *m, const struct rule_ctx *ctx, struct rule *rules,
		    unsigned int n, int policy, struct ruleset_diff *diff, struct fwctl_err *e)
{
	struct key_index old_ix = {};
	struct ruleset old, rs = {};
	unsigned int i;
	int err, at;

	err = ruleset_read(m, ctx, &old, e);
	if (err)
		goto free_rules;
	rs.policy = policy >= 0 ? (__u32)policy : old.policy;
	rs.next_serial = old.next_serial;
	err = index_build(&old, 0, old.n, &old_ix);
	if (!err)
		err = rs_reserve(&rs, n);
	memset(diff, 0, sizeof(*diff));
	for (i = 0; !err && i < n; i++) {
		err = entry_set(&rs.v[rs.n++], 0, &rules[i]);
		if (err)
			break;
		/* Unchanged rules keep their ids and counters. */
		at = index_find(&old_ix, rs.v[i].key);
		if (at >= 0) {
			rs.v[i].id = old.v[at].id;
			rs.v[i].serial = old.v[at].serial;
			diff->kept++;
		} else {
			diff->added++;
		}
	}
	diff->removed = old.n - diff->kept;
	if (!err)
		err = check_batch(&rs, 0, rs.n, NULL, NULL, e);
	if (!err)
		err = commit(m, &old, &rs, e);
	free(old_ix.v);
	ruleset_free(&rs);
	ruleset_free(&old);
free_rules:
	for (i = 0; i < n; i++)	/* those not moved into rs yet */
		rule_free(&rules[i]);
	return err;
}

int ruleset_compile_check(struct rule *rules, unsigned int n, struct classifier_stats *st,
			  struct fwctl_err *e)
{
	struct ruleset rs = {};
	struct fwctl_cell *cells = NULL;
	__u32 n_cells = 0;
	unsigned int i;
	int err;

	err = rs_reserve(&rs, n);
	for (i = 0; !err && i < n; i++) {
		err = entry_set(&rs.v[rs.n++], i + 1, &rules[i]);
		/* Unattached: 'in IF' cannot be resolved; compile it as any. */
		if (rs.v[i].rule.in == RULE_IN_UNRESOLVED)
			rs.v[i].rule.in = RULE_IN_ANY;
	}
	if (!err)
		err = build(&rs, &cells, &n_cells, st, e);
	free(cells);
	ruleset_free(&rs);
	for (i = 0; i < n; i++)	/* those not moved into rs */
		rule_free(&rules[i]);
	return err;
}

int ruleset_policy_get(const struct fwctl_maps *m, __u32 *policy, struct fwctl_err *e)
{
	struct fwctl_cell *cells = NULL;
	__u32 n = 0;
	int err;

	err = read_current(m, &cells, &n, e);
	if (!err)
		*policy = cells[0].hdr.policy;
	free(cells);
	return err;
}

int ruleset_summary(const struct fwctl_maps *m, unsigned int *n_rules, __u32 *policy,
		    struct fwctl_err *e)
{
	struct fwctl_cell hdr;
	__u32 zero = 0;
	int fd, err;

	fd = table_open_current(m, e);
	if (fd < 0)
		return fd;
	err = bpf_map_lookup_elem(fd, &zero, &hdr) ? -errno : 0;
	close(fd);
	if (!err && (hdr.hdr.kind != FWCTL_CELL_HDR || hdr.hdr.magic != FWCTL_TABLE_MAGIC))
		err = -EUCLEAN;
	if (err) {
		fwctl_err_set(e, "cannot read the rule table: %s", strerror(-err));
		return err;
	}
	*n_rules = hdr.hdr.n_rules;
	*policy = hdr.hdr.policy;
	return 0;
}

int ruleset_policy_set(const struct fwctl_maps *m, __u32 policy, struct fwctl_err *e)
{
	int fd, err;

	fd = table_open_current(m, e);
	if (fd < 0)
		return fd;
	err = table_set_policy(fd, policy, e);
	close(fd);
	return err;
}

int ruleset_serials(const struct fwctl_maps *m, __u32 **serial, __u32 *n_ids,
		    struct fwctl_err *e)
{
	struct fwctl_cell *cells = NULL;
	__u32 n = 0, ids, i;
	int err;

	*serial = NULL;
	*n_ids = 0;
	err = read_current(m, &cells, &n, e);
	if (err)
		return err;
	ids = FWCTL_CT_SERIAL_CELL(&cells[0].hdr) ? FWCTL_CT_SERIAL_IDS(&cells[0].hdr) : 0;
	*serial = calloc(ids ? ids : 1, sizeof(**serial));
	if (!*serial) {
		free(cells);
		fwctl_err_set(e, "out of memory");
		return -ENOMEM;
	}
	for (i = 0; i < ids; i++)
		(*serial)[i] = serial_of(cells, i);
	*n_ids = ids;
	free(cells);
	return 0;
}

int ruleset_init(const struct fwctl_maps *m, struct fwctl_err *e)
{
	struct ruleset none = {}, empty = { .policy = FWCTL_POLICY_DROP };

	return commit(m, &none, &empty, e);
}
